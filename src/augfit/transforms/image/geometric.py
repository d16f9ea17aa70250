"""Rotate, Scale, Translate and Affine: per-sample affine maps about the image centre.

All four share :func:`affine_matrices` (OpenCV's ``getRotationMatrix2D`` followed by a shift), fill
uncovered pixels with ``fill`` (a fraction of the maximum: 0 black, 1 white) and resample
bilinearly; inside a Compose, consecutive ones (and crops/flips next to them) resample only once.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import numpy as np

from ...jsontypes import JSONDict
from ...registry import TRANSFORMS
from ..base import Params
from ..constraints import Fill, Range, Table
from .core import GeometricTransform, identity


def affine_matrices(hw: Sequence[int], angle: np.ndarray, scale: np.ndarray | float = 1.0,
                    dx: np.ndarray | float = 0.0, dy: np.ndarray | float = 0.0) -> np.ndarray:
    """Forward (N, 3, 3) maps: rotate by ``angle`` degrees (counter-clockwise on screen) and scale
    about the centre ``((W-1)/2, (H-1)/2)``, then shift by ``(dx, dy)`` pixels.

    Rows 0-1 equal ``cv2.getRotationMatrix2D(centre, angle, scale)`` plus the shift.
    """
    angle = np.asarray(angle, dtype=np.float64)
    n = angle.shape[0]
    cy, cx = (hw[0] - 1) / 2.0, (hw[1] - 1) / 2.0
    rad = np.deg2rad(angle)
    a = np.cos(rad) * scale
    b = np.sin(rad) * scale
    m = identity(n)
    m[:, 0, 0], m[:, 0, 1], m[:, 0, 2] = a, b, (1 - a) * cx - b * cy + dx
    m[:, 1, 0], m[:, 1, 1], m[:, 1, 2] = -b, a, b * cx + (1 - a) * cy + dy
    return m


@TRANSFORMS.register()
class Rotate(GeometricTransform):
    """Rotate each image by an angle drawn uniformly from ``limit`` degrees.

    Parameters
    ----------
    limit : float or (float, float)
        ``a`` means angles in ``[-a, a]``; a pair gives the range. Within [-180, 180].
    fill : float
        Border value for uncovered corners, a fraction of the maximum (0 black, 1 white).
    p : float
        Probability per sample.
    """

    family = "geometry"
    _parameter_constraints: ClassVar[Table] = {
        "limit": Range(-180, 180, symmetric=True), "fill": Fill()}

    def __init__(self, limit: float | Sequence[float] = 15.0, fill: float = 0.0, p: float = 1.0):
        del limit, fill  # checked and kept by the constraint table (Transform.check_arguments)
        super().__init__(p)

    def sample_geometry(self, rng: np.random.Generator, n: int, hw: tuple[int, int]) -> Params:
        del hw
        return {"angle": self.uniform(rng, "limit", n)}

    def matrices(self, params: Params, hw: tuple[int, int]) -> np.ndarray:
        return affine_matrices(hw, params["angle"])



@TRANSFORMS.register()
class Scale(GeometricTransform):
    """Zoom each image in (factor > 1) or out (< 1) about its centre, factor drawn from ``range``.

    Parameters
    ----------
    range : (float, float)
        Zoom factors, each in (0, 10]. Zooming out leaves a border of ``fill``.
    fill : float
        Border value, a fraction of the maximum.
    """

    family = "geometry"
    _parameter_constraints: ClassVar[Table] = {"range": Range(1e-3, 10.0), "fill": Fill()}

    def __init__(self, range: Sequence[float] = (0.9, 1.1), fill: float = 0.0,
                 p: float = 1.0) -> None:
        del range, fill  # checked and kept by the constraint table (Transform.check_arguments)
        super().__init__(p)

    def sample_geometry(self, rng: np.random.Generator, n: int, hw: tuple[int, int]) -> Params:
        del hw
        return {"scale": self.uniform(rng, "range", n)}

    def matrices(self, params: Params, hw: tuple[int, int]) -> np.ndarray:
        return affine_matrices(hw, np.zeros(len(params["scale"])), params["scale"])



@TRANSFORMS.register()
class Translate(GeometricTransform):
    """Shift each image by fractions of its width and height drawn from ``shift``.

    Parameters
    ----------
    shift : float or (float, float)
        ``s`` means shifts in ``[-s, s]`` of the size, drawn separately for x and y; in [-1, 1].
    fill : float
        Border value, a fraction of the maximum.
    """

    family = "geometry"
    _parameter_constraints: ClassVar[Table] = {
        "shift": Range(-1.0, 1.0, symmetric=True), "fill": Fill()}

    def __init__(self, shift: float | Sequence[float] = 0.1, fill: float = 0.0,
                 p: float = 1.0) -> None:
        del shift, fill  # checked and kept by the constraint table (Transform.check_arguments)
        super().__init__(p)

    def sample_geometry(self, rng: np.random.Generator, n: int, hw: tuple[int, int]) -> Params:
        del hw
        return {"dx": self.uniform(rng, "shift", n), "dy": self.uniform(rng, "shift", n)}

    def matrices(self, params: Params, hw: tuple[int, int]) -> np.ndarray:
        dx = np.asarray(params["dx"]) * hw[1]
        return affine_matrices(hw, np.zeros(len(dx)), 1.0, dx, np.asarray(params["dy"]) * hw[0])



def shear_about_centre(m: np.ndarray, shear: np.ndarray, hw: Sequence[int]) -> np.ndarray:
    """``m @ S`` with ``S`` the x-shear by ``shear`` degrees about the centre (in place on ``m``):
    ``x' = x - tan(shear)·(y - cy)``, torchvision's sign, as :class:`Shear` (closed form)."""
    k = -np.tan(np.deg2rad(np.asarray(shear, float)))
    cy = (hw[0] - 1) / 2.0
    for r in (0, 1):
        col0 = m[:, r, 0].copy()
        m[:, r, 2] = m[:, r, 2] - col0 * k * cy
        m[:, r, 1] = m[:, r, 1] + col0 * k
    return m


@TRANSFORMS.register()
class Affine(GeometricTransform):
    """Rotation, zoom, shift and shear in one map (see Rotate, Scale and Translate).

    Parameters
    ----------
    rotate : float or (float, float)
        Angle range in degrees (``a`` means ``[-a, a]``), within [-180, 180].
    scale : (float, float)
        Zoom factors, each in [0.001, 10].
    translate : float or (float, float)
        Shift range as fractions of the size, drawn separately for x and y, within [-1, 1].
    shear : float or (float, float)
        Horizontal shear angle range in degrees (``s`` means ``[-s, s]``), within [-60, 60]:
        ``x' = x - tan(shear)·(y - cy)`` about the centre, applied before the rotation and zoom
        (torchvision's and albumentations' order). 0 (the default) draws nothing, so pipelines
        without shear draw exactly what they drew before the argument existed.
    fill : float
        Border value, a fraction of the maximum.
    """

    family = "geometry"
    _parameter_constraints: ClassVar[Table] = {
        "rotate": Range(-180, 180, symmetric=True),
        "scale": Range(1e-3, 10.0),
        "translate": Range(-1.0, 1.0, symmetric=True),
        "fill": Fill(), "shear": Range(-60.0, 60.0, symmetric=True)}

    def __init__(self, rotate: float | Sequence[float] = 0.0,
                 scale: Sequence[float] = (1.0, 1.0), translate: float | Sequence[float] = 0.0,
                 fill: float = 0.0, p: float = 1.0, shear: float | Sequence[float] = 0.0) -> None:
        # checked and kept by the constraint table (Transform.check_arguments)
        del rotate, scale, translate, fill, shear
        super().__init__(p)

    def get_config(self) -> JSONDict:
        cfg = super().get_config()
        if self.checked.shear == (0.0, 0.0):
            del cfg["shear"]  # absent when unused: configs and cell keys stay as they were
        return cfg

    def sample_geometry(self, rng: np.random.Generator, n: int, hw: tuple[int, int]) -> Params:
        del hw
        c = self.checked
        params = {"angle": self.uniform(rng, "rotate", n), "scale": self.uniform(rng, "scale", n),
                  "dx": self.uniform(rng, "translate", n), "dy": self.uniform(rng, "translate", n)}
        if c.shear != (0.0, 0.0):
            params["shear"] = self.uniform(rng, "shear", n)
        return params

    def matrices(self, params: Params, hw: tuple[int, int]) -> np.ndarray:
        m = affine_matrices(hw, params["angle"], np.asarray(params["scale"]),
                            np.asarray(params["dx"]) * hw[1], np.asarray(params["dy"]) * hw[0])
        if "shear" in params:
            m = shear_about_centre(m, params["shear"], hw)
        return m


__all__ = ["Affine", "Rotate", "Scale", "Translate", "affine_matrices", "shear_about_centre"]
