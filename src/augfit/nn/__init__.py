"""The NumPy network: layers with forward/backward side by side, losses, initialisers, optimizers.

>>> from augfit.nn import MLP
>>> model = MLP(64, [128], 10, activation="relu", dropout=0.2, seed=0)
"""
from __future__ import annotations

from . import init, losses, optim
from .init import INITIALIZERS, glorot_normal, glorot_uniform, he_normal, he_uniform
from .layers import ACTIVATIONS, Activation, Dense, Dropout, Layer, ReLU, Sigmoid, Tanh, sigmoid
from .losses import LOSSES, TO_PROBA, cross_entropy, get_loss, mse, softmax
from .model import MLP
from .optim import SGD, Adam, Momentum

__all__ = [
           "ACTIVATIONS",
           "INITIALIZERS",
           "LOSSES",
           "MLP",
           "SGD",
           "TO_PROBA",
           "Activation",
           "Adam",
           "Dense",
           "Dropout",
           "Layer",
           "Momentum",
           "ReLU",
           "Sigmoid",
           "Tanh",
           "cross_entropy",
           "get_loss",
           "glorot_normal",
           "glorot_uniform",
           "he_normal",
           "he_uniform",
           "init",
           "losses",
           "mse",
           "optim",
           "sigmoid",
           "softmax",
]
