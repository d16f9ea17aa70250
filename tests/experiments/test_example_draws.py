"""The shared example draws (experiments/example_draws.py): each cell's resampled test metrics
equal a direct resampling of its examples with the same picks, and a report's comparisons built on
them have the same bootstrap distribution as the per-comparison draw they replace."""
from __future__ import annotations

import numpy as np
import pytest

from augfit.experiments import stats as st
from augfit.experiments.example_draws import cell_id, draw_counts, example_draws, pick_dtype
from augfit.rng import derive


def _rows(splits: int = 2, seeds: int = 3, t: int = 80, seed: int = 0) -> list[dict]:
    """Baseline and method on the same test examples: example difficulty shared by every cell of
    a split, the method agreeing with the baseline on most examples (a paired design)."""
    rng = np.random.default_rng(seed)
    rows = []
    for sp in range(splits):
        hard = rng.random(t)
        for sd in range(seeds):
            u = rng.random(t)
            base = u > hard * 0.5
            method = np.where(rng.random(t) < 0.8, base, rng.random(t) > hard * 0.4)
            for name, c, train in (("baseline", base, 1.0), ("m", method, 0.97)):
                loss = np.where(c, 0.1 + 0.2 * hard, 1.0 + 2 * hard).astype(np.float32)
                rows.append({"method": name, "split": sp, "seed": sd, "train_size": 10,
                             "test_accuracy": float(c.mean()), "train_accuracy": train,
                             "test_loss": float(loss.mean()), "train_loss": 0.05,
                             "test_correct": c, "test_loss_per_example": loss})
    return rows


def test_each_cell_is_resampled_with_the_picks_of_its_split():
    """Against a direct resampling: the same picks (one block of 10 resamples), each cell's
    examples indexed by them and averaged."""
    rows = _rows(splits=2, seeds=2, t=30)
    d = example_draws(rows, 10, seed=3)
    assert len(d.values) == len(rows)
    for sp in (0, 1):
        picks = derive(3, 0, 0, sp).integers(0, 30, size=(10, 30), dtype=pick_dtype(30))
        for r in rows:
            if r["split"] != sp:
                continue
            want = np.array([[r["test_correct"][p].mean(),
                              r["test_loss_per_example"][p].astype(float).mean()]
                             for p in picks])
            np.testing.assert_allclose(d.values[cell_id(r)], want, rtol=1e-12)


def test_counts_are_multinomial_draws_of_n_test_examples():
    blocks = list(draw_counts(np.random.default_rng(0), 7, 5, block=10))
    assert [s for s, _ in blocks] == [0, 2, 4, 6]
    counts = np.concatenate([c for _, c in blocks])
    assert counts.shape == (7, 5) and (counts.sum(axis=1) == 5).all() and counts.min() >= 0


def test_rows_without_examples_are_left_out():
    rows = _rows(splits=1, seeds=1, t=20)
    rows[0] = {k: v for k, v in rows[0].items() if k != "test_correct"}
    d = example_draws(rows, 5, seed=0)
    assert cell_id(rows[0]) not in d and cell_id(rows[1]) in d


def test_shared_draws_give_the_same_intervals_as_per_comparison_draws():
    """Same law, different random streams: the intervals agree within Monte Carlo error.

    At 20,000 resamples an endpoint's Monte Carlo sd is about 0.03 bootstrap sd, so 0.12 is about
    four of them; without the example level the spread is clearly smaller (checked below), so
    a fast path that lost it would fail."""
    rows = _rows()
    b = 20000
    (fast,) = st.compare(rows, ["baseline", "m"], "baseline", [10], resamples=b, seed=0)
    units = st.paired_units(rows, "baseline", "m", 10)
    assert units.examples is not None and units.test is None
    direct = st.compare_units(units, "m", 10, np.random.default_rng(11), b)
    assert fast.example_level and direct.example_level
    bare = [{k: v for k, v in r.items() if k not in ("test_correct", "test_loss_per_example")}
            for r in rows]
    (none,) = st.compare(bare, ["baseline", "m"], "baseline", [10], resamples=b, seed=0)
    for stat in ("d_test_accuracy", "d_gap", "d_test_loss", "baseline_gap"):
        f, g = fast.stats[stat], direct.stats[stat]
        sd = g.boot.std()
        assert f.value == g.value
        assert f.boot.std() == pytest.approx(sd, rel=0.04), stat
        assert f.ci[0] == pytest.approx(g.ci[0], abs=0.12 * sd), stat
        assert f.ci[1] == pytest.approx(g.ci[1], abs=0.12 * sd), stat
        assert none.stats[stat].boot.std() < 0.85 * sd, stat


def test_method_and_baseline_share_their_example_draw():
    # identical per-example results for method and baseline: every resampled difference is 0,
    # which holds only if both were resampled on the same examples
    rows = [dict(r, method="m") if r["method"] == "baseline" else None for r in _rows()]
    rows = [r for r in rows if r] + [dict(r, method="baseline") for r in rows if r]
    (c,) = st.compare(rows, ["baseline", "m"], "baseline", [10], resamples=500, seed=0)
    assert c.example_level
    assert np.all(c.stats["d_test_accuracy"].boot == 0)
    assert np.all(c.stats["d_test_loss"].boot == 0)
    assert np.ptp(c.stats["baseline_test_accuracy"].boot) > 0


def test_a_comparison_does_not_depend_on_which_others_are_computed():
    rows = _rows()
    rows += [dict(r, method="other") for r in rows if r["method"] == "m"]
    both = st.compare(rows, ["baseline", "other", "m"], "baseline", [10], resamples=300, seed=4)
    alone = st.compare([r for r in rows if r["method"] != "other"], ["baseline", "other", "m"],
                       "baseline", [10], resamples=300, seed=4)
    a, b = both[1], alone[0]
    assert a.method == b.method == "m"
    for name, e in a.stats.items():
        assert (e.value, e.ci, e.p) == (b.stats[name].value, b.stats[name].ci, b.stats[name].p)
        np.testing.assert_array_equal(e.boot, b.stats[name].boot)
