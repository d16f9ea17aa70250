"""The data layer under hostile input: hung external commands, corrupt files, duck-typed datasets."""
from __future__ import annotations

import os

import pytest

from augfit.data.datasets import load
from augfit.errors import ExternalProcessError


def test_hung_espeak_is_killed_and_named(tmp_path, monkeypatch):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    exe = bindir / "espeak-ng"
    exe.write_text("#!/bin/sh\nexec sleep 300\n")
    exe.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("AUGFIT_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("AUGFIT_TIMEOUT_SCALE", "0.02")  # 30 s -> 0.6 s
    with pytest.raises(ExternalProcessError, match=r"espeak-ng.*--voices=en.*did not finish within "
                       r"0\.6 s and was killed"):
        load("spoken_digits_tts", voices=["en-us"])
