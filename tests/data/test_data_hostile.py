"""The data layer under hostile input: hung external commands, corrupt files, duck-typed datasets."""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import struct
import warnings
from pathlib import Path

import numpy as np
import pytest

from augfit.data.datasets import from_arrays, from_folder, load
from augfit.data.loader import DataLoader
from augfit.data.offline import data_hash
from augfit.data.wav import read_wav
from augfit.errors import AugfitError, AugfitWarning, ExternalProcessError, ShapeError
from augfit.hashing import cache_key, checksum
from augfit.transforms.text.translate_cache import TranslationCache


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


# -- cache keys and corrupt cache files ------------------------------------------------------------
class _Shout:
    """A tiny text pipeline with a JSON identity (so its copies are cached on disk)."""

    def __init__(self, tag: str = "shout") -> None:
        self.tag = tag

    def to_json(self, **kw) -> str:
        return json.dumps({"type": self.tag}, **kw)

    def __call__(self, batch, rng=None):
        return [s.upper() for s in batch]


class _Negate:
    def to_json(self, **kw) -> str:
        return json.dumps({"type": "negate"}, **kw)

    def __call__(self, batch, rng=None):
        return 255 - batch


def test_cache_key_is_unambiguous_where_separators_collided():
    # each pair collided when parts were joined with (or followed by) a NUL separator
    assert cache_key("a\0", "b") != cache_key("a", "\0b")
    assert cache_key("a\0b") != cache_key("a", "b")
    assert cache_key(["ab"], "") != cache_key(["a"], "b")
    assert cache_key(1) != cache_key("1") != cache_key(1.0) != cache_key(True)
    assert cache_key(np.zeros(4, np.uint8)) != cache_key(np.zeros((2, 2), np.uint8))
    assert cache_key(np.zeros(2, np.int16)) != cache_key(np.zeros(1, np.int32))
    assert cache_key({"a": 1, "b": [1, 2]}) == cache_key({"b": [1, 2], "a": 1})  # key order is not data
    y = np.array([0, 1])
    assert data_hash(["a\0b", "c"], y) != data_hash(["a", "b\0c"], y)


def test_text_datasets_that_shared_a_key_get_their_own_copies(tmp_path):
    first = from_arrays(["a\0b", "c"], [0, 1], modality="text")
    second = from_arrays(["a", "b\0c"], [0, 1], modality="text")  # collided with `first` before
    kw = dict(batch_size=2, augment=_Shout(), offline=1, seed=0, cache_dir=tmp_path,
              features={"type": "text_hashing", "n_features": 16})
    assert DataLoader(first, **kw).offline.copies == [["A\0B", "C"]]
    again = DataLoader(second, **kw)
    assert not again.offline.from_cache and again.offline.copies == [["A", "B\0C"]]
    assert len(list(tmp_path.iterdir())) == 2


