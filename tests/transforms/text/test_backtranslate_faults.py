"""BackTranslate against hostile backends: a hung apertium, one that merges or reorders lines, and
sentences with carriage returns and control characters (the real apertium for the normal path)."""
from __future__ import annotations

import os
import shutil
import sys
import time

import numpy as np
import pytest

import augfit as af
from augfit.errors import ExternalProcessError
from augfit.transforms.text import BackTranslate
from augfit.transforms.text.translate_cache import TranslationCache

needs_apertium = pytest.mark.skipif(shutil.which("apertium") is None,
                                    reason="needs apertium (apt-get install apertium-eng-spa)")

# Each fake answers `apertium -l` like the real one, then misbehaves on a translation.
HUNG = """#!/bin/sh
if [ "$1" = "-l" ]; then echo eng-spa; echo spa-eng; exit 0; fi
sleep 300 &
echo $! > "{pidfile}"
wait
"""
SCRIPT = """#!{python}
import sys
if sys.argv[1] == "-l":
    print("eng-spa"); print("spa-eng"); sys.exit(0)
paras = sys.stdin.read().rstrip("\\n").split("\\n\\n")
{body}
sys.stdout.write("\\n\\n".join(paras) + "\\n")
"""
MERGE = "paras = [' '.join(paras[i:i + 2]) for i in range(0, len(paras), 2)]"
REORDER = "paras = paras[::-1]"
DROP_LAST = "paras = paras[:-1]"


def _fake(tmp_path, monkeypatch, text: str) -> None:
    bindir = tmp_path / "bin"
    bindir.mkdir(exist_ok=True)
    exe = bindir / "apertium"
    exe.write_text(text)
    exe.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as fh:  # a zombie is dead but not yet reaped by its parent
        return fh.read().split(")")[-1].split()[0] != "Z"


def test_hung_apertium_is_killed_with_its_children_and_named(tmp_path, monkeypatch):
    pidfile = tmp_path / "child.pid"
    _fake(tmp_path, monkeypatch, HUNG.format(pidfile=pidfile))
    monkeypatch.setenv("AUGFIT_TIMEOUT_SCALE", "0.02")  # 60 s base -> 1.2 s
    cache = tmp_path / "c.sqlite"
    with pytest.raises(ExternalProcessError, match=r"apertium eng-spa.*-u eng-spa.*did not finish "
                       r"within 1\.2 s and was killed.*AUGFIT_TIMEOUT_SCALE"):
        BackTranslate(cache=str(cache))(["a good film", "a bad film"], rng=0)
    child = int(pidfile.read_text())
    for _ in range(50):  # the group was sent SIGKILL; give the kernel a moment to reap it
        if not _alive(child):
            break
        time.sleep(0.1)
    assert not _alive(child), "the apertium pipeline's child process was left running"
    assert len(TranslationCache(cache)) == 0  # nothing cached


def test_hung_apertium_stops_the_offline_precompute_without_writing_a_copy(tmp_path, monkeypatch):
    pidfile = tmp_path / "child.pid"
    _fake(tmp_path, monkeypatch, HUNG.format(pidfile=pidfile))
    monkeypatch.setenv("AUGFIT_TIMEOUT_SCALE", "0.02")
    ds = af.datasets.from_arrays(["a good film", "a bad film"], np.array([1, 0]), modality="text")
    with pytest.raises(ExternalProcessError, match="did not finish"):
        af.DataLoader(ds, batch_size=2, augment=BackTranslate(cache=False), offline=1,
                      cache_dir=tmp_path / "offline", seed=0)
    assert list((tmp_path / "offline").glob("*")) == []


@pytest.mark.parametrize("body", [MERGE, REORDER, DROP_LAST], ids=["merge", "reorder", "drop"])
def test_misaligned_backend_output_is_detected_and_not_cached(tmp_path, monkeypatch, body):
    _fake(tmp_path, monkeypatch, SCRIPT.format(python=sys.executable, body=body))
    cache = tmp_path / "c.sqlite"
    with pytest.raises(ExternalProcessError, match=r"does not line up with its input.*nothing was "
                       r"cached"):
        BackTranslate(cache=str(cache))(["a good film", "the actors", "an old river"], rng=0)
    assert len(TranslationCache(cache)) == 0


