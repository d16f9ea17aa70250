"""``image_folder``: PNG/JPEG images in one sub-folder per class (``root/<class>/<image>``).

Every file is decoded while loading, so an unreadable image is reported by name; images of
different sizes need ``size: [H, W]`` (all are resized to it with area interpolation).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ...errors import ConfigError, MissingResourceError, ShapeError
from ...registry import DATASETS
from ..datasets import Dataset
from .folder import IMAGE_EXT, _read_image


def class_files(root: Path, loader: str, kinds: str) -> list[tuple[str, Path]]:
    """``(class name, file)`` pairs of ``root/<class>/<file>``, sorted; hidden files skipped.

    Raises ConfigError naming the folder when it is missing, holds files at the top, has no class
    sub-folders, an empty class folder, or a single class.
    """
    if not root.is_dir():
        raise MissingResourceError(f"{loader}: folder {root} does not exist; pass path= to a "
                                   f"folder with one sub-folder of {kinds} per class")
    entries = [e for e in sorted(root.iterdir()) if not e.name.startswith(".")]
    stray = [e.name for e in entries if not e.is_dir()]
    dirs = [e for e in entries if e.is_dir()]
    if not dirs:
        more = ", ..." if len(stray) > 3 else ""
        found = f"it holds only files: {', '.join(stray[:3])}{more}" if stray else "it is empty"
        raise ConfigError(f"{loader}: {root} has no class sub-folders ({found}); put the {kinds} "
                          f"in one sub-folder per class, e.g. {root}/cat/1.png, {root}/dog/2.png")
    if stray:
        raise ConfigError(f"{loader}: {root / stray[0]} is a file beside the class folders; move "
                          f"it into its class folder or out of {root}")
    pairs: list[tuple[str, Path]] = []
    for d in dirs:
        files = [f for f in sorted(d.iterdir()) if f.is_file() and not f.name.startswith(".")]
        if not files:
            raise ConfigError(f"{loader}: class folder {d} is empty; add {kinds} or remove it")
        pairs += [(d.name, f) for f in files]
    if len(dirs) < 2:
        raise ConfigError(f"{loader}: {root} has one class folder ({dirs[0].name}); a classifier "
                          "needs at least 2 classes, one sub-folder each")
    return pairs


def check_size(size: Any, loader: str) -> tuple[int, int] | None:
    """``size`` as ``(H, W)`` ints >= 1, or None."""
    if size is None:
        return None
    ok = (isinstance(size, (list, tuple)) and len(size) == 2
          and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= 1
                  for v in size))
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
    if not isinstance(grayscale, bool):
        raise ConfigError(f"image_folder(grayscale=...) must be true or false, got {grayscale!r}")
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
    for (_, f), img in zip(pairs, imgs):
        if img.shape != first.shape and img.shape[:2] == first.shape[:2]:
            raise ShapeError(
                f"image_folder: {f} is {_dims(img)} but {pairs[0][1]} is {_dims(first)}: the "
                "images mix grayscale and colour; pass grayscale: true to read all as grayscale, "
                "or save them in one colour mode")
        if img.shape != first.shape:
            raise ShapeError(
                f"image_folder: {f} is {_dims(img)} but {pairs[0][1]} is {_dims(first)}; pass "
                f"size: [H, W] (e.g. size: [{first.shape[0]}, {first.shape[1]}]) to resize every "
                "image, or make them one size")
    names = sorted({c for c, _ in pairs})
    y = np.array([names.index(c) for c, _ in pairs], np.int64)
    meta = {"source": str(root), "files": np.array([str(f) for _, f in pairs])}
    return Dataset(np.stack(imgs), y, "image", names, meta)


def _dims(img: np.ndarray) -> str:
    ch = f"x{img.shape[2]}" if img.ndim == 3 else ""
    return f"{img.shape[0]}x{img.shape[1]}{ch} (HxW)"


__all__ = ["load_image_folder", "class_files", "check_size"]
