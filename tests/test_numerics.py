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


class _Probe:
    """A Trainer callback noting, at every step, whether this thread flushes subnormals."""

    def __new__(cls):
        from augfit.train.callbacks import Callback

        class Probe(Callback):
            def on_train_begin(self, logs=None):
                del logs
                self.flushing = []

            def on_batch_end(self, batch, logs=None):
                del batch, logs
                self.flushing.append(_product() == 0.0)
        return Probe()


def _subnormal_fit(**flush):
    """One Adam step of a 1-1 linear model from zero weights whose weight gradient is subnormal
    (inputs 1e-20, errors 1e-19): IEEE moves the weight a little, flushed it stays 0."""
    from augfit.nn import MLP
    from augfit.train import Trainer

    model = MLP(1, (), 1, seed=0)
    model.set_weights([np.zeros((1, 1), np.float32), np.zeros(1, np.float32)])
    probe = _Probe()
    trainer = Trainer(model, loss="mse", optimizer=Adam(lr=1e-3), callbacks=[probe])
    x, y = np.full((4, 1), 1e-20, np.float32), np.full((4, 1), 1e-19, np.float32)
    trainer.fit(x, y, steps=1, batch_size=4, shuffle=False, **flush)
    return trainer, probe, (x, y)


def test_fit_flushes_while_training_and_restores_the_callers_flags():
    trainer, probe, _ = _subnormal_fit()                  # the default: flushed
    assert probe.flushing == [True] and trainer.params["numerics"] == NUMERICS_FLUSHED
    assert _product() > 0                                 # restored after fit
    assert trainer.model.get_weights()[0][0, 0] == 0.0    # the subnormal gradient was flushed
    trainer, probe, _ = _subnormal_fit(flush_subnormals=False)
    assert probe.flushing == [False] and trainer.params["numerics"] == NUMERICS_PLAIN
    with flush_subnormals():                              # a caller that flushes keeps flushing
        trainer, probe, _ = _subnormal_fit(flush_subnormals=False)
        assert probe.flushing == [False] and _product() == 0.0
    assert _product() > 0


def test_fit_without_flushing_is_the_ieee_computation_bit_for_bit():
    """flush_subnormals=False computes what fit computed before flushing existed: here the
    step replayed by hand with the same model, loss and optimizer in IEEE arithmetic."""
    from augfit.nn import MLP
    from augfit.nn.losses import get_loss

    trainer, _, (x, y) = _subnormal_fit(flush_subnormals=False)
    ref = MLP(1, (), 1, seed=0)
    ref.set_weights([np.zeros((1, 1), np.float32), np.zeros(1, np.float32)])
    opt = Adam(lr=1e-3)
    _, grad = get_loss("mse")(ref.forward(x, training=True), y)
    ref.backward(grad)
    opt.step(ref.parameters(), ref.gradients())
    got, want = trainer.model.get_weights(), ref.get_weights()
    assert all(a.tobytes() == b.tobytes() for a, b in zip(got, want, strict=True))
    assert want[0][0, 0] > 0                              # the subnormal gradient moved it
