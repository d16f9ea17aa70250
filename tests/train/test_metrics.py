"""Metrics: accuracy and the train-validation gap."""
import numpy as np
import pytest

from augfit.errors import ConfigError, ShapeError
from augfit.train.callbacks import History
from augfit.train.metrics import accuracy, gap_curve, train_val_gap


def test_accuracy_from_labels_and_scores():
    assert accuracy([0, 1, 2, 1], [0, 1, 1, 1]) == 0.75
    assert accuracy([1, 0], np.array([[0.2, 0.8], [0.3, 0.7]])) == 0.5
    with pytest.raises(ShapeError, match="same shape"):
        accuracy([0, 1], [0, 1, 1])
    with pytest.raises(ShapeError, match="no samples"):
        accuracy([], [])


def test_gap_is_positive_when_overfitting():
    h = History()
    h.history = {"loss": [1.0, 0.5, 0.2], "val_loss": [1.1, 0.8, 0.9],
                 "accuracy": [0.5, 0.8, 0.99], "val_accuracy": [0.45, 0.7, 0.75]}
    np.testing.assert_allclose(gap_curve(h), [0.05, 0.1, 0.24])
    np.testing.assert_allclose(gap_curve(h.history, "loss"), [0.1, 0.3, 0.7])
    assert train_val_gap(h) == pytest.approx(0.24)
    assert train_val_gap(h, "loss", epoch=1) == pytest.approx(0.3)
    with pytest.raises(ConfigError, match="epoch"):
        train_val_gap(h, epoch=3)
    with pytest.raises(ConfigError, match=r"needs 'auc' and 'val_auc'"):
        gap_curve(h, "auc")


def test_generalization_gap_is_signed_so_positive_means_overfit():
    from augfit.train.metrics import generalization_gap

    assert generalization_gap(0.95, 0.80, "accuracy") == pytest.approx(0.15)
    assert generalization_gap(0.10, 0.45, "loss") == pytest.approx(0.35)
    np.testing.assert_allclose(generalization_gap(np.array([1.0, 0.9]), np.array([0.5, 0.9])),
                               [0.5, 0.0])


# -- found by make mutate (docs/testing.md, "Mutation testing") --
def test_metric_refusals_in_full():
    def message(call, *args, **kwargs):
        with pytest.raises((ShapeError, ConfigError)) as e:
            call(*args, **kwargs)
        return str(e.value)

    assert message(accuracy, [], []) == ("accuracy(y_true=...): got no samples; pass at least "
                                         "one label")
    assert message(accuracy, [0, 1], [0, 1, 1]) == (
        "accuracy(y_true, y_pred): expected labels of the same shape (N,) (or scores (N, K) for "
        "y_pred), got (2,) and (3,)")
    assert message(accuracy, [[0, 1]], [[0, 1]]) == (
        "accuracy(y_true, y_pred): expected labels of the same shape (N,) (or scores (N, K) for "
        "y_pred), got (1, 2) and (1,)")
    h = {"loss": [0.5], "val_loss": [0.7]}
    assert message(gap_curve, h) == (
        "gap_curve(metric='accuracy'): history needs 'accuracy' and 'val_accuracy', it has "
        "['loss', 'val_loss']; train with val=... to record them")
    assert message(gap_curve, {"accuracy": [0.5]}).startswith(
        "gap_curve(metric='accuracy'): history needs")
    assert message(train_val_gap, {"loss": [], "val_loss": []}, "loss") == (
        "train_val_gap(history=...): history has no epochs; train first")
    assert message(train_val_gap, h, "loss", epoch=1) == (
        "train_val_gap(epoch=...) must be in [0, 1), got 1")
    assert message(train_val_gap, h, "loss", epoch=-2) == (
        "train_val_gap(epoch=...) must be in [0, 1), got -2")
    assert train_val_gap(h, "loss", epoch=-1) == train_val_gap(h, "loss", epoch=0) == \
        pytest.approx(0.2)
    assert train_val_gap(h, "loss", epoch=None) == pytest.approx(0.2)



def test_gap_curve_is_float_with_nan_for_an_epoch_logged_as_none():
    curve = gap_curve({"accuracy": [1, None], "val_accuracy": [0.75, 0.5]})
    assert curve.dtype == np.float64 and curve[0] == 0.25 and np.isnan(curve[1])
    curve = gap_curve({"loss": [2, 1], "val_loss": [3.5, None]}, "loss")
    assert curve.dtype == np.float64 and curve[0] == 1.5 and np.isnan(curve[1])
