"""RandAugment and TrivialAugmentWide: torchvision's operation space, per-sample draws grouped by
operation (the batch equals applying each image's own operation alone), replay, bad input."""
import numpy as np
import pytest

from augfit.errors import ConfigError
from augfit.transforms import Transform
from augfit.transforms.image import functional as F
from augfit.transforms.image.policies import (
    _COLOR_KERNELS,
    GEOMETRIC_OPS,
    POLICY_OPS,
    RandAugment,
    TrivialAugmentWide,
    magnitude_table,
    policy_matrices,
)


def _one(op, mag, img, fill=0.0):
    """Apply one operation to one image, the slow obvious way."""
    x = img[None]
    if op in _COLOR_KERNELS:
        return _COLOR_KERNELS[op](x, np.array([mag]))[0]
    if op == "Identity":
        return img
    m = policy_matrices([op], np.array([mag]), img.shape[:2])
    return F.warp_affine(x, F.invert(m), img.shape[:2], fill)[0]


def test_magnitude_tables_are_torchvisions():
    hw = (28, 28)
    # RandAugment (31 bins): bin 9 of linspace(0, top, 31) is 0.3 * top
    assert magnitude_table("Rotate", 31, hw, False)[9] == pytest.approx(9.0)
    assert magnitude_table("ShearX", 31, hw, False)[9] == pytest.approx(0.09)
    assert magnitude_table("TranslateX", 31, hw, False)[30] == pytest.approx(150 / 331 * 28)
    assert magnitude_table("Brightness", 31, hw, False)[30] == pytest.approx(0.9)
    assert magnitude_table("Posterize", 31, hw, False)[[0, 9, 30]].tolist() == [8, 7, 4]
    assert magnitude_table("Solarize", 31, hw, False)[[0, 30]].tolist() == [1.0, 0.0]
    # TrivialAugmentWide
    assert magnitude_table("Rotate", 31, hw, True)[30] == pytest.approx(135.0)
    assert magnitude_table("TranslateY", 31, hw, True)[30] == pytest.approx(32.0)
    assert magnitude_table("ShearY", 31, hw, True)[30] == pytest.approx(0.99)
    assert magnitude_table("Posterize", 31, hw, True)[[0, 30]].tolist() == [8, 2]
    assert len(POLICY_OPS) == 14


@pytest.mark.parametrize("shape", [(160, 12, 12), (60, 10, 10, 3)])
def test_trivialaugment_batch_equals_each_image_alone(shape):
    x = np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)
    t = TrivialAugmentWide()
    out, rec = t(x, rng=1, return_params=True)
    assert rec["op"].shape == (len(x), 1) and len(np.unique(rec["op"])) >= 10  # per image
    names = t.op_names(rec)
    for i in range(len(x)):
        want = _one(names[i][0], rec["magnitude"][i, 0], x[i])
        if names[i][0] in GEOMETRIC_OPS:
            # the small-image resampling path rounds coordinates per mosaic row: within 1 level
            assert np.abs(out[i].astype(int) - want).max() <= 1, (i, names[i])
        else:
            assert np.array_equal(out[i], want), (i, names[i])


def test_randaugment_applies_its_rounds_in_sequence_at_the_fixed_bin():
    x = np.random.default_rng(2).integers(0, 256, (80, 10, 10), dtype=np.uint8)
    exact_ops = [o for o in POLICY_OPS if o not in GEOMETRIC_OPS]  # (see the test above)
    t = RandAugment(num_ops=2, magnitude=9, ops=exact_ops)
    out, rec = t(x, rng=3, return_params=True)
    assert rec["op"].shape == (80, 2)
    mags = np.abs(rec["magnitude"])
    for i in range(80):
        y = x[i]
        for r in range(2):
            op = t.ops[rec["op"][i, r]]
            assert mags[i, r] == pytest.approx(abs(magnitude_table(op, 31, (10, 10), False)[9]))
            y = _one(op, rec["magnitude"][i, r], y)
        assert np.array_equal(out[i], y), i


def test_draws_are_uniform_over_operations_and_signs():
    x = np.zeros((14000, 4, 4), np.uint8)
    rec = TrivialAugmentWide().sample(np.random.default_rng(4), x)
    counts = np.bincount(rec["op"][:, 0], minlength=14)
    assert counts.min() > 850 and counts.max() < 1150          # 1000 each expected (sd ~31)
    signed = np.isin(np.array(POLICY_OPS)[rec["op"][:, 0]], ["Rotate", "ShearX", "Contrast"])
    neg = (rec["magnitude"][:, 0] < 0)[signed]
    assert 0.45 < neg.mean() < 0.55 or np.all(rec["magnitude"][:, 0][signed] == 0)
    rotations = np.array(POLICY_OPS)[rec["op"][:, 0]] == "Rotate"
    bins = np.unique(np.abs(rec["magnitude"][:, 0])[rotations])
    assert len(bins) == 31                                     # TA: each image its own bin


def test_ops_subset_and_serialization_round_trip():
    t = RandAugment(num_ops=1, magnitude=20, ops=["Rotate", "Equalize"], fill=0.5, p=0.8)
    clone = Transform.from_yaml(t.to_yaml())
    assert clone.to_dict() == t.to_dict() and clone.ops == ["Rotate", "Equalize"]
    x = np.random.default_rng(5).integers(0, 256, (50, 8, 8, 3), dtype=np.uint8)
    out, rec = t(x, rng=6, return_params=True)
    assert set(np.unique(rec["op"][rec["applied"]])) <= {0, 1}
    assert np.array_equal(clone(x, rng=6), out) and np.array_equal(clone.replay(x, rec), out)


@pytest.mark.parametrize("make, match", [
    (lambda: RandAugment(num_ops=0),
     r"RandAugment\(num_ops=\.\.\.\) must be an int in \[1, 1000\]"),
    (lambda: RandAugment(magnitude=31),
     r"RandAugment\(magnitude=\.\.\.\) must be an int in \[0, 30\]"),
    (lambda: RandAugment(magnitude=-1), r"magnitude=\.\.\."),
    (lambda: RandAugment(magnitude=5, num_magnitude_bins=5), r"\[0, 4\]"),
    (lambda: TrivialAugmentWide(ops=["Rotate", "TimeMask"]),
     r"operation 'TimeMask' does not apply to images \(it is a transform for audio data\)"),
    (lambda: TrivialAugmentWide(ops=["SynonymReplace"]), r"does not apply to images"),
    (lambda: TrivialAugmentWide(ops=["Zoom"]), r"unknown operation 'Zoom'"),
    (lambda: TrivialAugmentWide(num_magnitude_bins=1), r"num_magnitude_bins=\.\.\.\)"),
])
def test_bad_policy_arguments_are_config_errors(make, match):
    with pytest.raises(ConfigError, match=match):
        make()
