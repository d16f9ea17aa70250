"""The content fingerprint: equal data, equal fingerprint; any change of bytes, labels, classes,
dtype, shape or loader options (but not of location), another one."""
from __future__ import annotations

import shutil

import cv2
import numpy as np

from augfit.data.datasets import Dataset, fingerprint, from_arrays, load


def _img(seed=0):
    rng = np.random.default_rng(seed)
    return from_arrays(rng.integers(0, 256, (6, 4, 4), dtype=np.uint8), [0, 1, 0, 1, 0, 1])


def test_equal_content_equal_fingerprint_and_each_change_differs():
    a, b = _img(), _img()
    base = fingerprint(a)
    assert base == fingerprint(b) and len(base) == 64 and int(base, 16) >= 0
    x = a.x.copy()
    x[3, 2, 1] ^= 1                                               # one bit of one pixel
    variants = [
        Dataset(x, a.y, "image", a.classes),
        Dataset(a.x, a.y[::-1].copy(), "image", a.classes),         # labels
        Dataset(a.x, a.y, "image", ["zero", "one"]),                # class names
        Dataset(a.x.astype(np.float32), a.y, "image", a.classes),   # dtype, same values
        Dataset(a.x.reshape(6, 2, 8), a.y, "image", a.classes),     # shape, same bytes
        Dataset(a.x, a.y, "image", a.classes, groups=np.arange(6)),
        Dataset(a.x, a.y, "image", a.classes, {"official_test": np.arange(6) < 2}),
    ]
    prints = [fingerprint(v) for v in variants] + [fingerprint(a, {"size": [4, 4]})]
    assert base not in prints and len(set(prints)) == len(prints)
    # provenance notes are not content
    assert fingerprint(Dataset(a.x, a.y, "image", a.classes, {"source": "elsewhere"})) == base


def test_text_is_length_prefixed():
    ab_c = from_arrays(["ab", "c"], [0, 1])
    a_bc = from_arrays(["a", "bc"], [0, 1])
    assert fingerprint(ab_c) != fingerprint(a_bc)
    assert fingerprint(ab_c) == fingerprint(from_arrays(["ab", "c"], [0, 1]))


def test_moving_a_folder_keeps_the_fingerprint_editing_a_file_changes_it(tmp_path):
    rng = np.random.default_rng(0)
    for cls in ("a", "b"):
        (tmp_path / "one" / cls).mkdir(parents=True)
        for i in range(2):
            cv2.imwrite(str(tmp_path / "one" / cls / f"{i}.png"),
                        rng.integers(0, 256, (3, 3), dtype=np.uint8))
    shutil.copytree(tmp_path / "one", tmp_path / "two")
    fp = [fingerprint(load("image_folder", path=tmp_path / d), {"path": str(tmp_path / d)})
          for d in ("one", "two")]
    assert fp[0] == fp[1]
    cv2.imwrite(str(tmp_path / "two" / "b" / "1.png"), np.zeros((3, 3), np.uint8))
    assert fingerprint(load("image_folder", path=tmp_path / "two")) != fp[0]
