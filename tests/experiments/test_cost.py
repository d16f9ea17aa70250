"""The cost model: hand-worked work counts, planted rates recovered, largest cells first, the ETA
from the model, and a resumed run that says what it found stored."""
from __future__ import annotations

import io
import sqlite3

import numpy as np
import pytest

from augfit.experiments import run
from augfit.experiments.run.cost import (
    CostClock,
    CostModel,
    cost_model,
    makespan,
    parameter_count,
    run_order,
    samples,
)
from augfit.experiments.run.progress import LineProgress
from augfit.experiments.spec import parse_spec

SPEC = {"dataset": {"name": "digits"}, "train_sizes": [50, 100, 400], "seeds": 2,
        "model": {"hidden": [16]}, "training": {"epochs": 10, "batch_size": 32},
        "methods": ["baseline", {"name": "flip", "augment": [{"type": "HorizontalFlip"}]},
                    {"name": "es", "early_stopping": {"patience": 2}}]}


def test_work_is_samples_times_parameters_by_hand():
    spec = parse_spec(SPEC)
    assert parameter_count(spec, 64, 10) == 65 * 16 + 17 * 10 == 1210
    model = CostModel(spec, n_val=360, n_features=64, n_classes=10)
    assert model.work(50) == (10 * 50 * 1210, 10 * (50 + 360) * 1210)
    # a step budget: steps x batch training samples at every size, an eval per (fractional) epoch
    spec.training["steps"] = 100
    assert samples(spec, 400) == (3200.0, 8.0)
    assert model.work(400) == (3200 * 1210, 8 * (400 + 360) * 1210)
    spec.training["eval_every"] = 20                      # 100 / 20 = 5 evaluations
    assert model.work(400) == (3200 * 1210, 5 * (400 + 360) * 1210)
    del spec.training["steps"]                            # 10 epochs of ceil(50 / 32) = 2 steps
    assert samples(spec, 50) == (500.0, 1.0)


def test_prior_prices_augmentation_and_early_stopping():
    model = CostModel(parse_spec(SPEC), n_val=360, n_features=64)
    base, flip, es = (model.prior(m) for m in ("baseline", "flip", "es"))
    assert flip[0] / base[0] == pytest.approx((3 + 6) / 3) and flip[1] == base[1]
    assert es[0] / base[0] == pytest.approx(0.6) and es[1] / base[1] == pytest.approx(0.6)


