"""Dataset sources under hostile input: a hung espeak-ng, a damaged speech cache, damaged image
files in a folder."""
from __future__ import annotations

import os
import shutil

import numpy as np
import pytest

from augfit.data.datasets import from_folder, load
from augfit.errors import AugfitWarning, ExternalProcessError, ShapeError


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


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng")
def test_a_corrupt_speech_cache_is_synthesized_again_with_a_warning(tmp_path, monkeypatch):
    monkeypatch.setenv("AUGFIT_CACHE", str(tmp_path))
    kw = dict(voices=["en-us"], speeds=[175], pitches=[50])
    first = load("spoken_digits_tts", **kw)
    (file,) = tmp_path.rglob("*.npz")
    with open(file, "wb") as fh:  # a readable file of the wrong shape
        np.savez(fh, x=np.zeros((3, 8000), np.float32), lengths=np.zeros(3, np.int64))
    with pytest.warns(AugfitWarning, match=r"spoken_digits_tts cache .*\.npz is unusable.*\(10, "
                      r"8000\) float32"):
        again = load("spoken_digits_tts", **kw)
    assert again.x.tobytes() == first.x.tobytes()
    file.write_bytes(file.read_bytes()[:100])  # truncated
    with pytest.warns(AugfitWarning, match="unusable"):
        assert load("spoken_digits_tts", **kw).x.tobytes() == first.x.tobytes()


# -- a corpus of damaged image files ---------------------------------------------------------------
def _image_corpus() -> dict[str, tuple[bytes | np.ndarray, str]]:
    import cv2

    rng = np.random.default_rng(0)
    png = cv2.imencode(".png", rng.integers(0, 256, (8, 8, 3), dtype=np.uint8))[1].tobytes()
    jpg = cv2.imencode(".jpg", rng.integers(0, 256, (64, 64, 3), dtype=np.uint8))[1].tobytes()
    return {
        "x.png truncated": (png[: len(png) // 2], "cannot decode image"),
        "x.png garbage": (bytes(range(256)) * 4, "cannot decode image"),
        "x.jpg empty": (b"", "cannot decode image"),
        "x.png text": (b"hello\n" * 20, "cannot decode image"),
        "x.jpg truncated": (jpg[: len(jpg) * 3 // 4], "truncated JPEG"),
        "x.tif float": (np.full((8, 8, 3), 200.0, np.float32), "holds float32 pixels"),
    }


@pytest.mark.parametrize("case", sorted(_image_corpus()))
def test_every_damaged_image_in_a_folder_is_refused_naming_it(tmp_path, case):
    import cv2

    data, message = _image_corpus()[case]
    name = case.split()[0]
    good = cv2.imencode(".png", np.zeros((8, 8, 3), np.uint8))[1].tobytes()
    for c in ("cat", "dog"):
        (tmp_path / c).mkdir()
        (tmp_path / c / "ok.png").write_bytes(good)
    bad = tmp_path / "cat" / name
    if isinstance(data, np.ndarray):
        cv2.imwrite(str(bad), data)
    else:
        bad.write_bytes(data)
    with pytest.raises(ShapeError, match=message) as info:
        from_folder(tmp_path)
    assert str(bad) in str(info.value)
