"""DataLoader: batching, per-epoch draws, bit-identical batches for any worker count, featurize."""
import numpy as np
import pytest

from augfit.data.datasets import from_arrays, load
from augfit.data.loader import DataLoader
from augfit.errors import ConfigError
from augfit.transforms.base import Transform


class AddNoise(Transform):
    """Test transform: add per-sample uniform noise in [0, scale) (float images, kept in [0, 1])."""

    modality = "image"

    def __init__(self, scale: float = 0.1, p: float = 1.0) -> None:
        super().__init__(p)
        self.scale = scale

    def sample_params(self, rng, batch, n):
        del n
        return {"noise": rng.random(batch.shape).astype(np.float32) * self.scale}

    def apply_params(self, batch, params):
        return np.minimum(batch + params["noise"], np.float32(1.0))


@pytest.fixture(scope="module")
def digits_train():
    return load("digits").split(val=0.2, test=0.2, seed=0)[0]


def _epoch(loader, e):
    return [(x.copy(), y.copy()) for x, y in loader.epoch_batches(e)]


def test_batches_cover_each_sample_once_per_epoch():
    x = np.arange(10, dtype=np.float32).reshape(10, 1, 1) / 10
    ds = from_arrays(x, np.arange(10) % 2)
    loader = DataLoader(ds, batch_size=4, seed=0)
    batches = list(loader)
    assert [len(b[1]) for b in batches] == [4, 4, 2] and len(loader) == 3
    got = np.concatenate([b[0][:, 0] for b in batches])
    assert sorted(np.round(got * 10).astype(int).tolist()) == list(range(10))
    ys = np.concatenate([b[1] for b in batches])
    np.testing.assert_array_equal(ys, np.round(got * 10).astype(int) % 2)  # labels follow samples
    assert len(DataLoader(ds, batch_size=4, drop_last=True)) == 2
    unshuffled = np.concatenate([b[0][:, 0] for b in DataLoader(ds, batch_size=3, shuffle=False)])
    np.testing.assert_allclose(unshuffled, np.arange(10) / 10)


@pytest.mark.parametrize("workers", [0, 2])
def test_same_batches_whatever_the_workers(digits_train, workers):
    aug = AddNoise(0.2)
    ref = DataLoader(digits_train, batch_size=100, augment=aug, seed=7, workers=0)
    other = DataLoader(digits_train, batch_size=100, augment=aug, seed=7, workers=workers,
                       prefetch=1)
    for e in (0, 3):
        for (xa, ya), (xb, yb) in zip(_epoch(ref, e), _epoch(other, e), strict=True):
            assert xa.tobytes() == xb.tobytes() and np.array_equal(ya, yb)


def test_batch_is_the_seeded_draw_and_epochs_differ(digits_train):
    from augfit.rng import derive

    aug = AddNoise(0.2)
    loader = DataLoader(digits_train, batch_size=64, augment=aug, seed=3)
    e0, e1 = _epoch(loader, 0), _epoch(loader, 1)
    # batch 2 of epoch 1 is exactly: order from derive(seed, 1, 0), noise from derive(seed, 1, 3)
    idx = derive(3, 1, 0).permutation(len(digits_train))[128:192]
    expect = aug(digits_train.x[idx], rng=derive(3, 1, 3)).reshape(64, -1)
    np.testing.assert_array_equal(e1[2][0], expect)
    # a different epoch: new order and new noise; iter() moves through epochs
    assert not np.array_equal(e0[0][1], e1[0][1])
    first, second = list(loader), list(loader)
    assert first[0][0].tobytes() == e0[0][0].tobytes()
    assert second[0][0].tobytes() == e1[0][0].tobytes()
    # and with shuffle off the same samples still get new draws every epoch
    fixed = DataLoader(digits_train, batch_size=64, shuffle=False, augment=aug, seed=3)
    a, b = _epoch(fixed, 0)[0], _epoch(fixed, 1)[0]
    assert np.array_equal(a[1], b[1]) and not np.allclose(a[0], b[0])


def test_featurize_never_augments_and_featurizer_fit_on_clean_train(digits_train):
    loader = DataLoader(digits_train, batch_size=64, augment=AddNoise(0.5), seed=0,
                        features={"type": "image_flatten", "standardize": True})
    flat = digits_train.x.reshape(len(digits_train), -1)
    np.testing.assert_allclose(loader.features.mean_, flat.mean(axis=0), atol=1e-6)
    val = digits_train.x[:5]
    np.testing.assert_array_equal(loader.featurize(val), loader.features.transform(val))
    assert loader.n_features == 64


