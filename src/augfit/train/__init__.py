"""Training: the Trainer loop, Keras-style callbacks, metrics."""
from __future__ import annotations

from . import callbacks, metrics
from .callbacks import Callback, EarlyStopping, History, ModelCheckpoint, ProgressBar
from .metrics import accuracy, gap_curve, train_val_gap
from .protocols import StepOptimizer, TrainableModel
from .trainer import Trainer

__all__ = ["Trainer", "TrainableModel", "StepOptimizer", "Callback", "History", "EarlyStopping",
           "ModelCheckpoint", "ProgressBar", "accuracy", "gap_curve", "train_val_gap", "callbacks",
           "metrics"]
