"""The Transform contract, checked for EVERY registered transform (image, text, audio, compose).

Each class is built with the arguments of ``tests/transform_examples.py`` (its defaults when it is
not listed there) on its ``example_batch``; its bad arguments are generated from its constraint
table (``_parameter_constraints``, see augfit/transforms/constraints.py).
"""
from __future__ import annotations

import pickle

import numpy as np
import pytest

from augfit.errors import AugfitError, ConfigError
from augfit.registry import TRANSFORMS
from augfit.transforms import Transform, available
from augfit.transforms.constraints import merged_table
from transform_examples import constructor_args, example_args, invalid_cases

NAMES = available()


def _make(name: str, p: float | None = None) -> Transform:
    cls = TRANSFORMS.get(name)
    kwargs = dict(example_args(cls))
    if p is not None and not cls.deterministic:
        kwargs["p"] = p
    return cls(**kwargs)


def _batch(name: str, seed: int = 0):
    return TRANSFORMS.get(name).example_batch(np.random.default_rng(seed))


def _same(a, b) -> bool:
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.shape == b.shape and a.dtype == b.dtype \
            and a.tobytes() == b.tobytes()
    return list(a) == list(b)


def _copy(x):
    return x.copy() if isinstance(x, np.ndarray) else list(x)


def test_registry_has_the_image_transforms_and_compositions():
    for name in ["Rotate", "Scale", "Translate", "Affine", "RandomCrop", "RandomResizedCrop",
                 "CenterCrop", "HorizontalFlip", "VerticalFlip", "Brightness", "Contrast",
                 "BrightnessContrast", "Grayscale", "GaussianNoise", "Cutout", "Compose", "OneOf",
                 "SomeOf", "Sometimes"]:
        assert name in NAMES


@pytest.mark.parametrize("name", NAMES)
def test_keeps_shape_and_dtype_and_does_not_modify_input(name):
    t, x = _make(name, p=1.0), _batch(name)
    before = _copy(x)
    out = t(x, rng=1)
    assert _same(x, before), "the input batch was modified in place"
    if TRANSFORMS.get(name).deterministic:
        return
    if isinstance(x, np.ndarray):
        assert out.shape == x.shape and out.dtype == x.dtype
    else:
        assert isinstance(out, list) and len(out) == len(x) and all(isinstance(s, str) for s in out)


@pytest.mark.parametrize("name", NAMES)
def test_p0_is_identity_and_p1_changes(name):
    if TRANSFORMS.get(name).deterministic:
        pytest.skip("deterministic step: no p")
    x = _batch(name)
    assert _same(_make(name, p=0.0)(x, rng=2), x)
    assert not _same(_make(name, p=1.0)(x, rng=2), x)


@pytest.mark.parametrize("name", NAMES)
def test_same_seed_same_bytes_and_replay(name):
    x = _batch(name)
    t = _make(name, p=0.7)
    a, params = t(x, rng=5, return_params=True)
    b = _make(name, p=0.7)(x, rng=5)
    assert _same(a, b)
    assert _same(t.replay(x, params), a)
    assert _same(t.apply(x, params), a)


@pytest.mark.parametrize("name", NAMES)
def test_serialization_round_trip(name):
    x = _batch(name)
    t = _make(name, p=0.8)
    d = t.to_dict()
    assert d["type"] == name
    for clone in (Transform.from_dict(d), Transform.from_json(t.to_json()),
                  Transform.from_yaml(t.to_yaml())):
        assert type(clone) is type(t)
        assert clone.to_dict() == d
        assert _same(clone(x, rng=9), t(x, rng=9))


@pytest.mark.parametrize("name", NAMES)
def test_pickles_for_worker_processes(name):
    x = _batch(name)
    t = _make(name, p=0.8)
    clone = pickle.loads(pickle.dumps(t))
    assert _same(clone(x, rng=4), t(x, rng=4))


@pytest.mark.parametrize("name", NAMES)
def test_invalid_arguments_raise_augfit_errors_naming_them(name):
    """The bad values come from the class's constraint table (one per way a value can be
    wrong); each must be refused with an AugfitError naming the class and the argument."""
    cls = TRANSFORMS.get(name)
    cases = invalid_cases(cls)
    assert cases, f"{name} declares no constraint table (_parameter_constraints)"
    for arg, value in cases:
        with pytest.raises(AugfitError) as err:
            cls(**{**example_args(cls), arg: value})
        assert name in str(err.value) and arg in str(err.value), (arg, value, str(err.value))


def test_every_argument_of_every_builtin_transform_is_declared_once():
    """Each constructor argument of a built-in transform has a constraint (none checked by hand
    beside the table), and no table names an argument the constructor does not take."""
    undeclared = {}
    for name in NAMES:
        cls = TRANSFORMS.get(name)
        if not cls.__module__.startswith("augfit."):
            continue  # a plugin or a test's own transform
        args = constructor_args(cls)
        table = merged_table(cls, args)
        missing = [a for a in args if a not in table]
        if missing:
            undeclared[name] = missing
    assert undeclared == {}


def test_a_subclass_reports_its_own_name():
    class Spin(TRANSFORMS.get("Rotate")):
        pass

    with pytest.raises(ConfigError, match=r"Spin\(limit=\.\.\.\) must lie within \[-180, 180\]"):
        Spin(limit=500)
    with pytest.raises(ConfigError, match=r"Spin\(limt=\.\.\.\): unknown keyword; did you mean"):
        Spin(limt=5)
    assert Spin(limit=(-5, 10)).bounds("limit") == (-5.0, 10.0)
    assert Spin(limit=(-5, 10)).get_config() == {"limit": [-5, 10], "fill": 0.0, "p": 1.0}


# -- labels: label-mixing transforms (MixUp, CutMix, ...) and everything else --------------------
def _targets(n: int, k: int = 3) -> np.ndarray:
    return np.eye(k)[np.arange(n) % k]


def test_registry_has_the_label_mixing_transforms():
    mixing = [n for n in NAMES if TRANSFORMS.get(n).mixes_labels]
    assert {"MixUp", "CutMix", "TimeCutMix"} <= set(mixing)


@pytest.mark.parametrize("name", NAMES)
def test_labels_sum_to_one_and_are_unchanged_at_p0(name):
    x = _batch(name)
    if not isinstance(x, np.ndarray) or TRANSFORMS.get(name).deterministic:
        pytest.skip("no numeric batch / no p")
    t0 = _targets(len(x))
    for p in (0.0, 0.6, 1.0):
        t = _make(name, p=p)
        _, rec = t(x, rng=3, return_params=True)
        y = t.apply_targets(t0, rec)
        assert y.shape == t0.shape
        np.testing.assert_allclose(y.sum(axis=1), 1.0, rtol=0, atol=1e-12)
        assert y.min() >= 0.0
        if p == 0.0 or not t.changes_labels():
            assert np.array_equal(y, t0), "labels changed by a transform that keeps them"
        # replay: the same record gives the same soft labels (apply_targets is pure)
        assert np.array_equal(t.apply_targets(t0, rec), y)
    if TRANSFORMS.get(name).mixes_labels:
        t = _make(name, p=1.0)
        _, rec = t(x, rng=3, return_params=True)
        assert not np.array_equal(t.apply_targets(t0, rec), t0), "p=1 left every label as it was"
