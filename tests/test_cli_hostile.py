"""The real CLI, in a subprocess, on what a careless or hostile user gives it: each case ends with
one line on stderr naming the file (or option) and the fix, no traceback, status 1 (the data, the
store or the machine failed) or 2 (a usage error); a store is never written by a report and never
loses a finished cell."""
from __future__ import annotations

import contextlib
import hashlib
import os
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from augfit.cli import main

TINY = {"name": "hostile_tiny", "dataset": {"name": "digits"}, "model": {"hidden": [8]},
        "training": {"epochs": 2, "lr": 0.01}, "seeds": 2, "train_sizes": [30],
        "bootstrap": {"resamples": 100}, "methods": ["baseline", {"name": "drop", "dropout": 0.2}]}


def _spec(folder: Path, data: dict | str = TINY, name: str = "tiny.yaml") -> Path:
    p = folder / name
    p.write_text(data if isinstance(data, str) else yaml.safe_dump(data))
    return p


def cli(*args: str, preexec=None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "augfit.cli", *map(str, args)],
                          capture_output=True, text=True, timeout=timeout, preexec_fn=preexec)


def _one_line_error(proc: subprocess.CompletedProcess, status: int, *names: object) -> str:
    err = proc.stderr
    assert proc.returncode == status, (proc.returncode, err)
    assert "Traceback" not in err and err.startswith("augfit: error: "), err
    assert err.count("\n") == 1, err
    for name in names:
        assert str(name) in err, (name, err)
    return err


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _count(db: Path) -> int:
    with contextlib.closing(sqlite3.connect(db)) as con:
        return con.execute("SELECT COUNT(*) FROM cells").fetchone()[0]


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> Path:
    """A results folder with the 4 cells of TINY finished (run in this process, once)."""
    folder = tmp_path_factory.mktemp("finished")
    assert main(["run", str(_spec(folder)), "--out", str(folder / "run"), "--quiet",
                 "--workers", "1", "--no-report"]) == 0
    return folder / "run"


def _copy(finished: Path, dest: Path) -> Path:
    shutil.copytree(finished, dest)
    return dest / "results.sqlite"


# -- the results store ---------------------------------------------------------------------------
@pytest.mark.slow
def test_corrupt_truncated_and_foreign_stores(tmp_path, finished):
    db = _copy(finished, tmp_path / "garbage")
    db.write_bytes(os.urandom(4096))
    _one_line_error(cli("report", db.parent), 1, db, "corrupt, truncated or not an augfit store")
    _one_line_error(cli("run", _spec(tmp_path), "--out", db.parent, "--workers", "1"), 1, db)

    db = _copy(finished, tmp_path / "truncated")
    db.write_bytes(db.read_bytes()[:db.stat().st_size // 2])
    _one_line_error(cli("report", db.parent), 1, db)

    foreign = tmp_path / "foreign" / "results.sqlite"
    foreign.parent.mkdir()
    with contextlib.closing(sqlite3.connect(foreign)) as con:
        con.execute("CREATE TABLE users (name TEXT, password TEXT)")
        con.commit()
    before = _sha(foreign)
    _one_line_error(cli("run", _spec(tmp_path), "--out", foreign.parent, "--workers", "1"), 1,
                    foreign, "another program (tables: users)")
    _one_line_error(cli("report", foreign.parent), 1, foreign)
    assert _sha(foreign) == before                     # nothing written into someone else's file


def test_metrics_that_are_not_json(tmp_path, finished):
    db = _copy(finished, tmp_path / "run")
    with contextlib.closing(sqlite3.connect(db)) as con:
        con.execute("UPDATE cells SET metrics = '{\"test_accuracy\": 0.5,' WHERE rowid = 1")
        con.commit()
    _one_line_error(cli("report", db.parent), 1, db, "metrics of cell", "not JSON")


def test_report_opens_the_store_read_only(tmp_path, finished):
    db = _copy(finished, tmp_path / "run")
    db.chmod(0o444)
    before = _sha(db)
    proc = cli("report", db.parent)
    assert proc.returncode == 0, proc.stderr
    assert "| drop |" in proc.stdout and (db.parent / "report.html").is_file()
    assert _sha(db) == before
    assert sorted(p.name for p in db.parent.glob("results.sqlite*")) == ["results.sqlite"]


# -- the machine: read-only folder, full disk ----------------------------------------------------
@contextlib.contextmanager
def _tmpfs(where: Path, options: str):
    where.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs",
                                            str(where)], capture_output=True).returncode != 0:
        yield None
        return
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


