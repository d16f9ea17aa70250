"""A failing cell does not stop the run: a real divergence (SGD at lr 5 with a method's weight
decay of 1, so each step multiplies the weights by 1 - 5 = -4) raises TrainingError in every cell
of that method; the run records those failures in the store, finishes the baseline's cells,
reports the failures in its warnings and the CLI exits 1 naming them and how to retry."""
from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import augfit as af
from augfit.experiments.run.store import Store
from augfit.experiments.stats import CellResult

SPEC = {"name": "diverging", "dataset": {"name": "digits"}, "train_sizes": [40], "seeds": 2,
        "splits": 2, "training": {"optimizer": "sgd", "lr": 5, "epochs": 20},
        "bootstrap": {"resamples": 200},
        "methods": ["baseline", {"name": "decay", "weight_decay": 1.0}]}


def _check(res: af.experiments.RunResult) -> None:
    assert [(f["method"], f["split"], f["seed"]) for f in res.failed] == [
        ("decay", sp, sd) for sp in (0, 1) for sd in (0, 1)]
    assert all("training diverged; lower the learning rate" in f["error"] for f in res.failed)
    assert sorted((r["method"], r["split"], r["seed"]) for r in res.rows) == [
        ("baseline", sp, sd) for sp in (0, 1) for sd in (0, 1)]
    assert res.n_run == 4 and res.n_missing == 4
    assert res.report is not None
    text = " ".join(res.report.warnings)
    assert "4 cells failed in training and are left out of every comparison: decay at n = 40 " \
           "(split 0, seed 0): loss became" in text
    assert "n = 40: 0 of 4 pairs for every method" in text     # the comparison lacks its pairs
    summary = res.failure_summary()
    assert summary.startswith("4 of 8 cells failed and are not stored (decay split=0 seed=0 "
                              "n=40, decay split=0 seed=1 n=40")
    assert "rerun the same command: failed cells are trained again" in summary


@pytest.mark.parametrize("workers", [1, 2], ids=["serial", "processes"])
def test_a_diverging_method_is_recorded_and_the_other_cells_finish(tmp_path, workers):
    res = af.experiments.run(SPEC, out=tmp_path, workers=workers, progress=False)
    _check(res)
    with Store(tmp_path, readonly=True) as store:
        assert [f["key"] for f in store.failures(res.spec.cells())] == [
            c.key for c in res.spec.cells() if c.method == "decay"]
    # a rerun keeps the finished cells and trains the failed ones again (they fail again)
    again = af.experiments.run(SPEC, out=tmp_path, workers=workers, progress=False)
    assert again.n_skipped == 4 and again.n_run == 0 and len(again.failed) == 4
    # the report from the store alone lists them too
    rep = af.experiments.report(tmp_path)
    assert len(rep.failed) == 4 and any("4 cells failed" in w for w in rep.report.warnings)


def test_a_later_success_clears_the_failure_and_old_stores_open(tmp_path):
    res = af.experiments.run(SPEC, out=tmp_path, workers=1, progress=False, report=False)
    cells = res.spec.cells()
    failed = [c for c in cells if c.method == "decay"]
    with Store(tmp_path) as store:
        ok = CellResult("m", 0, 0, 10, test_accuracy=0.5, wall_time=1.0)
        store.put(failed[0], res.spec.hash, ok)
        assert [f["key"] for f in store.failures(cells)] == [c.key for c in failed[1:]]
    # a store from before the failures table: read-only it has none, writable it gets the table
    with sqlite3.connect(tmp_path / "results.sqlite") as con:
        con.execute("DROP TABLE failures")
    with Store(tmp_path, readonly=True) as store:
        assert store.failures(cells) == [] and len(store.rows(cells)) == 5
    with Store(tmp_path) as store:
        store.put_failure(failed[1], res.spec.hash, "boom")
        assert [f["error"] for f in store.failures(cells)] == ["boom"]


def test_cli_exits_1_naming_the_failed_cells_without_a_traceback(tmp_path):
    spec = tmp_path / "diverging.yaml"
    spec.write_text(yaml.safe_dump(SPEC))
    proc = subprocess.run([sys.executable, "-m", "augfit.cli", "run", str(spec), "--out",
                           str(tmp_path / "out"), "--workers", "1", "--quiet"],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("augfit run: 4 of 8 cells failed and are not stored (decay split=0 "
                           "seed=0 n=40")
    assert "Fix the cause and rerun the same command" in last
    assert "WARNING: 4 cells failed in training" in proc.stdout
    assert Path(tmp_path / "out" / "report.html").is_file()
