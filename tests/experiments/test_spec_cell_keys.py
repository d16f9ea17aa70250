"""The cell keys of the shipped specs are pinned.

A cell's key is the SHA-256 of everything its result depends on (the common settings, the method's
normalized config, split, seed, size). A refactor that changes how a spec is normalized changes
every key, so every store a user has becomes unusable (the runner trains every cell again). Such a
change must be deliberate: update the values below in the same commit and say so in its message.
"""
from pathlib import Path

import pytest

from augfit.experiments.spec import load_spec, parse_spec
from augfit.hashing import json_digest

PIPELINES = Path(__file__).resolve().parents[2] / "pipelines"

PINNED = {
    "digits_overfitting.yaml":
        "5618b891fb97fd0c1592b7b657f265357538f332d8407f43c8a9c14b4c171a0d",
    "example_images_own_data.yaml":
        "c74af529a1b075f569d50901ef82a7a5242595b504e4d8109eb06110f09a34df",
    "fashion_mnist_overfitting.yaml":
        "3b86d4bacb6e01b53320d0e11c25b90cc611b0391054d83c9644b68112bfe3c6",
    "fsdd_specaugment.yaml":
        "9aebb0e32b268d10d5424b4b14c44f9214492a20d1ef9c2d845cfe94e1f7c3ec",
    "fsdd_specaugment_speakers.yaml":
        "75948a9ffbca5ed2f05b12a77bd1304ae40e1bcf879251228517a593d4ca40f8",
    "regularizers_digits.yaml":
        "49f69f1a9d5718d743862e25db95a543138621f34dc1f03d7faf246f705a3ed8",
    "regularizers_fashion.yaml":
        "93356b471f2ecb9263e51c361cb51e2b4aa613c8b5ab8e9234b131b4fe6a3da7",
    "rotten_tomatoes_text.yaml":
        "04c8ed350546ec98b959891efabeb0a97aa4f5a0524ba1cddb68d27a4f282522",
}


@pytest.mark.parametrize("name", sorted(PINNED))
def test_cell_keys_of_shipped_specs_are_unchanged(name):
    spec = load_spec(PIPELINES / name).with_fingerprint("0" * 64).resolve_sizes(1000)
    assert json_digest([c.key for c in spec.cells()]) == PINNED[name]


def test_a_changed_setting_changes_the_keys():
    base = load_spec(PIPELINES / "digits_overfitting.yaml").with_fingerprint("0" * 64)
    canonical = dict(base.to_canonical(), training=dict(base.to_canonical()["training"], lr=0.002))
    changed = parse_spec(canonical)
    assert {c.key for c in changed.cells()}.isdisjoint(c.key for c in base.cells())