@pytest.mark.slow
def test_read_only_output_folder(tmp_path, finished):
    ro = tmp_path / "ro"
    with _tmpfs(ro, "ro,size=1m") as mounted:
        if mounted is None:                 # not root: a folder without write permission
            if os.geteuid() == 0:
                pytest.skip("cannot mount a read-only tmpfs here")
            ro.chmod(0o555)
        out = ro / "run"
        _one_line_error(cli("run", _spec(tmp_path), "--out", out, "--workers", "1"), 1,
                        out, "choose a writable folder with --out")
    # a store that exists but sits in a read-only place: run stops, the cells stay
    db = _copy(finished, tmp_path / "kept")
    spec = _spec(tmp_path, dict(TINY, seeds=3), "three.yaml")
    with _tmpfs(tmp_path / "ro2", "size=1m") as mounted:
        if mounted is None:
            pytest.skip("cannot mount a tmpfs here")
        shutil.copytree(db.parent, mounted / "kept")
        subprocess.run(["mount", "-o", "remount,ro", str(mounted)], check=True)
        _one_line_error(cli("run", spec, "--out", mounted / "kept", "--workers", "1"), 1,
                        mounted / "kept", "the results folder cannot be written")
        assert _count(mounted / "kept" / "results.sqlite") == 4


def _fsize_limit(limit: int):
    def pre() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)      # a write past the limit fails (EFBIG)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return pre


@pytest.mark.slow
@pytest.mark.parametrize("how", ["tmpfs", "rlimit"])
def test_full_disk_keeps_every_finished_cell(tmp_path, finished, how):
    """The store fills up while a run adds cells: one line, status 1, and every finished cell is
    kept; after freeing space the same command resumes and skips them. CI without mount rights
    still runs the rlimit case (RLIMIT_FSIZE: the store may not grow)."""
    spec = _spec(tmp_path, dict(TINY, seeds=6), "six.yaml")
    disk = tmp_path / "disk"
    if how == "rlimit":
        disk.mkdir()
    with _tmpfs(disk, "size=256k") if how == "tmpfs" else contextlib.nullcontext(disk) as mounted:
        if mounted is None:
            pytest.skip("cannot mount a tmpfs here")
        out = disk / "run"
        shutil.copytree(finished, out)
        db = out / "results.sqlite"
        pre = None
        if how == "tmpfs":
            fd = os.open(disk / "filler", os.O_WRONLY | os.O_CREAT)   # fill it to the last byte
            with contextlib.suppress(OSError):
                while os.write(fd, b"\0" * 4096):
                    pass
            os.close(fd)
        else:
            pre = _fsize_limit(db.stat().st_size)          # the store may not grow
        proc = cli("run", spec, "--out", out, "--workers", "1", "--quiet", preexec=pre)
        _one_line_error(proc, 1, out)
        assert "free" in proc.stderr and "space" in proc.stderr
        kept = _count(db)                   # the 4 old cells, and any that fitted before it filled
        assert 4 <= kept < 12
        if how == "tmpfs":
            (disk / "filler").unlink()
        proc = cli("run", spec, "--out", out, "--workers", "1", "--quiet", "--no-report")
        assert proc.returncode == 0, proc.stderr
        assert f"{12 - kept} cells run, {kept} already stored" in proc.stdout
        assert _count(db) == 12


# -- data files and options -----------------------------------------------------------------------
def test_non_utf8_csv(tmp_path):
    csv = tmp_path / "reviews.csv"
    csv.write_bytes(b"text,label\ngood,pos\n" + "très mauvais,neg\n".encode("latin-1"))
    spec = _spec(tmp_path, dict(TINY, dataset={"name": "folder", "options": {"path": str(csv)}},
                                features="text_hashing"))
    _one_line_error(cli("run", spec, "--out", tmp_path / "o", "--workers", "1"), 2,
                    csv, "line 3, column 3: byte 0xe8 is not UTF-8", "save the file as UTF-8")


