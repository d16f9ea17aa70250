"""Learning-rate schedules: the learning rate as a function of the optimizer step.

A schedule multiplies the optimizer's base ``lr`` by ``factor(t)`` before update ``t`` (counted
from 0). The Trainer binds it to the budget (``total`` updates: ``steps``, or ``epochs`` times the
batches per epoch) when ``fit`` starts, sets ``optimizer.lr`` before every update and puts the base
value back when training ends.

>>> s = CosineSchedule(warmup=0.2).bind(10)        # 2 warmup steps, then 8 of cosine
>>> [round(s.factor(t), 4) for t in (0, 1, 2, 6, 9)]
[0.5, 1.0, 1.0, 0.5, 0.0381]
>>> StepDecay(every=4, factor=0.5).bind(10).factor(8)
0.25

The epoch-level alternative, which reacts to a monitored value, is the callback
:class:`augfit.train.callbacks.ReduceLROnPlateau`.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping

from ..checks import check_int, check_number
from ..errors import ConfigError
from ..jsontypes import JSONDict, JSONValue
from .callbacks import ReduceLROnPlateau, WeightAveraging


class Schedule:
    """Base class: ``factor(t)`` multiplies the base learning rate at update ``t`` (from 0)."""

    total: int | None = None

    def bind(self, total: int | None) -> Schedule:
        """Fix the budget (number of updates) the schedule spans; returns ``self``."""
        self.total = total
        return self

    def factor(self, t: int) -> float:
        raise NotImplementedError

    def config(self) -> JSONDict:
        """The schedule as a spec writes it (``training.schedule``)."""
        raise NotImplementedError


class CosineSchedule(Schedule):
    """Linear warmup, then a half cosine from the base learning rate down to ``final`` x base.

    With ``T`` updates in the budget and ``W = round(warmup * T)`` warmup updates::

        factor(t) = (t + 1) / W                                    for t < W
        factor(t) = final + (1 - final) * (1 + cos(pi * (t - W) / (T - W))) / 2   otherwise

    Parameters
    ----------
    warmup : float
        Fraction of the budget spent warming up, in [0, 1).
    final : float
        The factor the cosine approaches at the end of the budget, in [0, 1).
    """

    def __init__(self, warmup: float = 0.0, final: float = 0.0) -> None:
        self.warmup = check_number(warmup, "warmup", "CosineSchedule", 0, 1, high_open=True)
        self.final = check_number(final, "final", "CosineSchedule", 0, 1, high_open=True)

    def factor(self, t: int) -> float:
        if self.total is None:
            raise ConfigError("CosineSchedule needs the budget it spans: train with "
                              "Trainer.fit(..., steps=N), or epochs with a loader that has a "
                              "length, or call bind(total_updates) first")
        warm = round(self.warmup * self.total)
        if t < warm:
            return (t + 1) / warm
        span = max(self.total - warm, 1)
        progress = min((t - warm) / span, 1.0)
        return self.final + (1.0 - self.final) * 0.5 * (1.0 + math.cos(math.pi * progress))

    def config(self) -> JSONDict:
        return {"type": "cosine", "warmup": self.warmup, "final": self.final}


class StepDecay(Schedule):
    """Multiply the learning rate by ``factor`` every ``every`` updates:
    ``factor(t) = factor ** (t // every)``.

    Parameters
    ----------
    every : int
        Updates between two decays (>= 1).
    factor : float
        In (0, 1).
    """

    def __init__(self, every: int, factor: float = 0.1) -> None:
        self.every = check_int(every, "every", "StepDecay", 1)
        self.gamma = check_number(factor, "factor", "StepDecay", 0, 1, low_open=True,
                                  high_open=True)

    def factor(self, t: int) -> float:
        return float(self.gamma ** (t // self.every))

    def config(self) -> JSONDict:
        return {"type": "step", "every": self.every, "factor": self.gamma}


#: ``training.schedule`` types of a spec: the step-wise schedules and the plateau callback's
#: arguments (defaults filled in by :func:`schedule_config`)
SCHEDULE_DEFAULTS: dict[str, JSONDict] = {
    "cosine": {"warmup": 0.0, "final": 0.0},
    "step": {"every": None, "factor": 0.1},
    "plateau": {"monitor": "val_loss", "factor": 0.1, "patience": 10, "min_lr": 0.0,
                "cooldown": 0, "min_delta": 0.0},
}


#: what a spec's plateau schedule may monitor (the logs of every epoch of a cell)
PLATEAU_MONITORS = ("val_loss", "val_accuracy", "loss", "accuracy")

#: ``training.averaging`` types of a spec: the WeightAveraging callback's arguments
AVERAGING_DEFAULTS: dict[str, JSONDict] = {"ema": {"decay": 0.999}, "swa": {"start": 0.75}}


def _filled(config: Mapping[str, JSONValue], table: dict[str, JSONDict], what: str
            ) -> JSONDict:
    kind = config.get("type")
    if not isinstance(kind, str) or kind not in table:
        raise ConfigError(f"{what} type must be one of {', '.join(table)}, got {kind!r}")
    allowed = table[kind]
    unknown = sorted(str(k) for k in set(config) - set(allowed) - {"type"})
    if unknown:
        raise ConfigError(f"{what} {kind!r} has no argument {unknown[0]!r}; its arguments: "
                          f"{', '.join(allowed)}")
    return {"type": kind, **allowed, **{k: v for k, v in config.items() if k != "type"}}


def schedule_config(config: Mapping[str, JSONValue]) -> JSONDict:
    """Validate a spec's ``training.schedule`` and return it with its defaults filled in.

    Raises ConfigError (naming the argument, as the classes do) for a bad value.
    """
    out = _filled(config, SCHEDULE_DEFAULTS, "schedule")
    if out["type"] == "step" and out["every"] is None:
        raise ConfigError("schedule 'step' needs every: the number of optimizer steps between "
                          "two decays, e.g. {type: step, every: 1000, factor: 0.5}")
    if out["type"] == "plateau" and out["monitor"] not in PLATEAU_MONITORS:
        raise ConfigError(f"schedule 'plateau' monitor must be one of "
                          f"{', '.join(PLATEAU_MONITORS)} (the epoch logs), got "
                          f"{out['monitor']!r}")
    make_schedule(out)                                    # the classes check the values
    return out


def make_schedule(config: Mapping[str, JSONValue]) -> Schedule | ReduceLROnPlateau:
    """The schedule (or, for ``plateau``, the ReduceLROnPlateau callback) a config describes."""
    args = {k: v for k, v in config.items() if k != "type"}
    # the classes check their arguments (checks.py), so the spec's values go in as given
    schedules: dict[JSONValue, Callable[..., Schedule]] = {"cosine": CosineSchedule,
                                                          "step": StepDecay}
    if config["type"] in schedules:
        return schedules[config["type"]](**args)
    mode = "min" if str(args["monitor"]).endswith("loss") else "max"
    plateau: Callable[..., ReduceLROnPlateau] = ReduceLROnPlateau
    return plateau(mode=mode, **args)


def averaging_config(config: Mapping[str, JSONValue]) -> JSONDict:
    """Validate a spec's ``training.averaging`` (``{type: ema, decay: 0.999}`` or ``{type: swa,
    start: 0.75}``) and return it with its defaults filled in."""
    out = _filled(config, AVERAGING_DEFAULTS, "averaging")
    make_averaging(out)
    return out


def make_averaging(config: Mapping[str, JSONValue]) -> WeightAveraging:
    """The :class:`~augfit.train.callbacks.WeightAveraging` callback a config describes."""
    averaging: Callable[..., WeightAveraging] = WeightAveraging   # it checks its arguments
    return averaging(config["type"], **{k: v for k, v in config.items() if k != "type"})


__all__ = [
    "AVERAGING_DEFAULTS",
    "SCHEDULE_DEFAULTS",
    "CosineSchedule",
    "Schedule",
    "StepDecay",
    "averaging_config",
    "make_averaging",
    "make_schedule",
    "schedule_config",
]
