"""Flushing subnormals: set in the calling thread inside the block only, restored after, and the
same in any thread (a dask worker trains in one)."""
from __future__ import annotations

import threading

import numpy as np
import pytest

from augfit.nn.optim import Adam
from augfit.numerics import NUMERICS_FLUSHED, NUMERICS_PLAIN, flush_subnormals, flushing_available

pytestmark = pytest.mark.skipif(not flushing_available(), reason="FTZ/DAZ not settable here")

SUB = np.float32(1e-38) * np.float32(0.01)       # 1e-40: subnormal in float32


def _product() -> float:
    return float(np.float32(1e-38) * np.float32(0.01))


def test_flush_inside_the_block_only():
    assert _product() > 0 and SUB > 0
    with flush_subnormals() as version:
        assert version == NUMERICS_FLUSHED
        assert _product() == 0.0                          # FTZ: a subnormal result is 0
        assert (np.array([SUB]) * np.float32(1e30))[0] == 0.0   # DAZ: a subnormal input is 0
    assert _product() > 0                                 # the caller's arithmetic is unchanged
    with flush_subnormals(False) as version:
        assert version == NUMERICS_PLAIN and _product() > 0


def test_flush_in_another_thread_leaves_this_one_alone():
    seen = {}

    def work():
        with flush_subnormals() as v:
            seen["in"] = (v, _product())
            barrier.wait()       # the main thread checks its own flags while these are set
            barrier.wait()

    barrier = threading.Barrier(2)
    t = threading.Thread(target=work)
    t.start()
    barrier.wait()
    here = _product()
    barrier.wait()
    t.join()
    assert seen["in"] == (NUMERICS_FLUSHED, 0.0) and here > 0


def test_an_adam_step_on_subnormal_moments():
    """The case that made overfitted cells slow: moments of dead units decay into the subnormal
    range; flushed, they are exactly 0 and the parameter does not move."""
    def step(flush: bool) -> tuple[np.ndarray, np.ndarray]:
        opt = Adam(lr=1e-3)
        p = np.zeros(4, np.float32)
        with flush_subnormals(flush):
            opt.step([p], [np.full(4, 1e-39, np.float32)])
        return p, opt.state[0]["M"]

    p_plain, m_plain = step(False)
    p_flush, m_flush = step(True)
    assert np.all(m_plain > 0) and np.all(m_flush == 0)
    assert np.all(p_flush == 0) and np.all(p_plain < 0)
