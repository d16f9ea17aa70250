"""MixUp, CutMix and TimeCutMix: hand-worked mixes, λ per sample, labels that follow the pixels."""
import numpy as np
import pytest
import scipy.sparse as sp

import augfit as af
from augfit.errors import ConfigError
from augfit.transforms.audio import TimeCutMix
from augfit.transforms.compose import OneOf, Sometimes
from augfit.transforms.image import CutMix, Rotate
from augfit.transforms.mixing import MixUp, beta_draws


def _constant_images(n, shape=(8, 10), dtype=np.float32):
    """Image i is filled with the value c_i = (i + 1) / (n + 1): pixels tell where they came
    from."""
    c = (np.arange(n) + 1) / (n + 1)
    return np.broadcast_to(c.reshape((n,) + (1,) * len(shape)), (n, *shape)).astype(dtype), c


def test_mixup_by_hand():
    x = np.stack([np.zeros((2, 2), np.float32), np.ones((2, 2), np.float32)])
    rec = {"lam": np.array([0.25, 0.75]), "partner": np.array([1, 0]),
           "weight": np.array([0.25, 0.75]), "applied": np.array([True, True])}
    out = MixUp().apply(x, rec)
    np.testing.assert_array_equal(out[0], 0.75)  # 0.25·0 + 0.75·1
    np.testing.assert_array_equal(out[1], 0.75)  # 0.75·1 + 0.25·0
    t = MixUp().apply_targets(np.eye(2), rec)
    np.testing.assert_allclose(t, [[0.25, 0.75], [0.25, 0.75]])
    rec["applied"] = np.array([True, False])     # sample 1 untouched, sample 0 still mixes with it
    np.testing.assert_array_equal(MixUp().apply(x, rec)[1], 1.0)
    np.testing.assert_allclose(MixUp().apply_targets(np.eye(2), rec), [[0.25, 0.75], [0, 1]])


def test_mixup_uint8_is_the_rounded_exact_mix():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (64, 5, 5, 3), dtype=np.uint8)
    out, rec = MixUp(alpha=1.0)(x, rng=1, return_params=True)
    lam = rec["lam"][:, None, None, None]
    exact = lam * x + (1 - lam) * x[rec["partner"]].astype(float)
    np.testing.assert_array_equal(out, np.floor(exact + 0.5).astype(np.uint8))


def test_lambda_is_drawn_per_sample_from_beta():
    x = np.zeros((20000, 2), np.float32)
    rec = MixUp(alpha=0.4).sample(np.random.default_rng(2), x)
    lam = rec["lam"]
    assert len(np.unique(lam)) > 200                              # one λ per sample
    assert np.all(lam * 256 == np.round(lam * 256))                 # on the 1/256 grid
    assert lam.mean() == pytest.approx(0.5, abs=0.01)               # Beta(a, a) mean
    assert lam.var() == pytest.approx(1 / (4 * (2 * 0.4 + 1)), rel=0.05)
    assert sorted(rec["partner"].tolist()) == list(range(20000))     # a permutation


@pytest.mark.parametrize("alpha", [1.0, 0.2, 2.0])
def test_beta_draws_are_numpys_beta_and_leave_the_same_state(alpha):
    for seed in range(150):
        for n in (0, 1, 2, 3, 17, 512):
            ours, numpys = np.random.default_rng(seed), np.random.default_rng(seed)
            assert beta_draws(ours, alpha, n).tobytes() == \
                numpys.beta(alpha, alpha, size=n).tobytes()
            assert ours.integers(0, 2**62, size=3).tolist() == \
                numpys.integers(0, 2**62, size=3).tolist()


