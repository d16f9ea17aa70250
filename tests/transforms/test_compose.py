"""Compose, OneOf, SomeOf, Sometimes: seeding, records, replay, nesting, serialization, fusion."""
from __future__ import annotations

import numpy as np
import pytest

import augfit as af
from augfit.errors import ConfigError, ShapeError
from augfit.transforms import Transform
from augfit.transforms import image as I
from augfit.transforms.base import select


def _images(n=16, h=20, w=20, c=None, seed=0):
    shape = (n, h, w) if c is None else (n, h, w, c)
    return np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)


def _pipeline(seed=0, fuse=True):
    return af.Compose([I.Rotate(limit=15), I.RandomResizedCrop(scale=(0.8, 1.0)),
                       I.HorizontalFlip(p=0.5), I.BrightnessContrast(0.2, 0.2)],
                      seed=seed, fuse=fuse)


def test_seed_gives_the_same_stream_and_the_stream_advances():
    x = _images()
    a, b = _pipeline(0), _pipeline(0)
    first, second = a(x), a(x)
    assert np.array_equal(first, b(x)) and np.array_equal(second, b(x))
    assert not np.array_equal(first, second)
    a.reset()
    assert np.array_equal(a(x), first)
    assert not np.array_equal(_pipeline(1)(x), first)


def test_rng_argument_draws_from_the_given_generator_not_the_own_stream():
    x = _images()
    aug = _pipeline(0)
    out1 = aug(x, rng=np.random.default_rng(7))
    out2 = aug(x, rng=np.random.default_rng(7))
    assert np.array_equal(out1, out2)
    assert np.array_equal(aug(x), _pipeline(0)(x))  # own stream untouched by rng= calls


def test_record_replays_exactly_and_has_one_entry_per_step():
    x = _images(c=3)
    aug = _pipeline(3)
    out, record = aug(x, return_params=True)
    assert len(record["inner"]) == 4
    flips = record["inner"][2]["applied"]
    assert 0 < flips.sum() < len(x)  # p=0.5 per sample
    assert np.array_equal(aug.replay(x, record), out)
    assert np.array_equal(_pipeline(99).replay(x, record), out)  # replay draws nothing


def test_fused_and_step_by_step_draw_the_same_parameters():
    x = _images()
    _, fused = _pipeline(5, fuse=True)(x, return_params=True)
    _, steps = _pipeline(5, fuse=False)(x, return_params=True)
    for a, b in zip(fused["inner"], steps["inner"], strict=True):
        assert a.keys() == b.keys()
        for k in a:
            np.testing.assert_array_equal(a[k], b[k])


def test_fusion_resamples_once_with_the_product_matrix():
    """Rotate then Scale fused equals one cv2.warpAffine with M_scale @ M_rot (within 1 level)."""
    cv2 = pytest.importorskip("cv2")
    x = _images(n=6, h=40, w=40)
    rot, sc = I.Rotate(limit=30), I.Scale(range=(0.8, 1.2))
    out, rec = af.Compose([rot, sc], seed=1)(x, return_params=True)
    for i in range(len(x)):
        one = np.array([i])  # each step's parameters restricted to sample i
        m = sc.matrices(select(rec["inner"][1], one, len(x)), (40, 40))[0] @ \
            rot.matrices(select(rec["inner"][0], one, len(x)), (40, 40))[0]
        ref = cv2.warpAffine(x[i], m[:2], (40, 40), flags=cv2.INTER_LINEAR,
                             borderMode=cv2.BORDER_CONSTANT, borderValue=0)
        assert np.abs(out[i].astype(int) - ref)[4:-4, 4:-4].max() <= 1


def test_fused_flips_and_crops_stay_exact():
    x = _images(c=3)
    aug = af.Compose([I.RandomCrop(size=12, padding=2), I.HorizontalFlip(p=0.5),
                      I.VerticalFlip(p=0.5)], seed=4)
    ref = af.Compose(aug.transforms, seed=4, fuse=False)
    assert np.array_equal(aug(x), ref(x))


def test_one_of_picks_exactly_one_child_per_sample():
    x = np.full((400, 4, 4), 100, np.uint8)
    aug = af.OneOf([I.Brightness(limit=(0.2, 0.2)), I.Brightness(limit=(-0.2, -0.2))],
                   weights=[3, 1], seed=0)
    out, rec = aug(x, return_params=True)
    values = out[:, 0, 0]
    assert set(np.unique(values)) == {100 + 51, 100 - 51}
    np.testing.assert_array_equal(values == 151, rec["inner"]["choice"] == 0)
    assert 0.65 < (values == 151).mean() < 0.85  # weights 3:1
    assert np.array_equal(aug.replay(x, rec), out)


def test_some_of_applies_n_children_in_listed_order():
    x = np.full((300, 2, 2), 10, np.uint8)
    add = [I.Brightness(limit=(v / 255, v / 255)) for v in (1, 2, 4)]
    out, rec = af.SomeOf(add, n=2, seed=0)(x, return_params=True)
    assert (rec["inner"]["mask"].sum(axis=1) == 2).all()
    np.testing.assert_array_equal(out[:, 0, 0] - 10, rec["inner"]["mask"] @ np.array([1, 2, 4]))
    counts = af.SomeOf(add, n=(0, 3), seed=1)(x, return_params=True)[1]["inner"]["mask"].sum(axis=1)
    assert set(np.unique(counts)) == {0, 1, 2, 3}


