"""Derived early stopping: a method that differs from another only by early stopping is read off
that method's run, and every stored field equals training it directly (wall time aside)."""
from __future__ import annotations

import pytest

from augfit.errors import ConfigError, TrainingError
from augfit.experiments import run
from augfit.experiments.run.cell import run_cell, run_cells
from augfit.experiments.run.store import Store
from augfit.experiments.run.tasks import (
    GROUP_SIZE,
    SMALL_GROUP_SIZE,
    Task,
    early_stopping_siblings,
    plan_tasks,
    speedups,
    stack_size,
)
from augfit.experiments.spec import parse_spec
from augfit.experiments.stats import CellResult
from augfit.numerics import flushing_available
from augfit.train.callbacks import Callback

AUG = [{"type": "Rotate", "limit": 15}, {"type": "BrightnessContrast"}]
SPEC = {
    "name": "derived", "dataset": {"name": "digits"}, "model": {"hidden": [16]},
    "training": {"epochs": 12, "batch_size": 16, "lr": 0.02}, "seeds": 2, "train_sizes": [60],
    "bootstrap": {"resamples": 200},
    "methods": [
        "baseline",
        # stops early: only epoch 0 counts as an improvement (min_delta 0.5), patience 2
        {"name": "es_restore", "early_stopping": {"patience": 2, "min_delta": 0.5}},
        # stops early, keeps the stop epoch's weights
        {"name": "es_last", "early_stopping": {"patience": 1, "min_delta": 0.05,
                                               "restore_best_weights": False}},
        # never stops within the budget: the whole run, best weights restored
        {"name": "es_never", "early_stopping": {"patience": 50, "monitor": "val_accuracy"}},
        {"name": "aug_drop", "augment": AUG, "dropout": 0.3},
        {"name": "aug_drop_es", "augment": AUG, "dropout": 0.3,
         "early_stopping": {"patience": 1, "start_from_epoch": 3}},
        # no sibling in the grid (no method with this augmentation alone): trained as usual
        {"name": "flip_es", "augment": [{"type": "HorizontalFlip"}], "early_stopping": True},
    ],
}
DERIVED = {"es_restore": "baseline", "es_last": "baseline", "es_never": "baseline",
           "aug_drop_es": "aug_drop"}


def _stored(result: CellResult) -> dict:
    """Every field a cell stores except its wall time."""
    assert result.test_correct is not None and result.test_loss_per_example is not None
    return {"metrics": result.metrics(), "history": result.history,
            "numerics": result.numerics, "warnings": result.warnings,
            "test_correct": result.test_correct.tobytes(),
            "test_loss": result.test_loss_per_example.tobytes()}


def test_siblings_are_the_methods_that_differ_only_by_early_stopping():
    spec = parse_spec(SPEC)
    assert early_stopping_siblings(spec) == DERIVED


@pytest.mark.parametrize("flush", [False, True], ids=["plain", "flushed"])
def test_a_derived_cell_is_bit_identical_to_training_it(flush):
    spec = parse_spec(SPEC)
    by = {(c.method, c.seed): c for c in spec.cells()}
    for sibling, seed in (("baseline", 0), ("aug_drop", 1)):
        riders = [by[(m, seed)] for m, s in DERIVED.items() if s == sibling]
        got = run_cells(spec, by[(sibling, seed)], riders, flush=flush)
        assert [c for c, _ in got] == [by[(sibling, seed)], *riders]
        assert _stored(got[0][1]) == _stored(run_cell(spec, by[(sibling, seed)], flush=flush))
        for cell, derived in got[1:]:
            direct = run_cell(spec, cell, flush=flush)
            assert _stored(derived) == _stored(direct), cell.method
    # the planted stops happened: two runs stopped early, one ran the whole budget
    runs = {c.method: r["epochs_run"] for c, r in
            run_cells(spec, by[("baseline", 0)], [by[(m, 0)] for m in
                                                   ("es_restore", "es_last", "es_never")])}
    assert runs["baseline"] == runs["es_never"] == 12
    assert runs["es_restore"] == 3 and runs["es_last"] < 12


@pytest.mark.parametrize("training", [
    {"averaging": {"type": "ema", "decay": 0.9}}, {"averaging": {"type": "swa", "start": 0.25}},
    {"schedule": {"type": "cosine", "warmup": 0.1}}, {"schedule": {"type": "plateau"}},
    {"steps": 50}, {"eval_every": 2}], ids=["ema", "swa", "cosine", "plateau", "steps", "eval"])
def test_derived_under_budgets_schedules_and_weight_averaging(training):
    """A schedule over the full budget is the same with or without early stopping, and a run
    that stops early ends with the weight average at its stop epoch: derived = trained."""
    base = {"epochs": 12, "batch_size": 16, "lr": 0.02}
    if "steps" in training:
        del base["epochs"]
    spec = parse_spec(dict(SPEC, training={**base, **training}, methods=[
        "baseline", {"name": "es", "early_stopping": {"patience": 1, "min_delta": 0.05,
                                                      "restore_best_weights": False}}]))
    by = {c.method: c for c in spec.cells() if c.seed == 0}
    (_, sibling), (_, derived) = run_cells(spec, by["baseline"], [by["es"]])
    direct = run_cell(spec, by["es"])
    assert direct["epochs_run"] < sibling["epochs_run"]   # it stopped
    assert _stored(derived) == _stored(direct)


