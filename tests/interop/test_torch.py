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


def _by_index(ds: AugmentedDataset, workers: int, epochs: int, shuffle: bool = True,
              ) -> list[dict[int, np.ndarray]]:
    """A plain DataLoader (batch_size=, shuffle=) with set_epoch: each epoch's sample per index
    (the labels are the indices)."""
    g = torch.Generator().manual_seed(workers)  # the order differs with the worker count
    loader = torch.utils.data.DataLoader(ds, batch_size=5, shuffle=shuffle, num_workers=workers,
                                         generator=g)
    out = []
    for epoch in range(epochs):
        ds.set_epoch(epoch)
        seen = {}
        for xb, yb in loader:
            seen.update({int(k): v.numpy().copy() for k, v in zip(yb, xb, strict=True)})
        out.append(seen)
    return out


@pytest.mark.slow
def test_plain_dataloader_with_set_epoch_is_reproducible_across_workers_and_orders():
    """torchvision's habit: DataLoader(ds, batch_size, shuffle, num_workers) + set_epoch. Each
    sample's draw depends on (seed, epoch, index) only: not on the order, batching or workers."""
    x, _ = _same_images(12)
    ds = AugmentedDataset((x, np.arange(12)), augment=_aug(), seed=3)
    two = _by_index(ds, workers=2, epochs=2)
    zero = _by_index(ds, workers=0, epochs=2, shuffle=False)
    for a, b in zip(two, zero, strict=True):
        assert sorted(a) == list(range(12))
        for i in range(12):
            np.testing.assert_array_equal(a[i], b[i])
    # fresh draws per epoch: (almost) every sample differs between epochs 0 and 1
    assert sum(not np.array_equal(two[0][i], two[1][i]) for i in range(12)) >= 10
    # and each is the transform called on that one sample with derive(seed, epoch, 0, index)
    from augfit.rng import derive

    want = _aug()(x[4:5], rng=derive(3, 1, 0, 4))[0]
    np.testing.assert_array_equal(two[1][4], want)


def test_plain_indices_and_label_mixing_are_refused_with_the_fix():
    from augfit.transforms.image import CutMix

    x, y = _same_images(8)
    ds = AugmentedDataset((x, y), augment=Compose([CutMix()]), batch_size=4, seed=0)
    with pytest.raises(ConfigError, match=r"mixes labels.*batch_sampler=ds\.batch_sampler"):
        next(iter(torch.utils.data.DataLoader(ds, batch_size=4)))
    with pytest.raises(ConfigError, match=r"expected a sample index in \[0, 8\)"):
        AugmentedDataset((x, y), seed=0)[8]


def test_iterating_gives_every_sample_at_the_current_epoch():
    x, y = _same_images(3)
    ds = AugmentedDataset((x, y), augment=_aug(), seed=1)
    ds.set_epoch(2)
    samples = list(ds)
    assert [int(lab) for _, lab in samples] == y.tolist()
    for i, (img, _) in enumerate(samples):
        np.testing.assert_array_equal(img, ds[i][0])


def test_output_chw_gives_float_channels_first_as_to_tensor():
    rng = np.random.default_rng(0)
    grey = rng.integers(0, 256, (6, 5, 7), dtype=np.uint8)
    colour = rng.integers(0, 256, (6, 5, 7, 3), dtype=np.uint8)
    y = np.arange(6) % 2
    for x, want in ((grey, grey[:, None] / 255.0), (colour, colour.transpose(0, 3, 1, 2) / 255.0)):
        ds = AugmentedDataset((x, y), batch_size=3, shuffle=False, seed=0, output="chw")
        plain = torch.cat([b for b, _ in torch.utils.data.DataLoader(ds, batch_size=3)])
        batched = torch.cat([b for b, _ in torch.utils.data.DataLoader(
            ds, batch_sampler=ds.batch_sampler)])
        for out in (plain, batched):
            assert out.dtype == torch.float32 and tuple(out.shape) == want.shape
            np.testing.assert_allclose(out.numpy(), want, rtol=0, atol=1e-7)
    with pytest.raises(ConfigError, match=r"output='chw'\) is for images; this dataset holds "
                                          r"text"):
        AugmentedDataset((["a b", "c d"], [0, 1]), output="chw")
    with pytest.raises(ConfigError, match=r"output=\.\.\.\) must be one of \['chw'\]"):
        AugmentedDataset((grey, y), output="hwc")


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
