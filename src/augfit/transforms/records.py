"""Records and batches: the note a record keeps (what drew it, on samples of which shape) and its
checks, and the batch arithmetic of applying to a subset of the samples (the batch length, the
parameters of some samples, taking them out and putting them back).

These work on any transform; :mod:`.base` and the compositions use them.
"""
from __future__ import annotations

from collections.abc import Sized
from typing import Any, TypedDict, TypeVar

import numpy as np

from ..errors import ConfigError, ShapeError

#: a record of drawn parameters: per-sample arrays or lists (first axis: the batch), values
#: shared by the batch, and the note under :data:`RECORD_KEY`; what a transform reads from it
#: depends on the transform, so its values are not typed here
Params = dict[str, Any]

#: the batch a transform takes and returns: an array (images ``(N, H, W[, C])``, waveforms
#: ``(N, T)``, spectrograms ``(N, F, T)``) or a list of str (text). ``Transform[BatchT]`` is
#: generic in it: an image transform is a ``Transform[np.ndarray]``, a text one a
#: ``Transform[list[str]]``, and a composition has the type of its steps.
BatchT = TypeVar("BatchT", np.ndarray, list[str])


class RecordNote(TypedDict):
    """What a record notes under :data:`RECORD_KEY`: the drawing transform's registered name,
    and the sample shape as a list (None: a text batch)."""

    transform: str
    shape: list[int] | None


def batch_len(batch: Sized) -> int:
    """Number of samples in a batch (array first axis, or list length)."""
    if isinstance(batch, np.ndarray):
        if batch.ndim == 0:
            from ..errors import ShapeError

            raise ShapeError(
                "expected a batch, got a 0-d array; pass an array with a batch axis first")
        return int(batch.shape[0])
    shape = getattr(batch, "shape", None)
    if getattr(batch, "ndim", None) == 2 and shape is not None:  # scipy.sparse: featurized
        return int(shape[0])
    return len(batch)


def select(params: Params, idx: np.ndarray, n: int) -> Params:
    """Restrict per-sample entries (first axis of length ``n``) of ``params`` to ``idx``."""
    out: Params = {}
    for k, v in params.items():
        if isinstance(v, np.ndarray) and v.ndim >= 1 and v.shape[0] == n:
            out[k] = v[idx]
        elif isinstance(v, list) and len(v) == n:
            out[k] = [v[i] for i in idx]
        else:
            out[k] = v
    return out


#: the key under which a record notes what it was drawn by and on (see :func:`check_record`)
RECORD_KEY = "drawn_on"


def sample_shape(batch: object) -> tuple[int, ...] | None:
    """The shape of one sample of an array batch (``batch.shape[1:]``); None for a text batch."""
    return tuple(int(v) for v in batch.shape[1:]) if isinstance(batch, np.ndarray) else None


def drawn_on(t: object, shape: tuple[int, ...] | None) -> RecordNote:
    """The note a record keeps: the drawing transform's name, and the sample shape (None: text)."""
    return {"transform": getattr(type(t), "registered_name", type(t).__name__),
            "shape": None if shape is None else list(shape)}


def check_record(t: object, batch: object, params: object,
                 shape: tuple[int, ...] | None = None) -> None:
    """Refuse a record drawn by another transform (ConfigError) or on samples of another shape
    (ShapeError); ``shape`` (an array sample shape) overrides the batch's, for a step inside a
    fused group."""
    owner = type(t).__name__
    if not isinstance(params, dict):
        raise ConfigError(f"{owner}.replay: a record must be the dict returned with "
                          f"return_params=True, got {type(params).__name__}")
    note = params.get(RECORD_KEY)
    if note is None:  # a record made by hand: nothing to compare
        return
    if not isinstance(note, dict) or "transform" not in note or "shape" not in note:
        raise ConfigError(f"{owner}.replay: the record's {RECORD_KEY!r} entry is damaged "
                          f"({note!r:.80}); replay the unchanged record")
    mine = drawn_on(t, None)["transform"]
    if note["transform"] != mine:
        raise ConfigError(f"{owner}.replay: the record was drawn by {note['transform']}, not by "
                          f"{mine}; replay a record with the pipeline that drew it")
    got = sample_shape(batch) if shape is None else shape
    want = None if note["shape"] is None else tuple(note["shape"])
    if want != got:
        def show(s: tuple[int, ...] | None) -> str:
            return "text (a list of str)" if s is None else f"samples of shape {s}"

        raise ShapeError(f"{owner}.replay: the record was drawn on {show(want)}, but the batch "
                         f"holds {show(got)}; replay a record on the batch it was drawn for")


def applied_mask(applied: object, n: int, owner: str) -> np.ndarray:
    """A record's per-sample ``applied`` flags as a bool array, checked against the batch size."""
    mask = np.asarray(applied, dtype=bool)
    if mask.shape != (n,):
        raise ShapeError(
            f"{owner}.apply: the record was drawn for {mask.shape[0] if mask.ndim else 0} samples "
            f"but the batch has {n}; replay a record on the batch it was drawn for"
        )
    return mask


def _take(batch: BatchT, idx: np.ndarray) -> BatchT:
    if isinstance(batch, np.ndarray):
        taken: np.ndarray = batch[idx]
        return taken
    return [batch[i] for i in idx]


def _put(batch: BatchT, idx: np.ndarray, sub: BatchT) -> BatchT:
    if isinstance(batch, np.ndarray):
        out: np.ndarray = batch.copy()
        out[idx] = sub
        return out
    out_list = list(batch)
    for j, i in enumerate(idx):
        out_list[i] = sub[j]
    return out_list


__all__ = [
    "RECORD_KEY",
    "BatchT",
    "Params",
    "RecordNote",
    "applied_mask",
    "batch_len",
    "check_record",
    "drawn_on",
    "sample_shape",
    "select",
]