def test_plan_rides_early_stopping_cells_on_their_siblings():
    spec = parse_spec(SPEC)
    cells = spec.cells()
    tasks = plan_tasks(spec, cells)
    assert [t.cell.method for t in tasks] == ["baseline", "aug_drop", "flip_es"] * 2
    assert [[d.method for d in t.derived] for t in tasks[:2]] == [
        ["es_restore", "es_last", "es_never"], ["aug_drop_es"]]
    assert sorted(c.key for t in tasks for c in t.cells) == sorted(c.key for c in cells)
    assert all(d.seed == t.cell.seed for t in tasks for d in t.derived)
    # the sibling already stored (a resumed run): the early stopping cell trains by itself
    todo = [c for c in cells if c.method != "baseline"]
    assert [t.cell.method for t in plan_tasks(spec, todo)[:4]] == [
        "es_restore", "es_last", "es_never", "aug_drop"]
    # derivation off: one task per cell
    assert plan_tasks(spec, cells, derive=False) == [Task(c) for c in cells]


def test_speedups_flag():
    assert speedups(None, {}) == {"derive", "flush", "sparse", "stack_small"}
    assert speedups(None, {"AUGFIT_SPEEDUPS": "none"}) == set()
    assert speedups(None, {"AUGFIT_SPEEDUPS": "flush"}) == {"flush"}
    assert speedups(None, {"AUGFIT_SPEEDUPS": "all"}) == {"derive", "flush", "sparse", "stack",
                                                          "stack_small"}
    assert speedups(" derive , flush") == {"derive", "flush"}
    with pytest.raises(ConfigError, match=r"unknown speedup 'group'.*derive, flush, sparse, "
                                          r"stack"):
        speedups("derive,group")
    with pytest.raises(ConfigError, match=r"'derive,stack': stack needs sparse"):
        speedups("derive,stack")
    with pytest.raises(ConfigError, match=r"'stack_small': stack_small needs sparse"):
        speedups("stack_small")


def test_stack_size_by_speedups_and_model_size():
    small, stack = frozenset({"sparse", "stack_small"}), frozenset({"sparse", "stack"})
    assert stack_size(small, 9610, 32) == SMALL_GROUP_SIZE == 24      # the demo's MLP
    assert stack_size(small, 2**15, 32) == 24                          # at the bound
    assert stack_size(small, 2**15 + 1, 32) == 0                       # just above it
    assert stack_size(small, 0, 32) == 0                               # width not known
    assert stack_size(stack, 203530, 64) == GROUP_SIZE == 8            # stack: every row
    assert stack_size(frozenset({"sparse"}), 9610, 32) == 0


def _without_passes(result: CellResult) -> dict:
    stored = _stored(result)
    stored["history"] = {k: v for k, v in stored["history"].items()
                         if not k.startswith("pass_")}
    return stored


def test_every_pass_evaluation_adds_curves_and_changes_nothing_else():
    """Speedup sparse off (the previous release's every-epoch evaluation): 4 batches per pass,
    evaluation periods of 3 steps, a budget of 50 steps (the last pass cut short). Every stored
    field is the same as with sparse evaluation, the history gains the per-pass curves, and a
    derived early stopping cell's curves end where it stopped, as training it gives."""
    spec = parse_spec(dict(SPEC, training={"steps": 50, "eval_every": 3, "batch_size": 16,
                                           "lr": 0.02}, methods=[
        "baseline", {"name": "es", "early_stopping": {"patience": 2, "min_delta": 0.05}}]))
    by = {c.method: c for c in spec.cells() if c.seed == 0}
    sparse = run_cells(spec, by["baseline"], [by["es"]])
    dense = run_cells(spec, by["baseline"], [by["es"]], passes=True)
    for (_, a), (_, b) in zip(sparse, dense, strict=True):
        assert _without_passes(b) == _stored(a)
        assert not any(k.startswith("pass_") for k in a.history)
    base, es = dense[0][1].history, dense[1][1].history
    assert base["pass_step"] == [4.0 * i for i in range(1, 13)] + [50.0]
    # step 12 ends a pass and a period: one evaluation, the same numbers
    assert base["pass_val_loss"][2] == base["val_loss"][3]
    assert base["pass_train_accuracy"][2] == base["train_accuracy"][3]
    assert dense[1][1]["epochs_run"] < dense[0][1]["epochs_run"]       # it stopped
    stop = 3 * dense[1][1]["epochs_run"]
    assert es["pass_step"] == [s for s in base["pass_step"] if s <= stop]
    assert _stored(dense[1][1]) == _stored(run_cells(spec, by["es"], passes=True)[0][1])


