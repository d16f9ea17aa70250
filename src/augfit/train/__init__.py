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

__all__ = [
           "Callback",
           "CosineSchedule",
           "EarlyStopping",
           "History",
           "ModelCheckpoint",
           "ProgressBar",
           "ReduceLROnPlateau",
           "StepDecay",
           "StepOptimizer",
           "TrainableModel",
           "Trainer",
           "WeightAveraging",
           "accuracy",
           "callbacks",
           "gap_curve",
           "metrics",
           "schedules",
           "train_val_gap",
]
