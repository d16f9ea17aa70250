"""The WAV reader under hostile input: a corpus of damaged files, each refused naming the file."""
from __future__ import annotations

import struct

import numpy as np
import pytest

from augfit.data.wav import read_wav
from augfit.errors import ShapeError


# -- a corpus of damaged WAV files -----------------------------------------------------------------
def _wav_bytes(samples: np.ndarray, code: int = 1, bits: int = 16, rate: int = 8000) -> bytes:
    body = samples.tobytes()
    head = struct.pack("<4sI4s4sIHHIIHH4sI", b"RIFF", 36 + len(body), b"WAVE", b"fmt ", 16, code, 1,
                       rate, rate * bits // 8, bits // 8, bits, b"data", len(body))
    return head + body


def _wav_corpus() -> dict[str, tuple[bytes, str]]:
    good = _wav_bytes((np.sin(np.arange(800) / 5) * 20000).astype("<i2"))
    f32 = np.sin(np.arange(800) / 5).astype("<f4")
    nan32 = f32.copy()
    nan32[100] = np.nan
    return {
        "empty file": (b"", "not a WAV file"),
        "text": (b"hello, this is not audio\n" * 10, "not a WAV file"),
        "truncated": (good[: len(good) // 2], "truncated WAV"),
        "header only": (good[:44], "truncated WAV"),
        "zero samples": (_wav_bytes(np.zeros(0, "<i2")), "holds no samples"),
        "nan samples": (_wav_bytes(nan32, code=3, bits=32), "NaN or inf"),
        "inf samples": (_wav_bytes(np.full(10, np.inf, "<f4"), code=3, bits=32), "NaN or inf"),
        "int16 scale float": (_wav_bytes(f32 * 32767, code=3, bits=32),
                              r"up to 32767.*divide by 32768"),
        "absurd float": (_wav_bytes(np.full(10, 1e30, "<f8"), code=3, bits=64),
                         r"up to 1e\+30.*scale them into \[-1, 1\]"),
        "zero channels": (good[:22] + b"\0\0" + good[24:], "0 channels"),
    }


@pytest.mark.parametrize("case", sorted(_wav_corpus()))
def test_every_damaged_wav_is_refused_naming_the_file(tmp_path, case):
    data, message = _wav_corpus()[case]
    path = tmp_path / f"{case.replace(' ', '_')}.wav"
    path.write_bytes(data)
    with pytest.raises(ShapeError, match=message) as info:
        read_wav(path)
    assert str(info.value).startswith(str(path))


def test_float_wav_near_full_scale_still_reads(tmp_path):
    wave = np.sin(np.arange(800) / 5).astype("<f4") * 1.5  # a little over full scale is kept
    (tmp_path / "ok.wav").write_bytes(_wav_bytes(wave, code=3, bits=32))
    got, rate = read_wav(tmp_path / "ok.wav")
    assert rate == 8000 and np.array_equal(got, wave)
