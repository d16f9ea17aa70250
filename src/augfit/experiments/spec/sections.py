"""The typed sections of a checked spec (issue 22: no untyped dicts): what the fields of
:class:`~augfit.experiments.spec.Spec` hold once :func:`~augfit.experiments.spec.parse_spec` has
checked them, so mypy checks every reader. A section is still a plain dict at run time (the
canonical form, the wire format and the stored spec are its JSON), only its keys and their types
are declared. Free-form parts (a dataset's loader options, a transform dict, a schedule) are
:data:`~augfit.jsontypes.JSONDict`.
"""
from __future__ import annotations

from typing import TypeAlias, TypedDict

from ...jsontypes import JSONDict


class SplitSection(TypedDict):
    """``dataset.split``: ``test`` is a fraction or ``"official"``."""

    val: float
    test: float | str
    seed: int
    stratify: bool
    by_group: bool


class _DatasetRequired(TypedDict):
    name: str
    options: JSONDict
    split: SplitSection


class DatasetSection(_DatasetRequired, total=False):
    """``dataset``: the loader's name and options, the split; ``columns`` (a DataFrame's roles)
    and ``fingerprint`` (the data's content hash) only when set."""

    columns: dict[str, str]
    fingerprint: str


class ModelSection(TypedDict):
    """``model``: the hidden layers' widths ([] is a linear model) and their activation."""

    hidden: list[int]
    activation: str


class _TrainingRequired(TypedDict):
    optimizer: str
    lr: float
    weight_decay: float
    batch_size: int
    loss: str


class TrainingSection(_TrainingRequired, total=False):
    """``training``: the budget is ``epochs`` or ``steps`` (one of them); the optional fields are
    absent from the canonical form when not given (so older specs keep their cell keys)."""

    epochs: int
    steps: int
    eval_every: int
    schedule: JSONDict
    averaging: JSONDict


class BootstrapSection(TypedDict):
    """``bootstrap``: resamples, seed and the intervals' confidence."""

    resamples: int
    seed: int
    confidence: float


class AnswerSection(TypedDict):
    """``answer``: the smallest effect of interest, in pp of test accuracy."""

    smallest_effect: float


class EarlyStoppingConfig(TypedDict):
    """A method's ``early_stopping``, defaults filled."""

    patience: int
    monitor: str
    min_delta: float
    restore_best_weights: bool
    start_from_epoch: int


def early_stopping_json(e: EarlyStoppingConfig) -> JSONDict:
    """``e`` as a JSON object (the same keys, in the same order)."""
    return {"patience": e["patience"], "monitor": e["monitor"], "min_delta": e["min_delta"],
            "restore_best_weights": e["restore_best_weights"],
            "start_from_epoch": e["start_from_epoch"]}


#: ``notes``: each value a string or a list of strings
Notes: TypeAlias = dict[str, str | list[str]]

__all__ = ["AnswerSection", "BootstrapSection", "DatasetSection", "EarlyStoppingConfig",
           "ModelSection", "Notes", "SplitSection", "TrainingSection",
           "early_stopping_json"]