def test_worker_errors_surface_in_the_consumer(digits_train):
    class Boom(AddNoise):
        def apply_params(self, batch, params):
            del batch, params
            raise RuntimeError("boom in worker")

    loader = DataLoader(digits_train, batch_size=64, augment=Boom(), seed=0, workers=2)
    with pytest.raises(RuntimeError, match="boom in worker"):
        list(loader)


def test_offline_copies_cycle_and_are_cached(digits_train, tmp_path):
    aug = AddNoise(0.3)
    kw = dict(batch_size=50, augment=aug, seed=5, offline=2, cache_dir=tmp_path)
    loader = DataLoader(digits_train, **kw)
    assert not loader.offline.from_cache and len(list(tmp_path.iterdir())) == 1
    *_, e2 = (_epoch(loader, e) for e in range(3))
    # epoch 2 batches copy 0 again, in epoch 2's order
    copy0 = loader.offline.copies[0]
    idx2 = loader.order(2)[:50]
    np.testing.assert_array_equal(e2[0][0], copy0[idx2].reshape(50, -1))
    assert not np.allclose(loader.offline.copies[0], loader.offline.copies[1])
    again = DataLoader(digits_train, **kw)
    assert again.offline.from_cache
    np.testing.assert_array_equal(np.stack(again.offline.copies), np.stack(loader.offline.copies))
    changed = DataLoader(digits_train, **{**kw, "augment": AddNoise(0.4)})
    assert not changed.offline.from_cache  # a different pipeline is a different cache key


def test_bad_arguments(digits_train):
    with pytest.raises(ConfigError, match="batch_size"):
        DataLoader(digits_train, batch_size=0)
    with pytest.raises(ConfigError, match="workers"):
        DataLoader(digits_train, workers=-1)
    with pytest.raises(ConfigError, match="offline"):
        DataLoader(digits_train, offline=2)
    with pytest.raises(ConfigError, match=r"\.x and \.y"):
        DataLoader([1, 2, 3])


def test_standard_image_pipeline_workers_and_replay(tmp_path):
    from augfit.data.sources.fashion_mnist import DEBIAN_DIR
    from augfit.rng import derive
    from augfit.transforms.compose import Compose
    from augfit.transforms.image import (
        BrightnessContrast,
        HorizontalFlip,
        RandomResizedCrop,
        Rotate,
    )

    if DEBIAN_DIR.is_dir():
        ds = load("fashion_mnist", split="test").subsample(n=600, seed=0)
    else:
        ds = load("digits").subsample(n=600, seed=0)
    aug = Compose([Rotate(limit=15), RandomResizedCrop(scale=(0.8, 1.0)), HorizontalFlip(p=0.5),
                   BrightnessContrast(brightness=0.2, contrast=0.2)], seed=0)
    serial = DataLoader(ds, batch_size=128, augment=aug, seed=11, workers=0)
    threaded = DataLoader(ds, batch_size=128, augment=aug, seed=11, workers=2, prefetch=2)
    e_serial, e_threaded = _epoch(serial, 1), _epoch(threaded, 1)
    assert len(e_serial) == 5
    for (xa, ya), (xb, yb) in zip(e_serial, e_threaded, strict=True):
        assert xa.tobytes() == xb.tobytes() and np.array_equal(ya, yb)
    # the batch equals the pipeline run by hand with the derived generator, and is augmented
    idx = serial.order(1)[:128]
    by_hand = aug(ds.x[idx], rng=derive(11, 1, 1))
    np.testing.assert_array_equal(e_serial[0][0], serial.features.transform(by_hand))
    plain = serial.features.transform(ds.x[idx])
    assert np.abs(e_serial[0][0] - plain).mean() > 0.01
    assert e_serial[0][0].min() >= 0.0 and e_serial[0][0].max() <= 1.0
    # another epoch, other draws
    assert not np.array_equal(_epoch(serial, 2)[0][0], e_serial[0][0])
    # offline copies keyed by the Compose JSON
    off = DataLoader(ds, batch_size=128, augment=aug, seed=11, offline=2,
                     cache_dir=tmp_path)
    assert off.offline.path.suffix == ".npz" and off.offline.copies[0].dtype == ds.x.dtype


