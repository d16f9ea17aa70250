"""Subnormal floats flushed to zero while a cell trains (the CPU's FTZ and DAZ flags).

Once a network overfits, a few percent of its gradients and Adam moments decay into the subnormal
range (below about 1.2e-38 in float32), where every arithmetic operation on them is tens of times
slower on x86 CPUs. With flush-to-zero (FTZ: a subnormal result becomes 0) and
denormals-are-zero (DAZ: a subnormal input counts as 0) the same training runs at full speed; the
numbers change only where a value was below 1.2e-38, i.e. slightly, so results computed with and
without flushing carry a different :data:`NUMERICS` version and are never mixed in one store.

The flags live in the SSE control register (MXCSR), one per thread. :func:`flush_subnormals` sets
them in the calling thread through the C library's standard ``fegetenv``/``fesetenv`` (no compiled
helper) and restores the previous state on exit, so the thread that trains a cell (the main thread,
a worker process or a dask worker thread) computes the same bytes under every executor, and the
caller's own arithmetic is unchanged afterwards. Where the flags cannot be set (not Linux with
glibc on x86-64) nothing is flushed and the version says so.

>>> import numpy as np
>>> with flush_subnormals() as version:
...     flushed = float(np.float32(1e-38) * np.float32(0.01))
>>> (version, flushed) == (NUMERICS_FLUSHED, 0.0) or version == NUMERICS_PLAIN
True
"""
from __future__ import annotations

import ctypes
import ctypes.util
import platform
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

import numpy as np

#: IEEE arithmetic with subnormals (every augfit before flushing existed)
NUMERICS_PLAIN = 1
#: subnormals flushed to zero (FTZ + DAZ) in the thread that trains
NUMERICS_FLUSHED = 2
#: what each numerics version means (named in errors about mixed stores)
NUMERICS = {NUMERICS_PLAIN: "IEEE subnormals (no flushing)",
            NUMERICS_FLUSHED: "subnormals flushed to zero (FTZ/DAZ)"}

_FTZ, _DAZ = 0x8000, 0x0040              # MXCSR bits


class _Fenv(ctypes.Structure):
    """glibc's ``fenv_t`` on x86-64: the x87 environment (28 bytes), then MXCSR."""

    _fields_ = [("x87", ctypes.c_ubyte * 28), ("mxcsr", ctypes.c_uint32)]


@lru_cache(maxsize=1)
def _libm() -> ctypes.CDLL | None:
    """The C math library, or None where the MXCSR layout above is not known to hold."""
    if platform.system() != "Linux" or platform.machine() not in ("x86_64", "AMD64") or \
            platform.libc_ver()[0] != "glibc":
        return None
    name = ctypes.util.find_library("m")
    try:
        return ctypes.CDLL(name) if name else None
    except OSError:
        return None


def _get() -> _Fenv | None:
    lib = _libm()
    env = _Fenv()
    if lib is None or lib.fegetenv(ctypes.byref(env)) != 0:
        return None
    return env


def _set(env: _Fenv) -> bool:
    lib = _libm()
    return lib is not None and lib.fesetenv(ctypes.byref(env)) == 0


def _flushes() -> bool:
    """True if a float32 product below the normal range comes out as 0 in this thread."""
    return float(np.float32(1e-38) * np.float32(0.01)) == 0.0


@contextmanager
def flush_subnormals(on: bool = True) -> Iterator[int]:
    """Flush subnormals to zero in this thread inside the block (``on`` false: compute with IEEE
    subnormals inside it, even where the caller flushes); yields the :data:`NUMERICS` version in
    force (``NUMERICS_PLAIN`` when ``on`` is false or the flags cannot be set). The caller's flags
    are restored on exit."""
    old = _get()
    if old is None:
        yield NUMERICS_PLAIN
        return
    new = _Fenv.from_buffer_copy(old)
    new.mxcsr = (old.mxcsr | _FTZ | _DAZ) if on else (old.mxcsr & ~(_FTZ | _DAZ))
    if not _set(new) or _flushes() != bool(on):
        _set(old)
        if _flushes():          # off asked for, and the caller's flushing could not be cleared
            raise RuntimeError("flush_subnormals(False): could not clear the FTZ/DAZ flags")
        yield NUMERICS_PLAIN
        return
    try:
        yield NUMERICS_FLUSHED if on else NUMERICS_PLAIN
    finally:
        _set(old)


def flushing_available() -> bool:
    """Whether :func:`flush_subnormals` can set the flags here."""
    with flush_subnormals() as version:
        return version == NUMERICS_FLUSHED


__all__ = [
    "NUMERICS",
    "NUMERICS_FLUSHED",
    "NUMERICS_PLAIN",
    "flush_subnormals",
    "flushing_available",
]
