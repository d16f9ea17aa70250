"""RandomCrop, RandomResizedCrop and CenterCrop.

RandomCrop and CenterCrop cut exact windows (no resampling); RandomResizedCrop cuts a window of
random area and aspect ratio and resizes it bilinearly (cv2.resize's convention) to ``size``, or
back to the input size when ``size`` is None.

When a crop changes the image size, samples it does not apply to (``p < 1``) still have to come
out at the new size: RandomCrop gives them the centre window, RandomResizedCrop the whole image
resized.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import numpy as np

from ...errors import ShapeError
from ...registry import TRANSFORMS
from ..base import MAX_SIDE, Params
from ..constraints import Fill, Integer, Range, Table
from .core import GeometricTransform, Size, identity, resize_matrix
from .functional import fill_in_dtype


def _shift_matrices(y0: np.ndarray, x0: np.ndarray) -> np.ndarray:
    """Forward maps of windows whose top-left corner is at ``(y0, x0)`` in the input."""
    m = identity(len(y0))
    m[:, 0, 2], m[:, 1, 2] = -np.asarray(x0, float), -np.asarray(y0, float)
    return m


def _cut(batch: np.ndarray, y0: np.ndarray, x0: np.ndarray, hw: tuple[int, int]) -> np.ndarray:
    """Exact windows ``batch[i, y0[i]:y0[i]+h, x0[i]:x0[i]+w]``, all at once."""
    n = batch.shape[0]
    rows = np.asarray(y0, np.intp)[:, None] + np.arange(hw[0])
    cols = np.asarray(x0, np.intp)[:, None] + np.arange(hw[1])
    result: np.ndarray = batch[np.arange(n)[:, None, None], rows[:, :, None], cols[:, None, :]]
    return result


@TRANSFORMS.register()
class RandomCrop(GeometricTransform):
    """Cut a window of ``size`` at a random position of the image padded by ``padding`` pixels.

    Parameters
    ----------
    size : None, int or (int, int)
        Window height and width; None keeps the input size (useful with ``padding``).
    padding : int
        Pixels of ``fill`` added on every side before cutting (CIFAR-style ``padding=4``).
    fill : float
        Padding value, a fraction of the maximum (0 black, 1 white).
    """

    resamples = False
    family = "crop"
    size: int | list[int] | None
    padding: int
    _parameter_constraints: ClassVar[Table] = {
        "size": Size(), "padding": Integer(0, MAX_SIDE), "fill": Fill()}

    def __init__(self, size: int | Sequence[int] | None = None, padding: int = 0,
                 fill: float = 0.0, p: float = 1.0) -> None:
        # checked and kept by the constraint table (Transform.check_arguments)
        del size, padding, fill
        super().__init__(p)

    def output_hw(self, hw: tuple[int, int]) -> tuple[int, int]:
        out = self.checked.size or (hw[0], hw[1])
        room = (hw[0] + 2 * self.padding, hw[1] + 2 * self.padding)
        if out[0] > room[0] or out[1] > room[1]:
            raise ShapeError(f"{type(self).__name__}(size={self.size}, padding={self.padding}): "
                             f"the window "
                             f"{out} is larger than the padded image {room}; use a smaller size or "
                             f"more padding")
        return out

    def sample_geometry(self, rng: np.random.Generator, n: int, hw: tuple[int, int]) -> Params:
        h, w = self.output_hw(hw)
        pad = self.padding
        y0 = rng.integers(0, hw[0] + 2 * pad - h + 1, size=n) - pad
        x0 = rng.integers(0, hw[1] + 2 * pad - w + 1, size=n) - pad
        return {"y0": y0, "x0": x0}

    def _offsets(self, params: Params, hw: tuple[int, int], n: int
                 ) -> tuple[np.ndarray, np.ndarray]:
        h, w = self.output_hw(hw)
        applied = np.asarray(params.get("applied", np.ones(n, bool)), bool)
        y0 = np.where(applied, params["y0"], (hw[0] - h) // 2)
        x0 = np.where(applied, params["x0"], (hw[1] - w) // 2)
        return y0, x0

    def matrices(self, params: Params, hw: tuple[int, int]) -> np.ndarray:
        del hw
        return _shift_matrices(params["y0"], params["x0"])

    def base_matrices(self, n: int, hw: tuple[int, int]) -> np.ndarray:
        h, w = self.output_hw(hw)
        return _shift_matrices(np.full(n, (hw[0] - h) // 2), np.full(n, (hw[1] - w) // 2))

    def apply_exact(self, batch: np.ndarray, params: Params) -> np.ndarray:
        n, hw = batch.shape[0], batch.shape[1:3]
        y0, x0 = self._offsets(params, hw, n)
        pad = self.padding
        if pad:
            widths = [(0, 0), (pad, pad), (pad, pad)] + [(0, 0)] * (batch.ndim - 3)
            batch = np.pad(batch, widths, constant_values=fill_in_dtype(self.fill or 0.0,
                                                                         batch.dtype))
        return _cut(batch, y0 + pad, x0 + pad, self.output_hw(hw))



@TRANSFORMS.register()
class CenterCrop(GeometricTransform):
    """Cut the central window of ``size`` (deterministic: draws nothing and has no ``p``)."""

    resamples = False
    deterministic = True
    size: int | list[int]
    _parameter_constraints: ClassVar[Table] = {"size": Size(allow_none=False)}

    def __init__(self, size: int | Sequence[int] = 8) -> None:
        del size  # checked and kept by the constraint table (Transform.check_arguments)
        super().__init__(1.0)

    def output_hw(self, hw: tuple[int, int]) -> tuple[int, int]:
        out = self.checked.size or (hw[0], hw[1])
        if out[0] > hw[0] or out[1] > hw[1]:
            raise ShapeError(f"{type(self).__name__}(size={self.size}) is larger than the images "
                             f"{tuple(hw)}; use a size of at most the image size")
        return out

    def _corner(self, hw: tuple[int, int]) -> tuple[int, int]:
        h, w = self.output_hw(hw)
        return (hw[0] - h) // 2, (hw[1] - w) // 2

    def matrices(self, params: Params, hw: tuple[int, int]) -> np.ndarray:
        return self.base_matrices(len(params["applied"]), hw)

    def base_matrices(self, n: int, hw: tuple[int, int]) -> np.ndarray:
        y, x = self._corner(hw)
        return _shift_matrices(np.full(n, y), np.full(n, x))

    def apply_exact(self, batch: np.ndarray, params: Params) -> np.ndarray:
        del params
        y, x = self._corner(batch.shape[1:3])
        h, w = self.output_hw(batch.shape[1:3])
        result: np.ndarray = batch[:, y:y + h, x:x + w].copy()
        return result


@TRANSFORMS.register()
class RandomResizedCrop(GeometricTransform):
    """Cut a window of random area ``scale`` and aspect ``ratio`` and resize it to ``size``.

    Follows torchvision/albumentations: up to 10 draws of (area, log-uniform ratio) per sample,
    the first window that fits is used, else the central window with the ratio clamped to
    ``ratio``.

    Parameters
    ----------
    size : None, int or (int, int)
        Output height and width; None keeps the input size.
    scale : (float, float)
        Window area as a fraction of the image area, in (0, 1].
    ratio : (float, float)
        Window width / height range, > 0.
    """

    family = "crop"
    _parameter_constraints: ClassVar[Table] = {
        "size": Size(), "scale": Range(1e-6, 1.0),
        "ratio": Range(1e-3, 1e3)}

    def __init__(self, size: int | Sequence[int] | None = None,
                 scale: Sequence[float] = (0.08, 1.0),
                 ratio: Sequence[float] = (3 / 4, 4 / 3), p: float = 1.0) -> None:
        # checked and kept by the constraint table (Transform.check_arguments)
        del size, scale, ratio
        super().__init__(p)

    def output_hw(self, hw: tuple[int, int]) -> tuple[int, int]:
        size: tuple[int, int] | None = self.checked.size
        return size or (hw[0], hw[1])

    def sample_geometry(self, rng: np.random.Generator, n: int, hw: tuple[int, int]) -> Params:
        H, W = hw
        tries = 10
        scale, ratio = self.bounds("scale"), self.bounds("ratio")
        area = H * W * rng.uniform(*scale, size=(n, tries))
        logr = np.log(ratio)
        aspect = np.exp(rng.uniform(logr[0], logr[1], size=(n, tries)))
        w = np.rint(np.sqrt(area * aspect)).astype(np.int64)
        h = np.rint(np.sqrt(area / aspect)).astype(np.int64)
        ok = (w > 0) & (w <= W) & (h > 0) & (h <= H)
        first = np.argmax(ok, axis=1)
        rows = np.arange(n)
        hh, ww = h[rows, first], w[rows, first]
        # fallback: the central window with the ratio clamped into range
        fits = ok.any(axis=1)
        in_ratio = W / H
        if in_ratio < ratio[0]:
            fh, fw = round(W / ratio[0]), W
        elif in_ratio > ratio[1]:
            fh, fw = H, round(H * ratio[1])
        else:
            fh, fw = H, W
        hh, ww = np.where(fits, hh, max(fh, 1)), np.where(fits, ww, max(fw, 1))
        u = rng.random((n, 2))
        y0 = np.where(fits, np.floor(u[:, 0] * (H - hh + 1)), (H - hh) // 2).astype(np.int64)
        x0 = np.where(fits, np.floor(u[:, 1] * (W - ww + 1)), (W - ww) // 2).astype(np.int64)
        return {"y0": y0, "x0": x0, "h": hh, "w": ww}

    def matrices(self, params: Params, hw: tuple[int, int]) -> np.ndarray:
        box = np.stack([params["y0"], params["x0"], params["h"], params["w"]], axis=1).astype(float)
        return resize_matrix(box, self.output_hw(hw))

    def base_matrices(self, n: int, hw: tuple[int, int]) -> np.ndarray:
        box = np.tile(np.array([0.0, 0.0, hw[0], hw[1]]), (n, 1))
        return resize_matrix(box, self.output_hw(hw))


__all__ = ["CenterCrop", "RandomCrop", "RandomResizedCrop"]
