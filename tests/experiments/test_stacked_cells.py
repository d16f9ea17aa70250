"""Stacked cells (the "stack" speedup): the units of a grid row trained as one stack store exactly
what training each cell by itself stores (wall time aside)."""
from __future__ import annotations

import pytest

from augfit.errors import TrainingError
from augfit.experiments import run
from augfit.experiments.run.cell import run_cell, run_cells, run_group
from augfit.experiments.run.executors import execute
from augfit.experiments.run.tasks import Group, Task, group_tasks, plan_tasks
from augfit.experiments.spec import parse_spec
from augfit.train.callbacks import Callback

AUG = [{"type": "Rotate", "limit": 15}, {"type": "BrightnessContrast"}]
SPEC = {
    "name": "stacked", "dataset": {"name": "digits"}, "model": {"hidden": [16]},
    "training": {"epochs": 8, "batch_size": 16, "lr": 0.02}, "splits": 2, "seeds": 2,
    "train_sizes": [60], "bootstrap": {"resamples": 200},
    "methods": [
        "baseline",
        {"name": "es", "early_stopping": {"patience": 1, "min_delta": 0.05}},
        {"name": "aug_drop", "augment": AUG, "dropout": 0.3},
        {"name": "mixup_ls", "augment": [{"type": "MixUp", "alpha": 0.4}],
         "label_smoothing": 0.1},
        # its own early stopping (no sibling): the units stop at different epochs
        {"name": "flip_es", "augment": [{"type": "HorizontalFlip"}],
         "early_stopping": {"patience": 2, "min_delta": 0.1, "monitor": "val_accuracy"}},
    ],
}


def _stored(result):
    assert result.test_correct is not None and result.test_loss_per_example is not None
    return {"metrics": result.metrics(), "history": result.history,
            "numerics": result.numerics, "warnings": result.warnings,
            "test_correct": result.test_correct.tobytes(),
            "test_loss": result.test_loss_per_example.tobytes()}


def _units(spec, method):
    tasks = [t for t in plan_tasks(spec, spec.cells()) if t.cell.method == method]
    assert len(tasks) == 4                               # 2 splits x 2 seeds
    return [(t.cell, t.derived) for t in tasks]


@pytest.mark.parametrize(("method", "flush"), [
    ("baseline", False), ("aug_drop", False), ("aug_drop", True), ("mixup_ls", False),
    ("flip_es", False)])
def test_a_stacked_row_stores_what_each_cell_alone_stores(method, flush):
    spec = parse_spec(SPEC)
    units = _units(spec, method)
    got = run_group(spec, units, flush=flush)
    alone = [pair for c, d in units for pair in run_cells(spec, c, d, flush=flush)]
    assert [c for c, _ in got] == [c for c, _ in alone]
    for (cell, a), (_, b) in zip(got, alone, strict=True):
        assert _stored(a) == _stored(b), cell
    if method == "baseline":                             # the rider was derived in the stack
        assert [c.method for c, _ in got] == ["baseline", "es"] * 4
    if method == "flip_es":
        assert [r.epochs_run for _, r in got] == [8, 3, 4, 4]


class _FailAt(Callback):
    def on_epoch_end(self, epoch, logs=None):
        del logs
        if epoch == 4:
            raise TrainingError(f"planted failure at epoch {epoch}")


def test_a_failing_cell_fails_alone_and_the_others_finish():
    spec = parse_spec(SPEC)
    units = _units(spec, "baseline")
    got = run_group(spec, units, epoch_callback=_FailAt())   # the first cell gets the callback
    assert isinstance(got[0][1], TrainingError) and "planted failure" in str(got[0][1])
    assert got[1][0] == units[0][1][0]                      # its rider trained by itself
    assert _stored(got[1][1]) == _stored(run_cell(spec, units[0][1][0]))
    for (cell, r), (c2, r2) in zip(got[2:], run_cells(spec, *units[1]) + run_cells(
            spec, *units[2]) + run_cells(spec, *units[3]), strict=True):
        assert cell == c2 and _stored(r) == _stored(r2)


def test_groups_gather_one_method_and_size():
    spec = parse_spec(dict(SPEC, train_sizes=[40, 60]))
    planned = group_tasks(plan_tasks(spec, spec.cells()), size=3)
    rows = [{(c.method, c.train_size) for c in g.cells if c.method != "es"} for g in planned]
    assert all(len(r) == 1 for r in rows)
    assert sorted(c.key for g in planned for c in g.cells) == sorted(c.key for c in spec.cells())
    sizes = [len(g.tasks) if isinstance(g, Group) else 1 for g in planned]
    assert sorted(sizes) == [1] * 8 + [3] * 8               # 4 units per row, at most 3 a group
    assert group_tasks([Task(spec.cells()[0])]) == [Task(spec.cells()[0])]


@pytest.mark.slow
def test_runs_stacked_and_alone_store_the_same_on_every_executor(tmp_path):
    stacked = run(SPEC, out=tmp_path / "s", report=False, speedups="derive,sparse,stack")
    alone = run(SPEC, out=tmp_path / "a", report=False, speedups="none")
    strip = lambda rows: {r["key"]: {k: v for k, v in r.items() if k != "wall_time"}  # noqa
                          for r in rows}
    assert stacked.n_run == alone.n_run == 20
    assert strip(stacked.rows) == strip(alone.rows)
    spec = parse_spec(SPEC)
    planned = group_tasks(plan_tasks(spec, spec.cells()))
    by_process = dict(execute(spec.to_canonical(), planned, workers=2))
    assert {c.key: _stored(r) for c, r in by_process.items()} == \
        {c.key: _stored(r) for c, r in execute(spec.to_canonical(), planned, workers=1)}
