"""The sections of a spec (``model``, ``training``, ``bootstrap``, ``answer``, ``notes``, ...):
their types and their checks (the format: :mod:`.spec`; the dataset section: :mod:`.spec_dataset`;
the methods: :mod:`.spec_methods`).

The types (issue 22: no untyped dicts) are what the fields of
:class:`~augfit.experiments.spec.Spec` hold once :func:`~augfit.experiments.spec.parse_spec` has
checked them, so mypy checks every reader. A section is still a plain dict at run time (the
canonical form, the wire format and the stored spec are its JSON), only its keys and their types
are declared. Free-form parts (a dataset's loader options, a transform dict, a schedule) are
:data:`~augfit.jsontypes.JSONDict`. Each ``*_section`` function checks one section as a spec gives
it (defaults filled, every error naming the field path) and returns it typed.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import TypeAlias, TypedDict

from ...checks import check_number
from ...errors import AugfitError, ConfigError
from ...jsontypes import JSONDict
from ...nn.layers import ACTIVATIONS
from ...nn.losses import LOSSES
from ...nn.optim import OPTIMIZERS
from ...train.schedules import averaging_config, schedule_config
from .checker import Checker, show


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


_DEFAULT_MODEL: ModelSection = {"hidden": [64], "activation": "relu"}
_DEFAULT_TRAINING: TrainingSection = {"optimizer": "adam", "lr": 0.001, "weight_decay": 0.0,
                                      "batch_size": 32, "epochs": 100, "loss": "cross_entropy"}
_DEFAULT_BOOTSTRAP: BootstrapSection = {"resamples": 10000, "seed": 0, "confidence": 0.95}
#: the smallest effect of interest (pp of test accuracy) when ``answer.smallest_effect`` is absent,
#: and the largest one accepted (the check: :func:`check_smallest_effect`)
SMALLEST_EFFECT_DEFAULT = 1.0
SMALLEST_EFFECT_MAX = 50.0
DEFAULT_ANSWER: AnswerSection = {"smallest_effect": SMALLEST_EFFECT_DEFAULT}


def check_smallest_effect(value: object, name: str = "--smallest-effect") -> float:
    """A smallest effect of interest in pp of test accuracy: a number in (0, 50]."""
    return check_number(value, name, low=0, high=SMALLEST_EFFECT_MAX, low_open=True,
                        hint=" pp of test accuracy, e.g. 1.0 (the spec's answer.smallest_effect "
                             "is the default)")
def sizes_section(ck: Checker, v: object) -> list[int | str]:
    """Distinct positive ints, and optionally "all" (the whole training split)."""
    what = 'positive integers or "all"'
    if not isinstance(v, list) or not v:
        raise ck.expected("train_sizes", f"a non-empty list of {what}", v)
    out: list[int | str] = []
    for i, x in enumerate(v):
        size: int | str = "all" if x == "all" else \
            int(ck.number(x, f"train_sizes[{i}]", lo=1, integer=True))
        if size in out:
            raise ck.fail(f"train_sizes[{i}]", f"duplicate value {show(x)}; list each value once")
        out.append(size)
    return out


def tracking_section(ck: Checker, v: object, base_dir: Path) -> dict[str, str]:
    """``tracking: {mlflow: URI}``: also log the run to MLflow (see experiments/run/tracking.py); a
    relative ``sqlite:///`` path is resolved from the spec's folder."""
    given = ck.mapping(v, "tracking", ["mlflow"])
    t: dict[str, str] = {}
    if "mlflow" in given:
        uri = ck.string(given["mlflow"], "tracking.mlflow", "an MLflow tracking URI such as "
                        "sqlite:///mlflow.db")
        prefix = "sqlite:///"
        if uri.startswith(prefix) and not Path(uri[len(prefix):]).is_absolute():
            uri = prefix + str((base_dir / uri[len(prefix):]).resolve())
        t["mlflow"] = uri
    return t


