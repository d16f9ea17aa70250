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
