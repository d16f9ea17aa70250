"""The wiring between the parts of a cell, tested end to end on a real run (the places a mutation
pass found unpinned): augmentation never sees val or test data; the stored per-example test results
are a clean evaluation of the final model; and a method identical to the baseline in effect gives
bit-identical results (the paired design: same split, subsample, initial weights and batch order
whatever the method)."""
from __future__ import annotations

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from augfit.data.datasets import from_arrays
from augfit.data.features import make_featurizer
from augfit.experiments import run
from augfit.experiments.run.cell import run_cell, splits, training_subset
from augfit.experiments.run.runner import with_examples
from augfit.registry import TRANSFORMS
from augfit.train.trainer import Trainer
from augfit.transforms.image import HorizontalFlip

SEEN: list[bytes] = []


class WiringSpy(HorizontalFlip):
    """A flip that notes the bytes of every sample it is applied to."""

    def apply(self, batch, params):
        SEEN.extend(np.ascontiguousarray(s).tobytes() for s in np.asarray(batch))
        return super().apply(batch, params)


@pytest.fixture
def spy():
    TRANSFORMS.register("WiringSpy")(WiringSpy)
    SEEN.clear()
    yield SEEN
    TRANSFORMS._items.pop("WiringSpy")


def _data(n: int = 240) -> object:
    """Noise images, every one different, in 3 classes each with its own mean brightness."""
    rng = np.random.default_rng(0)
    y = np.arange(n) % 3
    x = np.clip(rng.normal(60 + 60 * y[:, None, None], 40, (n, 6, 6)), 0, 255).astype(np.uint8)
    return from_arrays(x, y, modality="image")


GRID = {"model": {"hidden": [16]}, "training": {"epochs": 4, "batch_size": 16, "lr": 0.01},
        "splits": 2, "seeds": 1, "train_sizes": [30, 60], "bootstrap": {"resamples": 200}}


def test_augmentation_sees_training_samples_only(spy, tmp_path):
    # one split: another split's training pool holds this one's val and test samples
    spec = dict(GRID, splits=1, seeds=2,
                methods=["baseline", {"name": "spy", "augment": [{"type": "WiringSpy",
                                                                   "p": 1.0}]}])
    res = run(spec, data=_data(), out=tmp_path / "r", workers=1, report=False)
    assert res.n_run == 8 and spy
    _, val, test = splits(res.spec, 0)
    held_out = {s.tobytes() for s in np.concatenate([val.x, test.x])}
    assert len(held_out) == len(val) + len(test)
    assert not held_out & set(spy), "augmentation saw val or test samples"
    subsets = set()
    for c in res.spec.cells():
        sub = training_subset(res.spec, splits(res.spec, c.split)[0], c)
        subsets |= {s.tobytes() for s in sub.x}
    assert set(spy) == subsets        # every training sample of every cell, and nothing else


@pytest.mark.usefixtures("spy")
def test_stored_test_results_are_a_clean_evaluation_of_the_final_model(tmp_path, monkeypatch):
    """Re-evaluate each cell's final model (with its restored weights) on the un-augmented test
    set: the stored per-example results and test metrics are exactly that."""
    finals = []
    fit = Trainer.fit

    def keep_model(self, *a, **k):
        out = fit(self, *a, **k)
        finals.append(self)
        return out

    monkeypatch.setattr(Trainer, "fit", keep_model)
    spec = dict(GRID, train_sizes=[60],
                methods=["baseline", {"name": "spy", "augment": [{"type": "WiringSpy", "p": 1.0}],
                                      "early_stopping": {"patience": 1}}])
    data = _data()
    # each cell through its own Trainer.fit, not stacked (stacking stores the same bytes:
    # test_stacked_cells.py)
    res = run(spec, data=data, out=tmp_path / "r", workers=1, report=False,
              speedups="derive,flush,sparse")
    assert len(finals) == len(res.rows) == len(res.spec.cells()) == 4
    for cell in res.spec.cells():        # each cell again, alone: its trainer is the last one
        result = run_cell(res.spec, cell, data=data)
        trainer = finals[-1]
        test = splits(res.spec, cell.split)[2]
        x = make_featurizer("image_flatten").fit(test.x).transform(test.x)   # clean test images
        with threadpool_limits(limits=1):                                   # as the cell ran
            correct, losses = trainer.evaluate_per_example(x, test.y)
        np.testing.assert_array_equal(result["test_correct"], correct)
        np.testing.assert_array_equal(result["test_loss_per_example"],
                                      losses.astype(np.float32))
        assert result["test_accuracy"] == float(correct.mean())
        # and the run stored exactly these results
        (stored,) = [r for r in with_examples(res.out, res.rows)
                     if (r["method"], r["split"]) == (cell.method, cell.split)]
        np.testing.assert_array_equal(np.asarray(stored["test_correct"], bool), correct)


def test_a_method_identical_in_effect_to_the_baseline_gives_bit_identical_results(tmp_path):
    """A flip with p=0 is the identity: a different cell key (trained again), the same bytes."""
    spec = dict(GRID, methods=["baseline", {"name": "noop",
                                            "augment": [{"type": "HorizontalFlip", "p": 0.0}]}])
    res = run(spec, data=_data(), out=tmp_path / "r", workers=1, report=False)
    assert res.n_run == 8                                   # both methods trained: 4 cells each
    rows = {(r["method"], r["split"], r["seed"], r["train_size"]): r
            for r in with_examples(res.out, res.rows)}
    skip = {"method", "key", "wall_time"}
    pairs = [(r, rows[("noop", *k[1:])]) for k, r in rows.items() if k[0] == "baseline"]
    assert len(pairs) == 4
    for base, noop in pairs:
        assert base["key"] != noop["key"]
        for field, value in base.items():
            if field in skip:
                continue
            other = noop[field]
            if isinstance(value, (np.ndarray, list)):
                np.testing.assert_array_equal(np.asarray(value), np.asarray(other), err_msg=field)
            elif isinstance(value, dict):
                assert value == other, field
            else:
                assert value == other or (value != value and other != other), field
