"""The runner: paired cells, resume after a crash, and identical results whatever the executor."""
from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time

import numpy as np
import pytest

from augfit.experiments import load_results, run
from augfit.experiments.run.cell import make_model, run_cell, splits, training_subset
from augfit.experiments.run.store import Store
from augfit.experiments.spec import parse_spec
from augfit.numerics import flushing_available

TINY = {
    "name": "tiny", "dataset": {"name": "digits"}, "model": {"hidden": [16]},
    "training": {"epochs": 4, "batch_size": 32, "lr": 0.01}, "seeds": 2, "train_sizes": [60],
    "bootstrap": {"resamples": 200},
    "methods": ["baseline",
                {"name": "aug_drop", "augment": [{"type": "Rotate", "limit": 15},
                                                 {"type": "BrightnessContrast"}], "dropout": 0.3},
                {"name": "es", "early_stopping": {"patience": 1, "min_delta": 0.5}}],
}


def _strip(rows):
    return {(r["method"], r["split"], r["seed"], r["train_size"]):
            {k: v for k, v in r.items() if k != "wall_time"} for r in rows}


def test_paired_design_same_subsample_and_initial_weights():
    spec = parse_spec(TINY)
    train, _, _ = splits(spec)
    cells = {(c.method, c.seed): c for c in spec.cells()}
    a = training_subset(spec, train, cells[("baseline", 0)])
    b = training_subset(spec, train, cells[("aug_drop", 0)])
    c = training_subset(spec, train, cells[("baseline", 1)])
    assert np.array_equal(a.x, b.x) and np.array_equal(a.y, b.y) and len(a) == 60
    assert not np.array_equal(a.x, c.x)
    w_base = make_model(spec, spec.method("baseline"), cells[("baseline", 0)], 64, 10).get_weights()
    w_drop = make_model(spec, spec.method("aug_drop"), cells[("aug_drop", 0)], 64, 10).get_weights()
    w_seed1 = make_model(spec, spec.method("baseline"), cells[("baseline", 1)], 64,
                         10).get_weights()
    assert all(np.array_equal(x, y) for x, y in zip(w_base, w_drop, strict=True))
    assert not np.array_equal(w_base[0], w_seed1[0])


def test_cell_records_metrics_and_consistent_history():
    spec = parse_spec(TINY)
    cells = {(c.method, c.seed): c for c in spec.cells()}
    r = run_cell(spec, cells[("es", 0)])
    m, h = r, r.history
    # min_delta 0.5 on val_loss: only epoch 0 counts as an improvement; patience 1 stops after
    # epoch 1
    assert m["epochs_run"] == 2 and m["best_epoch"] == 1
    assert len(h["val_loss"]) == 2
    assert set(h) >= {"loss", "accuracy", "train_accuracy", "gap_accuracy"}
    np.testing.assert_allclose(h["gap_accuracy"],
                               np.subtract(h["train_accuracy"], h["val_accuracy"]))
    np.testing.assert_allclose(h["gap_loss"], np.subtract(h["val_loss"], h["train_loss"]))
    assert m["val_gap_accuracy_best"] == h["gap_accuracy"][0]
    assert m["val_gap_accuracy_last"] == h["gap_accuracy"][1]     # the last epoch, not restored
    # area over the spec's 4 epochs: epochs 0, 1, then epoch 1's gap carried over epochs 2 and 3
    g = h["gap_accuracy"]
    assert m["val_gap_accuracy_area"] == pytest.approx(g[0] + 3 * g[1])
    # restore_best_weights: the final model is epoch 0's, so its val accuracy is epoch 0's
    assert m["val_accuracy"] == pytest.approx(h["val_accuracy"][0])
    assert m["train_accuracy"] == pytest.approx(h["train_accuracy"][0])
    # the endpoint gap is judged on test (nothing selected on it), not on val
    assert m["gap_accuracy"] == pytest.approx(m["train_accuracy"] - m["test_accuracy"])
    assert m["gap_loss"] == pytest.approx(m["test_loss"] - m["train_loss"])
    ex = r
    assert ex["test_correct"].dtype == bool and ex["test_loss_per_example"].dtype == np.float32
    assert m["test_accuracy"] == pytest.approx(ex["test_correct"].mean())
    assert m["test_loss"] == pytest.approx(ex["test_loss_per_example"].mean(), rel=1e-6)
    assert len(ex["test_correct"]) == len(splits(spec)[2]) and m["diverged"] is False
    assert 0 <= m["test_accuracy"] <= 1 and r["wall_time"] > 0


