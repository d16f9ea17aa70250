"""``fsdd``: the Free Spoken Digit Dataset from a folder you point to (it is not shipped).

Files are named ``{digit}_{speaker}_{index}.wav`` (mono 8 kHz); the official split puts indices
0-4 in the test set. Groups are the speakers, for held-out-speaker splits.
"""
from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ...errors import ConfigError, MissingResourceError
from ...registry import DATASETS
from ..container import Dataset
from ..splits import official_split  # noqa: F401  (its former home; re-exported)
from ._audio import check_length, read_waves

NAME = re.compile(r"^(\d)_([A-Za-z0-9-]+)_(\d+)\.wav$", re.IGNORECASE)
OFFICIAL_TEST_INDICES = 5          # recordings with index 0-4 are the official test set
GET_IT = ("clone https://github.com/Jakobovski/free-spoken-digit-dataset and pass "
          "path='.../free-spoken-digit-dataset' or set AUGFIT_FSDD to it")


def find_folder(path: str | os.PathLike[str] | None) -> Path:
    """The WAV folder: ``path``, else ``$AUGFIT_FSDD``; its ``recordings/`` if present."""
    raw = path if path is not None else os.environ.get("AUGFIT_FSDD")
    if not raw:
        raise MissingResourceError(f"fsdd: no folder given; {GET_IT}")
    folder = Path(raw).expanduser()
    if not folder.is_dir():
        raise MissingResourceError(f"fsdd: folder {folder} does not exist; {GET_IT}")
    return folder / "recordings" if (folder / "recordings").is_dir() else folder


@DATASETS.register("fsdd")
def load_fsdd(path: str | os.PathLike[str] | None = None, length: int = 8000,
              sample_rate: int = 8000, split: str = "all",
              speakers: Sequence[str] | None = None) -> Dataset:
    """Load FSDD recordings as float32 waveforms ``(N, length)``.

    Parameters
    ----------
    path : folder, optional
        The FSDD folder (or its ``recordings/``); default ``$AUGFIT_FSDD``.
    length : int
        Samples per recording after zero-padding/trimming at the end (8000 = 1 s at 8 kHz).
    sample_rate : int
        Recordings at another rate are resampled to this one.
    split : {"all", "train", "test"}
        The official split: indices 0-4 are test, the others train.
    speakers : list of str, optional
        Load only these speakers.

    Returns
    -------
    Dataset
        Modality "audio", classes "0".."9", groups = speaker names, meta ``sample_rate``, per-sample
        ``lengths`` (before padding), ``index`` (the recording index), ``speaker`` and
        ``official_test`` (bool: index 0-4, the official test set).
    """
    if split not in ("all", "train", "test"):
        raise ConfigError(f"fsdd(split=...) must be 'all', 'train' or 'test', got {split!r}")
    length = check_length(length, "fsdd")
    folder = find_folder(path)
    rows = []
    for f in sorted(folder.iterdir()):
        if f.suffix.lower() != ".wav":
            continue
        m = NAME.match(f.name)
        if m is None:
            raise ConfigError(f"fsdd: {f} is not named {{digit}}_{{speaker}}_{{index}}.wav; "
                              "rename or remove it")
        rows.append((m.group(2), int(m.group(1)), int(m.group(3)), f))
    if speakers is not None:
        unknown = sorted(set(speakers) - {r[0] for r in rows})
        if unknown:
            raise ConfigError(f"fsdd(speakers=...): {unknown} not in {folder}; available: "
                              f"{sorted({r[0] for r in rows})}")
        rows = [r for r in rows if r[0] in set(speakers)]
    if split != "all":
        rows = [r for r in rows if (r[2] < OFFICIAL_TEST_INDICES) == (split == "test")]
    if not rows:
        raise MissingResourceError(f"fsdd: no recordings named {{digit}}_{{speaker}}_{{index}}.wav "
                                   f"in {folder}; {GET_IT}")
    rows.sort(key=lambda r: (r[0], r[1], r[2]))
    x, lengths = read_waves([r[3] for r in rows], sample_rate, length)
    speaker = np.array([r[0] for r in rows])
    index = np.array([r[2] for r in rows], np.int64)
    meta = {"source": f"Free Spoken Digit Dataset ({folder})", "license": "CC BY-SA 4.0",
            "sample_rate": int(sample_rate), "lengths": lengths, "index": index,
            "speaker": speaker, "official_test": index < OFFICIAL_TEST_INDICES}
    return Dataset(x, np.array([r[1] for r in rows], np.int64), "audio",
                   [str(d) for d in range(10)], meta, speaker)
