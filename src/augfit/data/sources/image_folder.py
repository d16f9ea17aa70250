"""``image_folder``: PNG/JPEG images in one sub-folder per class (``root/<class>/<image>``).

Every file is decoded while loading, so an unreadable image is reported by name; images of
different sizes need ``size: [H, W]`` (all are resized to it with area interpolation).
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ...checks import check_bool, give_value, is_int
from ...errors import ConfigError, ShapeError
from ...registry import DATASETS
from ..container import Dataset
from .folder import IMAGE_EXT, _read_image, class_files


def check_size(size: Any, loader: str) -> tuple[int, int] | None:
    """``size`` as ``(H, W)`` ints >= 1, or None."""
    if size is None:
        return None
    ok = (isinstance(size, (list, tuple)) and len(size) == 2
          and all(is_int(v) and v >= 1 for v in size))
    if not ok:
        raise ConfigError(f"{loader}(size=...) must be [height, width] in pixels, e.g. [28, 28], "
                          f"got {size!r}")
    return int(size[0]), int(size[1])


@DATASETS.register("image_folder")
def load_image_folder(path: str | os.PathLike, size: Sequence[int] | None = None,
                      grayscale: bool = False) -> Dataset:
    """An image Dataset from ``path/<class>/<image>`` (PNG, JPEG, BMP, TIFF, WebP).

    Parameters
    ----------
    path : folder
        One sub-folder per class; the class names are the sub-folder names, sorted.
    size : [H, W], optional
        Resize every image to this size. Without it all images must share one size.
    grayscale : bool
        Read single-channel ``(N, H, W)`` images (colour images are converted).

    Returns
    -------
    Dataset
        uint8 images ``(N, H, W)`` or ``(N, H, W, 3)``; ``meta["files"]`` holds each file's path.
    """
    root = Path(path).expanduser()
    hw = check_size(size, "image_folder")
    check_bool(grayscale, "grayscale", "image_folder")
    pairs = class_files(root, "image_folder", "images")
    for _, f in pairs:
        if f.suffix.lower() not in IMAGE_EXT:
            raise ConfigError(f"image_folder: {f} is not an image file (extensions "
                              f"{', '.join(sorted(IMAGE_EXT))}); remove it or convert it")
    imgs = []
    for _, f in pairs:
        try:
            imgs.append(_read_image(f, hw, grayscale))
        except ShapeError:
            raise ShapeError(f"image_folder: cannot decode {f} (truncated, corrupt or not an "
                             "image); re-export it or remove it") from None
    first = imgs[0]
    for (_, f), img in zip(pairs, imgs, strict=True):
        if img.shape != first.shape and img.shape[:2] == first.shape[:2]:
            raise ShapeError(
                f"image_folder: {f} is {_dims(img)} but {pairs[0][1]} is {_dims(first)}: the "
                f"images mix grayscale and colour; {give_value('grayscale', True)} to read all as "
                "grayscale, or save them in one colour mode")
        if img.shape != first.shape:
            raise ShapeError(
                f"image_folder: {f} is {_dims(img)} but {pairs[0][1]} is {_dims(first)}; "
                f"{give_value('size', [first.shape[0], first.shape[1]])} (any [H, W]) to resize "
                "every image, or make them one size")
    names = sorted({c for c, _ in pairs})
    y = np.array([names.index(c) for c, _ in pairs], np.int64)
    meta = {"source": str(root), "files": np.array([str(f) for _, f in pairs])}
    return Dataset(np.stack(imgs), y, "image", names, meta)


def _dims(img: np.ndarray) -> str:
    ch = f"x{img.shape[2]}" if img.ndim == 3 else ""
    return f"{img.shape[0]}x{img.shape[1]}{ch} (HxW)"


__all__ = ["load_image_folder", "check_size"]
