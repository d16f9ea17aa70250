"""``folder`` / :func:`from_folder`: your data as one sub-folder per class, or a CSV of text,label.

``root/cat/1.png, root/dog/2.png`` -> an image Dataset with classes ["cat", "dog"];
``root/yes/a.wav, root/no/b.wav`` -> an audio Dataset; ``reviews.csv`` -> a text Dataset.
Every file is checked while loading, and a bad one is reported by name.
"""
from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import Any

import numpy as np

from ...checks import give
from ...errors import ConfigError, MissingResourceError, ShapeError
from ...registry import DATASETS
from ..container import Dataset
from ..wav import read_wav
from ._audio import check_length, read_waves

IMAGE_EXT = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp"}


def class_files(root: Path, loader: str, kinds: str) -> list[tuple[str, Path]]:
    """``(class name, file)`` pairs of ``root/<class>/<file>``, sorted; hidden files skipped.

    Raises ConfigError naming the folder when it is missing, holds files at the top, has no class
    sub-folders, an empty class folder, or a single class.
    """
    if not root.is_dir():
        raise MissingResourceError(f"{loader}: folder {root} does not exist; {give('path')} to "
                                   f"a folder with one sub-folder of {kinds} per class")
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


def _read_image(path: Path, size: tuple[int, int] | None, grayscale: bool) -> np.ndarray:
    import cv2

    img = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE if grayscale else cv2.IMREAD_UNCHANGED)
    if img is None:
        raise ShapeError(f"from_folder: cannot decode image {path} (truncated or not an image); "
                         "re-export or remove it")
    if path.suffix.lower() in (".jpg", ".jpeg"):
        # libjpeg decodes a cut-off file with a grey bottom and only a warning: check the end marker
        with open(path, "rb") as fh:
            fh.seek(max(0, path.stat().st_size - 64))
            tail = fh.read().rstrip(b"\0\r\n ")
        if not tail.endswith(b"\xff\xd9"):
            raise ShapeError(f"from_folder: {path} is a truncated JPEG (no end-of-image marker); "
                             "re-export or remove it")
    if img.dtype not in (np.uint8, np.uint16):
        raise ShapeError(f"from_folder: {path} holds {img.dtype} pixels; from_folder reads 8- and "
                         "16-bit images (uint8 after loading): re-export it as an 8-bit PNG")
    if img.dtype == np.uint16:
        img = np.right_shift(img, 8).astype(np.uint8)
    if img.ndim == 3:
        img = cv2.cvtColor(img, cv2.COLOR_BGRA2RGB if img.shape[2] == 4 else cv2.COLOR_BGR2RGB)
    if size is not None:
        img = cv2.resize(img, (size[1], size[0]), interpolation=cv2.INTER_AREA)
    return img


def _images(pairs: list[tuple[str, Path]], size: Any, grayscale: bool) -> np.ndarray:
    for _, f in pairs:
        if f.suffix.lower() not in IMAGE_EXT:
            raise ConfigError(f"from_folder: {f} is not an image ({sorted(IMAGE_EXT)}); remove it")
    imgs = [_read_image(f, size, grayscale) for _, f in pairs]
    shape = imgs[0].shape
    for (_, f), img in zip(pairs, imgs, strict=True):
        if img.shape != shape:
            raise ShapeError(f"from_folder: {f} has shape {img.shape} but {pairs[0][1]} has "
                             f"{shape}; pass size=(H, W) to resize all images")
    return np.stack(imgs)


def _audio(pairs: list[tuple[str, Path]], length: int,
           sample_rate: int | None) -> tuple[np.ndarray, dict]:
    for _, f in pairs:
        if f.suffix.lower() != ".wav":
            raise ConfigError(f"from_folder: {f} is not a WAV file in an audio folder; convert it "
                              "to WAV (e.g. `sox in.mp3 out.wav`) or remove it")
    if sample_rate is None:
        sample_rate = read_wav(pairs[0][1])[1]
    x, lengths = read_waves([f for _, f in pairs], int(sample_rate), length)
    return x, {"sample_rate": int(sample_rate), "lengths": lengths}


def _csv(path: Path) -> Dataset:
    """A text,label CSV: columns named text and label in a header (any order), or a headerless
    file of exactly two columns, text then label (read by the ``csv`` loader)."""
    from .csv_text import load_csv

    try:
        return load_csv(path)
    except ConfigError as e:
        if "no column for" not in str(e):
            raise
        with open(path, newline="", encoding="utf-8", errors="replace") as fh:
            first = next(csv.reader(fh), [])
        if len(first) != 2:
            raise ConfigError(f"{e}. from_folder reads text,label files only; for other columns "
                              "use augfit.datasets.load('csv', path=..., text_column=..., "
                              "label_column=...)") from None
    return load_csv(path, text_column=0, label_column=1)


@DATASETS.register("folder")
def from_folder(path: str | os.PathLike, modality: str | None = None, length: int = 8000,
                sample_rate: int | None = None, size: tuple[int, int] | None = None,
                grayscale: bool = False) -> Dataset:
    """A Dataset from ``path``: class sub-folders of images or WAVs, or a ``.csv`` of text,label.

    Parameters
    ----------
    path : folder or .csv file
    modality : {"image", "audio"}, optional
        Inferred: any ``.wav`` makes an audio folder, otherwise images.
    length, sample_rate : int
        Audio: samples per clip after padding/trimming, and the rate to resample to (default: the
        first file's rate).
    size : (H, W), optional
        Images: resize every image to this size (otherwise all must share one shape).
    grayscale : bool
        Images: read as single-channel ``(N, H, W)``.
    """
    root = Path(path).expanduser()
    if not root.exists():
        raise MissingResourceError(f"from_folder: {root} does not exist")
    if root.is_file():
        if root.suffix.lower() != ".csv":
            raise ConfigError(f"from_folder: {root} is a file but not a .csv of text,label")
        return _csv(root)
    pairs = class_files(root, "from_folder", "files")
    if modality is None:
        modality = "audio" if any(f.suffix.lower() == ".wav" for _, f in pairs) else "image"
    meta: dict[str, Any] = {"source": str(root)}
    if modality == "audio":
        x, extra = _audio(pairs, check_length(length, "from_folder"), sample_rate)
        meta.update(extra)
    elif modality == "image":
        x = _images(pairs, size, grayscale)
    else:
        raise ConfigError(f"from_folder(modality=...) must be 'image' or 'audio' (or a .csv path "
                          f"for text), got {modality!r}")
    names = sorted({c for c, _ in pairs})
    y = np.array([names.index(c) for c, _ in pairs], np.int64)
    meta["files"] = np.array([str(f) for _, f in pairs])
    return Dataset(x, y, modality, names, meta)
