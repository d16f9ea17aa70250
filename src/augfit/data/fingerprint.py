"""A content fingerprint of a Dataset: SHA-256 over its bytes and the loader options.

Each field goes in as ``tag, 8-byte length, bytes``, so no two different datasets can produce the
same byte stream (``["ab", "c"]`` and ``["a", "bc"]`` differ); arrays contribute their dtype and
shape as well as their C-order bytes, options their canonical JSON (sorted keys). A file's location
is not part of it: the same data moved to another folder has the same fingerprint.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

import numpy as np

from .container import Dataset

VERSION = b"augfit-dataset-fingerprint-1"
# per-sample meta that changes what a cell computes (the sampling rate feeds the audio featurizers,
# official_test chooses the official split); paths and provenance notes are left out
_META = ("sample_rate", "official_test")
_PATH_OPTIONS = ("path",)


class _Hasher:
    def __init__(self) -> None:
        self.h = hashlib.sha256(VERSION)

    def put(self, tag: str, payload: bytes) -> None:
        self.h.update(tag.encode() + b"\0" + len(payload).to_bytes(8, "little") + payload)

    def json(self, tag: str, obj: object) -> None:
        self.put(tag, json.dumps(obj, sort_keys=True, separators=(",", ":"),
                                 default=str).encode())

    def array(self, tag: str, a: np.ndarray) -> None:
        a = np.asarray(a)
        if a.dtype.kind in "OUS":
            self.json(tag + ".str", [str(v) for v in a.ravel().tolist()])
            self.json(tag + ".shape", list(a.shape))
            return
        self.json(tag + ".meta", [a.dtype.str, list(a.shape)])
        self.put(tag, np.ascontiguousarray(a).tobytes())


def fingerprint(ds: Dataset, options: Mapping[str, object] | None = None) -> str:
    """The 64-hex SHA-256 of ``ds`` (samples, labels, classes, modality, groups, sample rate,
    official-test mask) and the loader ``options`` except ``path``."""
    h = _Hasher()
    h.json("modality", ds.modality)
    h.json("classes", list(ds.classes))
    if isinstance(ds.x, list):
        h.json("x.count", len(ds.x))
        for s in ds.x:
            h.put("x.text", s.encode("utf-8", "surrogatepass"))
    else:
        h.array("x", ds.x)
    h.array("y", ds.y)
    if ds.groups is not None:
        h.array("groups", ds.groups)
    for key in _META:
        if key in ds.meta:
            v = ds.meta[key]
            h.array(f"meta.{key}", v) if isinstance(v, np.ndarray) else h.json(f"meta.{key}", v)
    h.json("options", {k: v for k, v in dict(options or {}).items() if k not in _PATH_OPTIONS})
    return h.h.hexdigest()


__all__ = ["VERSION", "fingerprint"]