def test_sometimes_applies_to_a_share_p_and_nests():
    x = np.zeros((1000, 3, 3), np.uint8)
    aug = af.Compose([af.Sometimes(0.3, [I.Brightness(limit=(0.5, 0.5))]),
                      af.OneOf([af.Compose([I.VerticalFlip(p=1.0)]), I.Contrast(0.1)])], seed=0)
    out, rec = aug(x, return_params=True)
    share = (out[:, 0, 0] > 0).mean()
    assert 0.25 < share < 0.35
    assert np.array_equal(aug.replay(x, rec), out)
    clone = af.Compose.from_yaml(aug.to_yaml())
    aug.reset()
    assert np.array_equal(clone(x), aug(x))


def test_serialization_keeps_seed_and_nesting():
    aug = af.Compose([af.OneOf([I.Rotate(10, fill=1.0), I.Scale((0.9, 1.1))]), I.Grayscale(p=0.2)],
                     seed=42)
    d = aug.to_dict()
    assert d["seed"] == 42 and d["transforms"][0]["type"] == "OneOf"
    assert d["transforms"][0]["transforms"][0] == {"type": "Rotate", "limit": 10, "fill": 1.0,
                                                   "p": 1.0}
    x = _images(c=3)
    assert np.array_equal(af.Compose.from_json(aug.to_json())(x), aug(x))


def test_compose_from_dict_builds_any_transform():
    t = af.Compose.from_dict({"type": "HorizontalFlip", "p": 1.0})
    assert isinstance(t, I.HorizontalFlip)
    x = _images(n=2)
    np.testing.assert_array_equal(t(x, rng=0), x[:, :, ::-1])


def test_bad_compositions_and_records_raise_clear_errors():
    with pytest.raises(ConfigError, match="transforms"):
        af.Compose([lambda x: x])
    with pytest.raises(ConfigError, match="type"):
        af.Compose.from_dict({"transforms": []})
    aug = _pipeline(0)
    x = _images()
    _, rec = aug(x, return_params=True)
    with pytest.raises(ShapeError, match="drawn for 16 samples"):
        aug.replay(x[:5], rec)
    with pytest.raises(ConfigError, match="steps"):
        af.Compose([I.Rotate()]).replay(x, rec)
    shrink = af.Compose([I.CenterCrop(8)], p=0.5, seed=0)
    with pytest.raises(ShapeError, match="p=1"):
        shrink(x)


class _Shout(Transform):
    """A tiny text transform for composition tests: upper-cases the sentence."""

    modality = "text"

    def __init__(self, p: float = 1.0) -> None:
        super().__init__(p)

    def apply_params(self, batch, params):
        del params
        return [s.upper() for s in batch]


class _Tag(_Shout):
    def apply_params(self, batch, params):
        del params
        return [s + "!" for s in batch]


def test_compositions_work_on_list_batches():
    x = [f"sentence {i}" for i in range(200)]
    aug = af.Compose([af.Sometimes(0.5, _Shout()), af.OneOf([_Tag(), _Tag(p=0.0)])], seed=0)
    out, rec = aug(x, return_params=True)
    assert isinstance(out, list) and len(out) == 200 and x[0] == "sentence 0"
    shouted = rec["inner"][0]["applied"]
    tagged = rec["inner"][1]["inner"]["choice"] == 0
    for s, o, up, tag in zip(x, out, shouted, tagged, strict=True):
        assert o == (s.upper() if up else s) + ("!" if tag else "")
    assert 0.4 < shouted.mean() < 0.6
    assert aug.replay(x, rec) == out
    some = af.SomeOf([_Shout(), _Tag()], n=1, seed=0)(x)
    assert all((o == s.upper()) != (o == s + "!") for s, o in zip(x, some, strict=True))


def test_fused_output_matches_step_by_step_on_smooth_images():
    """Fusion changes only the interpolation blur, not where pixels go (order of the matrices)."""
    v, u = np.mgrid[0:48, 0:40]
    smooth = (120 + 80 * np.sin(u / 7.0) * np.cos(v / 9.0)).astype(np.uint8)
    x = np.stack([smooth, smooth[::-1], smooth[:, ::-1], 255 - smooth])
    steps = [I.Rotate(limit=25), I.RandomResizedCrop(size=(30, 36), scale=(0.5, 0.9)),
             I.HorizontalFlip(p=0.5), I.Translate(shift=0.1), I.Scale((0.9, 1.1))]
    fused = af.Compose(steps, seed=7)(x)
    plain = af.Compose(steps, seed=7, fuse=False)(x)
    assert fused.shape == plain.shape == (4, 30, 36)
    inner = np.abs(fused.astype(int) - plain)[:, 8:-8, 8:-8]
    assert inner.max() <= 6 and inner.mean() < 1.5
