"""A mistyped name in a spec gets "did you mean" with the nearest right one, at its YAML path:
dataset names, method names (the baseline), choices (activation, optimizer, loss), transform
arguments; and in Python, a mistyped keyword of ``augfit.datasets.load``."""
from __future__ import annotations

from typing import Any

import pytest

import augfit as af
from augfit.errors import ConfigError
from augfit.experiments.spec import parse_spec

BASE: dict[str, Any] = {"dataset": {"name": "digits"}, "train_sizes": [50],
                        "methods": ["baseline"]}


@pytest.mark.parametrize(("change", "message"), [
    ({"dataset": {"name": "digit"}},
     'dataset.name: expected one of .*, got "digit"; did you mean \'digits\'\\?'),
    ({"baseline": "basline"},
     'baseline: "basline" is not one of the methods \\(baseline\\); did you mean \'baseline\'\\? '
     "add it to methods"),
    ({"model": {"activation": "rlu"}},
     'model.activation: expected one of "relu", "sigmoid", "tanh", got "rlu"; '
     "did you mean 'relu'\\?"),
    ({"training": {"optimizer": "adm"}}, "training.optimizer: .*did you mean 'adam'\\?"),
    ({"methods": ["baseline", {"name": "r", "augment": [{"type": "Rotate", "limt": 3}]}]},
     "methods\\[1\\].augment\\[0\\].limt: unknown argument of Rotate; did you mean 'limit'\\? "
     "allowed: limit, fill, p"),
])
def test_spec_names_get_did_you_mean_at_their_path(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match="^<dict>: " + message):
        parse_spec({**BASE, **change})


def test_far_off_name_gets_no_guess() -> None:
    with pytest.raises(ConfigError) as e:
        parse_spec({**BASE, "model": {"activation": "xyzzy"}})
    assert "did you mean" not in str(e.value)


def test_python_keyword_of_a_dataset_gets_did_you_mean() -> None:
    with pytest.raises(ConfigError, match=r"^augfit.datasets.load\('image_folder', pth=...\): "
                       r"unknown keyword; did you mean 'path'\? it takes path, size, grayscale, "
                       r"max_pixels$"):
        af.datasets.load("image_folder", pth="scans")
    with pytest.raises(ConfigError, match=r"load\('digits', path=...\): unknown keyword; it "
                       "takes no options"):
        af.datasets.load("digits", path="x")


def test_a_mistyped_method_name_gets_did_you_mean() -> None:
    spec = parse_spec({**BASE, "methods": ["baseline", {"name": "rotate", "dropout": 0.1}]})
    with pytest.raises(ConfigError, match=r"^<dict>: no method named 'rotat'; did you mean "
                       r"'rotate'\? methods: baseline, rotate$"):
        spec.method("rotat")


def test_python_keyword_of_a_transform_gets_did_you_mean() -> None:
    from augfit.transforms import audio as A
    from augfit.transforms import image as I

    with pytest.raises(ConfigError, match=r"^Rotate\(limt=...\): unknown keyword; did you mean "
                       r"'limit'\? it takes limit, fill, p$"):
        I.Rotate(limt=15)
    with pytest.raises(ConfigError,
                       match=r"^TimeMask\(max_widht=...\): .*did you mean 'max_width'\?"):
        A.TimeMask(max_widht=4)
    assert I.Rotate(limit=15).to_dict()["limit"] == 15       # right keywords pass untouched