def features_section(ck: Checker, v: object) -> str | JSONDict | None:
    if v is None:
        return None
    from ...data.features import make_featurizer

    if not isinstance(v, (str, Mapping)):
        raise ck.expected("features", "a featurizer name or {type: name, ...}", v)
    try:
        make_featurizer(dict(v) if isinstance(v, Mapping) else v)
    except AugfitError as e:
        raise ck.fail("features", str(e)) from None
    except TypeError as e:
        raise ck.fail("features", f"invalid featurizer arguments: {e}") from None
    return dict(v) if isinstance(v, Mapping) else v


def model_section(ck: Checker, v: object) -> ModelSection:
    m = {**_DEFAULT_MODEL, **ck.mapping(v, "model", list(_DEFAULT_MODEL))}
    hidden = [] if m["hidden"] == [] else \
        ck.int_list(m["hidden"], "model.hidden", 1, "layer widths", distinct=False)
    return {"hidden": hidden,                   # [] is a linear model
            "activation": ck.choice(m["activation"], "model.activation", list(ACTIVATIONS))}


#: optional ``training`` fields: absent, they are left out of the canonical form (so the cell keys
#: of specs that do not set them stay as they were)
_OPTIONAL_TRAINING = ["steps", "schedule", "averaging", "eval_every"]


def training_section(ck: Checker, v: object) -> TrainingSection:
    given = ck.mapping(v, "training", [*_DEFAULT_TRAINING, *_OPTIONAL_TRAINING])
    if "steps" in given and "epochs" in given:
        raise ck.fail("training.steps", f"{show(given['steps'])} together with training.epochs "
                      f"{show(given['epochs'])}: the budget is either optimizer steps (the same at "
                      "every training size) or epochs; remove one of them")
    defaults: dict[str, object] = dict(_DEFAULT_TRAINING)
    if "steps" in given:
        del defaults["epochs"]
    t = {**defaults, **given}
    optimizer = ck.choice(t["optimizer"], "training.optimizer", list(OPTIMIZERS))
    lr = float(ck.number(t["lr"], "training.lr", 0, 10, lo_open=True))
    weight_decay = float(ck.number(t["weight_decay"], "training.weight_decay", 0, 1))
    batch_size = int(ck.number(t["batch_size"], "training.batch_size", 1, integer=True))
    budget = _budget(ck, t)
    loss = ck.choice(t["loss"], "training.loss", list(LOSSES))
    out: TrainingSection = {"optimizer": optimizer, "lr": lr, "weight_decay": weight_decay,
                            "batch_size": batch_size, "loss": loss}
    if "epochs" in budget:              # before loss, where the defaults put it
        out = {"optimizer": optimizer, "lr": lr, "weight_decay": weight_decay,
               "batch_size": batch_size, "epochs": budget["epochs"], "loss": loss}
    schedule = _training_config(ck, t, "schedule", "{type: cosine, warmup: 0.05}")
    averaging = _training_config(ck, t, "averaging", "{type: ema, decay: 0.999}")
    for key in given:                   # the optional fields, in the order the spec gives them
        if key == "steps":
            out["steps"] = budget["steps"]
        elif key == "eval_every":
            out["eval_every"] = budget["eval_every"]
        elif key == "schedule" and schedule is not None:
            out["schedule"] = schedule
        elif key == "averaging" and averaging is not None:
            out["averaging"] = averaging
    return out


class _Budget(TypedDict, total=False):
    epochs: int
    steps: int
    eval_every: int


def _budget(ck: Checker, t: Mapping[str, object]) -> _Budget:
    """``training``'s budget fields (those given), checked."""
    out: _Budget = {}
    if "epochs" in t:
        out["epochs"] = int(ck.number(t["epochs"], "training.epochs", 1, 100000, integer=True))
    if "steps" in t:
        out["steps"] = int(ck.number(t["steps"], "training.steps", 1, 10**8, integer=True))
    if "eval_every" in t:
        out["eval_every"] = int(ck.number(t["eval_every"], "training.eval_every", 1, 10**8,
                                          integer=True))
    if out.get("eval_every", 1) > out.get("steps", math.inf):
        raise ck.fail("training.eval_every", f"{t['eval_every']} is more than training.steps "
                      f"{t['steps']}: nothing would be evaluated before the end; set eval_every "
                      "to a fraction of steps, e.g. steps / 100")
    return out


