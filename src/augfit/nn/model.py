"""MLP: a stack of Dense / activation / Dropout layers with one flat parameter buffer."""
from __future__ import annotations

import inspect
import itertools
import json
import os
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..checks import check_choice, check_int, check_number, quotable, show
from ..errors import AugfitError, ConfigError, ShapeError
from ..jsontypes import JSONDict
from ..rng import SeedLike, spawn
from .init import DEFAULT_INIT, INITIALIZERS
from .layers import ACTIVATIONS, Activation, Dense, Dropout, Layer

DTYPES = ("float32", "float64")

#: the largest parameter count an MLP may have (2 GB of float32); checked before allocating
MAX_PARAMS = 500_000_000


def _hidden_widths(hidden: object) -> list[int]:
    """``hidden`` (one width, or a list or tuple of widths) as a list of ints."""
    if isinstance(hidden, (int, np.integer)):
        hidden = [hidden]
    elif not isinstance(hidden, (list, tuple, np.ndarray)):
        raise ConfigError(f"MLP(hidden=...) must be the hidden layers' widths, an int or a list of "
                          f"ints such as [64, 32] ([] for none), got {show(hidden)}")
    return [check_int(h, "hidden", "MLP") for h in hidden]


def _names(names: list[str]) -> str:
    """Entry or key names read from a file, for an error: listed (ten at most) when they are short
    identifiers, else only counted, so that an error never echoes a file's content."""
    if quotable(names[:10]):
        return str(names[:10])
    return f"[{len(names)} not shown: not identifiers]"


def _dtype_text(dtype: np.dtype[np.generic]) -> str:
    """A weight array's dtype for an error: its name, or for a structured dtype only its field
    count (field names are the file's content)."""
    if dtype.names is not None:
        return f"a structured dtype of {len(dtype.names)} fields"
    return str(dtype)


def _read_saved(data: np.lib.npyio.NpzFile, where: str) -> tuple[JSONDict, list[np.ndarray]]:
    """The config and the weight arrays of an open ``.npz`` written by :meth:`MLP.save`, checked."""
    files = set(data.files)
    if "config" not in files:
        raise ConfigError(f"{where}: not a file written by MLP.save (no 'config' entry; it holds "
                          f"{_names(sorted(files))})")
    try:
        config = json.loads(str(data["config"]))
    except Exception as e:
        raise ConfigError(f"{where}: its 'config' entry is not JSON written by MLP.save "
                          f"({type(e).__name__})") from None
    allowed = set(inspect.signature(MLP.__init__).parameters) - {"self"}
    if not isinstance(config, dict) or "in_features" not in config:
        raise ConfigError(f"{where}: its 'config' must be a JSON object with MLP's arguments "
                          f"(in_features, hidden, ...), got {show(config)}")
    unknown = sorted(set(config) - allowed)
    if unknown:
        raise ConfigError(f"{where}: its config has unknown keys {_names(unknown)}; MLP takes "
                          f"{sorted(allowed)}")
    hidden = config.get("hidden", [])
    n_dense = 1 + (1 if isinstance(hidden, int) else len(hidden) if isinstance(hidden, list) else 0)
    expected = [f"w{i}" for i in range(2 * n_dense)]
    missing = [k for k in expected if k not in files]
    extra = sorted(files - set(expected) - {"config"})
    if missing or extra:
        raise ConfigError(f"{where}: expected weight arrays {expected} for {n_dense} layers; "
                          f"missing {missing}, unexpected {_names(extra)}")
    weights = []
    for k in expected:
        try:
            w = data[k]
        except Exception as e:  # a damaged member (CRC), or an object array needing pickle
            raise ConfigError(f"{where}: not a model saved by augfit (MLP.save): its weight array "
                              f"{k!r} cannot be read ({type(e).__name__}; the member is damaged "
                              f"or not a plain float array); save the model again with "
                              f"MLP.save") from None
        if w.dtype.kind != "f":
            raise ConfigError(f"{where}: weight array {k!r} has dtype {_dtype_text(w.dtype)}, "
                              f"expected float")
        if not np.isfinite(w).all():
            raise ConfigError(f"{where}: weight array {k!r} holds NaN or inf values; the model "
                              f"was saved after training diverged")
        weights.append(w)
    return config, weights


def check_param_count(in_features: int, hidden: Sequence[int], out_features: int) -> int:
    """The parameter count of an MLP of these widths; ConfigError above :data:`MAX_PARAMS` (checked
    from the widths alone, so a spec's model can be checked before anything is allocated)."""
    widths = [in_features, *hidden, out_features]
    n_params = sum((a + 1) * b for a, b in itertools.pairwise(widths))
    if n_params > MAX_PARAMS:
        raise ConfigError(f"MLP(in_features={in_features}, hidden={list(hidden)}, out_features="
                          f"{out_features}) would have {n_params:,} parameters, more than the "
                          f"cap of {MAX_PARAMS:,} (augfit.nn.model.MAX_PARAMS); use narrower "
                          f"layers or fewer input features")
    return n_params


