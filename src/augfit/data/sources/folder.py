"""``folder`` / :func:`from_folder`: your data as one sub-folder per class, or a CSV of text,label.

``root/cat/1.png, root/dog/2.png`` -> an image Dataset with classes ["cat", "dog"];
``root/yes/a.wav, root/no/b.wav`` -> an audio Dataset; ``reviews.csv`` -> a text Dataset.
Every file is checked while loading, and a bad one is reported by name.
"""
from __future__ import annotations

import csv
import os
from pathlib import Path

import numpy as np

from ...checks import check_int, give, give_value
from ...errors import ConfigError, ShapeError
from ...files import display, require, what_is
from ...registry import DATASETS
from ..container import Dataset
from ..wav import read_wav
from ._audio import AUDIO_MAX_SECONDS, check_length, read_waves
from ._image import IMAGE_MAX_PIXELS, check_size, decode_image

IMAGE_EXT = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp"}


def class_files(root: Path, loader: str, kinds: str) -> list[tuple[str, Path]]:
    """``(class name, file)`` pairs of ``root/<class>/<file>``, sorted; hidden files skipped.

    Raises ConfigError naming the folder when it is missing, holds files at the top, has no class
    sub-folders, an empty class folder, or a single class.
    """
    require(root, "a folder", loader, f"{give('path')} to a folder with one sub-folder of "
            f"{kinds} per class")
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
        if display(d.name) != d.name:
            raise ConfigError(f"{loader}: the name of class folder {display(d)} is not UTF-8 (it "
                              "would be the class name in every report); rename it")
        files = [f for f in sorted(d.iterdir()) if not f.name.startswith(".")]
        for f in files:
            require(f, "a file", loader, f"a class folder holds only {kinds}: remove it")
        if not files:
            raise ConfigError(f"{loader}: class folder {d} is empty; add {kinds} or remove it")
        pairs += [(d.name, f) for f in files]
    if len(dirs) < 2:
        raise ConfigError(f"{loader}: {root} has one class folder ({dirs[0].name}); a classifier "
                          "needs at least 2 classes, one sub-folder each")
    return pairs


def _read_image(path: Path, size: tuple[int, int] | None, grayscale: bool,
                max_pixels: int = IMAGE_MAX_PIXELS, owner: str = "from_folder") -> np.ndarray:
    import cv2

    img = decode_image(path, grayscale, max_pixels, owner)
    if img.dtype not in (np.uint8, np.uint16):
        raise ShapeError(f"{owner}: {path} holds {img.dtype} pixels; {owner} reads 8- and "
                         "16-bit images (uint8 after loading): re-export it as an 8-bit PNG")
    if img.dtype == np.uint16:
        img = np.right_shift(img, 8).astype(np.uint8)
    if img.ndim == 3:
        img = cv2.cvtColor(img, cv2.COLOR_BGRA2RGB if img.shape[2] == 4 else cv2.COLOR_BGR2RGB)
    if size is not None:
        img = cv2.resize(img, (size[1], size[0]), interpolation=cv2.INTER_AREA)
    return img


def _images(pairs: list[tuple[str, Path]], size: tuple[int, int] | None, grayscale: bool,
            max_pixels: int) -> np.ndarray:
    for _, f in pairs:
        if f.suffix.lower() not in IMAGE_EXT:
            raise ConfigError(f"from_folder: {f} is not an image ({sorted(IMAGE_EXT)}); remove it")
    imgs = [_read_image(f, size, grayscale, max_pixels) for _, f in pairs]
    shape = imgs[0].shape
    for (_, f), img in zip(pairs, imgs, strict=True):
        if img.shape != shape:
            raise ShapeError(f"from_folder: {f} has shape {img.shape} but {pairs[0][1]} has "
                             f"{shape}; {give_value('size', list(shape[:2]))} (any [H, W]) to "
                             "resize all images")
    return np.stack(imgs)


def _audio(pairs: list[tuple[str, Path]], length: int, sample_rate: int | None,
           max_seconds: float) -> tuple[np.ndarray, dict[str, object]]:
    for _, f in pairs:
        if f.suffix.lower() != ".wav":
            raise ConfigError(f"from_folder: {f} is not a WAV file in an audio folder; convert it "
                              "to WAV (e.g. `sox in.mp3 out.wav`) or remove it")
    if sample_rate is None:
        sample_rate = read_wav(pairs[0][1])[1]
    x, lengths = read_waves([f for _, f in pairs], int(sample_rate), length, max_seconds,
                            "from_folder")
    return x, {"sample_rate": int(sample_rate), "lengths": lengths}


def _csv(path: Path) -> Dataset:
    """A text,label CSV: columns named text and label in a header (any order), or a headerless
    file of exactly two columns, text then label (read by the ``csv`` loader)."""
    from .csv_text import load_csv

    try:
        ds: Dataset = load_csv(path)
        return ds
    except ConfigError as e:
        if "no column for" not in str(e):
            raise
        with open(path, newline="", encoding="utf-8", errors="replace") as fh:
            first = next(csv.reader(fh), [])
        if len(first) != 2:
            raise ConfigError(f"{e}. from_folder reads text,label files only; for other columns "
                              "use augfit.datasets.load('csv', path=..., text_column=..., "
                              "label_column=...)") from None
    ds = load_csv(path, text_column=0, label_column=1)
    return ds


@DATASETS.register("folder")
def from_folder(path: str | os.PathLike[str], modality: str | None = None, length: int = 8000,
                sample_rate: int | None = None, size: tuple[int, int] | None = None,
                grayscale: bool = False, max_pixels: int = IMAGE_MAX_PIXELS,
                max_seconds: float = AUDIO_MAX_SECONDS) -> Dataset:
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
    max_pixels, max_seconds :
        Caps on one image's pixels (read from its header before decoding) and on one clip's
        length after resampling (see :func:`~augfit.data.sources.image_folder.load_image_folder`
        and :func:`~augfit.data.sources.audio_folder.load_audio_folder`).
    """
    root = Path(path).expanduser()
    if what_is(root) != "a folder":
        require(root, "a file", "from_folder", f"{give('path')} to a folder of class sub-folders "
                "or a .csv of text,label")
        if root.suffix.lower() != ".csv":
            raise ConfigError(f"from_folder: {root} is a file but not a .csv of text,label")
        return _csv(root)
    pairs = class_files(root, "from_folder", "files")
    if modality is None:
        modality = "audio" if any(f.suffix.lower() == ".wav" for _, f in pairs) else "image"
    meta: dict[str, object] = {"source": str(root)}
    if modality == "audio":
        x, extra = _audio(pairs, check_length(length, "from_folder"), sample_rate, max_seconds)
        meta.update(extra)
    elif modality == "image":
        x = _images(pairs, check_size(size, "from_folder", max_pixels), grayscale,
                    check_int(max_pixels, "max_pixels", "from_folder"))
    else:
        raise ConfigError(f"from_folder(modality=...) must be 'image' or 'audio' (or a .csv path "
                          f"for text), got {modality!r}")
    names = sorted({c for c, _ in pairs})
    y = np.array([names.index(c) for c, _ in pairs], np.int64)
    meta["files"] = np.array([str(f) for _, f in pairs])
    return Dataset(x, y, modality, names, meta)