def test_yaml_tag_and_unknown_key_in_dataset_option(tmp_path):
    pipe = tmp_path / "aug.yaml"
    pipe.write_text("- {type: HorizontalFlip}\n")
    marker = tmp_path / "pwned"
    proc = cli("preview", "--pipeline", pipe, "--dataset", "digits", "--out", tmp_path / "pv",
               "--dataset-option", f"x=!!python/object/apply:os.system ['touch {marker}']")
    _one_line_error(proc, 2, "--dataset-option x", "could not determine a constructor")
    assert not marker.exists()
    proc = cli("preview", "--pipeline", pipe, "--dataset", "fsdd", "--out", tmp_path / "pv",
               "--dataset-option", "lenght=8000")
    _one_line_error(proc, 2, "--dataset-option.lenght", "did you mean 'length'?")


@pytest.mark.parametrize("case", ["unknown_option", "big_integer", "alias_bomb", "name_escape"])
def test_bad_specs_are_usage_errors(tmp_path, case):
    if case == "unknown_option":
        spec = _spec(tmp_path, dict(TINY, dataset={"name": "digits", "options": {"n_class": 3}}))
        expect = "dataset.options.n_class: unknown option of dataset 'digits'"
    elif case == "big_integer":
        text = yaml.safe_dump(dict(TINY, seeds="BIG"))
        spec = _spec(tmp_path, text.replace("seeds: BIG", "seeds: [" + "9" * 400 + "]"), "big.yaml")
        expect = "seeds[0]: an integer of 400 digits is outside the 64-bit integer range"
    elif case == "alias_bomb":
        bomb = ["a: &a [x, x, x, x, x, x, x, x, x, x]"] + [
            f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 10) + "]"
            for i in range(8)]
        spec = _spec(tmp_path, "\n".join(bomb) + "\n", "bomb.yaml")
        expect = "YAML expands to more than 100000 values"
    else:
        spec = _spec(tmp_path, dict(TINY, name="../../escaped"))
        expect = "name: expected a name of letters"
    proc = subprocess.run([sys.executable, "-m", "augfit.cli", "run", str(spec), "--workers", "1"],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    _one_line_error(proc, 2, spec, expect)
    assert not (tmp_path / "runs").exists() and not (tmp_path.parent / "escaped").exists()


# -- second round (issue 20) -----------------------------------------------------------------------
def test_a_full_disk_while_the_report_is_written_names_the_file_and_leaves_no_torn_file(
        tmp_path, finished):
    out = tmp_path / "run"
    shutil.copytree(finished, out)
    proc = cli("report", out, preexec=_fsize_limit(20_000))   # report.html is larger than this
    err = _one_line_error(proc, 1, "cannot write the report", "free some space",
                          f"augfit report {out}")
    assert "--out" not in err
    for f in out.rglob("*"):
        assert not f.name.endswith(".part"), f               # no temporary file left behind
        if f.suffix == ".png":
            assert f.read_bytes().endswith(b"IEND\xaeB`\x82"), f   # every PNG whole
    assert _count(out / "results.sqlite") == 4


def test_report_is_never_told_to_use_an_option_it_lacks():
    import errno as errno_codes

    from augfit.cli import _os_error

    e = OSError(errno_codes.EROFS, "Read-only file system", "runs/x/report.md")
    assert "--out" not in _os_error(e, "report") and "writable" in _os_error(e, "report")
    assert "--out" in _os_error(e, "run")


def test_cli_caps_and_control_characters(tmp_path, capsys):
    spec = _spec(tmp_path)
    assert main(["run", str(spec), "--out", str(tmp_path / "o"), "--max-cells", "3"]) == 2
    assert "the grid has 4 cells" in capsys.readouterr().err
    assert main(["preview", "--pipeline", str(spec), "--method", "drop", "--dataset", "digits",
                 "--dataset-option", "a=\x07"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("augfit: error: --dataset-option a: not valid YAML at line 1, column 1: "
                          "control character U+0007") and err.count("\n") == 1
    assert main(["preview", "--pipeline", str(spec), "--method", "drop", "--dataset", "digits",
                 "--versions", "1000000", "--out", str(tmp_path / "pv")]) == 2
    assert ("8 samples x (1 + 1000000 versions) = 8000008 panels, more than the cap "
            "max_panels=1000") in capsys.readouterr().err
    assert not (tmp_path / "pv").exists()
