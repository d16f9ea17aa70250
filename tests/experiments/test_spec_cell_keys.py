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
        "7f6b1e53e39f21065df563194c8724515eacc32a7d6f04220fa47dced3648ebc",
    "fsdd_specaugment_speakers.yaml":
        "78750909e0fcd438dd949e612e3efdc6cdfc7d251c01db5dcc21f813e2e42a48",
    "regularizers_digits.yaml":
        "49f69f1a9d5718d743862e25db95a543138621f34dc1f03d7faf246f705a3ed8",
    "regularizers_fashion.yaml":
        "7fb54c31b77e292de6154b64cb1b9506848ec43de2f6ac73884e68bfcc4606ed",
    "rotten_tomatoes_text.yaml":
        "d8b335710432ac005a2ae45f926eef80a4ac499472dfe4da20c515b60443c6c5",
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