def test_text_loader_gives_csr_and_featurize_uses_train_vocabulary():
    import scipy.sparse as sp

    texts = ["good film", "bad film", "great plot", "awful plot", "good acting", "bad acting"]
    ds = from_arrays(texts, [1, 0, 1, 0, 1, 0])
    loader = DataLoader(ds, batch_size=4, seed=0, features="text_tfidf")
    xb, _yb = next(iter(loader))
    assert sp.isspmatrix_csr(xb) and xb.dtype == np.float32 and xb.shape == (4, loader.n_features)
    vocab = ["acting", "awful", "bad", "film", "good", "great", "plot"]
    assert loader.features.vocabulary_ == vocab
    assert loader.featurize(["unseen words only"]).nnz == 0  # vocabulary fitted on training text
    hashed = DataLoader(ds, batch_size=6, seed=0)  # default for text: fixed-width hashing
    assert next(iter(hashed))[0].shape == (6, 2**16)


def test_audio_loader_default_logmel_uses_dataset_rate(fsdd_path):
    ds = load("fsdd", path=fsdd_path, speakers=["theo"], split="test", length=4000)
    loader = DataLoader(ds, batch_size=16, seed=0)
    assert loader.features.sample_rate == 8000
    xb, _yb = next(iter(loader))
    assert xb.dtype == np.float32 and xb.shape == (16, loader.n_features) and np.isfinite(xb).all()


def test_breaking_out_of_a_prefetched_epoch_stops_the_threads(digits_train):
    import threading

    before = {t.name for t in threading.enumerate()}
    loader = DataLoader(digits_train, batch_size=16, augment=AddNoise(0.1), seed=0, workers=2)
    it = iter(loader)
    next(it)
    it.close()  # what a `break` in a for loop does
    left = [t.name for t in threading.enumerate()
            if t.name.startswith("augfit-loader") and t.name not in before]
    assert left == []


class ShoutWord(Transform):
    """Test text transform: upper-case one random word per sentence (stands in for a slow one)."""

    modality = "text"

    def sample_params(self, rng, batch, n):
        del batch
        return {"u": rng.random(n)}

    def apply_params(self, batch, params):
        out = []
        for s, u in zip(batch, params["u"], strict=True):
            words = s.split()
            k = int(u * len(words))
            out.append(" ".join(w.upper() if i == k else w for i, w in enumerate(words)))
        return out


def test_offline_text_copies_json_cache(tmp_path):
    texts = [f"word{i} plain text here" for i in range(20)]
    ds = from_arrays(texts, [i % 2 for i in range(20)])
    kw = dict(batch_size=8, augment=ShoutWord(), seed=1, offline=3, cache_dir=tmp_path,
              features={"type": "text_hashing", "n_features": 256})
    loader = DataLoader(ds, **kw)
    copies = loader.offline.copies
    assert loader.offline.path.suffix == ".json" and len(copies) == 3
    for copy in copies:  # exactly one word upper-cased in every sentence
        assert [sum(w.isupper() for w in s.split()) for s in copy] == [1] * 20
        assert [s.lower() for s in copy] == texts
    assert copies[0] != copies[1]
    again = DataLoader(ds, **kw)
    assert again.offline.from_cache and again.offline.copies == copies
    xb, _ = next(iter(again))
    assert xb.shape == (8, 256)


def test_features_none_yields_raw_augmented_batches_unflattened():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (10, 6, 5, 3), dtype=np.uint8)
    ds = from_arrays(x, np.arange(10) % 2)
    flip = Transform.from_dict({"type": "HorizontalFlip", "p": 1.0})
    loader = DataLoader(ds, batch_size=4, shuffle=False, augment=flip, features=None, seed=0)
    batches = list(loader)
    assert [b[0].shape for b in batches] == [(4, 6, 5, 3), (4, 6, 5, 3), (2, 6, 5, 3)]
    assert all(b[0].dtype == np.uint8 for b in batches)
    np.testing.assert_array_equal(np.concatenate([b[0] for b in batches]), x[:, :, ::-1])
    assert loader.featurize(x) is x
    with pytest.raises(ConfigError, match="no feature width"):
        _ = loader.n_features
    # the default still featurizes by modality
    assert DataLoader(ds, batch_size=4, seed=0).n_features == 6 * 5 * 3


