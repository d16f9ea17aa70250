"""The one place cache keys and content hashes are made: unambiguous by construction.

Every part is encoded with its type and its length before its content, so no two different
sequences of parts share an encoding (joining texts with a separator does not have this property:
``["a\\0b"]`` and ``["a", "b"]`` would collide). Lists, tuples and dicts are encoded recursively,
NumPy arrays by dtype, shape and bytes.

>>> cache_key("a\\0b") != cache_key("a", "b") != cache_key(["a", "b"])
True
"""
from __future__ import annotations

import hashlib
import json
import struct
from typing import Protocol

import numpy as np

#: hex characters kept in :func:`cache_key` keys (96 bits: no accidental collision in any cache)
KEY_CHARS = 24


def _leaf(part: object) -> tuple[bytes, bytes] | None:
    """The (tag, body) of a scalar ``part``; None for arrays, containers and other types."""
    if part is None:
        return b"N", b""
    if isinstance(part, (bool, np.bool_)):
        return b"B", b"1" if part else b"0"
    if isinstance(part, (int, np.integer)):
        return b"I", str(int(part)).encode()
    if isinstance(part, (float, np.floating)):
        return b"F", float(part).hex().encode()
    if isinstance(part, str):
        return b"S", part.encode("utf-8", "surrogatepass")
    if isinstance(part, (bytes, bytearray, memoryview)):
        return b"Y", bytes(part)
    return None


class _Hash(Protocol):
    """What _feed needs of a hashlib object."""

    def update(self, data: bytes, /) -> None: ...


def _feed(h: _Hash, part: object) -> None:
    def tagged(tag: bytes, body: bytes) -> None:
        h.update(tag + struct.pack("<Q", len(body)))
        h.update(body)

    leaf = _leaf(part)
    if leaf is not None:
        tagged(*leaf)
    elif isinstance(part, np.ndarray):
        if part.dtype == object:
            _feed(h, part.tolist())
            return
        arr = np.ascontiguousarray(part)
        tagged(b"A", f"{arr.dtype.str}{arr.shape}".encode())
        tagged(b"D", arr.tobytes())
    elif isinstance(part, dict):
        tagged(b"M", str(len(part)).encode())
        for k in sorted(part, key=repr):
            _feed(h, k)
            _feed(h, part[k])
    elif isinstance(part, (list, tuple)):
        tagged(b"L", str(len(part)).encode())
        for p in part:
            _feed(h, p)
    else:
        raise TypeError(f"cache_key() cannot hash a {type(part).__name__}; pass str, bytes, "
                        f"numbers, arrays or lists/dicts of them")


def cache_key(*parts: object) -> str:
    """A short hex SHA-256 key of ``parts`` (str, bytes, numbers, None, arrays, lists, dicts)."""
    h = hashlib.sha256()
    _feed(h, list(parts))
    return h.hexdigest()[:KEY_CHARS]


def json_digest(obj: object) -> str:
    """Full hex SHA-256 of the canonical JSON of ``obj`` (sorted keys, no spaces)."""
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def checksum(data: bytes) -> str:
    """Full hex SHA-256 of ``data`` (stored next to cached content to detect corruption)."""
    return hashlib.sha256(data).hexdigest()


__all__ = ["KEY_CHARS", "cache_key", "checksum", "json_digest"]
