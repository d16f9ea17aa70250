"""The drawn parameters shown for each sample are the record's own values, for EVERY registered
transform, and compositions attribute each child's draw to the right samples."""
from __future__ import annotations

import numpy as np
import pytest

import augfit as af
from augfit.registry import TRANSFORMS
from augfit.transforms import Transform, available
from augfit.transforms import image as I
from augfit.viz.explain import FAMILIES, describe_pipeline, explain, per_sample
from transform_examples import example_args

NAMES = available()
COMPOSITIONS = {"Compose", "OneOf", "SomeOf", "Sometimes"}
ADAPTERS = {"Albumentations", "Audiomentations", "NlpaugAugmenter", "BackTranslate"}


def test_every_builtin_transform_that_draws_has_a_family_with_words():
    drawing = {n for n in NAMES if not TRANSFORMS.get(n).deterministic}
    families = {n: TRANSFORMS.get(n).family for n in drawing - COMPOSITIONS - ADAPTERS}
    assert {n: f for n, f in families.items() if f not in FAMILIES} == {}
    assert set(FAMILIES) <= set(families.values())   # no formatter for a family nobody is in


# the adapters draw only a seed for the wrapped library (its own draws are not recorded); they are
# shown by the generic formatter, tested below on a transform of this file
@pytest.mark.parametrize("name", sorted(set(NAMES) - COMPOSITIONS - ADAPTERS))
def test_values_shown_are_the_recorded_ones(name):
    cls = TRANSFORMS.get(name)
    t = cls(**{**example_args(cls), **({} if cls.deterministic else {"p": 0.5})})
    x = cls.example_batch(np.random.default_rng(0))
    _, rec = t(x, rng=3, return_params=True)
    drawn = explain(t, rec, len(x))
    if cls.deterministic:
        assert drawn == [[] for _ in x]
        return
    applied = np.asarray(rec["applied"], bool)
    for i, steps in enumerate(drawn):
        if not applied[i]:
            assert steps == []
            continue
        (d,) = steps
        assert d.transform == name and d.text
        entries = {k: v for k, v in rec.items() if k not in ("applied", "drawn_on")}
        assert set(d.values) == set(entries)
        for k, v in entries.items():
            per_row = (isinstance(v, np.ndarray) and v.ndim and v.shape[0] == len(x)) or \
                (isinstance(v, list) and len(v) == len(x))
            expected = v[i] if per_row else v
            assert np.array_equal(np.asarray(d.values[k], dtype=object),
                                  np.asarray(expected, dtype=object))


def test_one_of_some_of_and_sometimes_attribute_draws_to_their_samples():
    x = np.random.default_rng(0).integers(0, 256, (16, 12, 12), dtype=np.uint8)
    one = af.transforms.get("OneOf")([I.Rotate(limit=30), I.HorizontalFlip(p=1.0)])
    _, rec = one(x, rng=1, return_params=True)
    drawn = explain(one, rec, 16)
    choice, steps = rec["inner"]["choice"], rec["inner"]["steps"]
    rotated = np.flatnonzero(choice == 0)
    assert 0 < rotated.size < 16
    for i in range(16):
        (d,) = drawn[i]
        assert d.transform == ("Rotate", "HorizontalFlip")[choice[i]]
        if choice[i] == 0:          # the i-th sample is row searchsorted(rotated, i) of the child
            assert d.values["angle"] == steps[0]["angle"][np.searchsorted(rotated, i)]
    some = af.transforms.get("SomeOf")([I.Rotate(limit=30), I.HorizontalFlip(p=1.0),
                                        I.Brightness(limit=0.3)], n=[0, 3])
    _, rec = some(x, rng=2, return_params=True)
    mask = rec["inner"]["mask"]
    names = np.array(["Rotate", "HorizontalFlip", "Brightness"])
    assert [[d.transform for d in s] for s in explain(some, rec, 16)] == \
        [list(names[m]) for m in mask]
    sometimes = af.transforms.get("Sometimes")(0.5, [I.Rotate(limit=30), I.VerticalFlip(p=1.0)])
    _, rec = sometimes(x, rng=4, return_params=True)
    drawn = explain(sometimes, rec, 16)
    applied = rec["applied"]
    assert 0 < applied.sum() < 16
    assert [len(s) for s in drawn] == [2 if a else 0 for a in applied]
    angles = [s[0].values["angle"] for s in drawn if s]
    np.testing.assert_array_equal(angles, rec["inner"][0]["angle"])


def test_per_sample_keeps_shared_values_and_skips_bookkeeping():
    rec = {"a": np.arange(3), "b": [[1], [2], [3]], "shared": 7, "applied": np.ones(3, bool),
           "drawn_on": {"transform": "X", "shape": [2]}}
    assert per_sample(rec, 1, 3) == {"a": 1, "b": [2], "shared": 7}


class _Plugin(Transform):
    """A transform the table does not know (as a plugin would be)."""

    def sample_params(self, rng, batch, n):
        del batch
        return {"amount": rng.uniform(0, 1, size=n), "seed": rng.integers(0, 9, size=n)}

    def apply_params(self, batch, params):
        del params
        return batch


def test_an_unknown_transform_shows_its_numbers_but_not_its_seed():
    x = np.zeros((3, 4), np.float32)
    _, rec = _Plugin()(x, rng=0, return_params=True)
    for i, (d,) in enumerate(explain(_Plugin(), rec, 3)):
        assert d.transform == "_Plugin" and d.text == f"_Plugin amount={rec['amount'][i]:.3g}"


def test_a_pipeline_in_one_line():
    aug = af.Compose([I.Rotate(limit=15), I.HorizontalFlip(), I.RandomResizedCrop(scale=(0.5, 1))])
    assert describe_pipeline(aug) == ("Rotate(limit=15) → HorizontalFlip(p=0.5) → "
                                      "RandomResizedCrop(scale=[0.5, 1], ratio=[0.75, 1.333])")
    one = af.transforms.get("OneOf")([I.Rotate(limit=10), I.TrivialAugmentWide()], p=0.5)
    assert describe_pipeline(one) == \
        "OneOf(p=0.5: Rotate(limit=10) | TrivialAugmentWide(num_magnitude_bins=31))"
