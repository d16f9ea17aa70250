"""How every transform is called: channels-first layouts and the albumentations-style image= call.

(CPU tensors in and out are tested with torch in tests/interop/test_torch.py.)
"""
from __future__ import annotations

import numpy as np
import pytest

from augfit.errors import ConfigError, ShapeError
from augfit.registry import TRANSFORMS
from augfit.transforms import available
from augfit.transforms.compose import Compose
from augfit.transforms.image import HorizontalFlip
from transform_examples import example_args

IMAGE_NAMES = [n for n in available()
               if TRANSFORMS.get(n).modality in ("image", "any")
               and isinstance(TRANSFORMS.get(n).example_batch(np.random.default_rng(0)), np.ndarray)
               and TRANSFORMS.get(n).example_batch(np.random.default_rng(0)).ndim == 4]


def _make(name: str):
    cls = TRANSFORMS.get(name)
    return cls(**{**example_args(cls), **({} if cls.deterministic else {"p": 1.0})})


@pytest.mark.parametrize("name", IMAGE_NAMES)
def test_channels_first_layout_equals_channels_last(name):
    t = _make(name)
    x = TRANSFORMS.get(name).example_batch(np.random.default_rng(0))  # (N, H, W, C)
    ref = t(x, rng=5)
    out = t(np.ascontiguousarray(x.transpose(0, 3, 1, 2)), rng=5, layout="NCHW")
    assert out.shape == (ref.shape[0], ref.shape[3], ref.shape[1], ref.shape[2])
    assert out.dtype == ref.dtype
    np.testing.assert_array_equal(out.transpose(0, 2, 3, 1), ref)


@pytest.mark.parametrize("name", [n for n in IMAGE_NAMES if not TRANSFORMS.get(n).mixes_labels])
def test_single_image_call_equals_a_batch_of_one(name):
    t = _make(name)
    img = TRANSFORMS.get(name).example_batch(np.random.default_rng(1))[0]  # (H, W, C)
    out = t(image=img, rng=3)
    assert set(out) == {"image"}
    np.testing.assert_array_equal(out["image"], t(img[None], rng=3)[0])
    chw = t(image=np.ascontiguousarray(img.transpose(2, 0, 1)), rng=3, layout="CHW")["image"]
    np.testing.assert_array_equal(chw.transpose(1, 2, 0), out["image"])


def test_label_mixing_needs_a_batch_not_one_image():
    from augfit.transforms.image import CutMix

    with pytest.raises(ConfigError, match="needs a partner"):
        CutMix(alpha=1.0)(image=np.zeros((4, 4), np.uint8))


def test_hand_worked_flip_of_one_image_and_the_compose_stream():
    aug = Compose([HorizontalFlip(p=1.0)], seed=0)
    img = np.arange(6, dtype=np.uint8).reshape(2, 3)
    assert aug(image=img)["image"].tolist() == [[2, 1, 0], [5, 4, 3]]
    out, record = aug(image=img, return_params=True)
    assert out["image"].tolist() == [[2, 1, 0], [5, 4, 3]]
    assert record["applied"].tolist() == [True]


def test_unknown_keyword_is_refused_with_the_accepted_one():
    aug = Compose([HorizontalFlip(p=1.0)], seed=0)
    img = np.zeros((4, 4), np.uint8)
    with pytest.raises(ConfigError, match=r"unknown keyword 'mask'.*image="):
        aug(image=img, mask=img)
    with pytest.raises(ConfigError, match="unknown keyword 'bboxes'"):
        HorizontalFlip()(bboxes=[1, 2])
    with pytest.raises(ConfigError, match="either a batch or image="):
        aug(img[None], image=img)
    with pytest.raises(ConfigError, match="nothing to augment"):
        aug()


def test_bad_layouts_and_shapes_name_the_fix():
    flip = HorizontalFlip(p=1.0)
    with pytest.raises(ConfigError, match="'NHWC' or 'NCHW', got 'CHW'"):
        flip(np.zeros((2, 3, 4, 4), np.uint8), layout="CHW")
    with pytest.raises(ConfigError, match="'HWC' or 'CHW', got 'NCHW'"):
        flip(image=np.zeros((3, 4, 4), np.uint8), layout="NCHW")
    with pytest.raises(ShapeError, match=r"\(N, C, H, W\), got \(2, 4, 4\)"):
        flip(np.zeros((2, 4, 4), np.uint8), layout="NCHW")
    with pytest.raises(ShapeError, match=r"one image of shape \(H, W\) or \(H, W, C\)"):
        flip(image=np.zeros((1, 2, 4, 4), np.uint8))
