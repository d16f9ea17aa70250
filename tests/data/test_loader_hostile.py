"""The DataLoader under hostile input: duck-typed datasets and tensors checked when it is built, and
the one image contract (float images in [0, 255] refused everywhere with the same message)."""
from __future__ import annotations

import numpy as np
import pytest

from augfit.data.datasets import from_arrays
from augfit.data.loader import DataLoader
from augfit.errors import AugfitError, ShapeError


# -- duck-typed datasets ---------------------------------------------------------------------------
class _Duck:
    def __init__(self, x, y, **attrs) -> None:
        self.x, self.y = x, y
        self.__dict__.update(attrs)


def test_a_duck_typed_dataset_is_checked_when_the_loader_is_built():
    images = np.zeros((40, 8, 8), np.uint8)
    cases = [
        (_Duck(images, np.arange(10) % 2, modality="image"), "x has 40 samples but y has 10"),
        (_Duck(images, np.zeros(40, np.float32), modality="image"), "1-D array of ints"),
        (_Duck(images, np.zeros((40, 2), np.int64), modality="image"), "1-D array of ints"),
        (_Duck(images, np.arange(40) % 2, modality="image", classes=["a"]),
         r"values must be in \[0, 1\)"),
        (_Duck(images, np.arange(40) % 2, modality="sound"), "modality=...\\) must be one of"),
        (_Duck(images, np.arange(40) % 2), "has no .modality; set it to 'image' or 'audio'"),
        (_Duck(["a", "b"], [0, 1], modality="image"), "for image must be a NumPy array"),
        (_Duck(images, np.arange(40) % 2, modality="text"), None),  # arrays of text are converted
    ]
    for duck, message in cases[:-1]:
        with pytest.raises(AugfitError, match=message) as info:
            DataLoader(duck, batch_size=4, seed=0)
        assert str(info.value).startswith("DataLoader(dataset=...) is not a valid dataset") or \
            "DataLoader(dataset=...)" in str(info.value)
    ok = DataLoader(_Duck(images, np.arange(40) % 2, modality="image"), batch_size=8, seed=0)
    assert len(ok) == 5 and sum(len(yb) for _, yb in ok) == 40  # every sample, none dropped
    text = DataLoader(_Duck(["good film", "bad film"], [1, 0]), batch_size=2, seed=0,
                      features={"type": "text_hashing", "n_features": 16})
    assert text.dataset.modality == "text"


# -- one image contract ----------------------------------------------------------------------------
def test_float_images_in_0_255_are_refused_everywhere_with_the_same_message():
    from augfit.data.features import make_featurizer
    from augfit.transforms.image import Brightness

    x = np.random.default_rng(0).integers(0, 256, (6, 8, 8)).astype(np.float32)  # [0, 255]
    ds = from_arrays(x, [0, 1] * 3)
    messages = []
    for attempt in (lambda: Brightness(limit=0.2)(x, rng=0),
                    lambda: make_featurizer("image_flatten").fit(x),
                    lambda: DataLoader(ds, batch_size=2, seed=0)):  # no augmentation: the baseline
        with pytest.raises(ShapeError) as info:
            attempt()
        messages.append(str(info.value).split(": ", 1)[1])
    assert messages[0] == messages[1] == messages[2]
    assert "float images must lie in [0, 1]" in messages[0] and "divide by 255" in messages[0]
    assert make_featurizer("image_flatten").fit(x / 255).n_features_ == 64  # the fix works


def test_a_tensor_dataset_is_checked_too():
    torch = pytest.importorskip("torch")
    duck = _Duck(torch.zeros((40, 8, 8), dtype=torch.uint8), torch.arange(10) % 2,
                 modality="image")
    with pytest.raises(ShapeError, match="x has 40 samples but y has 10"):
        DataLoader(duck, batch_size=4, seed=0, features=None)