def test_fit_recovers_planted_rates_and_predicts_within_one_percent():
    spec = parse_spec(SPEC)
    model = CostModel(spec, n_val=360, n_features=64)
    planted = {"baseline": (2e-9, 1e-9), "flip": (9e-9, 1e-9), "es": (1e-9, 5e-10)}
    cells = spec.cells()
    timed = []
    for c in cells[: len(cells) // 2 + 3]:               # every method timed at >= 2 sizes
        tw, ew = model.work(c.train_size)
        a, b = planted[c.method]
        timed.append((c, a * tw + b * ew))
    model.fit(timed)
    for m, (a, b) in planted.items():
        np.testing.assert_allclose(model.rates[m], (a, b), rtol=1e-6)
    for c in cells:                                       # including the untimed cells
        tw, ew = model.work(c.train_size)
        a, b = planted[c.method]
        assert model.seconds(c) == pytest.approx(a * tw + b * ew, rel=1e-6)


def test_a_method_timed_at_one_size_uses_the_prior_scaled_by_every_timed_cell():
    spec = parse_spec(SPEC)
    model = CostModel(spec, n_val=360, n_features=64)
    base = next(c for c in spec.cells() if c.method == "baseline" and c.train_size == 100)
    flip = next(c for c in spec.cells() if c.method == "flip" and c.train_size == 400)
    model.fit([(base, 2.0)])
    assert model.seconds(base) == pytest.approx(2.0)
    assert "baseline" not in model.rates                  # one size: no fit of its own
    ratio = (9 * 400 * 10 + 1 * 10 * 760) / (3 * 100 * 10 + 1 * 10 * 460)
    assert model.seconds(flip) == pytest.approx(2.0 * ratio)


def test_largest_first_shortens_the_makespan_on_two_workers():
    spec = parse_spec(SPEC)
    model = CostModel(spec, n_val=360, n_features=64)
    cells = spec.cells()
    ordered = model.order(cells)
    costs = [model.seconds(c) for c in ordered]
    assert costs == sorted(costs, reverse=True)
    assert sorted(c.key for c in ordered) == sorted(c.key for c in cells)
    grid = [model.seconds(c) for c in cells]
    assert makespan(costs, 2) < makespan(grid, 2)
    assert makespan(costs, 2) <= 1.05 * sum(costs) / 2   # within 5% of a perfect split


def test_run_order_probes_each_method_at_the_smallest_size_after_the_first_cells():
    spec = parse_spec(SPEC)
    model = CostModel(spec, n_val=360, n_features=64, free=["es"])   # es: derived, no cost
    order = run_order(model, spec.cells(), workers=2)
    assert sorted(c.key for c in order) == sorted(c.key for c in spec.cells())
    head = [(c.method, c.train_size) for c in order[:4]]
    assert head == [("flip", 400), ("flip", 400), ("flip", 50), ("baseline", 50)]
    rest = [model.seconds(c) for c in order[4:]]
    assert rest == sorted(rest, reverse=True) and rest[-1] == 0.0    # derived cells cost 0
    assert model.seconds(next(c for c in order if c.method == "es")) == 0.0


def test_cost_clock_eta_counts_the_workers():
    spec = parse_spec(SPEC)
    model = CostModel(spec, n_val=360, n_features=64)
    cells = model.order(spec.cells())
    clock = CostClock(model, cells)
    assert clock.eta(5.0) is None                         # nothing finished yet
    for c in cells[:4]:
        clock.finished(c, None)                           # failed cells: no timing, still done
    done, left = model.total(cells[:4]), model.total(cells[4:])
    # 2 workers did the modelled cost ``done`` in half of it: the rest takes half of ``left``
    assert clock.eta(done / 2) == pytest.approx(left / 2)


def test_a_derived_cell_whose_sibling_is_stored_costs_its_own_run():
    # issue 21: es cells cost 0 as riders of their baseline sibling's run, also when the sibling
    # was stored already (resume) and they train alone: the ETA was low (or never shown)
    from augfit.experiments.run.tasks import trained_alone
    spec = parse_spec(SPEC)
    cells = spec.cells()
    es = [c for c in cells if c.method == "es"]
    base = {(c.split, c.seed, c.train_size): c for c in cells if c.method == "baseline"}
    every = cost_model(spec, todo=cells)                # the siblings to do too: es rides, free
    assert every.alone == set() and every.total(es) == 0.0
    resumed = cost_model(spec, todo=es)                 # baseline stored: es trains alone
    assert resumed.alone == {c.key for c in es} == trained_alone(spec, es)
    for c in es:                                        # the prior: 60% of baseline's run
        sibling = base[(c.split, c.seed, c.train_size)]
        assert resumed.seconds(c) == pytest.approx(0.6 * resumed.seconds(sibling))
        assert resumed.seconds(c) > 0
    half = [c for c in cells if c.seed == 0 and c.method == "baseline"] + es
    assert trained_alone(spec, half) == {c.key for c in es if c.seed != 0}
    clock = CostClock(resumed, es)
    clock.finished(es[0], None)
    assert clock.eta(10.0) == pytest.approx(10.0 * resumed.total(es[1:]) / resumed.seconds(es[0]))
    assert clock.eta(10.0) > 0


def test_line_progress_shows_the_given_eta_counting_down():
    now = [0.0]
    out = io.StringIO()
    p = LineProgress(10, file=out, clock=lambda: now[0], every_fraction=1.0)
    now[0] = 4.0
    p.set_eta(60.0)
    p.update()                                            # under 10 s and 10%: no line yet
    now[0] = 14.0
    p.tick()
    p.write("resuming: 1 of 10 cells stored")
    assert out.getvalue().splitlines() == [
        "augfit run: 1/10 cells (10%), 14s elapsed, ETA 50s",   # 60 s given at 4 s, 10 s ago
        "resuming: 1 of 10 cells stored",
    ]


TINY = {"dataset": {"name": "digits"}, "model": {"hidden": [8]},
        "training": {"epochs": 3, "batch_size": 16, "lr": 0.01}, "seeds": 2,
        "train_sizes": [30, 120],
        "bootstrap": {"resamples": 200},
        "methods": ["baseline", {"name": "rot", "augment": [{"type": "Rotate", "limit": 10}]}]}


def test_runner_trains_largest_first_and_a_resumed_run_says_what_is_stored(tmp_path, capsys):
    out = tmp_path / "r"
    run(TINY, out=out, workers=1, report=False, progress=None, speedups="derive,flush,sparse")
    with sqlite3.connect(out / "results.sqlite") as con:
        order = con.execute("SELECT method, train_size FROM cells ORDER BY finished").fetchall()
    # the largest cell first, then one probe of the smallest size per method, then largest first
    assert order == [("rot", 120), ("rot", 30), ("baseline", 30), ("rot", 120),
                     ("baseline", 120), ("baseline", 120), ("rot", 30), ("baseline", 30)]
    assert "resuming" not in capsys.readouterr().err
    # stacked (the default for this small model): a grid row's cells train together, each
    # group where its first cell was in that order
    run(TINY, out=tmp_path / "s", workers=1, report=False, progress=None)
    with sqlite3.connect(tmp_path / "s" / "results.sqlite") as con:
        order = con.execute("SELECT method, train_size FROM cells ORDER BY finished").fetchall()
    assert order == [("rot", 120), ("rot", 120), ("rot", 30), ("rot", 30), ("baseline", 30),
                     ("baseline", 30), ("baseline", 120), ("baseline", 120)]
    res = run(dict(TINY, seeds=3), out=out, workers=1, report=False, progress=None)
    assert res.n_run == 4 and res.n_skipped == 8
    assert "resuming: 8 of 12 cells stored" in capsys.readouterr().err.splitlines()
