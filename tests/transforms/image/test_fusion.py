"""One sampling order: inside a fused geometric group every step draws what Transform.sample draws.

For every registered fusable transform (``fuse_geometry = True``), the fused path of a Compose and
the step-by-step path give bit-identical records from the same Generator, the records replay
through either path, and the outputs are the same bytes wherever fusion resamples nothing more
(one step alone, or steps that do not resample: flips and crops).
"""
from __future__ import annotations

import numpy as np
import pytest

import augfit as af
from augfit.registry import TRANSFORMS
from augfit.transforms import available
from augfit.transforms import image as I
from augfit.transforms.image.core import GeometricTransform, stand_in
from transform_examples import example_args  # the contract test's (tests/transform_examples.py)

FUSABLE = [n for n in available() if getattr(TRANSFORMS.get(n), "fuse_geometry", False)]


def _make(name: str, p: float) -> GeometricTransform:
    cls = TRANSFORMS.get(name)
    return cls(**example_args(cls), **({} if cls.deterministic else {"p": p}))


def _images(seed: int = 0) -> np.ndarray:
    # not square, so a step that reads (w, h) for (h, w) draws on the wrong shape
    return np.random.default_rng(seed).integers(0, 256, (12, 20, 26, 3), dtype=np.uint8)


def _same_records(a: list[dict], b: list[dict]) -> None:
    assert len(a) == len(b)
    for ra, rb in zip(a, b, strict=True):
        assert list(ra) == list(rb)  # same keys in the same order
        for k in ra:
            va, vb = ra[k], rb[k]
            if isinstance(va, np.ndarray):
                assert va.dtype == vb.dtype and va.tobytes() == vb.tobytes(), k
            else:
                assert va == vb, k


def test_every_geometric_image_transform_is_checked_here():
    assert {"Rotate", "Scale", "Translate", "Affine", "Shear", "RandomResizedCrop", "RandomCrop",
            "CenterCrop", "HorizontalFlip", "VerticalFlip"} <= set(FUSABLE)


@pytest.mark.parametrize("name", FUSABLE)
def test_a_step_alone_through_the_fused_path_is_its_own_sample_and_apply(name):
    x = _images()
    t = _make(name, 0.6)
    out, (drawn,) = GeometricTransform.fused([t], x, rng=np.random.default_rng(5))
    ref_out, ref = t.sample_apply(np.random.default_rng(5), x)
    _same_records([drawn], [ref])
    assert out.shape == ref_out.shape and out.tobytes() == ref_out.tobytes()


@pytest.mark.parametrize("name", FUSABLE)
@pytest.mark.parametrize("group", ["twice", "after_a_resize", "before_a_rotate"])
def test_fused_and_step_by_step_draw_the_same_records(name, group):
    x = _images(1)
    t = _make(name, 0.6)
    steps = {"twice": [t, _make(name, 0.6)],
             # the step draws on the 14x9 samples the crop makes: its stand-in has that shape
             "after_a_resize": [I.RandomResizedCrop(size=(14, 9), p=0.7), t],
             "before_a_rotate": [t, I.Rotate(limit=40, p=0.7)]}[group]
    fused_out, fused = af.Compose(steps, seed=3)(x, return_params=True)
    plain_out, plain = af.Compose(steps, seed=3, fuse=False)(x, return_params=True)
    _same_records(fused["inner"], plain["inner"])
    # the records are interchangeable: each replays through the other path
    assert af.Compose(steps).replay(x, plain).tobytes() == fused_out.tobytes()
    assert af.Compose(steps, fuse=False).replay(x, fused).tobytes() == plain_out.tobytes()
    if not any(s.resamples for s in steps):  # nothing resampled twice step by step
        assert plain_out.tobytes() == fused_out.tobytes()


def test_the_stand_in_has_the_shape_and_dtype_and_no_memory_of_its_own():
    x = _images()
    s = stand_in(x, (7, 5, 3))
    assert s.shape == (12, 7, 5, 3) and s.dtype == np.uint8 and not s.any()
    assert s.strides == (0, 0, 0, 0) and not s.flags.writeable
