"""Dataset container, splits and subsampling, from_arrays, load/available and the digits loader."""
import numpy as np
import pytest

from augfit.data.datasets import Dataset, available, from_arrays, load
from augfit.data.splits import allocate
from augfit.errors import ConfigError, ShapeError


def _toy(n_per=(30, 20, 10), groups=False):
    y = np.concatenate([np.full(c, k) for k, c in enumerate(n_per)])
    x = np.arange(len(y) * 4, dtype=np.float32).reshape(len(y), 2, 2)
    g = np.array([f"g{i % 6}" for i in range(len(y))]) if groups else None
    return Dataset(x, y, "image", ["a", "b", "c"], {"source": "toy", "w": np.arange(len(y))}, g)


def test_allocate_largest_remainder_hand_worked():
    # 10 of (50, 30, 20): ideal (5, 3, 2) exactly
    assert allocate(10, np.array([50, 30, 20])).tolist() == [5, 3, 2]
    # 7 of (5, 3, 2): ideal (3.5, 2.1, 1.4) -> floors (3, 2, 1) = 6; remainder to largest frac 0.5
    assert allocate(7, np.array([5, 3, 2])).tolist() == [4, 2, 1]
    # capped: a class cannot give more than it has left
    assert allocate(3, np.array([5, 5]), cap=np.array([0, 5])).tolist() == [0, 3]


def test_split_exact_sizes_disjoint_and_stratified():
    ds = _toy()
    tr, va, te = ds.split(val=0.2, test=0.3, seed=1)
    assert (len(tr), len(va), len(te)) == (30, 12, 18)
    ids = [set(s.meta["w"].tolist()) for s in (tr, va, te)]
    assert not (ids[0] & ids[1]) and not (ids[0] & ids[2]) and not (ids[1] & ids[2])
    assert set().union(*ids) == set(range(60))
    # class shares 1/2, 1/3, 1/6 exactly: test 18 -> (9, 6, 3), val 12 -> (6, 4, 2)
    assert np.bincount(te.y, minlength=3).tolist() == [9, 6, 3]
    assert np.bincount(va.y, minlength=3).tolist() == [6, 4, 2]
    # per-sample meta and x move together
    for s in (tr, va, te):
        np.testing.assert_array_equal(s.x[:, 0, 0], s.meta["w"] * 4)
        np.testing.assert_array_equal(s.y, ds.y[s.meta["w"]])


def test_split_counts_seed_and_unstratified():
    ds = _toy()
    a = ds.split(val=5, test=7, seed=3)
    b = ds.split(val=5, test=7, seed=3)
    c = ds.split(val=5, test=7, seed=4)
    assert [len(s) for s in a] == [48, 5, 7]
    assert all(np.array_equal(s.meta["w"], t.meta["w"]) for s, t in zip(a, b, strict=True))
    assert not np.array_equal(a[2].meta["w"], c[2].meta["w"])
    tr, va, te = ds.split(val=0.25, test=0.25, seed=0, stratify=False)
    assert (len(tr), len(va), len(te)) == (30, 15, 15)


def test_split_by_group_keeps_groups_apart():
    ds = _toy(groups=True)
    tr, va, te = ds.split(val=0.2, test=0.2, seed=0, by_group=True)
    gs = [set(s.groups.tolist()) for s in (tr, va, te)]
    assert gs[0].isdisjoint(gs[1]) and gs[0].isdisjoint(gs[2]) and gs[1].isdisjoint(gs[2])
    assert len(tr) + len(va) + len(te) == 60 and len(va) == 10 and len(te) == 10
    with pytest.raises(ConfigError, match="groups=None"):
        _toy().split(by_group=True)


def test_split_bad_sizes():
    with pytest.raises(ConfigError, match="no training samples"):
        _toy().split(val=0.5, test=0.5)
    with pytest.raises(ConfigError, match=r"test=\.\.\."):
        _toy().split(test=1.5)


def test_subsample_exact_and_balanced():
    ds = _toy()
    s = ds.subsample(n=12, seed=0)
    assert np.bincount(s.y, minlength=3).tolist() == [6, 4, 2]
    s = ds.subsample(per_class=10, seed=0)
    assert np.bincount(s.y).tolist() == [10, 10, 10]
    assert len(set(s.meta["w"].tolist())) == 30
    with pytest.raises(ConfigError, match="fewer"):
        ds.subsample(per_class=11)
    with pytest.raises(ConfigError, match="exactly one"):
        ds.subsample(n=5, per_class=2)


def test_subset_text_and_mask():
    ds = from_arrays(["a b", "c", "d e f", "g"], ["pos", "neg", "pos", "neg"])
    assert ds.modality == "text" and ds.classes == ["neg", "pos"] and ds.y.tolist() == [1, 0, 1, 0]
    sub = ds.subset(np.array([True, False, True, False]))
    assert sub.x == ["a b", "d e f"] and sub.y.tolist() == [1, 1]


def test_from_arrays_and_dataset_validation():
    ds = from_arrays(np.zeros((3, 4, 4), np.uint8), [0, 2, 1])
    assert ds.modality == "image" and ds.classes == ["0", "1", "2"] and ds.y.dtype == np.int64
    with pytest.raises(ConfigError, match="modality"):
        from_arrays(np.zeros((3, 5)), [0, 1, 0])
    with pytest.raises(ShapeError, match="x has 3 samples but y has 2"):
        Dataset(np.zeros((3, 2, 2)), np.array([0, 1]), "image", ["a", "b"])
    with pytest.raises(ShapeError, match=r"\[0, 2\)"):
        Dataset(np.zeros((2, 2, 2)), np.array([0, 2]), "image", ["a", "b"])
    with pytest.raises(ConfigError, match="modality"):
        Dataset(np.zeros((2, 2, 2)), np.array([0, 1]), "video", ["a", "b"])


def test_digits_loader():
    ds = load("digits")
    from sklearn.datasets import load_digits

    ref = load_digits()
    assert ds.x.shape == (1797, 8, 8) and ds.x.dtype == np.float32
    assert ds.x.min() == 0.0 and ds.x.max() == 1.0
    np.testing.assert_array_equal(ds.x * 16, ref.images)
    np.testing.assert_array_equal(ds.y, ref.target)
    assert ds.classes == [str(d) for d in range(10)]


def test_unknown_dataset_lists_close_matches():
    assert "digits" in available()
    with pytest.raises(ConfigError, match="did you mean 'digits'"):
        load("digit")


def test_sample_rate_is_read_from_meta_as_a_float_or_none():
    x, y = np.zeros((4, 16), np.float32), np.array([0, 1, 0, 1])
    assert from_arrays(x, y, "audio", meta={"sample_rate": 8000}).sample_rate == 8000.0
    assert from_arrays(x, y, "audio", meta={"sample_rate": np.int64(22050)}).sample_rate == 22050.0
    assert from_arrays(x, y, "audio").sample_rate is None
    with pytest.raises(ConfigError, match=r"'sample_rate'\] must be a number \(Hz\), got list"):
        _ = from_arrays(x, y, "audio", meta={"sample_rate": [8000]}).sample_rate
