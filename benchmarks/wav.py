"""augfit's WAV reader against soundfile and scipy.io.wavfile (a benchmark, not a test).

1. Speed: every FSDD recording (8 kHz, 16-bit mono; 3,000 files) read as mono float32 in [-1, 1]
   by ``augfit.data.wav.read_wav``, by ``soundfile.read(dtype="float32")`` and by
   ``scipy.io.wavfile.read`` plus the conversion to float32 (both libraries' values then equal
   augfit's); medians of interleaved rounds, one round reading all the files.
2. Damaged files: what each reader does with a file a user's folder may hold (cut short by a copy,
   a header without samples, zero channels): an error, a warning, or samples read silently.
   augfit must refuse each one naming the file (tests/data/test_wav_hostile.py pins its wording).

Run: ``.venv/bin/python benchmarks/wav.py [--files 3000] [--rounds 5]``
"""
from __future__ import annotations

import argparse
import struct
import sys
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import soundfile as sf
from _timing import compare_line, interleaved, method, rate_line  # (script folder)
from scipy.io import wavfile

from augfit.data.wav import read_wav, write_wav

FSDD = Path(__file__).resolve().parents[1] / "../shared/datasets/fsdd/recordings"


def with_soundfile(path: Path) -> np.ndarray:
    x, _ = sf.read(path, dtype="float32")
    return x if x.ndim == 1 else x.mean(axis=1)


def with_scipy(path: Path) -> np.ndarray:
    _, x = wavfile.read(path)
    y = x.astype(np.float32) / 32768.0 if x.dtype == np.int16 else x.astype(np.float32)
    return y if y.ndim == 1 else y.mean(axis=1)


READERS: dict[str, Callable[[Path], np.ndarray]] = {
    "augfit read_wav": lambda p: read_wav(p)[0], "soundfile": with_soundfile,
    "scipy.io.wavfile": with_scipy}


def damaged(folder: Path) -> dict[str, Path]:
    """A few damaged files, made from one good 16-bit WAV of 800 samples."""
    good = folder / "good.wav"
    write_wav(good, np.sin(np.arange(800) / 5) * 0.5, 8000)
    raw = good.read_bytes()
    cases = {"cut 100 bytes short": raw[:-100], "header only (44 bytes)": raw[:44],
             "zero channels": raw[:22] + struct.pack("<H", 0) + raw[24:],
             "'fmt ' chunk cut short": raw[:30]}
    out = {}
    for i, (name, data) in enumerate(cases.items()):
        out[name] = folder / f"bad{i}.wav"
        out[name].write_bytes(data)
    return out


def outcome(read: Callable[[Path], np.ndarray], path: Path) -> str:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            got = f"read {len(read(path))} samples"
        except Exception as e:  # any: the point is to show what each reader raises
            got = f"{type(e).__name__}: {str(e).replace(str(path.parent) + '/', '')[:90]}"
    return got + (f" (warning: {str(caught[0].message)[:60]})" if caught else "")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=3000)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    paths = sorted(FSDD.glob("*.wav"))[: args.files]
    if not paths:
        sys.exit(f"no FSDD recordings under {FSDD}")
    for name, read in READERS.items():  # the same values, or the comparison is void
        diff = max(float(np.abs(read(p) - read_wav(p)[0]).max()) for p in paths[:50])
        assert diff == 0.0, (name, diff)
    t = interleaved({name: (lambda r=read: [r(p) for p in paths]) for name, read in
                     READERS.items()}, rounds=args.rounds, target=0)
    print(f"{len(paths)} FSDD files, mono float32; {method(args.rounds)}")
    for name in READERS:
        print(rate_line(name, t[name], len(paths), unit="files/s"))
    for name in list(READERS)[1:]:
        print(compare_line(f"augfit against {name}", t["augfit read_wav"], t[name]))
    with tempfile.TemporaryDirectory() as tmp:
        for case, path in damaged(Path(tmp)).items():
            print(f"\n{case}:")
            for name, read in READERS.items():
                print(f"  {name:<18} {outcome(read, path)}")


if __name__ == "__main__":
    main()
