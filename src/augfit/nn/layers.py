"""Layers: each keeps its forward and its local backward side by side (the chain rule, read off).

Conventions (batch first, row vectors): a batch ``x`` has shape ``(N, in_features)``, so the notes'
``z(L) = w(L) · a(L-1) + b(L)`` is written ``z = x @ W + b`` with ``W`` of shape
``(in_features, out_features)`` (the notes' ``w`` transposed). ``backward(grad)`` receives
``∂C/∂out`` of shape ``(N, out)`` and returns ``∂C/∂x``; the parameter gradients land in
``layer.grads`` (same order as ``layer.params``).

On the training hot path (``forward(..., training=True)`` and ``backward``) a layer writes into
buffers it owns and reuses from batch to batch: the array returned is valid until the same layer
runs again. With ``training=False`` the result is a fresh array.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import numpy as np
import scipy.sparse as sp

from ..checks import check_choice, check_int, check_number
from ..errors import ConfigError
from ..rng import SeedLike, as_generator
from .init import get_initializer


class Layer(Protocol):
    """What MLP needs from a layer."""

    params: list[np.ndarray]
    grads: list[np.ndarray]

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray: ...

    def backward(self, grad: np.ndarray) -> np.ndarray | None: ...


class _Buffers:
    """Arrays a layer reuses between batches (reallocated only when the batch shape changes)."""

    def __init__(self) -> None:
        self._bufs: dict[str, np.ndarray] = {}

    def get(self, name: str, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
        buf = self._bufs.get(name)
        if buf is None or buf.shape != shape or buf.dtype != dtype:
            buf = self._bufs[name] = np.empty(shape, dtype=dtype)
        return buf


class Dense:
    """Fully connected layer ``z = x @ W + b``.

    Parameters
    ----------
    in_features, out_features : int
    init : str
        Name of the weight initialiser in :data:`augfit.nn.init.INITIALIZERS`; biases start at 0.
    rng : seed or Generator
        Where the initial weights are drawn from.
    dtype : str
        ``"float32"`` (default) or ``"float64"``.
    input_grad : bool
        Whether ``backward`` computes ``∂C/∂x``. The first layer of a network does not need it
        (there is nothing below to pass it to), which saves one matrix product per batch and lets
        the input be a ``scipy.sparse`` CSR matrix.
    """

    # parameters and their gradients; set by use_storage (possibly as views of a shared buffer)
    W: np.ndarray
    b: np.ndarray
    dW: np.ndarray
    db: np.ndarray
    params: list[np.ndarray]
    grads: list[np.ndarray]

    def __init__(self, in_features: int, out_features: int, *, init: str = "glorot_uniform",
                 rng: SeedLike = None, dtype: str = "float32", input_grad: bool = True) -> None:
        self.in_features = check_int(in_features, "in_features", "Dense")
        self.out_features = check_int(out_features, "out_features", "Dense")
        self.dtype = np.dtype(dtype)
        self.input_grad = input_grad
        W = get_initializer(init)(as_generator(rng, "rng"), self.in_features, self.out_features,
                                  self.dtype)
        self.use_storage(W, np.zeros(self.out_features, self.dtype),
                         np.zeros_like(W), np.zeros(self.out_features, self.dtype))
        self._buf = _Buffers()
        self._x: np.ndarray | sp.spmatrix | None = None

    def use_storage(self, W: np.ndarray, b: np.ndarray, dW: np.ndarray, db: np.ndarray) -> None:
        """Keep parameters and gradients in the given arrays (e.g. views of one flat buffer)."""
        if hasattr(self, "W"):
            W[...] = self.W
            b[...] = self.b
        self.W, self.b, self.dW, self.db = W, b, dW, db
        self.params = [W, b]
        self.grads = [dW, db]

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        self._x = x
        if sp.issparse(x):
            z = np.asarray(x @ self.W)  # sparse @ dense -> dense (N, out)
        elif training:
            z = np.matmul(x, self.W, out=self._buf.get("z", (x.shape[0], self.out_features),
                                                         self.dtype))
        else:
            z = x @ self.W
        z += self.b
        return z

    def backward(self, grad: np.ndarray) -> np.ndarray | None:
        # ∂C/∂W = a(L-1)ᵀ · δ and ∂C/∂b = Σ_samples δ, with δ = ∂C/∂z (the upstream factor).
        x = self._x
        if x is None:
            raise ConfigError("Dense.backward() called before forward(); run forward(x) first")
        if sp.issparse(x):
            self.dW[...] = x.T @ grad
        else:
            np.matmul(x.T, grad, out=self.dW)
        np.sum(grad, axis=0, out=self.db)
        if not self.input_grad:
            return None
        # ∂C/∂a(L-1) = δ · Wᵀ, passed down to the layer below.
        return np.matmul(grad, self.W.T, out=self._buf.get("dx", (grad.shape[0], self.in_features),
                                                            self.dtype))

    def __repr__(self) -> str:
        return f"Dense({self.in_features}, {self.out_features}, dtype={self.dtype.name})"


# --- activations: (forward(z, out) -> a, backward(a, grad, out) -> grad * ζ'(z)) -------------
# The derivative is written in terms of the output a = ζ(z), as the notes do for the sigmoid.

def _relu(z: np.ndarray, out: np.ndarray) -> np.ndarray:
    np.maximum(z, 0, out=out)
    return out


def _relu_backward(a: np.ndarray, grad: np.ndarray, out: np.ndarray) -> np.ndarray:
    np.multiply(grad, a > 0, out=out)
    return out


def _sigmoid(z: np.ndarray, out: np.ndarray) -> np.ndarray:
    # exp(-|z|) never overflows: σ(z) = 1 / (1 + e) for z >= 0 and e / (1 + e) for z < 0.
    e = np.exp(-np.abs(z))
    np.divide(1, 1 + e, out=out)
    np.multiply(e, out, out=e)
    np.copyto(out, e, where=z < 0)
    return out


def _sigmoid_backward(a: np.ndarray, grad: np.ndarray, out: np.ndarray) -> np.ndarray:
    np.subtract(1, a, out=out)  # ζ' = ζ (1 - ζ)
    out *= a
    out *= grad
    return out


def _tanh(z: np.ndarray, out: np.ndarray) -> np.ndarray:
    np.tanh(z, out=out)
    return out


def _tanh_backward(a: np.ndarray, grad: np.ndarray, out: np.ndarray) -> np.ndarray:
    np.multiply(a, a, out=out)  # tanh' = 1 - tanh²
    np.subtract(1, out, out=out)
    out *= grad
    return out


ACTIVATIONS: dict[str, tuple[Callable[..., np.ndarray], Callable[..., np.ndarray]]] = {
    "relu": (_relu, _relu_backward),
    "sigmoid": (_sigmoid, _sigmoid_backward),
    "tanh": (_tanh, _tanh_backward),
}


def sigmoid(z: np.ndarray) -> np.ndarray:
    """Numerically stable logistic function (no overflow for any finite z)."""
    z = np.asarray(z)
    return _sigmoid(z, np.empty_like(z, dtype=np.result_type(z, np.float32)))


class Activation:
    """Elementwise activation ``a = ζ(z)`` looked up by name in :data:`ACTIVATIONS`."""

    def __init__(self, name: str) -> None:
        check_choice(name, "activation", ACTIVATIONS)
        self.params: list[np.ndarray] = []  # no parameters (a list per layer, never shared)
        self.grads: list[np.ndarray] = []
        self.name = name
        self._fn, self._fn_backward = ACTIVATIONS[name]
        self._buf = _Buffers()
        self._a: np.ndarray | None = None

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        out = self._buf.get("a", x.shape, x.dtype) if training else np.empty_like(x)
        self._a = self._fn(x, out)
        return self._a

    def backward(self, grad: np.ndarray) -> np.ndarray:
        # ∂C/∂z = ∂C/∂a · ζ'(z)
        if self._a is None:
            raise ConfigError(f"{type(self).__name__}.backward() called before forward()")
        return self._fn_backward(self._a, grad, self._buf.get("g", grad.shape, grad.dtype))

    def __repr__(self) -> str:
        # ReLU() for the named subclasses, Activation('tanh') for the base (what MLP builds)
        if type(self) is Activation:
            return f"Activation({self.name!r})"
        return f"{type(self).__name__}()"


class ReLU(Activation):
    """``max(z, 0)``; derivative 1 where the output is positive, else 0."""

    def __init__(self) -> None:
        super().__init__("relu")


class Sigmoid(Activation):
    """``1 / (1 + e^-z)``, computed without overflow; derivative ``ζ(1 - ζ)``."""

    def __init__(self) -> None:
        super().__init__("sigmoid")


class Tanh(Activation):
    """``tanh(z)``; derivative ``1 - tanh²``."""

    def __init__(self) -> None:
        super().__init__("tanh")


class Dropout:
    """Inverted dropout: in training, zero each unit with probability ``p`` and scale the kept
    ones by ``1 / (1 - p)``, so evaluation (where the layer is the identity) needs no rescaling.

    Parameters
    ----------
    p : float
        Share of units dropped, in [0, 1) (applied as a multiple of 1/65536, see ``keep``).
    rng : seed or Generator
        Where the masks are drawn from (one fresh mask per training batch).

    Attributes
    ----------
    keep : float
        The keep probability actually used: ``1 - p`` rounded to a multiple of 1/65536.
    """

    def __init__(self, p: float, rng: SeedLike = None) -> None:
        self.p = check_number(p, "p", "Dropout", 0, 1, high_open=True)
        self.params: list[np.ndarray] = []  # no parameters (a list per layer, never shared)
        self.grads: list[np.ndarray] = []
        # Masks come from 16 random bits per unit (kept if bits < threshold): much cheaper than a
        # float draw. So the keep probability is (1 - p) rounded to a multiple of 1/65536.
        self._threshold = min(65536, max(1, round((1.0 - self.p) * 65536)))
        self.keep = self._threshold / 65536
        self.rng = as_generator(rng, "rng")
        self._buf = _Buffers()
        self._fixed: np.ndarray | None = None
        self._mask: np.ndarray | None = None

    def set_mask(self, keep_mask: np.ndarray | None) -> None:
        """Use a fixed 0/1 keep mask instead of random draws (gradient checks); None undoes it."""
        self._fixed = None if keep_mask is None else np.asarray(keep_mask) / self.keep

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        if not training or self.p == 0.0:
            self._mask = None
            return x
        if self._fixed is not None:
            mask = self._fixed.astype(x.dtype, copy=False)
        else:
            mask = self.draw_mask(self._buf.get("mask", x.shape, x.dtype))
        self._mask = mask
        out = self._buf.get("out", x.shape, x.dtype)
        np.multiply(x, mask, out=out)
        return out

    def draw_mask(self, out: np.ndarray) -> np.ndarray:
        """Draw the next training batch's mask into ``out`` (shaped like the batch): ``1 / keep``
        where a unit is kept, 0 where it is dropped."""
        raw = self.rng.bit_generator.random_raw(-(-out.size // 4))  # 4 x 16 bits per uint64
        bits = raw.view(np.uint16)[:out.size].reshape(out.shape)
        np.less(bits, self._threshold, out=out)  # 1.0 where kept, 0.0 where dropped
        out *= 1.0 / self.keep
        return out

    def backward(self, grad: np.ndarray) -> np.ndarray:
        if self._mask is None:
            return grad
        out = self._buf.get("g", grad.shape, grad.dtype)
        np.multiply(grad, self._mask, out=out)
        return out

    def __repr__(self) -> str:
        return f"Dropout(p={self.p})"


__all__ = [
    "ACTIVATIONS",
    "Activation",
    "Dense",
    "Dropout",
    "Layer",
    "ReLU",
    "Sigmoid",
    "Tanh",
    "sigmoid",
]
