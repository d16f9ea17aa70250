"""``fashion_mnist``: Zalando's Fashion-MNIST from the four idx files (gzipped or not).

Debian's ``dataset-fashion-mnist`` package puts them in /usr/share/datasets/fashion-mnist; any
folder holding ``train-images-idx3-ubyte(.gz)``, ``train-labels-idx1-ubyte(.gz)``,
``t10k-images-idx3-ubyte(.gz)`` and ``t10k-labels-idx1-ubyte(.gz)`` works (``path=``). Headers and
sizes are checked.
"""
from __future__ import annotations

import gzip
import os
import struct
import zlib
from pathlib import Path

import numpy as np

from ...errors import ConfigError, MissingResourceError, ShapeError
from ...registry import DATASETS
from ..container import Dataset

DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")
CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
           "Bag", "Ankle boot"]
INSTALL = ("install Debian's dataset-fashion-mnist (`apt-get install dataset-fashion-mnist`) or "
           "pass path= to a folder with the four idx files")
_FILES = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
          "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}


def _find(folder: Path, stem: str) -> Path:
    for name in (stem + ".gz", stem, stem.replace("-idx", ".idx")):
        if (folder / name).is_file():
            return folder / name
    raise MissingResourceError(f"fashion_mnist: {stem}(.gz) not found in {folder}; {INSTALL}")


def read_idx(path: Path, ndim: int) -> np.ndarray:
    """An idx file of unsigned bytes with ``ndim`` dimensions (magic 0x0000 08 ndim), checked."""
    try:
        raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    except (EOFError, OSError, zlib.error) as exc:
        raise ShapeError(f"fashion_mnist: {path} is truncated or not gzip ({exc}); "
                         "re-download it") from None
    head = 4 + 4 * ndim
    if len(raw) < head:
        raise ShapeError(f"fashion_mnist: {path} is truncated (only {len(raw)} bytes)")
    zero, dtype_code, nd = struct.unpack(">HBB", raw[:4])
    if zero != 0 or dtype_code != 0x08 or nd != ndim:
        raise ShapeError(f"fashion_mnist: {path} is not a {ndim}-D unsigned-byte idx file (magic "
                         f"{raw[:4].hex()}, expected 000008{ndim:02x})")
    dims = struct.unpack(f">{ndim}I", raw[4:head])
    need = int(np.prod(dims))
    if len(raw) - head != need:
        raise ShapeError(f"fashion_mnist: {path} is truncated or corrupt: header says {dims} = "
                         f"{need} bytes of data, file holds {len(raw) - head}")
    return np.frombuffer(raw, np.uint8, count=need, offset=head).reshape(dims)


@DATASETS.register("fashion_mnist")
def load_fashion_mnist(path: str | os.PathLike[str] | None = None, split: str = "train") -> Dataset:
    """Fashion-MNIST as uint8 images ``(N, 28, 28)``.

    Parameters
    ----------
    path : folder, optional
        Folder with the four idx files; default Debian's /usr/share/datasets/fashion-mnist.
    split : {"train", "test", "all"}
        The official 60,000 training or 10,000 test images, or both (train first; meta
        ``"official_test"`` marks the test ones).
    """
    if split not in ("train", "test", "all"):
        raise ConfigError(f"fashion_mnist(split=...) must be 'train', 'test' or 'all', "
                          f"got {split!r}")
    folder = Path(path).expanduser() if path is not None else DEBIAN_DIR
    if not folder.is_dir():
        raise MissingResourceError(f"fashion_mnist: folder {folder} not found; {INSTALL}")
    xs, ys, test = [], [], []
    for part in (("train", "test") if split == "all" else (split,)):
        img_path, lab_path = (_find(folder, s) for s in _FILES[part])
        x, y = read_idx(img_path, 3), read_idx(lab_path, 1)
        if len(x) != len(y) or y.max(initial=0) > 9:
            raise ShapeError(f"fashion_mnist: {img_path} has {len(x)} images but {lab_path} has "
                             f"{len(y)} labels (max {y.max(initial=0)}); the files do not match")
        xs.append(x)
        ys.append(y)
        test.append(np.full(len(y), part == "test"))
    meta: dict[str, object] = {"source": f"Fashion-MNIST ({folder})",
                               "license": "MIT (Zalando Research)",
                               "official_test": np.concatenate(test)}
    return Dataset(np.concatenate(xs), np.concatenate(ys).astype(np.int64), "image", CLASSES, meta)