def _training_config(ck: Checker, t: Mapping[str, object], key: str, example: str
                     ) -> JSONDict | None:
    """``training.schedule`` or ``training.averaging``, checked, its defaults filled in (None
    when not given)."""
    if key not in t:
        return None
    value = t[key]
    if not isinstance(value, Mapping):
        raise ck.expected(f"training.{key}", f"a mapping such as {example}", value)
    check = schedule_config if key == "schedule" else averaging_config
    try:
        return check(value)
    except ConfigError as e:
        raise ck.fail(f"training.{key}", str(e)) from None


def seeds_section(ck: Checker, v: object) -> list[int]:
    if isinstance(v, int) and not isinstance(v, bool):
        n = int(ck.number(v, "seeds", 1, 10000, integer=True))
        return list(range(n))
    if isinstance(v, list):
        return ck.int_list(v, "seeds", 0, "non-negative integers")
    raise ck.expected("seeds", "a count (e.g. 5) or a list of non-negative integers", v)


def bootstrap_section(ck: Checker, v: object) -> BootstrapSection:
    b = {**_DEFAULT_BOOTSTRAP, **ck.mapping(v, "bootstrap", list(_DEFAULT_BOOTSTRAP))}
    return {"resamples": int(ck.number(b["resamples"], "bootstrap.resamples", 100, 10**7,
                                       integer=True)),
            "seed": int(ck.number(b["seed"], "bootstrap.seed", 0, integer=True)),
            "confidence": float(ck.number(b["confidence"], "bootstrap.confidence", 0.5, 1,
                                          lo_open=True, hi_open=True))}


def answer_section(ck: Checker, v: object) -> AnswerSection | None:
    """``answer: {smallest_effect: pp}``, checked; None when absent (the default applies)."""
    if v is None:
        return None
    a = {**DEFAULT_ANSWER, **ck.mapping(v, "answer", list(DEFAULT_ANSWER))}
    x = a["smallest_effect"]
    try:
        value = check_smallest_effect(x, "answer.smallest_effect")
    except ConfigError:
        raise ck.fail("answer.smallest_effect", f"must be a number of percentage points of test "
                      f"accuracy in (0, {SMALLEST_EFFECT_MAX:g}], got {show(x)}; set the smallest "
                      "change that matters to you, e.g. answer: {smallest_effect: "
                      f"{SMALLEST_EFFECT_DEFAULT}}} for 1 pp (the default)") from None
    return {"smallest_effect": value}


def notes_section(ck: Checker, v: object) -> Notes:
    """Free-text notes: each value a string or a list of strings. ``tuned_on`` says what a pilot
    already looked at (the report warns that results on it are not fresh)."""
    if v is None:
        return {}
    if not isinstance(v, Mapping):
        raise ck.expected("notes", "a mapping such as {tuned_on: \"split 0, seeds 0-4\"}", v)
    out: Notes = {}
    for k, x in v.items():
        ok = isinstance(x, str) or (isinstance(x, list) and all(isinstance(i, str) for i in x))
        if not isinstance(k, str) or not ok:
            raise ck.expected(f"notes.{k}", "a string or a list of strings", x)
        out[k] = x if isinstance(x, str) else list(x)
    return out


__all__ = [
    "DEFAULT_ANSWER",
    "SMALLEST_EFFECT_DEFAULT",
    "SMALLEST_EFFECT_MAX",
    "AnswerSection",
    "BootstrapSection",
    "DatasetSection",
    "EarlyStoppingConfig",
    "ModelSection",
    "Notes",
    "SplitSection",
    "TrainingSection",
    "answer_section",
    "bootstrap_section",
    "check_smallest_effect",
    "early_stopping_json",
    "features_section",
    "model_section",
    "notes_section",
    "seeds_section",
    "sizes_section",
    "tracking_section",
    "training_section",
]