def _corruptions(path: Path, k: int, n: int):
    """(name, function that damages the cache file at path) for an image-copies .npz."""
    good = path.read_bytes()

    def truncate() -> None:
        path.write_bytes(good[: len(good) // 2])

    def garbage() -> None:
        path.write_bytes(b"\x93NUMPY not really" * 50)

    def flip_byte() -> None:  # inside the stored array data: caught by the zip CRC or checksum
        data = bytearray(good)
        data[len(data) // 2] ^= 0xFF
        path.write_bytes(bytes(data))

    def wrong_shape() -> None:  # a well-formed file with a valid checksum, but k-1 copies
        arr = np.zeros((k - 1, n, 8, 8), np.uint8)
        with open(path, "wb") as fh:
            np.savez(fh, copies=arr, checksum=np.array(checksum(arr.tobytes())))

    def bad_checksum() -> None:
        with np.load(path) as z:
            arr = z["copies"]
        arr[0, 0, 0, 0] ^= 1
        with open(path, "wb") as fh:
            np.savez(fh, copies=arr, checksum=np.array("0" * 64))

    return [("truncated", truncate), ("garbage", garbage), ("flipped byte", flip_byte),
            ("wrong shape", wrong_shape), ("bad checksum", bad_checksum)]


def test_a_corrupt_or_misshapen_image_cache_is_recomputed_with_a_warning(tmp_path):
    rng = np.random.default_rng(0)
    ds = from_arrays(rng.integers(0, 256, (6, 8, 8), dtype=np.uint8), [0, 1] * 3)
    kw = dict(batch_size=4, augment=_Negate(), offline=2, seed=0, cache_dir=tmp_path)
    ref = DataLoader(ds, **kw).offline
    path, expected = ref.path, np.stack(ref.copies)
    np.testing.assert_array_equal(expected[1], 255 - ds.x)
    for name, damage in _corruptions(path, 2, 6):
        damage()
        with pytest.warns(AugfitWarning, match=f"offline augmentation cache {path}.*recomputing"):
            fresh = DataLoader(ds, **kw).offline
        assert not fresh.from_cache, name
        np.testing.assert_array_equal(np.stack(fresh.copies), expected)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # rewritten: the next run reads it without a warning
            assert DataLoader(ds, **kw).offline.from_cache, name


def test_a_corrupt_text_cache_is_recomputed_with_a_warning(tmp_path):
    ds = from_arrays(["good film", "bad film"], [1, 0], modality="text")
    kw = dict(batch_size=2, augment=_Shout(), offline=1, seed=0, cache_dir=tmp_path,
              features={"type": "text_hashing", "n_features": 16})
    path = DataLoader(ds, **kw).offline.path
    doc = json.loads(path.read_text())
    damaged = [path.read_text()[:10],  # truncated
               json.dumps({**doc, "copies": [["GOOD FILM", "EVIL FILM"]]}),  # checksum mismatch
               json.dumps({"copies": doc["copies"]}),  # no checksum
               json.dumps({**doc, "copies": [["GOOD FILM"]]})]  # wrong size
    for text in damaged:
        path.write_text(text)
        with pytest.warns(AugfitWarning, match="unusable"):
            assert DataLoader(ds, **kw).offline.copies == [["GOOD FILM", "BAD FILM"]]


def test_a_corrupt_translation_cache_is_moved_aside_with_a_warning(tmp_path):
    for i, content in enumerate((b"SQLite format 3\0" + b"\xff" * 3000, b"not a database" * 99)):
        path = tmp_path / f"t{i}.sqlite"
        path.write_bytes(content)
        cache = TranslationCache(path)
        with pytest.warns(AugfitWarning, match=rf"translation cache .*t{i}\.sqlite is unusable.*"
                          rf"t{i}\.sqlite\.corrupt"):
            cache.put_many("apertium", "eng-spa", {"good film": "buena película"})
        assert TranslationCache(path).get_many("apertium", "eng-spa", ["good film"]) == {
            "good film": "buena película"}
        assert (tmp_path / f"t{i}.sqlite.corrupt").read_bytes() == content
    foreign = sqlite3.connect(tmp_path / "f.sqlite")
    foreign.execute("CREATE TABLE translations (a TEXT, b TEXT)")
    foreign.commit()
    foreign.close()
    with pytest.warns(AugfitWarning, match=r"columns \['a', 'b'\]"):
        assert len(TranslationCache(tmp_path / "f.sqlite")) == 0


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


# -- duck-typed datasets ---------------------------------------------------------------------------
class _Duck:
    def __init__(self, x, y, **attrs) -> None:
        self.x, self.y = x, y
        self.__dict__.update(attrs)


def test_a_duck_typed_dataset_is_checked_when_the_loader_is_built():
    images = np.zeros((40, 8, 8), np.uint8)
    cases = [
        (_Duck(images, np.arange(10) % 2, modality="image"), "x has 40 samples but y has 10"),
        (_Duck(images, np.zeros(40, np.float32), modality="image"), "1-D array of ints"),
        (_Duck(images, np.zeros((40, 2), np.int64), modality="image"), "1-D array of ints"),
        (_Duck(images, np.arange(40) % 2, modality="image", classes=["a"]),
         r"values must be in \[0, 1\)"),
        (_Duck(images, np.arange(40) % 2, modality="sound"), "modality=...\\) must be one of"),
        (_Duck(images, np.arange(40) % 2), "has no .modality; set it to 'image' or 'audio'"),
        (_Duck(["a", "b"], [0, 1], modality="image"), "for image must be a NumPy array"),
        (_Duck(images, np.arange(40) % 2, modality="text"), None),  # arrays of text are converted
    ]
    for duck, message in cases[:-1]:
        with pytest.raises(AugfitError, match=message) as info:
            DataLoader(duck, batch_size=4, seed=0)
        assert str(info.value).startswith("DataLoader(dataset=...) is not a valid dataset") or \
            "DataLoader(dataset=...)" in str(info.value)
    ok = DataLoader(_Duck(images, np.arange(40) % 2, modality="image"), batch_size=8, seed=0)
    assert len(ok) == 5 and sum(len(yb) for _, yb in ok) == 40  # every sample, none dropped
    text = DataLoader(_Duck(["good film", "bad film"], [1, 0]), batch_size=2, seed=0,
                      features={"type": "text_hashing", "n_features": 16})
    assert text.dataset.modality == "text"


# -- one image contract ----------------------------------------------------------------------------
def test_float_images_in_0_255_are_refused_everywhere_with_the_same_message():
    from augfit.data.features import make_featurizer
    from augfit.transforms.image import Brightness

    x = np.random.default_rng(0).integers(0, 256, (6, 8, 8)).astype(np.float32)  # [0, 255]
    ds = from_arrays(x, [0, 1] * 3)
    messages = []
    for attempt in (lambda: Brightness(limit=0.2)(x, rng=0),
                    lambda: make_featurizer("image_flatten").fit(x),
                    lambda: DataLoader(ds, batch_size=2, seed=0)):  # no augmentation: the baseline
        with pytest.raises(ShapeError) as info:
            attempt()
        messages.append(str(info.value).split(": ", 1)[1])
    assert messages[0] == messages[1] == messages[2]
    assert "float images must lie in [0, 1]" in messages[0] and "divide by 255" in messages[0]
    assert make_featurizer("image_flatten").fit(x / 255).n_features_ == 64  # the fix works


# -- a corpus of damaged WAV files -----------------------------------------------------------------
def _wav_bytes(samples: np.ndarray, code: int = 1, bits: int = 16, rate: int = 8000) -> bytes:
    body = samples.tobytes()
    head = struct.pack("<4sI4s4sIHHIIHH4sI", b"RIFF", 36 + len(body), b"WAVE", b"fmt ", 16, code, 1,
                       rate, rate * bits // 8, bits // 8, bits, b"data", len(body))
    return head + body


def _wav_corpus() -> dict[str, tuple[bytes, str]]:
    good = _wav_bytes((np.sin(np.arange(800) / 5) * 20000).astype("<i2"))
    f32 = np.sin(np.arange(800) / 5).astype("<f4")
    nan32 = f32.copy()
    nan32[100] = np.nan
    return {
        "empty file": (b"", "not a WAV file"),
        "text": (b"hello, this is not audio\n" * 10, "not a WAV file"),
        "truncated": (good[: len(good) // 2], "truncated WAV"),
        "header only": (good[:44], "truncated WAV"),
        "zero samples": (_wav_bytes(np.zeros(0, "<i2")), "holds no samples"),
        "nan samples": (_wav_bytes(nan32, code=3, bits=32), "NaN or inf"),
        "inf samples": (_wav_bytes(np.full(10, np.inf, "<f4"), code=3, bits=32), "NaN or inf"),
        "int16 scale float": (_wav_bytes(f32 * 32767, code=3, bits=32),
                              r"up to 32767.*divide by 32768"),
        "absurd float": (_wav_bytes(np.full(10, 1e30, "<f8"), code=3, bits=64),
                         r"up to 1e\+30.*scale them into \[-1, 1\]"),
        "zero channels": (good[:22] + b"\0\0" + good[24:], "0 channels"),
    }


@pytest.mark.parametrize("case", sorted(_wav_corpus()))
def test_every_damaged_wav_is_refused_naming_the_file(tmp_path, case):
    data, message = _wav_corpus()[case]
    path = tmp_path / f"{case.replace(' ', '_')}.wav"
    path.write_bytes(data)
    with pytest.raises(ShapeError, match=message) as info:
        read_wav(path)
    assert str(info.value).startswith(str(path))


def test_float_wav_near_full_scale_still_reads(tmp_path):
    wave = np.sin(np.arange(800) / 5).astype("<f4") * 1.5  # a little over full scale is kept
    (tmp_path / "ok.wav").write_bytes(_wav_bytes(wave, code=3, bits=32))
    got, rate = read_wav(tmp_path / "ok.wav")
    assert rate == 8000 and np.array_equal(got, wave)


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


def test_a_tensor_dataset_is_checked_too():
    torch = pytest.importorskip("torch")
    duck = _Duck(torch.zeros((40, 8, 8), dtype=torch.uint8), torch.arange(10) % 2,
                 modality="image")
    with pytest.raises(ShapeError, match="x has 40 samples but y has 10"):
        DataLoader(duck, batch_size=4, seed=0, features=None)