class MLP:
    """Multi-layer perceptron ``in -> hidden... -> out``.

    Each hidden layer is ``Dense -> activation -> Dropout(p)`` (Dropout only when ``dropout > 0``);
    the output layer is ``Dense`` (logits) optionally followed by ``output_activation``.

    Parameters
    ----------
    in_features : int
        Width of the input rows.
    hidden : int or sequence of int
        Widths of the hidden layers (``[]`` for a linear model).
    out_features : int
        Number of outputs (classes).
    activation : {"relu", "sigmoid", "tanh"}
        Activation of the hidden layers.
    dropout : float
        Share of hidden units dropped in training, in [0, 1).
    seed : int, SeedSequence, Generator or None
        Seeds the initial weights and the dropout masks (two independent child streams).
    dtype : {"float32", "float64"}
        Precision of the parameters and the computation.
    output_activation : str or None
        ``None`` (logits, for ``loss="cross_entropy"``) or an activation name, e.g. ``"sigmoid"``
        for the notes' squared-error network.
    init : str or None
        Weight initialiser name; default He for ReLU, Glorot otherwise.

    Notes
    -----
    The parameters of all layers are views into one flat array (``parameters()``), as are their
    gradients (``gradients()``), so an optimizer step is a few NumPy calls per batch. The first
    Dense layer accepts ``scipy.sparse`` CSR input and computes no input gradient.

    Examples
    --------
    >>> model = MLP(64, [128], 10, seed=0)
    >>> model.forward(np.zeros((2, 64), np.float32)).shape
    (2, 10)
    """

    def __init__(self, in_features: int, hidden: int | Sequence[int] = (), out_features: int = 2,
                 activation: str = "relu", dropout: float = 0.0, seed: SeedLike = None,
                 dtype: str = "float32", output_activation: str | None = None,
                 init: str | None = None) -> None:
        in_features = check_int(in_features, "in_features", "MLP")
        out_features = check_int(out_features, "out_features", "MLP")
        hidden_list = _hidden_widths(hidden)
        check_choice(activation, "activation", ACTIVATIONS, "MLP")
        check_choice(output_activation, "output_activation", [None, *sorted(ACTIVATIONS)], "MLP")
        check_choice(str(dtype), "dtype", DTYPES, "MLP")
        dropout = check_number(dropout, "dropout", "MLP", 0, 1, high_open=True)
        check_param_count(in_features, hidden_list, out_features)
        widths = [in_features, *hidden_list, out_features]
        init = DEFAULT_INIT[activation] if init is None else init
        check_choice(init, "init", INITIALIZERS, "MLP")
        self.config: JSONDict = {
            "in_features": in_features, "hidden": list(hidden_list), "out_features": out_features,
            "activation": activation, "dropout": float(dropout), "dtype": str(dtype),
            "output_activation": output_activation, "init": init,
            "seed": int(seed) if isinstance(seed, (int, np.integer)) else None,
        }
        self.in_features, self.out_features = in_features, out_features
        self.dtype = np.dtype(str(dtype))
        init_rng, drop_rng = spawn(seed, 2)
        self.layers: list[Layer] = []
        self.dense: list[Dense] = []
        for i, (fan_in, fan_out) in enumerate(itertools.pairwise(widths)):
            d = Dense(fan_in, fan_out, init=init, rng=init_rng, dtype=self.dtype.name,
                      input_grad=i > 0)
            self.layers.append(d)
            self.dense.append(d)
            if i < len(widths) - 2:
                self.layers.append(Activation(activation))
                if dropout:
                    self.layers.append(Dropout(dropout, rng=drop_rng))
        if output_activation is not None:
            self.layers.append(Activation(output_activation))
        self._flatten()

    def _flatten(self) -> None:
        n = sum(p.size for d in self.dense for p in d.params)
        self.use_flat(np.zeros(n, self.dtype), np.zeros(n, self.dtype))

    def use_flat(self, params: np.ndarray, grads: np.ndarray) -> None:
        """Keep the parameters and gradients in the given flat arrays of ``n_params`` entries
        (e.g. rows of a stack of models trained together, :mod:`augfit.train.stacked`); the
        current parameter values are copied there, and the layers' arrays become views of them."""
        n = sum(p.size for d in self.dense for p in d.params)
        for name, a in (("params", params), ("grads", grads)):
            if a.shape != (n,) or a.dtype != self.dtype or not a.flags.c_contiguous:
                raise ShapeError(f"MLP.use_flat({name}=...) needs a contiguous {self.dtype.name} "
                                 f"array of shape ({n},), got {a.dtype} {a.shape}")
        pos = 0
        for d in self.dense:
            views = []
            for p in d.params:
                views.append((params[pos:pos + p.size].reshape(p.shape),
                              grads[pos:pos + p.size].reshape(p.shape)))
                pos += p.size
            (W, dW), (b, db) = views
            d.use_storage(W, b, dW, db)
        self._flat, self._flat_grad = params, grads

    # --- computation ---------------------------------------------------------------------------
    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        """Network output ``(N, out_features)`` for inputs ``(N, in_features)`` (array or CSR).

        With ``training=True`` dropout is active and the result is a buffer reused next batch.
        """
        if getattr(x, "ndim", None) != 2 or x.shape[1] != self.in_features:
            raise ShapeError(f"MLP.forward(x=...) expects shape (N, {self.in_features}), got "
                             f"{getattr(x, 'shape', type(x).__name__)}; reshape the input rows to "
                             f"{self.in_features} features")
        for layer in self.layers:
            x = layer.forward(x, training)
        return x

    def backward(self, grad: np.ndarray) -> None:
        """Backpropagate ``∂C/∂output``; fills ``gradients()`` (one per batch, not accumulated)."""
        g = grad
        for layer in reversed(self.layers):
            below = layer.backward(g)
            if below is None:  # the first layer computes no input gradient
                break
            g = below

    def parameters(self) -> list[np.ndarray]:
        """The parameters, as one flat array (views of it live in the layers)."""
        return [self._flat]

    def gradients(self) -> list[np.ndarray]:
        """The gradients of the last ``backward``, matching ``parameters()``."""
        return [self._flat_grad]

    def decay_mask(self) -> list[np.ndarray]:
        """0/1 arrays matching ``parameters()``: 1 on weights, 0 on biases (for an optimizer
        with ``decay_bias=False``)."""
        mask = np.ones_like(self._flat)
        pos = 0
        for d in self.dense:
            W, b = d.params
            pos += W.size
            mask[pos:pos + b.size] = 0
            pos += b.size
        return [mask]

    @property
    def n_params(self) -> int:
        return int(self._flat.size)

    # --- state ----------------------------------------------------------------------------------
    def get_weights(self) -> list[np.ndarray]:
        """Copies of ``[W1, b1, W2, b2, ...]``."""
        return [p.copy() for d in self.dense for p in d.params]

    def set_weights(self, weights: Sequence[np.ndarray]) -> None:
        """Copy ``[W1, b1, ...]`` (as returned by ``get_weights``) into the model."""
        own = [p for d in self.dense for p in d.params]
        if len(weights) != len(own):
            raise ShapeError(f"set_weights(weights=...) expects {len(own)} arrays [W1, b1, ...], "
                             f"got {len(weights)}")
        for i, (p, w) in enumerate(zip(own, weights, strict=True)):
            w = np.asarray(w)
            if w.shape != p.shape:
                raise ShapeError(f"set_weights(weights[{i}]) expects shape {p.shape}, "
                                 f"got {w.shape}")
            p[...] = w

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write config and weights to one ``.npz`` file at exactly ``path``."""
        # Any: numpy's stub types savez's **kwds against its allow_pickle: bool keyword too
        arrays: dict[str, Any] = {f"w{i}": w for i, w in enumerate(self.get_weights())}
        with open(path, "wb") as f:
            np.savez(f, config=np.array(json.dumps(self.config)), **arrays)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> MLP:
        """Rebuild a model saved with :meth:`save`; it predicts bit-identically.

        Anything else (a missing, truncated, foreign or garbage file; a config with unknown keys or
        a parameter count over :data:`MAX_PARAMS`; missing, extra, non-float or non-finite weight
        arrays) raises :class:`~augfit.errors.ConfigError` naming the file, before any allocation
        of the model's size.
        """
        where = f"MLP.load(path={str(path)!r})"
        try:
            data = np.load(path, allow_pickle=False)
        except FileNotFoundError:
            raise ConfigError(f"{where}: no such file; pass the path given to MLP.save") from None
        except Exception as e:  # a text, truncated or garbage file: numpy/zipfile raise many kinds
            raise ConfigError(f"{where}: not a readable .npz file written by MLP.save "
                              f"({type(e).__name__}; the file is empty, truncated or of another "
                              f"format); pass a file written by MLP.save") from None
        if not isinstance(data, np.lib.npyio.NpzFile):
            raise ConfigError(f"{where}: holds a single array, not an .npz file written by "
                              f"MLP.save")
        with data:
            config, weights = _read_saved(data, where)
        build: Callable[..., MLP] = cls     # a file's config: __init__ checks every value
        try:
            model = build(**config)
            model.set_weights(weights)
        except AugfitError as e:
            raise ConfigError(f"{where}: the file does not describe a valid MLP: {e}") from None
        return model

    def __repr__(self) -> str:
        return "MLP(" + ", ".join(repr(layer) for layer in self.layers) + ")"


__all__ = ["DTYPES", "MAX_PARAMS", "MLP", "check_param_count"]
