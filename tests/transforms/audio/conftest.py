"""Audio test fixtures: a few real FSDD recordings (8 kHz mono int16), read, never copied."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest


@pytest.fixture(scope="session")
def fsdd_clips(fsdd_path: Path) -> list[np.ndarray]:
    """Eight real recordings (digits 0-7, two speakers) as float32 in [-1, 1], unequal lengths."""
    import soundfile as sf

    rec = fsdd_path / "recordings"
    names = [f"{d}_{spk}_7.wav" for d, spk in zip(range(8), ["jackson", "theo"] * 4, strict=True)]
    clips = []
    for name in names:
        data, sr = sf.read(rec / name, dtype="int16")
        assert sr == 8000 and data.ndim == 1
        clips.append(data.astype(np.float32) / 32768.0)
    return clips


@pytest.fixture(scope="session")
def fsdd_batch(fsdd_clips: list[np.ndarray]) -> np.ndarray:
    """The clips zero-padded / cropped to 4000 samples (0.5 s): a (8, 4000) float32 batch."""
    t = 4000
    return np.stack([np.pad(c[:t], (0, max(0, t - len(c)))) for c in fsdd_clips]).astype(np.float32)
