"""``npz``: samples and labels from a NumPy ``.npz`` archive (``np.savez(path, x=..., y=...)``)."""
from __future__ import annotations

import math
import os
import zipfile
from pathlib import Path

import numpy as np
import numpy.lib.format as fmt

from ...checks import check_int, give, keyword, quotable, show
from ...errors import ConfigError
from ...files import require
from ...registry import DATASETS
from ..container import Dataset, from_arrays

#: the largest array (in bytes, once loaded) that ``npz`` reads unless ``max_bytes`` says more
NPZ_MAX_BYTES = 2**30


def _headers(file: Path) -> dict[str, tuple[tuple[int, ...], np.dtype]]:
    """``{name: (shape, dtype)}`` of the arrays in an .npz archive, read from their headers only;
    ConfigError naming the file (never its content) when it is not an .npz archive."""
    out: dict[str, tuple[tuple[int, ...], np.dtype]] = {}
    try:
        with zipfile.ZipFile(file) as zf:
            for name in zf.namelist():
                if not name.endswith(".npy"):
                    continue
                with zf.open(name) as fh:
                    version = fmt.read_magic(fh)
                    read = fmt.read_array_header_1_0 if version == (1, 0) else \
                        fmt.read_array_header_2_0
                    shape, _, dtype = read(fh)
                out[name[:-4]] = (tuple(int(n) for n in shape), np.dtype(dtype))
    except (ValueError, OSError, EOFError, SyntaxError, TypeError, zipfile.BadZipFile,
            zipfile.LargeZipFile) as e:
        raise ConfigError(f"npz: cannot read {file}: not a NumPy .npz archive, or a damaged one "
                          f"({type(e).__name__}); write it with np.savez(path, x=..., y=...) and "
                          "no object arrays") from None
    return out


@DATASETS.register("npz")
def load_npz(path: str | os.PathLike[str], x_key: str = "x", y_key: str = "y",
             modality: str | None = None, sample_rate: int | None = None,
             max_bytes: int = NPZ_MAX_BYTES) -> Dataset:
    """A Dataset from the arrays ``x_key`` (samples) and ``y_key`` (labels) of an ``.npz`` file.

    Parameters
    ----------
    path : file
        Written by ``np.savez``/``np.savez_compressed``; object arrays (pickles) are refused.
    x_key, y_key : str
        Array names: images ``(N, H, W[, C])``, waveforms ``(N, T)`` or an array of str (texts);
        labels ``(N,)`` ints or names.
    modality : {"image", "text", "audio"}, optional
        Inferred for texts and 3-D/4-D arrays; needed for 2-D waveforms.
    sample_rate : int, optional
        Audio: the waveforms' rate (stored in ``meta``).
    max_bytes : int
        The cap on each array's size once loaded (default 1 GiB), read from the array's header
        before anything is decompressed, so a small file that expands to gigabytes is refused.
    """
    file = Path(path).expanduser()
    require(file, "a file", "npz", f"{give('path')} to an .npz file")
    max_bytes = check_int(max_bytes, "max_bytes", "npz")
    headers = _headers(file)
    missing = [k for k in (x_key, y_key) if k not in headers]
    if missing:
        names = ", ".join(show(k) if not quotable(k) else k for k in list(headers)[:10])
        raise ConfigError(f"npz: {file} has no array {show(missing[0])} (arrays: "
                          f"{names or 'none'}); {give('x_key')} and {keyword('y_key')} naming "
                          "the samples and the labels")
    for key in (x_key, y_key):
        shape, dtype = headers[key]
        if dtype.hasobject:
            raise ConfigError(f"npz: {file}: array {key!r} holds Python objects (pickles), which "
                              "are never loaded; store numbers or strings")
        size = math.prod(shape) * dtype.itemsize
        if size > max_bytes:
            raise ConfigError(f"npz: {file}: array {key!r} of shape {shape} ({dtype}) would take "
                              f"{size / 2**20:.0f} MiB, more than the cap max_bytes={max_bytes} "
                              f"({max_bytes / 2**20:.0f} MiB); raise it (dataset option "
                              "max_bytes) if the data really are that large")
    try:
        with np.load(file, allow_pickle=False) as z:
            x, y = z[x_key], z[y_key]
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as e:
        raise ConfigError(f"npz: cannot read {file} (a damaged archive: {type(e).__name__}); "
                          "write it again with np.savez(path, x=..., y=...)") from None
    if len(x) == 0:
        raise ConfigError(f"npz: {file}: array {x_key!r} holds no samples (shape {x.shape}); "
                          "is this the right file?")
    if x.dtype.kind in "US":
        x = [str(s) for s in x]
    if modality is None and isinstance(x, np.ndarray) and x.ndim == 2:
        raise ConfigError(f"npz: {file}: {x_key!r} has shape {x.shape}; say what it holds with "
                          "modality: audio (waveforms, with sample_rate:) or store images as "
                          "(N, H, W)")
    meta: dict[str, object] = {"source": str(file)}
    if sample_rate is not None:
        meta["sample_rate"] = int(sample_rate)
    return from_arrays(x, y, modality, meta=meta)


__all__ = ["NPZ_MAX_BYTES", "load_npz"]