def test_an_identity_backend_passes_the_alignment_check(tmp_path, monkeypatch):
    # the fake echoes its input: every sentinel comes back in place, so the text comes back as is
    _fake(tmp_path, monkeypatch, SCRIPT.format(python=sys.executable, body="pass"))
    texts = ["a good film", "two\nlines", "  margins  ", ""]
    assert BackTranslate(cache=False)(texts, rng=0) == texts


def test_apertium_failure_names_the_command_not_a_missing_package(tmp_path, monkeypatch):
    body = "sys.stderr.write('segmentation fault in lt-proc'); sys.exit(3)"
    _fake(tmp_path, monkeypatch, SCRIPT.format(python=sys.executable, body=body))
    with pytest.raises(ExternalProcessError, match=r"apertium -u eng-spa.*exit 3.*lt-proc"):
        BackTranslate(cache=False)(["a good film"], rng=0)


def test_timeout_scale_must_be_a_positive_number(monkeypatch):
    from augfit.errors import ConfigError
    from augfit.external import scaled_timeout

    monkeypatch.setenv("AUGFIT_TIMEOUT_SCALE", "2")
    assert scaled_timeout(60.0, 1e-3, 1000) == pytest.approx(122.0)
    for bad in ("0", "-1", "fast", "inf", "nan"):
        monkeypatch.setenv("AUGFIT_TIMEOUT_SCALE", bad)
        with pytest.raises(ConfigError, match=f"AUGFIT_TIMEOUT_SCALE must be a positive.*{bad}"):
            scaled_timeout(60.0)


@needs_apertium
def test_carriage_returns_and_control_characters_do_not_fail_the_batch():
    t = BackTranslate(cache=False)
    batch = ["The film was good.\rThe actors were bad.", "a good film\r\n",
             "bell\x07 and nul\x00 here", "form\x0cfeed\u2028separator", "a good film"]
    out = t(batch, rng=0)
    alone = [t([s], rng=0)[0]
             for s in ("The film was good.", "The actors were bad.", "a good film")]
    assert out[0] == f"{alone[0]}\r{alone[1]}"  # each line on its own, the \r kept between them
    assert out[1] == f"{alone[2]}\r\n" and out[4] == alone[2]
    assert "\x07" not in out[2] and "\x00" not in out[2] and out[2].strip()
    assert out[3].count("\x0c") == 1 and out[3].count("\u2028") == 1


ESCAPING = """#!{python}
import os, sys, time
if sys.argv[1] == "-l":
    print("eng-spa"); print("spa-eng"); sys.exit(0)
if os.fork() == 0:          # a child that leaves the process group and keeps stdout open
    os.setsid()
    with open("{pidfile}", "w") as fh:
        fh.write(str(os.getpid()))
    time.sleep(300)
    os._exit(0)
time.sleep(300)
"""


def test_an_apertium_child_that_escapes_the_group_is_killed_and_cannot_block(tmp_path,
                                                                              monkeypatch):
    """A setsid'd child holding stdout kept the reader waiting for EOF after the group's kill."""
    pidfile = tmp_path / "child.pid"
    _fake(tmp_path, monkeypatch, ESCAPING.format(python=sys.executable, pidfile=pidfile))
    monkeypatch.setenv("AUGFIT_TIMEOUT_SCALE", "0.02")
    with pytest.raises(ExternalProcessError, match=r"did not finish within 1\.2 s and was killed"):
        BackTranslate(cache=str(tmp_path / "c.sqlite"))(["a good film"], rng=0)
    child = int(pidfile.read_text())
    for _ in range(50):
        if not _alive(child):
            break
        time.sleep(0.1)
    assert not _alive(child), "the child that called setsid was left running"
