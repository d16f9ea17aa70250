"""Offline augmentation copies under hostile input: cache keys that collided, corrupt and misshapen
cache files."""
from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest

from augfit.data.datasets import from_arrays
from augfit.data.loader import DataLoader
from augfit.data.offline import data_hash
from augfit.errors import AugfitWarning
from augfit.hashing import cache_key, checksum


class _Shout:
    """A tiny text pipeline with a JSON identity (so its copies are cached on disk)."""

    def __init__(self, tag: str = "shout") -> None:
        self.tag = tag

    def to_json(self, **kw) -> str:
        return json.dumps({"type": self.tag}, **kw)

    def __call__(self, batch, rng=None):
        del rng
        return [s.upper() for s in batch]


class _Negate:
    def to_json(self, **kw) -> str:
        return json.dumps({"type": "negate"}, **kw)

    def __call__(self, batch, rng=None):
        del rng
        return 255 - batch


def test_cache_key_is_unambiguous_where_separators_collided():
    # each pair collided when parts were joined with (or followed by) a NUL separator
    assert cache_key("a\0", "b") != cache_key("a", "\0b")
    assert cache_key("a\0b") != cache_key("a", "b")
    assert cache_key(["ab"], "") != cache_key(["a"], "b")
    assert cache_key(1) != cache_key("1") != cache_key(1.0) != cache_key(True)
    assert cache_key(np.zeros(4, np.uint8)) != cache_key(np.zeros((2, 2), np.uint8))
    assert cache_key(np.zeros(2, np.int16)) != cache_key(np.zeros(1, np.int32))
    # key order is not data
    assert cache_key({"a": 1, "b": [1, 2]}) == cache_key({"b": [1, 2], "a": 1})
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
