"""Training: the Trainer loop, Keras-style callbacks, metrics."""
from __future__ import annotations

from . import callbacks, metrics, schedules
from .callbacks import (
           Callback,
           EarlyStopping,
           History,
           ModelCheckpoint,
           ProgressBar,
           ReduceLROnPlateau,
           WeightAveraging,
)
from .metrics import accuracy, gap_curve, train_val_gap
from .protocols import StepOptimizer, TrainableModel
from .schedules import CosineSchedule, StepDecay
from .trainer import Trainer

__all__ = ["Trainer", "TrainableModel", "StepOptimizer", "Callback", "History", "EarlyStopping",
           "ModelCheckpoint", "ProgressBar", "ReduceLROnPlateau", "WeightAveraging",
           "CosineSchedule", "StepDecay", "accuracy", "gap_curve", "train_val_gap", "callbacks",
           "metrics", "schedules"]
