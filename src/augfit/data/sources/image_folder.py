"""``image_folder``: PNG/JPEG images in one sub-folder per class (``root/<class>/<image>``).

Every file is decoded while loading, so an unreadable image is reported by name; images of
different sizes need ``size: [H, W]`` (all are resized to it with area interpolation).
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ...checks import check_bool, check_int, give_value
from ...errors import ConfigError, ShapeError
from ...registry import DATASETS
from ..container import Dataset
from ._image import IMAGE_MAX_PIXELS, check_size
from .folder import IMAGE_EXT, _read_image, class_files


@DATASETS.register("image_folder")
def load_image_folder(path: str | os.PathLike[str], size: Sequence[int] | None = None,
                      grayscale: bool = False, max_pixels: int = IMAGE_MAX_PIXELS) -> Dataset:
    """An image Dataset from ``path/<class>/<image>`` (PNG, JPEG, BMP, TIFF, WebP).

    Parameters
    ----------
    path : folder
        One sub-folder per class; the class names are the sub-folder names, sorted.
    size : [H, W], optional
        Resize every image to this size. Without it all images must share one size.
    grayscale : bool
        Read single-channel ``(N, H, W)`` images (colour images are converted).
    max_pixels : int
        The cap on one image's height x width (default 50 million), read from the file's header
        before it is decoded; a larger image is refused, naming the file. Raise it for really
        large images.

    Returns
    -------
    Dataset
        uint8 images ``(N, H, W)`` or ``(N, H, W, 3)``; ``meta["files"]`` holds each file's path.
    """
    root = Path(path).expanduser()
    max_pixels = check_int(max_pixels, "max_pixels", "image_folder")
    hw = check_size(size, "image_folder", max_pixels)
    check_bool(grayscale, "grayscale", "image_folder")
    pairs = class_files(root, "image_folder", "images")
    for _, f in pairs:
        if f.suffix.lower() not in IMAGE_EXT:
            raise ConfigError(f"image_folder: {f} is not an image file (extensions "
                              f"{', '.join(sorted(IMAGE_EXT))}); remove it or convert it")
    imgs = []
    for _, f in pairs:
        try:
            imgs.append(_read_image(f, hw, grayscale, max_pixels, "image_folder"))
        except ShapeError as e:
            if "truncated JPEG" in str(e) or "pixels;" in str(e):
                raise
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
    meta: dict[str, object] = {"source": str(root),
                               "files": np.array([str(f) for _, f in pairs])}
    return Dataset(np.stack(imgs), y, "image", names, meta)


def _dims(img: np.ndarray) -> str:
    ch = f"x{img.shape[2]}" if img.ndim == 3 else ""
    return f"{img.shape[0]}x{img.shape[1]}{ch} (HxW)"


__all__ = ["IMAGE_MAX_PIXELS", "check_size", "load_image_folder"]