@pytest.mark.slow
def test_identical_results_in_process_processes_and_dask(tmp_path):
    # with every speedup (the default): "es" derived from the baseline's run, subnormals flushed
    # in the thread that trains (a worker process, a dask worker's thread)
    a = run(TINY, out=tmp_path / "inproc", workers=1, report=False)
    b = run(TINY, out=tmp_path / "procs", workers=2, report=False)
    c = run(TINY, out=tmp_path / "dask", workers=2, scheduler="local", report=False)
    assert a.n_run == b.n_run == c.n_run == 6
    ra, rb, rc = _strip(a.rows), _strip(b.rows), _strip(c.rows)
    assert ra == rb == rc
    flushed = 2 if flushing_available() else 1
    for r in (a, b, c):
        with Store(r.out, readonly=True) as store:
            assert set(store.numerics(r.spec.cells()).values()) == {flushed}
    # the previous code path (each cell trained, no flushing) on processes: version 1, and the
    # same test accuracies (flushing changes only values below 1.2e-38)
    d = run(TINY, out=tmp_path / "previous", workers=2, report=False, speedups="none")
    rd = _strip(d.rows)
    with Store(d.out, readonly=True) as store:
        assert set(store.numerics(d.spec.cells()).values()) == {1}
    assert {k: v["test_accuracy"] for k, v in rd.items()} == \
        {k: v["test_accuracy"] for k, v in ra.items()}
    # augmentation and dropout really ran: the pair differs from the baseline
    assert ra[("aug_drop", 0, 0, 60)]["history"] != ra[("baseline", 0, 0, 60)]["history"]
    # the per-example test results are the same bytes too
    ea = {r["key"]: e for r, e in zip(a.rows, a.examples(), strict=True)}
    ec = {r["key"]: e for r, e in zip(c.rows, c.examples(), strict=True)}
    assert ea.keys() == ec.keys()
    for k, x in ea.items():
        assert np.array_equal(x["test_correct"], ec[k]["test_correct"])
        assert x["test_loss_per_example"].tobytes() == ec[k]["test_loss_per_example"].tobytes()


@pytest.mark.slow
def test_resume_after_a_crash_loses_and_repeats_nothing(tmp_path):
    spec = dict(TINY, seeds=6, training={"epochs": 12, "batch_size": 16, "lr": 0.01},
                train_sizes=[60, 120])
    spec_file = tmp_path / "spec.yaml"
    import yaml

    spec_file.write_text(yaml.safe_dump(spec))
    out = tmp_path / "run"
    db = out / "results.sqlite"
    total = len(parse_spec(spec).cells())
    proc = subprocess.Popen([sys.executable, "-m", "augfit.cli", "run", str(spec_file), "--out",
                             str(out), "--workers", "1", "--quiet"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 60
    done = 0
    while time.time() < deadline and proc.poll() is None:
        if db.exists():
            try:
                done = sqlite3.connect(db).execute("SELECT COUNT(*) FROM cells").fetchone()[0]
            except sqlite3.OperationalError:
                done = 0
            if done >= 3:
                break
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)                  # a crash: no cleanup code runs
    proc.wait()
    con = sqlite3.connect(db)
    before = dict(con.execute("SELECT key, finished FROM cells").fetchall())
    con.close()
    assert 3 <= len(before) < total, "the crash should happen mid-grid"
    res = run(spec_file, out=out, workers=1, report=False)
    assert res.n_skipped == len(before) and res.n_run == total - len(before)
    con = sqlite3.connect(db)
    after = dict(con.execute("SELECT key, finished FROM cells").fetchall())
    assert len(after) == total
    assert all(after[k] == t for k, t in before.items())      # finished cells were not redone
    # and the resumed grid equals an uninterrupted one
    fresh = run(spec_file, out=tmp_path / "fresh", workers=1, report=False)
    assert _strip(fresh.rows) == _strip(load_results(out)[1])


@pytest.mark.slow
def test_dask_scheduler_address(tmp_path):
    from distributed import LocalCluster

    spec = dict(TINY, seeds=[3], splits=2, methods=["baseline", {"name": "drop", "dropout": 0.3}])
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None,
                      host="127.0.0.1") as cluster:
        remote = run(spec, out=tmp_path / "dask", scheduler=cluster.scheduler_address, report=False)
    local = run(spec, out=tmp_path / "local", workers=1, report=False)
    assert remote.n_run == 4 and _strip(remote.rows) == _strip(local.rows)


def test_per_class_sizes_and_size_check():
    from augfit.errors import ConfigError
    from augfit.experiments.run.runner import check_sizes

    spec = parse_spec(dict(TINY, train_sizes=[3], train_size_unit="per_class"))
    train, _, _ = splits(spec)
    sub = training_subset(spec, train, spec.cells()[0])
    assert np.bincount(sub.y).tolist() == [3] * 10
    with pytest.raises(ConfigError, match=r"train_sizes\[1\]: 5000 is more than the 1079 samples"):
        check_sizes(parse_spec(dict(TINY, train_sizes=[10, 5000])))


def test_train_size_all_is_the_whole_training_split():
    from augfit.errors import ConfigError
    from augfit.experiments.run.runner import check_sizes

    spec = parse_spec(dict(TINY, train_sizes=[60, "all"]))
    with pytest.raises(ConfigError, match='train_sizes holds "all"'):
        spec.cells()
    resolved = check_sizes(spec)
    assert resolved.train_sizes == [60, 1079]              # digits: 1797 - 359 - 359
    assert {c.train_size for c in resolved.cells()} == {60, 1079}
    # "all" equal to a listed size is kept once; per_class resolves to the smallest class
    assert check_sizes(parse_spec(dict(TINY, train_sizes=[1079, "all"]))).train_sizes == [1079]
    train, _, _ = splits(spec)
    smallest = int(min(train.class_counts()))
    per_class = parse_spec(dict(TINY, train_sizes=["all"], train_size_unit="per_class"))
    assert check_sizes(per_class).train_sizes == [smallest]
