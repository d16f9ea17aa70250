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
        "278c81a600b1bc6021b855baf41a74a2a3af22edb4368970de946daecca849d6",
    "example_images_own_data.yaml":
        "6a88a042eb6ffba2003db99d259ea9d746e5507b22f4f97f7c1484f8d3d6b061",
    "fashion_mnist_overfitting.yaml":
        "2a6dbbc30475809ec891bc48919eec050fe7f7a81c4a1d2f02b31a3575fbf895",
    "fsdd_specaugment.yaml":
        "800fcd9ecf984f51d6b9953e40b3ac43a6b0bbaff7623613791c54bfba81bac0",
    "fsdd_specaugment_speakers.yaml":
        "aef6c49d01a7a805d798acefc8e4db5e75213b735eb3bbaa952bb6a65a706620",
    "regularizers_digits.yaml":
        "1ec2a97bb6317d02ecc4034192c0213a46d675f3891a523ab974869a17d3c442",
    "regularizers_fashion.yaml":
        "cf4a5708ffb6a2d8145574b8dd531ccb0e64ff27caf31027916c160f40839d65",
    "rotten_tomatoes_text.yaml":
        "5a78afb203755470746dda869c003d22e2ae5c9425c92cdc7b362254f195c7fe",
}


@pytest.mark.parametrize("name", sorted(PINNED))
def test_cell_keys_of_shipped_specs_are_unchanged(name):
    spec = load_spec(PIPELINES / name).with_fingerprint("0" * 64).resolve_sizes(1000)
    assert json_digest([c.key for c in spec.cells()]) == PINNED[name]


def test_a_changed_setting_changes_the_keys():
    base = load_spec(PIPELINES / "digits_overfitting.yaml").with_fingerprint("0" * 64)
    canonical = dict(base.canonical, training=dict(base.canonical["training"], lr=0.002))
    changed = parse_spec(canonical)
    assert {c.key for c in changed.cells()}.isdisjoint(c.key for c in base.cells())
