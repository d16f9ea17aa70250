"""Optimizers in increasing complexity; the update rule is the whole class.

``opt.step(params, grads)`` updates each parameter array in place from its gradient. The gradient
arrays are used as scratch space and hold garbage afterwards (they are recomputed every batch), so
an update is a handful of in-place passes over memory with no temporary arrays. ``weight_decay``
is an L2 penalty ``(λ/2)·||p||²``, i.e. ``g += λ·p`` before the update: on every parameter passed
(``decay_bias=True``, the default and the behaviour of earlier versions), or on the weights only
(``decay_bias=False``: ``step`` then needs ``decay_mask``, one 0/1 array per parameter array, 0 on
biases; the Trainer passes ``MLP.decay_mask()``). MLP hands its parameters over as one flat array,
so each pass is a single NumPy call.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TypedDict

import numpy as np

from ..checks import check_bool, check_number
from ..errors import ConfigError


class ParamState(TypedDict, total=False):
    """An optimizer's state for one parameter array: its shape and its update rule's buffers."""

    shape: tuple[int, ...]
    #: Momentum's velocity
    v: np.ndarray
    #: Adam's moments (kept divided by 1 - beta)
    M: np.ndarray
    V: np.ndarray


class Optimizer:
    """Base class: holds ``lr`` and ``weight_decay`` and per-parameter state."""

    def __init__(self, lr: float, weight_decay: float = 0.0, decay_bias: bool = True) -> None:
        cls = type(self).__name__
        self.lr = check_number(lr, "lr", cls, 0, low_open=True)
        self.weight_decay = check_number(weight_decay, "weight_decay", cls, 0)
        self.decay_bias = check_bool(decay_bias, "decay_bias", cls,
                                     " (True: decay every parameter, False: weights only)")
        #: per parameter array: its shape and the update rule's buffers (moments, velocity)
        self.state: list[ParamState] = []
        self.t = 0

    def reset(self) -> None:
        """Forget the state (moments, step count), e.g. before training a new model."""
        self.state, self.t = [], 0

    def step(self, params: Sequence[np.ndarray], grads: Sequence[np.ndarray],
             decay_mask: Sequence[np.ndarray] | None = None) -> None:
        """Update ``params`` in place from ``grads`` (which are overwritten).

        ``decay_mask`` (one array per parameter, 1 where weight decay applies and 0 on biases) is
        required when ``decay_bias=False`` and weight decay is on, ignored otherwise.
        """
        masks: Sequence[np.ndarray | None] = [None] * len(params)
        if self.weight_decay and not self.decay_bias:
            if decay_mask is None or len(decay_mask) != len(params):
                raise ConfigError(
                    f"{type(self).__name__}(decay_bias=False) needs step(..., decay_mask=...) with "
                    f"one 0/1 array per parameter (0 on biases), got "
                    f"{'none' if decay_mask is None else len(decay_mask)} for {len(params)} "
                    f"parameters; train through Trainer, which passes MLP.decay_mask()")
            masks = decay_mask
        if len(self.state) != len(params) or any(
            s["shape"] != p.shape for s, p in zip(self.state, params, strict=True)
        ):
            self.state = [{"shape": p.shape} for p in params]
            self.t = 0
        self.t += 1
        for p, g, s, m in zip(params, grads, self.state, masks, strict=True):
            if self.weight_decay:
                g += self.weight_decay * p if m is None else (self.weight_decay * p) * m
            self.update(p, g, s)

    def update(self, p: np.ndarray, g: np.ndarray, state: ParamState) -> None:
        raise NotImplementedError


class SGD(Optimizer):
    """``p ← p - lr·g``."""

    def __init__(self, lr: float = 0.01, weight_decay: float = 0.0,
                 decay_bias: bool = True) -> None:
        super().__init__(lr, weight_decay, decay_bias)

    def update(self, p: np.ndarray, g: np.ndarray, state: ParamState) -> None:
        del state  # plain SGD keeps no state
        g *= self.lr
        p -= g


class Momentum(Optimizer):
    """Heavy-ball momentum ``v ← μ·v - lr·g; p ← p + v``.

    With ``nesterov=True`` the step looks ahead along the velocity: ``p ← p + μ·v - lr·g``
    (the form used by Keras and PyTorch).
    """

    def __init__(self, lr: float = 0.01, momentum: float = 0.9, nesterov: bool = False,
                 weight_decay: float = 0.0, decay_bias: bool = True) -> None:
        super().__init__(lr, weight_decay, decay_bias)
        self.momentum = check_number(momentum, "momentum", "Momentum", 0, 1, high_open=True)
        self.nesterov = bool(nesterov)

    def update(self, p: np.ndarray, g: np.ndarray, state: ParamState) -> None:
        v = state.get("v")
        if v is None:
            v = state["v"] = np.zeros_like(p)
        g *= self.lr
        v *= self.momentum
        v -= g
        if self.nesterov:
            p -= g
            np.multiply(v, self.momentum, out=g)
        else:
            g = v
        p += g


class Adam(Optimizer):
    """Adam (Kingma & Ba) with bias correction.

    ``m ← β1·m + (1-β1)·g``, ``v ← β2·v + (1-β2)·g²``,
    ``p ← p - lr·m̂ / (sqrt(v̂) + ε)`` with ``m̂ = m / (1-β1ᵗ)``, ``v̂ = v / (1-β2ᵗ)``.

    To save passes over memory the moments are kept divided by ``(1-β)`` (``M ← β1·M + g``,
    ``V ← β2·V + g²``) and the constant factors are folded into one scalar per step: the same
    update in ten in-place NumPy passes.
    """

    def __init__(self, lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8, weight_decay: float = 0.0, decay_bias: bool = True) -> None:
        super().__init__(lr, weight_decay, decay_bias)
        self.beta1 = check_number(beta1, "beta1", "Adam", 0, 1, high_open=True)
        self.beta2 = check_number(beta2, "beta2", "Adam", 0, 1, high_open=True)
        self.eps = check_number(eps, "eps", "Adam", 0, low_open=True)

    def update(self, p: np.ndarray, g: np.ndarray, state: ParamState) -> None:
        if "M" not in state:
            state["M"], state["V"] = np.zeros_like(p), np.zeros_like(p)
        M, V = state["M"], state["V"]
        b1, b2, t = self.beta1, self.beta2, self.t
        # Python floats, not NumPy float64 scalars: those would make float32 passes run in float64.
        a = math.sqrt((1 - b2) / (1 - b2**t))  # sqrt(v̂) = a·sqrt(V)
        scale = self.lr * (1 - b1) / ((1 - b1**t) * a)
        M *= b1
        M += g
        np.square(g, out=g)
        V *= b2
        V += g
        np.sqrt(V, out=g)
        g += self.eps / a
        np.divide(M, g, out=g)
        g *= scale
        p -= g


OPTIMIZERS = {"sgd": SGD, "momentum": Momentum, "adam": Adam}

__all__ = ["OPTIMIZERS", "SGD", "Adam", "Momentum", "Optimizer", "ParamState"]
