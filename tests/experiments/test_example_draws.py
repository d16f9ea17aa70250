"""The shared example draws (experiments/stats/example_draws.py): each cell's resampled test metrics
equal a direct resampling of its examples with the same picks; the example level applies only
where one test set is shared by every unit (one split, or an official test set), with one draw
for every split then."""
from __future__ import annotations

import dataclasses

import numpy as np

from augfit.experiments.stats import CellResult
from augfit.experiments.stats import stats as st
from augfit.experiments.stats.example_draws import cell_id, draw_counts, example_draws, pick_dtype
from augfit.rng import derive


def _rows(splits: int = 2, seeds: int = 3, t: int = 80, seed: int = 0) -> list[CellResult]:
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
    return [CellResult(**r) for r in rows]


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
    rows[0] = dataclasses.replace(rows[0], test_correct=None)
    d = example_draws(rows, 5, seed=0)
    assert cell_id(rows[0]) not in d and cell_id(rows[1]) in d


def test_the_example_level_applies_only_to_one_shared_test_set():
    """Two splits with test sets of their own: no example level (the test noise is in the
    between-split variation), the same numbers as without per-example results. The same rows
    declared as scored on one official test set: the example level, one draw for every split."""
    rows = _rows()
    bare = [dataclasses.replace(r, test_correct=None, test_loss_per_example=None) for r in rows]
    (own,) = st.compare(rows, ["baseline", "m"], "baseline", [10], resamples=2000, seed=0)
    (none,) = st.compare(bare, ["baseline", "m"], "baseline", [10], resamples=2000, seed=0)
    assert not own.example_level and st.study_draws(rows, 10, 0) is None
    assert own.stats == none.stats
    (shared,) = st.compare(rows, ["baseline", "m"], "baseline", [10], resamples=2000, seed=0,
                           shared_test=True)
    assert shared.example_level
    assert np.std(shared.stats["d_test_loss"].boot) > 1.2 * np.std(own.stats["d_test_loss"].boot)
    # one stream for every split: split 1's cells use split 0's picks
    d = example_draws(rows, 10, seed=3, shared=True)
    picks = derive(3, 0, 0, 0).integers(0, 80, size=(10, 80), dtype=pick_dtype(80))
    r = next(r for r in rows if r["split"] == 1)
    want = [r["test_correct"][p].mean() for p in picks]
    np.testing.assert_allclose(d.values[cell_id(r)][:, 0], want, rtol=1e-12)


def test_method_and_baseline_share_their_example_draw():
    # identical per-example results for method and baseline: every resampled difference is 0,
    # which holds only if both were resampled on the same examples
    rows = [dataclasses.replace(r, method="m") for r in _rows() if r.method == "baseline"]
    rows += [dataclasses.replace(r, method="baseline") for r in rows]
    (c,) = st.compare(rows, ["baseline", "m"], "baseline", [10], resamples=500, seed=0,
                      shared_test=True)
    assert c.example_level
    assert np.all(c.stats["d_test_accuracy"].boot == 0)
    assert np.all(c.stats["d_test_loss"].boot == 0)
    assert np.ptp(c.stats["baseline_test_accuracy"].boot) > 0


def test_a_comparison_does_not_depend_on_which_others_are_computed():
    rows = _rows()
    rows += [dataclasses.replace(r, method="other") for r in rows if r["method"] == "m"]
    both = st.compare(rows, ["baseline", "other", "m"], "baseline", [10], resamples=300, seed=4,
                      shared_test=True)
    alone = st.compare([r for r in rows if r["method"] != "other"], ["baseline", "other", "m"],
                       "baseline", [10], resamples=300, seed=4, shared_test=True)
    assert both[1].example_level
    a, b = both[1], alone[0]
    assert a.method == b.method == "m"
    for name, e in a.stats.items():
        assert (e.value, e.ci, e.p) == (b.stats[name].value, b.stats[name].ci, b.stats[name].p)
        np.testing.assert_array_equal(e.boot, b.stats[name].boot)
