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

__all__ = ["MLP", "Layer", "Dense", "Activation", "ReLU", "Sigmoid", "Tanh", "Dropout",
           "ACTIVATIONS", "sigmoid", "LOSSES", "TO_PROBA", "get_loss", "cross_entropy", "mse",
           "softmax", "INITIALIZERS", "glorot_uniform", "glorot_normal", "he_uniform", "he_normal",
           "SGD", "Momentum", "Adam", "init", "losses", "optim"]
