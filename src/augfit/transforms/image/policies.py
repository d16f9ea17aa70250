"""RandAugment (Cubuk et al. 2020) and TrivialAugmentWide (Müller & Hutter 2021), per sample.

The operation lists and magnitude ranges are torchvision v2's (``_auto_augment.py``), the
reference implementation: 14 operations (Identity, ShearX/Y, TranslateX/Y, Rotate, Brightness,
Color, Contrast, Sharpness, Posterize, Solarize, AutoContrast, Equalize), each with
``num_magnitude_bins`` magnitudes from 0 to its maximum; signed operations flip the sign with
probability 1/2.

- RandAugment: ``num_ops`` rounds; in each, every image gets its own operation (uniform) at the
  fixed bin ``magnitude``.
- TrivialAugmentWide: one round; every image gets its own operation and its own bin (uniform).

torchvision draws one operation for a whole batch tensor (or loops over images); here each image
gets its own draw and the batch is *grouped by operation*: one batched kernel call per operation
present in a round, and one resampling for all the geometric ones. The record holds ``op`` (indices
into :attr:`ops`) and ``magnitude`` (signed, in the operation's units), shape ``(N, rounds)``.

Differences from torchvision, on purpose: resampling is bilinear (torchvision's default here is
nearest), and translations are in pixels computed from each batch's size, as torchvision does.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import ClassVar

import numpy as np

from ...checks import check_int
from ...errors import ConfigError
from ...registry import TRANSFORMS
from ..base import MAX_COUNT, Params
from ..constraints import Check, Fill, Integer, Table
from . import functional as F
from . import ops as K
from .core import ImageTransform, identity
from .geometric import affine_matrices

POLICY_OPS: list[str] = ["Identity", "ShearX", "ShearY", "TranslateX", "TranslateY", "Rotate",
                         "Brightness", "Color", "Contrast", "Sharpness", "Posterize", "Solarize",
                         "AutoContrast", "Equalize"]
GEOMETRIC_OPS = {"ShearX", "ShearY", "TranslateX", "TranslateY", "Rotate"}
SIGNED_OPS = GEOMETRIC_OPS | {"Brightness", "Color", "Contrast", "Sharpness"}


def magnitude_table(op: str, bins: int, hw: tuple[int, int], wide: bool) -> np.ndarray:
    """The ``bins`` magnitudes of ``op`` (torchvision v2's ``_AUGMENTATION_SPACE``), unsigned.

    ``wide=False`` is RandAugment's space, ``wide=True`` TrivialAugmentWide's.
    """
    h, w = hw
    top = {"ShearX": 0.99 if wide else 0.3, "ShearY": 0.99 if wide else 0.3,
           "TranslateX": 32.0 if wide else 150.0 / 331.0 * w,
           "TranslateY": 32.0 if wide else 150.0 / 331.0 * h,
           "Rotate": 135.0 if wide else 30.0}
    if op in top:
        return np.linspace(0.0, top[op], bins)
    if op in ("Brightness", "Color", "Contrast", "Sharpness"):
        return np.linspace(0.0, 0.99 if wide else 0.9, bins)
    if op == "Posterize":
        return np.round(8 - np.arange(bins) / ((bins - 1) / (6 if wide else 4)))
    if op == "Solarize":
        return np.linspace(1.0, 0.0, bins)
    return np.zeros(bins)  # Identity, AutoContrast, Equalize: no magnitude


_COLOR_KERNELS: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "Brightness": lambda x, m: K.brightness(x, 1.0 + m),
    "Color": lambda x, m: K.color(x, 1.0 + m),
    "Contrast": lambda x, m: K.contrast(x, 1.0 + m),
    "Sharpness": lambda x, m: K.sharpness(x, 1.0 + m),
    "Posterize": lambda x, m: K.posterize(x, m.astype(np.int64)),
    "Solarize": lambda x, m: K.solarize(x, m),
    "AutoContrast": lambda x, _m: K.autocontrast(x),
    "Equalize": lambda x, _m: K.equalize(x),
}


def policy_matrices(op: Sequence[str], magnitude: np.ndarray, hw: tuple[int, int]) -> np.ndarray:
    """Forward maps ``(N, 3, 3)`` of geometric policy operations (torchvision's conventions:
    shears about the top-left corner, translations truncated to whole pixels, rotation about the
    centre, counter-clockwise)."""
    n = len(op)
    names = np.asarray(op)
    m = identity(n)
    mag = np.asarray(magnitude, float)
    zero = np.zeros(n)
    for name, sx, sy in (("ShearX", mag, zero), ("ShearY", zero, mag)):
        i = names == name
        if i.any():
            m[i] = K.shear_matrices(sx[i], sy[i], -0.5, -0.5)
    for name, axis in (("TranslateX", 0), ("TranslateY", 1)):
        i = names == name
        m[i, axis, 2] = np.trunc(mag[i])
    i = names == "Rotate"
    if i.any():
        m[i] = affine_matrices(hw, mag[i])
    return m


class _Policy(ImageTransform):
    """Shared parts: the operation list, sampling helpers and the grouped apply."""

    wide: bool = False
    family = "policy"
    num_magnitude_bins: int
    ops: list[str]
    fill: float
    _parameter_constraints: ClassVar[Table] = {
        "num_magnitude_bins": Integer(2, MAX_COUNT),
        "ops": Check(lambda v, _name, owner, _seen: check_ops(v, owner),
                     bad=(["Rotate", "Zoom"], ["TimeMask"], [], "Rotate", ["Rotate", "Rotate"])),
        "fill": Fill()}

    def __init__(self, num_magnitude_bins: int, ops: Sequence[str] | None, fill: float,
                 p: float) -> None:
        # checked and kept by the constraint table (Transform.check_arguments)
        del num_magnitude_bins, ops, fill
        super().__init__(p)

    def tables(self, hw: tuple[int, int]) -> np.ndarray:
        """``(len(ops), bins)`` unsigned magnitudes for images of size ``hw``."""
        return np.stack([magnitude_table(o, self.num_magnitude_bins, hw, self.wide)
                         for o in self.ops])

    def draw(self, rng: np.random.Generator, n: int, rounds: int, bins: np.ndarray | None,
             hw: tuple[int, int]) -> Params:
        """Operation per sample and round, then magnitude (given ``bins`` or uniform), then sign."""
        op = rng.integers(0, len(self.ops), size=(n, rounds))
        if bins is None:
            bins = rng.integers(0, self.num_magnitude_bins, size=(n, rounds))
        flip = rng.random((n, rounds)) <= 0.5
        signed = np.array([o in SIGNED_OPS for o in self.ops])[op]
        mag = self.tables(hw)[op, bins]
        mag = np.where(signed & flip, -mag, mag)
        return {"op": op, "magnitude": mag}

    def op_names(self, params: Params) -> list[list[str]]:
        """The recorded operations by name, per sample and round (for showing a record)."""
        return [[self.ops[k] for k in row] for row in np.asarray(params["op"])]

    def apply_params(self, batch: np.ndarray, params: Params) -> np.ndarray:
        op = np.asarray(params["op"]).reshape(batch.shape[0], -1)
        mag = np.asarray(params["magnitude"], float).reshape(op.shape)
        for r in range(op.shape[1]):
            batch = self._round(batch, op[:, r], mag[:, r])
        return batch

    def _round(self, x: np.ndarray, op: np.ndarray, mag: np.ndarray) -> np.ndarray:
        out = x.copy()
        names = np.asarray(self.ops, dtype=object)[op]
        geo = np.flatnonzero(np.isin(names, list(GEOMETRIC_OPS)))
        if geo.size:
            m = policy_matrices(list(names[geo]), mag[geo], x.shape[1:3])
            out[geo] = F.warp_affine(x[geo], F.invert(m), x.shape[1:3], self.fill)
        for k, name in enumerate(self.ops):
            kernel = _COLOR_KERNELS.get(name)
            if kernel is None:
                continue
            idx = np.flatnonzero(op == k)
            if idx.size:
                out[idx] = kernel(x[idx], mag[idx])
        result: np.ndarray = out
        return result


def check_ops(ops: object, owner: str) -> list[str]:
    """The policy's operations (default: all of :data:`POLICY_OPS`), each one checked."""
    if ops is None:
        return list(POLICY_OPS)
    if not isinstance(ops, (list, tuple)) or not ops:
        raise ConfigError(f"{owner}(ops=...) must be None (all) or a non-empty list of operation "
                          f"names from {POLICY_OPS}, got {ops!r}")
    from ...registry import TRANSFORMS as _T

    for name in ops:
        if name in POLICY_OPS:
            continue
        kind = getattr(_T.get(name), "modality", "any") if isinstance(name, str) and name in _T \
            else None
        if kind is not None and kind != "image":
            raise ConfigError(f"{owner}(ops=...): operation {name!r} does not apply to images (it "
                              f"is a transform for {kind} data); choose from {POLICY_OPS}")
        raise ConfigError(f"{owner}(ops=...): unknown operation {name!r}; choose from "
                          f"{POLICY_OPS}")
    if len(set(ops)) != len(ops):
        raise ConfigError(f"{owner}(ops=...) lists an operation twice: {list(ops)!r}")
    return list(ops)


def check_magnitude(value: object, name: str, owner: str, seen: Mapping[str, object]) -> int:
    """RandAugment's M: a bin of ``num_magnitude_bins`` (checked before it)."""
    bins = seen["num_magnitude_bins"]
    assert isinstance(bins, int)  # Integer(2, MAX_COUNT) checked it
    return check_int(value, name, owner, 0, bins - 1,
                     hint=f" (M, a bin of num_magnitude_bins={bins})")


@TRANSFORMS.register()
class RandAugment(_Policy):
    """RandAugment: ``num_ops`` operations per image, each chosen per image, at magnitude bin
    ``magnitude`` of ``num_magnitude_bins``.

    Parameters
    ----------
    num_ops : int
        Operations applied in sequence (N in the paper), >= 1.
    magnitude : int
        Magnitude bin (M in the paper), in ``[0, num_magnitude_bins - 1]``; the paper's 9 of 31.
    num_magnitude_bins : int
        Number of magnitude steps (>= 2).
    ops : list of str or None
        A subset of :data:`POLICY_OPS` (default: all 14).
    fill : float
        Border value of geometric operations, a fraction of the maximum.
    """

    num_ops: int
    magnitude: int
    _parameter_constraints: ClassVar[Table] = {
        "num_ops": Integer(1, MAX_COUNT),  # N, operations per image
        "magnitude": Check(check_magnitude, bad=(31, -1, 2.5, "x"))}

    def __init__(self, num_ops: int = 2, magnitude: int = 9, num_magnitude_bins: int = 31,
                 ops: Sequence[str] | None = None, fill: float = 0.0, p: float = 1.0) -> None:
        # checked and kept by the constraint table (Transform.check_arguments)
        del num_ops, magnitude
        super().__init__(num_magnitude_bins, ops, fill, p)

    def sample_params(self, rng: np.random.Generator, batch: np.ndarray, n: int) -> Params:
        bins = np.full((n, self.num_ops), self.magnitude)
        return self.draw(rng, n, self.num_ops, bins, batch.shape[1:3])


@TRANSFORMS.register()
class TrivialAugmentWide(_Policy):
    """TrivialAugmentWide: one operation per image with its own uniform magnitude bin.

    Parameters
    ----------
    num_magnitude_bins : int
        Number of magnitude steps (>= 2); each image draws one uniformly.
    ops : list of str or None
        A subset of :data:`POLICY_OPS` (default: all 14).
    fill : float
        Border value of geometric operations, a fraction of the maximum.
    """

    wide = True

    def __init__(self, num_magnitude_bins: int = 31, ops: Sequence[str] | None = None,
                 fill: float = 0.0, p: float = 1.0) -> None:
        super().__init__(num_magnitude_bins, ops, fill, p)

    def sample_params(self, rng: np.random.Generator, batch: np.ndarray, n: int) -> Params:
        return self.draw(rng, n, 1, None, batch.shape[1:3])


__all__ = [
    "GEOMETRIC_OPS",
    "POLICY_OPS",
    "SIGNED_OPS",
    "RandAugment",
    "TrivialAugmentWide",
    "check_ops",
    "magnitude_table",
    "policy_matrices",
]
