"""augfit.torch with a real torch.utils.data.DataLoader and worker processes; tensors in
transforms."""
from __future__ import annotations

import numpy as np
import pytest

from augfit.data.datasets import from_arrays
from augfit.data.loader import DataLoader
from augfit.errors import ConfigError, ShapeError
from augfit.transforms.compose import Compose
from augfit.transforms.image import HorizontalFlip, Rotate


def _import_torch():
    try:
        import torch
    except ImportError as e:  # absent, or a build whose native libraries are missing
        pytest.skip(f"torch cannot be imported ({e}); install the CPU build: pip install --no-deps "
                    f"torch torchvision plus filelock sympy networkx jinja2 fsspec",
                    allow_module_level=True)
    return torch


torch = _import_torch()
from augfit.torch import AugmentedDataset  # noqa: E402  (imports torch: after the skip above)


def _same_images(n: int = 24) -> tuple[np.ndarray, np.ndarray]:
    """Every sample is the same image, so any difference between batches is augmentation."""
    img = np.zeros((12, 12), np.float32)
    img[2:10, 5:7] = 1.0
    return np.repeat(img[None], n, axis=0), np.arange(n) % 3


def _aug() -> Compose:
    return Compose([Rotate(limit=30), HorizontalFlip(p=0.5)], seed=123)


def _epochs(ds: AugmentedDataset, workers: int, epochs: int = 2) -> list[list[np.ndarray]]:
    loader = torch.utils.data.DataLoader(ds, batch_sampler=ds.batch_sampler, num_workers=workers)
    out = []
    for _ in range(epochs):
        batches = []
        for xb, yb in loader:
            assert isinstance(xb, torch.Tensor) and xb.dtype == torch.float32
            assert yb.dtype == torch.int64
            batches.append(xb.numpy().copy())
        out.append(batches)
    return out


@pytest.mark.slow
def test_workers_draw_different_augmentation_and_reruns_give_the_same_bytes():
    x, y = _same_images()
    ds = AugmentedDataset((x, y), augment=_aug(), batch_size=8, shuffle=False, seed=7)
    got = _epochs(ds, workers=2)
    # batches 0 and 1 are made by different worker processes: all 8 samples differ
    (e0b0, e0b1, e0b2), (e1b0, _, _) = got
    assert all(not np.array_equal(e0b0[i], e0b1[i]) for i in range(8))
    assert not np.array_equal(e0b1, e0b2)
    # the next epoch re-draws (same samples, same batch index, new epoch)
    assert all(not np.array_equal(e0b0[i], e1b0[i]) for i in range(8))
    # a rerun from the same seed, with another worker count, gives the same bytes
    again = _epochs(AugmentedDataset((x, y), augment=_aug(), batch_size=8, shuffle=False, seed=7),
                    workers=0)
    for a, b in zip(got, again, strict=True):
        for ba, bb in zip(a, b, strict=True):
            assert ba.tobytes() == bb.tobytes()


@pytest.mark.slow
def test_batches_equal_augfit_dataloader_without_features():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (20, 10, 10, 3), dtype=np.uint8)
    y = np.arange(20) % 2
    ds = AugmentedDataset(from_arrays(x, y), augment=_aug(), batch_size=6, seed=3)
    ref = DataLoader(from_arrays(x, y), batch_size=6, augment=_aug(), features=None, seed=3)
    loader = torch.utils.data.DataLoader(ds, batch_sampler=ds.batch_sampler, num_workers=2,
                                         persistent_workers=True)
    for epoch in range(2):
        mine = [(xb.numpy(), yb.numpy()) for xb, yb in loader]
        theirs = list(ref.epoch_batches(epoch))
        assert len(mine) == len(theirs) == 4
        for (xa, ya), (xb, yb) in zip(mine, theirs, strict=True):
            assert xa.dtype == np.uint8 and xa.shape[1:] == (10, 10, 3)
            np.testing.assert_array_equal(xa, xb)
            np.testing.assert_array_equal(ya, yb)


def test_plain_indices_are_refused_with_the_fix():
    x, y = _same_images(8)
    ds = AugmentedDataset((x, y), augment=_aug(), batch_size=4, seed=0)
    loader = torch.utils.data.DataLoader(ds, batch_size=4)
    with pytest.raises(ConfigError, match="batch_sampler=ds.batch_sampler"):
        next(iter(loader))


def test_set_epoch_resumes_the_stream():
    x, y = _same_images(8)
    ds = AugmentedDataset((x, y), augment=_aug(), batch_size=4, shuffle=True, seed=5)
    loader = torch.utils.data.DataLoader(ds, batch_sampler=ds.batch_sampler)
    first = [[b.numpy().copy() for b, _ in loader] for _ in range(3)]
    ds2 = AugmentedDataset((x, y), augment=_aug(), batch_size=4, shuffle=True, seed=5)
    ds2.batch_sampler.set_epoch(2)
    third = [b.numpy()
             for b, _ in torch.utils.data.DataLoader(ds2, batch_sampler=ds2.batch_sampler)]
    np.testing.assert_array_equal(np.stack(third), np.stack(first[2]))


def test_tensor_in_tensor_out_and_channels_first():
    aug = Compose([HorizontalFlip(p=1.0)], seed=0)
    t = torch.arange(2 * 3 * 4 * 5, dtype=torch.uint8).reshape(2, 3, 4, 5)  # N, C, H, W
    out = aug(t, layout="NCHW")
    assert isinstance(out, torch.Tensor) and out.dtype == torch.uint8 and out.shape == t.shape
    np.testing.assert_array_equal(out.numpy(), t.numpy()[..., ::-1])  # W is the last axis
    assert out.data_ptr() != t.data_ptr()
    img = torch.rand(8, 8)
    single = aug(image=img)["image"]
    assert isinstance(single, torch.Tensor)
    np.testing.assert_array_equal(single.numpy(), img.numpy()[:, ::-1])


def test_tensor_off_the_cpu_is_refused():
    t = torch.zeros((2, 8, 8), device="meta")  # a non-CPU device that needs no GPU
    with pytest.raises(ShapeError, match=r"device 'meta'.*tensor\.cpu\(\)"):
        Rotate(limit=10)(t, rng=0)


def test_tensor_data_channels_first_through_the_workers():
    rng = np.random.default_rng(2)
    x = torch.from_numpy(rng.integers(0, 256, (12, 3, 6, 6), dtype=np.uint8))  # N, C, H, W
    y = torch.arange(12) % 2
    ds = AugmentedDataset((x, y), augment=Compose([HorizontalFlip(p=1.0)]), batch_size=4,
                          shuffle=False, seed=0, layout="NCHW")
    loader = torch.utils.data.DataLoader(ds, batch_sampler=ds.batch_sampler, num_workers=2)
    xs, ys = zip(*[(xb, yb) for xb, yb in loader], strict=True)
    out = torch.cat(xs)
    assert out.dtype == torch.uint8 and out.shape == (12, 3, 6, 6)
    np.testing.assert_array_equal(out.numpy(), x.numpy()[..., ::-1])
    assert torch.cat(ys).tolist() == y.tolist()