def test_cutmix_record_is_drawn_as_before():
    """λ from NumPy's Beta(1, 1), then the partner permutation and the box centres, in that
    order from one stream: the record a seed gave before beta_draws existed."""
    x = np.zeros((300, 12, 10), np.uint8)
    rec = CutMix(alpha=1.0).sample(np.random.default_rng(7), x)
    rng = np.random.default_rng(7)
    rng.random(300)                                   # the applied draws (p = 1) come first
    lam = np.rint(rng.beta(1.0, 1.0, size=300) * 256) / 256
    partner = rng.permutation(300)
    cy = rng.integers(0, 12, size=300)
    assert rec["lam"].tobytes() == lam.tobytes()
    assert rec["partner"].tolist() == partner.tolist()
    half = (0.5 * np.sqrt(1.0 - lam) * 12).astype(np.int64)
    assert rec["y0"].tolist() == np.maximum(cy - half, 0).tolist()


def test_cutmix_labels_follow_the_pasted_area():
    x, c = _constant_images(400, (9, 13))
    out, rec = CutMix(alpha=1.0)(x, rng=3, return_params=True)
    taken = (out != x).sum(axis=(1, 2)) / (9 * 13)
    moved = rec["partner"] != np.arange(400)
    np.testing.assert_allclose(taken[moved], 1 - rec["weight"][moved], atol=1e-12)
    area = (rec["y1"] - rec["y0"]) * (rec["x1"] - rec["x0"])
    np.testing.assert_allclose(rec["weight"], 1 - area / (9 * 13))
    # clipping at the border happened and is what the labels use
    half_h = (0.5 * np.sqrt(1 - rec["lam"]) * 9).astype(int)
    assert np.any(rec["y1"] - rec["y0"] < 2 * half_h)
    t = CutMix().apply_targets(np.eye(400), rec)
    np.testing.assert_allclose(out.mean(axis=(1, 2)), t @ c, rtol=1e-5)


def test_time_cutmix_replaces_frames_and_weights_labels_by_frames_kept():
    x, c = _constant_images(300, (6, 40))
    out, rec = TimeCutMix(alpha=0.5)(x, rng=4, return_params=True)
    np.testing.assert_allclose(rec["weight"], 1 - rec["width"] / 40)
    assert np.all(rec["start"] + rec["width"] <= 40)
    t = TimeCutMix().apply_targets(np.eye(300), rec)
    np.testing.assert_allclose(out.mean(axis=(1, 2)), t @ c, rtol=1e-5)
    changed = (out != x).any(axis=1)   # (N, T): whole frames, every band
    assert np.array_equal(changed, (out != x).all(axis=1))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_labels_follow_pixels_inside_compositions(seed):
    """Sometimes(OneOf(MixUp, CutMix)): the mean of each output image is exactly its soft label's
    expectation of the source values, so the targets were mixed with the rows the steps saw."""
    x, c = _constant_images(64)
    aug = Sometimes(0.7, [OneOf([MixUp(alpha=0.4), CutMix(alpha=1.0)], weights=[1, 1])])
    assert aug.changes_labels() and not Sometimes(0.5, [Rotate(10)]).changes_labels()
    out, rec = aug(x, rng=seed, return_params=True)
    t = aug.apply_targets(np.eye(64), rec)
    np.testing.assert_allclose(t.sum(axis=1), 1.0)
    np.testing.assert_allclose(out.mean(axis=(1, 2)), t @ c, rtol=1e-5)
    assert not np.allclose(t, np.eye(64))
    again = af.Compose.from_dict(aug.to_dict())
    np.testing.assert_array_equal(again.replay(x, rec), out)


def test_mixup_of_sparse_features_equals_the_dense_mix():
    rng = np.random.default_rng(5)
    dense = (rng.random((12, 30)) < 0.2) * rng.random((12, 30))
    dense = dense.astype(np.float32)
    m = MixUp(alpha=0.5, p=0.6)
    a, rec = m(sp.csr_matrix(dense), rng=6, return_params=True)
    assert sp.issparse(a) and a.dtype == np.float32
    np.testing.assert_allclose(a.toarray(), m.apply(dense, rec), rtol=1e-6)


