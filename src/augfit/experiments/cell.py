"""One cell of the grid (method x seed x training size), trained as a pure function of the spec and
the cell, so every executor (in-process, processes, dask) gives the same numbers.

Paired design: the training subsample, the initial weights and the loader's shuffling depend only on
(seed, training size), never on the method, so a method and the baseline differ only by what the
method does. BLAS is limited to one thread inside a cell, which keeps the floating-point results the
same whatever the executor (and is as fast for these small networks).
"""
from __future__ import annotations

import json
import time
import warnings
from functools import lru_cache
from typing import Any

import numpy as np

from ..errors import AugfitWarning
from ..rng import derive, seed_from
from ..train.callbacks import Callback
from ._check import Checker, show
from .spec import Cell, Method, Spec, spec_from_canonical

# child-stream keys of a cell's seed (documented so users can reproduce a cell by hand)
SUBSAMPLE, MODEL, LOADER = 1, 2, 3


@lru_cache(maxsize=4)
def _spec(canonical_json: str) -> Spec:
    return spec_from_canonical(json.loads(canonical_json))


@lru_cache(maxsize=2)
def _splits(dataset_json: str, source: str) -> tuple[Any, Any, Any]:
    from ..data import datasets

    d = json.loads(dataset_json)
    ds = datasets.load(d["name"], **d["options"])
    split = dict(d["split"])
    test_size = split.pop("test")
    if test_size != "official":
        return ds.split(test=test_size, **split)
    mask = ds.meta.get("official_test")
    if mask is None or not 0 < int(np.count_nonzero(mask)) < len(ds):
        what = ("has no official test set (its loader gives no meta['official_test'])"
                if mask is None else
                f"marks {int(np.count_nonzero(mask))} of its {len(ds)} samples as official test")
        raise Checker(source).fail(
            "dataset.split.test", f'"official": dataset {d["name"]!r} with options '
            f"{show(d['options'])} {what}; use a fraction such as 0.2, or load both official "
            "parts (e.g. fashion_mnist with options {split: all})")
    rest, test = datasets.official_split(ds)
    train, val, _ = rest.split(test=0, **split)
    return train, val, test


def splits(spec: Spec) -> tuple[Any, Any, Any]:
    """(train, val, test) of the spec's dataset (cached per process). With ``test: official`` the
    test set is the dataset's own (``meta["official_test"]``) and val comes from the rest."""
    return _splits(json.dumps(spec.canonical["dataset"], sort_keys=True), spec.source)


def training_subset(spec: Spec, train: Any, cell: Cell) -> Any:
    """The cell's training subsample: a function of (seed, train_size) only."""
    rng = derive(cell.seed, SUBSAMPLE, cell.train_size)
    if spec.train_size_unit == "per_class":
        return train.subsample(per_class=cell.train_size, seed=rng)
    return train.subsample(n=cell.train_size, seed=rng)


def make_model(spec: Spec, method: Method, seed: int, n_features: int, n_classes: int) -> Any:
    """The cell's MLP: initial weights from (seed) only; the method sets only the dropout rate."""
    from ..nn import MLP

    return MLP(n_features, spec.model["hidden"], n_classes, activation=spec.model["activation"],
               dropout=method.dropout, seed=np.random.SeedSequence(seed, spawn_key=(MODEL,)))


def make_optimizer(spec: Spec) -> Any:
    from ..nn import optim

    t = spec.training
    cls = {"sgd": optim.SGD, "momentum": optim.Momentum, "adam": optim.Adam}[t["optimizer"]]
    return cls(lr=t["lr"], weight_decay=t["weight_decay"])


class EpochRecorder(Callback):
    """Callback recording, after every epoch, the logs plus the *clean* training metrics: the
    training subsample evaluated in eval mode (no augmentation, no dropout), so the gap
    train - val measures generalization rather than the difficulty of augmented batches."""

    keys = ("loss", "accuracy", "val_loss", "val_accuracy", "train_loss", "train_accuracy")

    def __init__(self, x_train: Any, y_train: np.ndarray) -> None:
        self.x, self.y = x_train, y_train
        self.history: dict[str, list[float]] = {k: [] for k in self.keys}

    def on_train_begin(self, logs: Any = None) -> None:
        self.history = {k: [] for k in self.keys}

    def on_epoch_end(self, epoch: int, logs: dict[str, float] | None = None) -> None:
        logs = logs or {}
        clean = self.trainer.evaluate(self.x, self.y)
        for k in ("loss", "accuracy", "val_loss", "val_accuracy"):
            self.history[k].append(float(logs[k]))
        self.history["train_loss"].append(float(clean["loss"]))
        self.history["train_accuracy"].append(float(clean["accuracy"]))


