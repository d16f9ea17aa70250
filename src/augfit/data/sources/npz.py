"""``npz``: samples and labels from a NumPy ``.npz`` archive (``np.savez(path, x=..., y=...)``)."""
from __future__ import annotations

import os
import zipfile
from pathlib import Path

import numpy as np

from ...checks import give, keyword
from ...errors import ConfigError, MissingResourceError
from ...registry import DATASETS
from ..container import Dataset, from_arrays


@DATASETS.register("npz")
def load_npz(path: str | os.PathLike, x_key: str = "x", y_key: str = "y",
             modality: str | None = None, sample_rate: int | None = None) -> Dataset:
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
    """
    file = Path(path).expanduser()
    if not file.is_file():
        raise MissingResourceError(f"npz: {file} does not exist; {give('path')} to an .npz file")
    try:
        with np.load(file, allow_pickle=False) as z:
            keys = list(z.files)
            missing = [k for k in (x_key, y_key) if k not in keys]
            if missing:
                raise ConfigError(f"npz: {file} has no array {missing[0]!r} (arrays: "
                                  f"{', '.join(keys) or 'none'}); {give('x_key')} and "
                                  f"{keyword('y_key')} naming the samples and the labels")
            x, y = z[x_key], z[y_key]
    except (ValueError, OSError, zipfile.BadZipFile) as e:
        if isinstance(e, ConfigError):
            raise
        raise ConfigError(f"npz: cannot read {file} ({e}); write it with np.savez(path, x=..., "
                          "y=...) and no object arrays") from None
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


__all__ = ["load_npz"]