def test_bad_input_is_a_config_error_naming_the_field():
    for bad in (0, -0.5):
        with pytest.raises(ConfigError, match=r"MixUp\(alpha=\.\.\.\) must be a number > 0"):
            MixUp(alpha=bad)
        with pytest.raises(ConfigError, match=r"CutMix\(alpha=\.\.\.\)"):
            CutMix(alpha=bad)
    with pytest.raises(ConfigError, match="MixUp on a batch of 1"):
        MixUp()(np.zeros((1, 4, 4), np.uint8), rng=0)
    with pytest.raises(ConfigError, match="does not apply to raw text"):
        MixUp()(["a b", "c d"], rng=0)


@pytest.mark.parametrize("hw", [(9, 13), (40, 60), (70, 66)])  # image tables, rows, broadcast
def test_box_mask_is_the_box(hw):
    from augfit.transforms.image.mix import box_mask

    rng = np.random.default_rng(7)
    y0 = rng.integers(0, hw[0] + 1, 300)
    y1 = np.minimum(y0 + rng.integers(0, hw[0], 300), hw[0])
    x0 = rng.integers(0, hw[1] + 1, 300)
    x1 = np.minimum(x0 + rng.integers(0, hw[1], 300), hw[1])
    m = box_mask(y0, y1, x0, x1, hw)
    r, c = np.arange(hw[0])[:, None], np.arange(hw[1])[None, :]
    for i in range(300):
        want = (r >= y0[i]) & (r < y1[i]) & (c >= x0[i]) & (c < x1[i])
        assert np.array_equal(m[i], want), i


def test_cutmix_by_hand():
    """Two 3x4 images, partners swapped: each gets the other's box, labels by the kept area."""
    x = np.stack([np.arange(12, dtype=np.uint8).reshape(3, 4),
                  np.arange(100, 112, dtype=np.uint8).reshape(3, 4)])
    rec = {"lam": np.array([0.5, 0.5]), "partner": np.array([1, 0]),
           "y0": np.array([0, 1]), "y1": np.array([2, 3]), "x0": np.array([1, 0]),
           "x1": np.array([3, 4]), "weight": np.array([1 - 4 / 12, 1 - 8 / 12]),
           "applied": np.array([True, True])}
    out = CutMix().apply(x, rec)
    assert out.tolist() == [[[0, 101, 102, 3], [4, 105, 106, 7], [8, 9, 10, 11]],
                            [[100, 101, 102, 103], [4, 5, 6, 7], [8, 9, 10, 11]]]
    np.testing.assert_allclose(CutMix().apply_targets(np.eye(2), rec),
                               [[8 / 12, 4 / 12], [8 / 12, 4 / 12]])
    rec["applied"] = np.array([False, True])      # image 0 kept, image 1 still takes its box
    out = CutMix().apply(x, rec)
    assert out[0].tolist() == x[0].tolist()
    assert out[1].tolist() == [[100, 101, 102, 103], [4, 5, 6, 7], [8, 9, 10, 11]]
    np.testing.assert_allclose(CutMix().apply_targets(np.eye(2), rec), [[1, 0], [8 / 12, 4 / 12]])


def _pasted_by_loop(x, rec):
    out = x.copy()
    for i in np.flatnonzero(rec["applied"]):
        y0, y1, x0, x1 = (int(rec[k][i]) for k in ("y0", "y1", "x0", "x1"))
        out[i, y0:y1, x0:x1] = x[rec["partner"][i], y0:y1, x0:x1]
    return out


@pytest.mark.parametrize("shape, dtype", [
    ((9, 5, 7), np.uint8),            # whole-image column table; rows as 7 one-byte pixels
    ((6, 28, 28), np.uint8),          # rows as 7 four-byte pixels
    ((5, 6, 5, 3), np.uint8),         # rows of 15 bytes: 3-byte pixels
    ((4, 7, 6, 4), np.float32),       # rows of 96 bytes: 32-byte pixels
    ((3, 44, 60), np.uint8),          # column masks one image row at a time
    ((3, 20, 70), np.uint8),          # wider than TABLE_MAX_SIDE: slicing
    ((3, 50, 40, 3), np.float32),     # 24 kB per image: slicing
])
def test_cutmix_pastes_exactly_the_box_on_every_path(shape, dtype):
    x = np.random.default_rng(1).integers(0, 256, shape).astype(dtype)
    if dtype == np.float32:
        x /= 255
    for seed in range(12):
        out, rec = CutMix(alpha=0.7, p=0.8)(x, rng=seed, return_params=True)
        assert out.dtype == x.dtype and out.tobytes() == _pasted_by_loop(x, rec).tobytes()


