"""Read and write WAV files with their headers checked, so a bad file is reported by name.

The reader parses the RIFF chunks itself (PCM 8/16/24/32-bit and IEEE float 32/64, plain or
WAVE_FORMAT_EXTENSIBLE), which lets it tell a non-WAV file from a truncated one before any data is
used, and it returns mono float32 in [-1, 1] (channels are averaged).

It is kept rather than ``scipy.io.wavfile`` or ``soundfile`` for its errors (``benchmarks/wav.py``
shows both): a file cut short is refused naming the data bytes its header promises and the bytes
it holds, where soundfile reads the samples that are there without a word and scipy with a
warning only, and a damaged header is a ShapeError naming the file, where the libraries raise
``ZeroDivisionError``, ``struct.error`` or ``LibsndfileError``. On the 3,000 FSDD files it reads
as fast as scipy and 2.5x as fast as soundfile.
"""
from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

from ..errors import ShapeError

_PCM, _FLOAT, _EXTENSIBLE = 1, 3, 0xFFFE
_SUPPORTED = {(_PCM, 8), (_PCM, 16), (_PCM, 24), (_PCM, 32), (_FLOAT, 32), (_FLOAT, 64)}
_STREAMING = 0x7FFFF000  # a data size written by tools that stream to a pipe: "until the end"


def _fail(path: Path, what: str) -> ShapeError:
    return ShapeError(f"{path}: {what}; re-export or remove this file")


def parse_header(raw: bytes, path: Path) -> tuple[int, int, int, int, int, int]:
    """``(format, channels, sample_rate, bits, data_offset, data_bytes)`` of a WAV file's bytes."""
    if len(raw) < 12 or raw[:4] != b"RIFF" or raw[8:12] != b"WAVE":
        raise _fail(path, "not a WAV file (no RIFF...WAVE header)")
    pos, fmt = 12, None
    while pos + 8 <= len(raw):
        cid, size = raw[pos:pos + 4], struct.unpack("<I", raw[pos + 4:pos + 8])[0]
        body = pos + 8
        if cid == b"fmt ":
            if size < 16 or body + 16 > len(raw):
                raise _fail(path, "truncated WAV: the 'fmt ' chunk is cut short")
            code, ch, sr, _, _, bits = struct.unpack("<HHIIHH", raw[body:body + 16])
            if code == _EXTENSIBLE and size >= 26 and body + 26 <= len(raw):
                code = struct.unpack("<H", raw[body + 24:body + 26])[0]
            fmt = (code, ch, sr, bits)
        elif cid == b"data":
            if fmt is None:
                raise _fail(path, "malformed WAV: 'data' chunk before the 'fmt ' chunk")
            avail = len(raw) - body
            if size > avail:
                if size < _STREAMING:
                    raise _fail(path, f"truncated WAV: header promises {size} data bytes, "
                                      f"file holds {avail}")
                size = avail
            return (*fmt, body, size)
        pos = body + size + (size & 1)
    raise _fail(path, "truncated WAV: no 'data' chunk" if fmt else "malformed WAV: no 'fmt ' chunk")


def decode(raw: bytes, code: int, channels: int, bits: int, offset: int, nbytes: int,
           path: Path) -> np.ndarray:
    """Samples of the data chunk as float32 ``(frames, channels)`` in [-1, 1]."""
    if channels < 1:
        raise _fail(path, f"malformed WAV: {channels} channels")
    width = bits // 8
    block = width * channels
    if (code, bits) not in _SUPPORTED:
        raise _fail(path, f"unsupported WAV encoding (format code {code}, {bits} bits); "
                          "convert to 16-bit PCM, e.g. `sox in.wav -b 16 out.wav`")
    usable = nbytes - nbytes % block
    buf = np.frombuffer(raw, dtype=np.uint8, count=usable, offset=offset)
    if code == _FLOAT:
        data = buf.view("<f4" if bits == 32 else "<f8").astype(np.float32)
    elif bits == 8:
        data = (buf.astype(np.float32) - 128.0) / 128.0
    elif bits == 16:
        data = buf.view("<i2").astype(np.float32) / 32768.0
    elif bits == 24:
        b3 = buf.reshape(-1, 3).astype(np.int32)
        ints = (b3[:, 0] | (b3[:, 1] << 8) | (b3[:, 2] << 16)) << 8 >> 8
        data = ints.astype(np.float32) / 8388608.0
    else:
        data = (buf.view("<i4").astype(np.float64) / 2147483648.0).astype(np.float32)
    return data.reshape(-1, channels)


def read_wav(path: str | Path) -> tuple[np.ndarray, int]:
    """Read a WAV file as mono float32 ``(T,)`` in [-1, 1] and its sample rate.

    Raises
    ------
    ShapeError
        The file is not a WAV file, is truncated, or uses an unsupported encoding; the message names
        the file.
    """
    path = Path(path)
    raw = path.read_bytes()
    code, ch, sr, bits, off, nbytes = parse_header(raw, path)
    if sr <= 0:
        raise _fail(path, f"malformed WAV: sample rate {sr}")
    if nbytes % max(1, (bits // 8) * ch):
        raise _fail(path, f"truncated WAV: {nbytes} data bytes is not a whole number of "
                          f"{(bits // 8) * ch}-byte frames")
    data = decode(raw, code, ch, bits, off, nbytes, path)
    if data.shape[0] == 0:
        raise _fail(path, "the WAV holds no samples (an empty 'data' chunk)")
    if code == _FLOAT:  # integer PCM is in [-1, 1] by construction
        from ..transforms.audio.core import check_sample_values

        try:
            check_sample_values(data.T, "read_wav", "channels")
        except ShapeError as e:
            raise _fail(path, str(e).removeprefix("read_wav: ")) from None
    return (data[:, 0] if ch == 1 else data.mean(axis=1)).astype(np.float32), int(sr)


def write_wav(path: str | Path, wave: np.ndarray, sample_rate: int) -> None:
    """Write mono float waveform ``(T,)`` in [-1, 1] as 16-bit PCM WAV."""
    clipped = np.clip(np.asarray(wave, np.float64), -1.0, 1.0)
    pcm = (clipped * 32767.0).round().astype("<i2").tobytes()
    head = struct.pack("<4sI4s4sIHHIIHH4sI", b"RIFF", 36 + len(pcm), b"WAVE", b"fmt ", 16, _PCM, 1,
                       int(sample_rate), int(sample_rate) * 2, 2, 16, b"data", len(pcm))
    Path(path).write_bytes(head + pcm)


def fit_length(waves: list[np.ndarray], length: int) -> tuple[np.ndarray, np.ndarray]:
    """Stack waveforms into float32 ``(N, length)``: longer ones trimmed, shorter zero-padded at the
    end. Returns the array and the original lengths (int64)."""
    out = np.zeros((len(waves), length), np.float32)
    lengths = np.array([len(w) for w in waves], dtype=np.int64)
    for i, w in enumerate(waves):
        k = min(len(w), length)
        out[i, :k] = w[:k]
    return out, lengths


__all__ = ["fit_length", "parse_header", "read_wav", "write_wav"]