class _FailAt(Callback):
    """Plants a training failure at the end of epoch ``at`` of the sibling's run."""

    def __init__(self, at: int) -> None:
        self.at = at

    def on_epoch_end(self, epoch, logs=None):
        del logs
        if epoch == self.at:
            raise TrainingError(f"planted failure at epoch {epoch}")


def test_a_failed_sibling_leaves_its_riders_to_train_alone():
    spec = parse_spec(SPEC)
    by = {(c.method, c.seed): c for c in spec.cells()}
    got = run_cells(spec, by[("baseline", 0)], [by[("es_restore", 0)]], _FailAt(5))
    (c0, r0), (c1, r1) = got
    assert c0.method == "baseline" and isinstance(r0, TrainingError)
    assert c1.method == "es_restore"
    assert "planted failure at epoch 5" in str(r0)
    assert _stored(r1) == _stored(run_cell(spec, by[("es_restore", 0)]))


def _strip(rows):
    return {(r["method"], r["split"], r["seed"]): {k: v for k, v in r.items() if k != "wall_time"}
            for r in rows}


@pytest.mark.slow
def test_runs_with_and_without_derivation_store_the_same_and_resume(tmp_path):
    derived = run(SPEC, out=tmp_path / "derived", report=False, speedups="derive")
    trained = run(SPEC, out=tmp_path / "trained", report=False, speedups="none")
    assert derived.n_run == trained.n_run == 14
    assert _strip(derived.rows) == _strip(trained.rows)
    for a, b in zip(derived.examples(), trained.examples(), strict=True):
        assert a["test_loss_per_example"].tobytes() == b["test_loss_per_example"].tobytes()
    # resume where the siblings were stored but not the early stopping cells
    out = tmp_path / "resumed"
    first = run(dict(SPEC, methods=[SPEC["methods"][0], SPEC["methods"][4]]), out=out,
                report=False, speedups="derive")
    assert first.n_run == 4
    resumed = run(SPEC, out=out, report=False, speedups="derive")
    assert resumed.n_skipped == 4 and resumed.n_run == 10
    assert _strip(resumed.rows) == _strip(trained.rows)
    with Store(out, readonly=True) as store:
        assert set(store.numerics(resumed.spec.cells()).values()) == {1}
    # flushed numerics cannot join this store
    if flushing_available():
        with pytest.raises(ConfigError, match=r"numerics version 1 .*AUGFIT_SPEEDUPS=derive"):
            run(dict(SPEC, seeds=3), out=out, report=False, speedups="all")


def test_a_derived_cell_stores_its_own_time_and_the_trained_cell_the_rest(monkeypatch):
    """The cost model (plan's estimate, the ETA) is calibrated on stored wall times: the trained
    cell keeps the whole run's time, less the derivations, never a share of it (the earlier
    code split the run's time equally, halving the baseline's cost of an early-stopping pair).
    A clock that ticks by 1 at each reading: run_cells reads it at the start and the end, each
    derivation at its own start and end."""
    import importlib
    from types import SimpleNamespace

    cell_module = importlib.import_module("augfit.experiments.run.cell")

    ticks = iter(range(1000))
    monkeypatch.setattr(cell_module, "time", SimpleNamespace(perf_counter=lambda: next(ticks)))
    spec = parse_spec(SPEC)
    by = {(c.method, c.seed): c for c in spec.cells()}
    riders = [by[("es_restore", 0)], by[("es_last", 0)]]
    out = run_cells(spec, by[("baseline", 0)], riders)
    # readings: start 0; es_restore 1 -> 2; es_last 3 -> 4; end 5: the run took 5 ticks
    assert [r["wall_time"] for _, r in out] == [3, 1, 1]
    assert sum(r["wall_time"] for _, r in out) == 5


def test_the_previous_path_evaluates_every_pass_and_stores_the_same_endpoints(tmp_path):
    """run(speedups="none") with eval_every: each stored cell gains the per-pass curves; every
    other stored field is the default path's (flushing aside: compared at the same numerics)."""
    spec = dict(SPEC, training={"steps": 40, "eval_every": 3, "batch_size": 16, "lr": 0.02},
                methods=["baseline", {"name": "es", "early_stopping": {"patience": 2,
                                                                      "min_delta": 0.05}}])
    sparse = run(spec, out=tmp_path / "sparse", report=False, speedups="derive,sparse")
    dense = run(spec, out=tmp_path / "dense", report=False, speedups="none")

    def fields(rows, passes):
        return {r["key"]: {k: ({h: c for h, c in v.items() if h.startswith("pass_") == passes}
                               if k == "history" else v)
                           for k, v in r.items() if k != "wall_time"} for r in rows}
    assert fields(dense.rows, False) == fields(sparse.rows, False)
    assert all(r["history"]["pass_step"] for r in dense.rows)
    assert not any(r["history"] for r in fields(sparse.rows, True).values())