def test_every_box_the_rule_can_draw_is_drawn():
    """On a 5x6 image, the boxes drawn are exactly those the clipping rule can give (every centre,
    every half-size, clipped at every border), and the pasted pixels are those boxes."""
    h, w, n = 5, 6, 200_000    # the rarest box (λ = 0, one centre) has p = 1/15,360 a sample
    x = np.zeros((n, h, w), np.uint8)
    rec = CutMix(alpha=1.0).sample(np.random.default_rng(0), x)
    drawn = set(zip(*(rec[k].tolist() for k in ("y0", "y1", "x0", "x1")), strict=True))
    possible = set()
    for k in range(257):
        r = 0.5 * np.sqrt(1 - k / 256)
        hh, hw_ = int(r * h), int(r * w)
        possible |= {(max(cy - hh, 0), min(cy + hh, h), max(cx - hw_, 0), min(cx + hw_, w))
                     for cy in range(h) for cx in range(w)}
    assert drawn == possible
    m = 3000
    first = {k: (v[:m] if isinstance(v, np.ndarray) else v) for k, v in rec.items()}
    first["partner"] = rec["partner"][:m] % m
    marks = np.broadcast_to(np.arange(1, m + 1, dtype=np.float32)[:, None, None] / m, (m, h, w))
    marks = np.ascontiguousarray(marks)
    assert CutMix().apply(marks, first).tobytes() == _pasted_by_loop(marks, first).tobytes()


@pytest.mark.parametrize("shape, dtype, seed, digest", [
    ((64, 28, 28), np.uint8, 0, "6125c0932647d1c1"),
    ((16, 8, 8), np.uint8, 1, "aa9c039917f69f70"),
    ((12, 32, 32, 3), np.float32, 2, "58953930aea2501f"),
    ((4, 96, 96, 3), np.uint8, 3, "c2f9a25542092342"),
])
def test_seeded_cutmix_gives_the_pinned_bytes(shape, dtype, seed, digest):
    """Pixels and soft labels of a seeded CutMix, pinned from the code before the vectorised
    paste: the same seed still replays bit for bit."""
    import hashlib

    x = np.random.default_rng(100).integers(0, 256, shape).astype(dtype)
    if dtype == np.float32:
        x /= 255
    t = CutMix(alpha=1.0, p=0.9)
    out, rec = t(x, rng=seed, return_params=True)
    labels = t.apply_targets(np.eye(10)[np.arange(shape[0]) % 10], rec)
    assert hashlib.sha256(out.tobytes() + labels.tobytes()).hexdigest()[:16] == digest
    assert t.replay(x, rec).tobytes() == out.tobytes()


def test_square_images_draw_both_centres_as_two_calls_would():
    """For H == W the centres come from one call of 2N draws: the numbers and the generator
    state of two calls of N (NumPy's bounded 32-bit draws keep no buffer between calls)."""
    x = np.zeros((301, 12, 12), np.uint8)
    for seed in range(20):
        rng = np.random.default_rng(seed)
        rec = CutMix(alpha=1.0).sample(rng, x)
        ref = np.random.default_rng(seed)
        ref.random(301)
        lam = np.rint(ref.beta(1.0, 1.0, size=301) * 256) / 256
        ref.permutation(301)
        cy, cx = ref.integers(0, 12, size=301), ref.integers(0, 12, size=301)
        half = (0.5 * np.sqrt(1.0 - lam) * 12).astype(np.int64)
        assert rec["y0"].tolist() == np.maximum(cy - half, 0).tolist()
        assert rec["x1"].tolist() == np.minimum(cx + half, 12).tolist()
        assert rng.random() == ref.random()