def run_cell(spec: Spec | dict[str, Any], cell: Cell, epoch_callback: Any = None) -> dict[str, Any]:
    """Train one cell; returns ``{"metrics": {...}, "history": {...}, "wall_time": s}``.

    ``spec`` may be a Spec or its canonical dict (what executors ship to workers).
    ``epoch_callback`` (optional) is an extra Trainer callback, e.g. a progress bar.
    """
    from threadpoolctl import threadpool_limits

    if isinstance(spec, dict):
        spec = _spec(json.dumps(spec, sort_keys=True))
    t0 = time.perf_counter()
    with threadpool_limits(limits=1):
        result = _train(spec, cell, epoch_callback)
    result["wall_time"] = time.perf_counter() - t0
    return result


def _train(spec: Spec, cell: Cell, epoch_callback: Any) -> dict[str, Any]:
    from ..data.loader import DataLoader
    from ..train.callbacks import EarlyStopping
    from ..train.trainer import Trainer
    from ..transforms.base import Transform

    method = spec.method(cell.method)
    train, val, test = splits(spec)
    sub = training_subset(spec, train, cell)
    t = spec.training
    augment = Transform.from_dict(method.augment) if method.augment else None
    loader = DataLoader(sub, batch_size=t["batch_size"], shuffle=True, augment=augment,
                        features=spec.features, seed=seed_from(derive(cell.seed, LOADER)))
    x_train = loader.featurize(sub.x)
    model = make_model(spec, method, cell.seed, loader.n_features, len(train.classes))
    recorder = EpochRecorder(x_train, sub.y)
    callbacks: list[Any] = [recorder]
    es = None
    if method.early_stopping:
        e = method.early_stopping
        mode = "min" if e["monitor"] == "val_loss" else "max"
        es = EarlyStopping(monitor=e["monitor"], mode=mode,
                           min_delta=e["min_delta"], patience=e["patience"],
                           restore_best_weights=e["restore_best_weights"],
                           start_from_epoch=e["start_from_epoch"])
        callbacks.append(es)
    if epoch_callback is not None:
        callbacks.append(epoch_callback)
    trainer = Trainer(model, loss=t["loss"], optimizer=make_optimizer(spec), callbacks=callbacks)
    with warnings.catch_warnings():  # reported once per cell, with its name, by the executor
        warnings.simplefilter("ignore", AugfitWarning)
        trainer.fit(loader, val=val, epochs=t["epochs"])
    h = recorder.history
    h["gap_accuracy"] = [a - b for a, b in zip(h["train_accuracy"], h["val_accuracy"])]
    h["gap_loss"] = [b - a for a, b in zip(h["train_loss"], h["val_loss"])]
    x_val, x_test = loader.featurize(val.x), loader.featurize(test.x)
    final = {"train": trainer.evaluate(x_train, sub.y), "val": trainer.evaluate(x_val, val.y),
             "test": trainer.evaluate(x_test, test.y)}
    return {"metrics": cell_metrics(h, final, best_epoch_index(h, es)), "history": h,
            "warnings": list(trainer.diagnostics)}


def best_epoch_index(history: dict[str, list[float]], es: Any) -> int:
    """0-based best epoch: early stopping's own choice, else the epoch of the lowest val loss."""
    best = getattr(es, "best_epoch", None) if es is not None else None
    if best is not None and 0 <= int(best) < len(history["val_loss"]):
        return int(best)
    return int(np.argmin(history["val_loss"]))


def cell_metrics(h: dict[str, list[float]], final: dict[str, dict[str, float]],
                 best: int) -> dict[str, Any]:
    """Scalar results of a cell from its per-epoch history and the final model's evaluations.

    ``gap_accuracy`` is train - val accuracy and ``gap_loss`` val - train loss (both positive when
    the model overfits) of the final model (the restored best weights under early stopping);
    ``*_end`` are the last epoch's, ``*_best`` the best epoch's; ``gap_area`` is the area under the
    per-epoch accuracy-gap curve (trapezoid rule, one unit per epoch).
    """
    out: dict[str, Any] = {}
    for split in ("train", "val", "test"):
        out[f"{split}_accuracy"] = float(final[split]["accuracy"])
        out[f"{split}_loss"] = float(final[split]["loss"])
    out["gap_accuracy"] = out["train_accuracy"] - out["val_accuracy"]
    out["gap_loss"] = out["val_loss"] - out["train_loss"]
    out["gap_accuracy_end"] = h["gap_accuracy"][-1]
    out["gap_loss_end"] = h["gap_loss"][-1]
    out["gap_accuracy_best"] = h["gap_accuracy"][best]
    out["gap_loss_best"] = h["gap_loss"][best]
    out["gap_area"] = float(np.trapezoid(h["gap_accuracy"])) if len(h["gap_accuracy"]) > 1 \
        else float(h["gap_accuracy"][0])
    out["gap_loss_area"] = float(np.trapezoid(h["gap_loss"])) if len(h["gap_loss"]) > 1 \
        else float(h["gap_loss"][0])
    out["best_epoch"] = best + 1
    out["epochs_run"] = len(h["val_loss"])
    return out


__all__ = ["run_cell", "cell_metrics", "best_epoch_index", "make_model", "training_subset",
           "splits", "EpochRecorder", "SUBSAMPLE", "MODEL", "LOADER"]