def test_layout_is_passed_to_the_augment_pipeline():
    rng = np.random.default_rng(1)
    x = rng.integers(0, 256, (6, 3, 4, 5), dtype=np.uint8)  # N, C, H, W
    ds = from_arrays(x, np.arange(6) % 2)
    flip = Transform.from_dict({"type": "HorizontalFlip", "p": 1.0})
    loader = DataLoader(ds, batch_size=6, shuffle=False, augment=flip, features=None, seed=0,
                        layout="NCHW")
    (xb, _), = list(loader)
    np.testing.assert_array_equal(xb, x[..., ::-1])
    with pytest.raises(ConfigError, match="'NHWC' or 'NCHW'"):
        DataLoader(ds, augment=flip, features=None, layout="CHW")


# -- soft targets from label-mixing steps ---------------------------------------------------------
def _own_class_images(n=12):
    """Sample i is class i and a constant image of value c_i, so features tell their sources."""
    c = (np.arange(n) + 1) / (n + 1)
    x = np.broadcast_to(c[:, None, None], (n, 4, 4)).astype(np.float32)
    return from_arrays(x, np.arange(n)), c


@pytest.mark.parametrize("workers", [0, 2])
def test_mixing_augment_gives_soft_targets_that_follow_the_pixels(workers):
    from augfit.transforms.compose import Compose, OneOf
    from augfit.transforms.image import CutMix
    from augfit.transforms.mixing import MixUp

    ds, c = _own_class_images()
    aug = Compose([OneOf([MixUp(alpha=0.4), CutMix(alpha=1.0)])])
    loader = DataLoader(ds, batch_size=5, augment=aug, seed=3, workers=workers)
    assert loader.soft_targets
    batches = _epoch(loader, 0)
    assert [len(y) for _, y in batches] == [5, 5, 2]
    for xb, t in batches:
        assert t.shape == (len(xb), 12) and t.dtype == np.float32
        np.testing.assert_allclose(t.sum(axis=1), 1.0, rtol=1e-6)
        np.testing.assert_allclose(xb.mean(axis=1), t @ c, rtol=1e-5)
    assert any(not np.allclose(t, t.round()) for _, t in batches)   # some labels really mixed
    again = _epoch(DataLoader(ds, batch_size=5, augment=aug, seed=3), 0)
    for (xa, ta), (xb, tb) in zip(batches, again, strict=True):
        assert xa.tobytes() == xb.tobytes() and ta.tobytes() == tb.tobytes()


def test_mix_stage_mixes_featurized_text():
    from augfit.transforms.mixing import MixUp

    texts = [f"word{i} common text number {i}" for i in range(8)]
    ds = from_arrays(texts, np.arange(8))  # one sample per class: labels name the sources
    loader = DataLoader(ds, batch_size=4, mix=MixUp(alpha=0.5), features="text_hashing", seed=1)
    plain = DataLoader(ds, batch_size=4, features="text_hashing", seed=1)
    mixed_any = False
    for (xm, t), (x0, y0) in zip(loader.epoch_batches(0), plain.epoch_batches(0), strict=True):
        assert t.shape == (4, 8) and xm.shape == x0.shape
        np.testing.assert_allclose(t.sum(axis=1), 1.0, rtol=1e-6)
        w = t @ np.eye(8)[y0].T  # (4, 4): how much of each clean row went into each mixed row
        np.testing.assert_allclose(xm.toarray(), w @ x0.toarray(), atol=1e-5)
        mixed_any |= not np.allclose(w, np.eye(4))
    assert mixed_any


def test_label_mixing_bad_settings_are_config_errors(digits_train):
    from augfit.transforms.image import Rotate
    from augfit.transforms.mixing import MixUp

    with pytest.raises(ConfigError, match=r"batch_size=1\) with a label-mixing"):
        DataLoader(digits_train, batch_size=1, augment=MixUp())
    with pytest.raises(ConfigError, match="move MixUp/CutMix from augment to mix"):
        DataLoader(digits_train, augment=MixUp(), offline=2)
    with pytest.raises(ConfigError, match=r"mix=\.\.\.\) must be a label-mixing"):
        DataLoader(digits_train, mix=Rotate(10))
