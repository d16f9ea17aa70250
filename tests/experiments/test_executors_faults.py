"""Fault injection on the real CLI with worker processes: SIGKILL of the parent and Ctrl-C (SIGINT
to the whole process group). Nothing finished is lost and nothing is left running 10 s later: not
the workers, not the fork server, not the resource tracker (nor dask's workers)."""
from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.slow

SPEC = {"name": "faults", "dataset": {"name": "digits"}, "model": {"hidden": [16]},
        "training": {"epochs": 400, "batch_size": 8, "lr": 0.01}, "seeds": 12,
        "train_sizes": [150],
        "bootstrap": {"resamples": 100}, "methods": ["baseline", {"name": "drop", "dropout": 0.2}]}
TOTAL = 24  # cells of about a second each: far more than can finish between the first stored
#             cell and the signal (the runs are stopped early, so the test stays short)


def _session(sid: int) -> list[tuple[int, str]]:
    """(pid, command) of every live (not zombie) process of session ``sid``."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            stat = Path(f"/proc/{d}/stat").read_text()
            cmd = Path(f"/proc/{d}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:100]
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[3]) == sid and fields[0] != "Z":
            out.append((int(d), cmd))
    return out


def _finished(db: Path) -> list[str]:
    if not db.exists():
        return []
    try:
        with contextlib.closing(sqlite3.connect(db, timeout=5)) as con:
            return [m for (m,) in con.execute("SELECT metrics FROM cells")]
    except sqlite3.OperationalError:
        return []


def _like_a_terminal() -> None:
    """In the child: Ctrl-C's default action, as in a terminal. A shell's background job (``cmd &``
    without job control, e.g. a CI script) starts with SIGINT ignored, and a child inherits that."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start(tmp_path: Path, *extra: str) -> tuple[subprocess.Popen, Path]:
    spec = tmp_path / "faults.yaml"
    spec.write_text(yaml.safe_dump(SPEC))
    out = tmp_path / "run"
    proc = subprocess.Popen([sys.executable, "-m", "augfit.cli", "run", str(spec), "--out",
                             str(out), "--quiet", "--no-report", *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True,        # its own session: every descendant
                            preexec_fn=_like_a_terminal)
    return proc, out / "results.sqlite"     # (the session: every descendant keeps the sid, even
    #                                          when orphaned)


def _wait_for_cells(proc: subprocess.Popen, db: Path, n: int, timeout: float = 240) -> int:
    """Block until ``n`` cells are stored and more are running; the count seen."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        done = len(_finished(db))
        if done >= n:
            return done
        time.sleep(0.05)
    raise AssertionError(f"no {n} finished cells before the signal: {proc.communicate()}")


def _nothing_left(sid: int, within: float = 10.0) -> list[tuple[int, str]]:
    deadline = time.monotonic() + within
    alive = _session(sid)
    while alive and time.monotonic() < deadline:
        time.sleep(0.2)
        alive = _session(sid)
    return alive


def _kill_session(sid: int) -> None:
    for pid, _ in _session(sid):                # only processes this test started
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


@pytest.mark.parametrize("executor", [["--workers", "2"],
                                      ["--workers", "2", "--scheduler", "local"]],
                         ids=["processes", "dask_local"])
def test_sigkill_of_the_parent_leaves_nothing_running_and_loses_nothing(tmp_path, executor):
    proc, db = _start(tmp_path, *executor)
    try:
        seen = _wait_for_cells(proc, db, 1)
        children = _session(proc.pid)
        assert len(children) >= 3, children          # the run, its workers (and helpers)
        proc.kill()
        proc.wait(timeout=30)                        # not communicate: orphans may hold the pipes
        left = _nothing_left(proc.pid)
        assert left == [], f"still running 10 s after kill -9 of the parent: {left}"
    finally:
        _kill_session(proc.pid)
        proc.communicate(timeout=30)
    kept = _finished(db)
    assert seen <= len(kept) < TOTAL
    assert all(0 <= json.loads(m)["test_accuracy"] <= 1 for m in kept)


def test_ctrl_c_exits_130_in_one_line_keeping_cells_and_leaving_nothing(tmp_path):
    proc, db = _start(tmp_path, "--workers", "2")
    try:
        seen = _wait_for_cells(proc, db, 1)
        os.killpg(proc.pid, signal.SIGINT)           # what Ctrl-C in a terminal does
        _, stderr = proc.communicate(timeout=60)
        assert proc.returncode == 130, stderr
        assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr, stderr
        assert stderr.strip().count("\n") == 0, stderr
        assert "interrupted; every finished cell is saved" in stderr
        left = _nothing_left(proc.pid)
        assert left == [], f"still running 10 s after Ctrl-C: {left}"
    finally:
        _kill_session(proc.pid)
    assert seen <= len(_finished(db)) < TOTAL


def test_sigterm_stops_like_ctrl_c_in_one_line_with_no_leaked_semaphore(tmp_path):
    """``kill PID`` (SIGTERM) ended the run with status 143 and no word, and a leaked-semaphore
    warning under workers."""
    proc, db = _start(tmp_path, "--workers", "2")
    try:
        seen = _wait_for_cells(proc, db, 1)
        proc.terminate()                             # kill PID: the parent alone
        _, stderr = proc.communicate(timeout=60)
        assert proc.returncode == 143, stderr
        assert stderr.strip() == (f"augfit: interrupted by SIGTERM; every finished cell is saved "
                                  f"in {db.parent}; rerun the same command to resume"), stderr
        left = _nothing_left(proc.pid)
        assert left == [], f"still running 10 s after SIGTERM: {left}"
    finally:
        _kill_session(proc.pid)
    assert seen <= len(_finished(db)) < TOTAL
