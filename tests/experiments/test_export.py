"""Tidy tables of a run (RunResult.frame, augfit export) and plain progress lines."""
from __future__ import annotations

import io
import subprocess
import sys

import pytest
import yaml

from augfit.cli import main
from augfit.experiments import run
from augfit.experiments.report.export import cells_frame, epochs_frame
from augfit.experiments.run.progress import LineProgress

pd = pytest.importorskip("pandas", reason="pandas is the optional 'export' extra")

TINY = {"name": "export_tiny", "dataset": {"name": "digits"}, "model": {"hidden": [8]},
        "training": {"epochs": 3, "lr": 0.01}, "seeds": 2, "train_sizes": [40],
        "bootstrap": {"resamples": 100},
        "methods": ["baseline", {"name": "es", "early_stopping": {"patience": 1,
                                                                  "min_delta": 0.5}}]}


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    return run(TINY, out=tmp_path_factory.mktemp("export") / "run", progress=False)


def test_cells_frame_has_one_row_per_cell_with_its_metrics(result):
    df = result.frame()
    assert list(df.columns[:4]) == ["method", "split", "seed", "train_size"]
    assert len(df) == 4 and "history" not in df.columns
    for row, (_, rec) in zip(result.rows, df.iterrows(), strict=True):
        assert (rec["method"], rec["seed"], rec["train_size"]) == \
            (row["method"], row["seed"], row["train_size"])
        assert rec["test_accuracy"] == row["test_accuracy"]
        assert rec["epochs_run"] == len(row["history"]["val_loss"])


def test_epochs_frame_has_one_row_per_cell_and_epoch(result):
    df = result.frame("epochs")
    assert len(df) == sum(len(r["history"]["val_loss"]) for r in result.rows)
    es = df[(df.method == "es") & (df.seed == 0)]
    row = next(r for r in result.rows if r["method"] == "es" and r["seed"] == 0)
    assert es["epoch"].tolist() == list(range(1, len(row["history"]["val_loss"]) + 1))
    assert es["val_loss"].tolist() == row["history"]["val_loss"]
    assert {"train_accuracy", "gap_accuracy", "gap_loss"} <= set(df.columns)


def test_arrays_and_lists_in_rows_stay_out_of_the_cell_table():
    import numpy as np

    rows = [{"method": "a", "seed": 0, "train_size": 5, "acc": np.float32(0.5), "tags": ["x"],
             "test_correct": np.ones(3, bool), "history": {"val_loss": [1.0]}}]
    assert list(cells_frame(rows).columns) == ["method", "seed", "train_size", "acc"]


def test_split_column_only_when_rows_have_one():
    rows = [{"method": "a", "seed": 0, "train_size": 5, "acc": 0.5, "history": {}}]
    assert list(cells_frame(rows).columns) == ["method", "seed", "train_size", "acc"]


def test_split_column_is_kept_when_rows_have_one():
    rows = [{"method": "a", "seed": 0, "split": "A", "train_size": 5, "acc": 0.5,
             "history": {"val_loss": [1.0, 0.5]}},
            {"method": "a", "seed": 0, "split": "B", "train_size": 5, "acc": 0.7,
             "history": {"val_loss": [0.9]}}]
    cells = cells_frame(rows)
    assert list(cells.columns) == ["method", "split", "seed", "train_size", "acc"]
    epochs = epochs_frame(rows)
    assert epochs[["split", "epoch", "val_loss"]].values.tolist() == \
        [["A", 1, 1.0], ["A", 2, 0.5], ["B", 1, 0.9]]


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_cli_export_round_trips(result, tmp_path, capsys, fmt):
    if fmt == "parquet":
        pytest.importorskip("pyarrow", reason="pyarrow is the optional 'export' extra")
    assert main(["export", str(result.out), "--format", fmt, "--out", str(tmp_path)]) == 0
    read = pd.read_csv if fmt == "csv" else pd.read_parquet
    cells = read(tmp_path / f"cells.{fmt}")
    epochs = read(tmp_path / f"epochs.{fmt}")
    pd.testing.assert_frame_equal(cells, result.frame(), check_dtype=False)
    pd.testing.assert_frame_equal(epochs, result.frame("epochs"), check_dtype=False)
    assert f"epochs.{fmt}" in capsys.readouterr().out


def test_cli_export_of_a_folder_without_results_is_one_line(tmp_path, capsys):
    assert main(["export", str(tmp_path / "nothing")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no results.sqlite here" in err


def test_line_progress_every_tenth_and_every_ten_seconds():
    now = [0.0]
    out = io.StringIO()
    p = LineProgress(40, initial=10, file=out, clock=lambda: now[0])
    for _ in range(3):          # 13/40: under 10% (4 cells) and under 10 s since the start
        now[0] += 2.0
        p.update()
    assert out.getvalue() == ""
    now[0] += 2.0
    p.update()                  # 14/40 at 8 s: 4 cells (10%) since the last line
    now[0] += 10.0
    p.update()                  # 15/40 at 18 s: 10 s since the last line
    now[0] += 9.0
    p.tick()                    # 9 s since the last line, no cell done: nothing yet
    now[0] += 1.0
    p.tick()                    # 10 s: the heartbeat's line, while a long cell still trains
    p.close()                   # nothing new since: no extra line
    p.tick()                    # closed: silent
    assert out.getvalue().splitlines() == [
        "augfit run: 14/40 cells (35%), 8s elapsed, ETA 52s",
        "augfit run: 15/40 cells (38%), 18s elapsed, ETA 1m30s",
        "augfit run: 15/40 cells (38%), 28s elapsed, ETA 2m20s",
    ]


@pytest.mark.slow
def test_piped_run_writes_progress_lines_and_a_closed_pipe_ends_quietly(tmp_path, capsys):
    spec = tmp_path / "tiny.yaml"
    spec.write_text(yaml.safe_dump(dict(TINY, training={"epochs": 1})))
    args = ["run", str(spec), "--out", str(tmp_path / "r"), "--workers", "1"]
    assert main(args) == 0      # stderr is captured here: not a terminal
    err = capsys.readouterr().err
    assert "augfit run: 4/4 cells (100%)" in err and "%|" not in err
    cmd = [sys.executable, "-m", "augfit.cli", *args]
    # the reader is gone before augfit writes anything (like `| head` that already quit)
    closed = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    closed.stdout.close()
    err = closed.stderr.read()
    assert closed.wait(timeout=300) == 0, err
    assert "Traceback" not in err and "BrokenPipeError" not in err


def test_progress_display_by_where_it_runs(monkeypatch):
    from tqdm import tqdm
    from tqdm.auto import tqdm as auto_tqdm

    from augfit.experiments.run import progress as P

    assert not P.in_notebook()                       # pytest is no Jupyter kernel
    bar, epochs = P.make_progress(10, 0, None)       # stderr captured: not a terminal
    assert isinstance(bar, P.LineProgress) and not epochs
    assert bar._thread is not None and bar._thread.is_alive()
    bar.close()                                      # stops its heartbeat thread
    assert not bar._thread.is_alive()
    bar, _ = P.make_progress(10, 0, False)
    assert isinstance(bar, tqdm) and bar.disable
    monkeypatch.setattr(P, "in_notebook", lambda: True)
    bar, epochs = P.make_progress(10, 3, None)
    assert isinstance(bar, auto_tqdm) and bar.n == 3 and epochs
    bar.close()
