"""Each transform argument declared once: the constraint table of a transform class.

A transform lists its constructor arguments and what each may be in ``_parameter_constraints``,
as scikit-learn does (``sklearn.utils._param_validation``):

>>> from augfit.transforms.constraints import Fill, Range, check_table
>>> table = {"limit": Range(-180, 180, symmetric=True), "fill": Fill()}
>>> checked, stored = check_table(table, {"limit": 15, "fill": 0}, "Rotate")
>>> checked["limit"], stored["limit"], checked["fill"]
((-15.0, 15.0), 15, 0.0)
>>> check_table(table, {"limit": 200, "fill": 0}, "Rotate")
Traceback (most recent call last):
...
augfit.errors.ConfigError: Rotate(limit=...) must lie within [-180, 180], got 200

From the one table come:

- the check when the transform is built (through :mod:`augfit.checks`, so the messages are the
  ones every layer gives, with the class that was called as the owner: a subclass names itself);
- the value kept for ``to_dict`` / ``get_params`` (``stored``: the argument as given, a tuple as a
  list, or the checked value where that is what a transform always kept);
- the checked value the transform samples from (``self.checked.limit``: ``(-15.0, 15.0)``);
- bad values for the contract test (:meth:`Constraint.invalid`): every built-in transform is
  called with each of them and must refuse it with a ConfigError naming the argument.

:class:`~augfit.transforms.base.Transform` applies the table of the class being built (merged
with its bases' tables) before the class's own ``__init__`` body runs; see
``docs/transforms.md`` for a transform written this way.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import SimpleNamespace

from ..checks import (
    check_bool,
    check_choice,
    check_int,
    check_int_range,
    check_number,
    check_probability,
    check_range,
)

#: what a custom check is given: the value, the argument's name, the owner (class name) and the
#: arguments checked before it (name -> checked value)
CheckFn = Callable[[object, str, str, Mapping[str, object]], object]


def as_given(value: object) -> object:
    """How an argument is kept for ``to_dict``: as given, a tuple as a list."""
    return list(value) if isinstance(value, tuple) else value


@dataclass(frozen=True)
class Constraint:
    """What one argument may be. Subclasses implement :meth:`check` (the checked value, or a
    ConfigError naming ``owner(name=...)``) and :meth:`invalid` (values it refuses).

    ``keep`` says what the transform keeps under the argument's name (what ``to_dict`` writes):
    ``"given"`` the value as passed (a tuple as a list), ``"checked"`` the checked value.
    """

    keep: str = field(default="checked", kw_only=True)

    def check(self, value: object, name: str, owner: str, seen: Mapping[str, object]) -> object:
        raise NotImplementedError

    def stored(self, given: object, checked: object) -> object:
        return as_given(given) if self.keep == "given" else checked

    def invalid(self) -> list[object]:
        """Values this constraint refuses (the contract test tries each)."""
        return []


@dataclass(frozen=True)
class Probability(Constraint):
    """A probability in [0, 1] (``p``)."""

    def check(self, value: object, name: str, owner: str, seen: Mapping[str, object]) -> float:
        del seen
        return check_probability(value, name, owner)

    def invalid(self) -> list[object]:
        return [-0.1, 1.5, "x"]


def _outside(low: float, high: float, low_open: bool, high_open: bool) -> list[object]:
    out: list[object] = []
    if low > -math.inf:
        out.append(low if low_open else low - 1)
    if high < math.inf:
        out.append(high if high_open else high + 1)
    return out


@dataclass(frozen=True)
class Real(Constraint):
    """A finite number within the bounds (each end open or closed); ``hint`` follows them in the
    message."""

    low: float = -math.inf
    high: float = math.inf
    low_open: bool = False
    high_open: bool = False
    hint: str = ""
    allow_none: bool = False

    def check(self, value: object, name: str, owner: str, seen: Mapping[str, object]
              ) -> float | None:
        del seen
        if value is None and self.allow_none:
            return None
        return check_number(value, name, owner, self.low, self.high, self.low_open,
                            self.high_open, self.hint)

    def invalid(self) -> list[object]:
        return [*_outside(self.low, self.high, self.low_open, self.high_open), "x", math.inf]


@dataclass(frozen=True)
class Fill(Real):
    """A border or fill value as a fraction of the maximum: 0 black, 1 white."""

    low: float = 0.0
    high: float = 1.0
    hint: str = " (a fraction of the maximum value: 0 black, 1 white)"


@dataclass(frozen=True)
class Integer(Constraint):
    """An int in ``[low, high]`` (``None`` for no bound); ``allow_none`` lets None through."""

    low: int | None = 1
    high: int | None = None
    allow_none: bool = False
    hint: str = ""

    def check(self, value: object, name: str, owner: str, seen: Mapping[str, object]) -> int | None:
        del seen
        return check_int(value, name, owner, self.low, self.high, self.allow_none, self.hint)

    def invalid(self) -> list[object]:
        out: list[object] = [] if self.low is None else [self.low - 1]
        if self.high is not None:
            out.append(self.high + 1)
        return [*out, 1.5, "x"]


@dataclass(frozen=True)
class Boolean(Constraint):
    """True or False (NumPy's bool too), never a truthy stand-in."""

    def check(self, value: object, name: str, owner: str, seen: Mapping[str, object]) -> bool:
        del seen
        return check_bool(value, name, owner)

    def invalid(self) -> list[object]:
        return ["no", 1]


@dataclass(frozen=True)
class Choice(Constraint):
    """One of ``options``."""

    options: tuple[object, ...] = ()

    def check(self, value: object, name: str, owner: str, seen: Mapping[str, object]) -> object:
        del seen
        return check_choice(value, name, self.options, owner)

    def invalid(self) -> list[object]:
        return ["no-such-option", 3.5]


@dataclass(frozen=True)
class Range(Constraint):
    """A ``(low, high)`` pair within ``[lo, hi]``; with ``symmetric``, one number ``v >= 0``
    means ``(-v, v)``. Checked to a pair of floats; kept as given unless ``keep="checked"``."""

    lo: float = -math.inf
    hi: float = math.inf
    symmetric: bool = False
    keep: str = field(default="given", kw_only=True)

    def check(self, value: object, name: str, owner: str, seen: Mapping[str, object]
              ) -> tuple[float, float]:
        del seen
        return check_range(value, name, owner, self.lo, self.hi, self.symmetric)

    def invalid(self) -> list[object]:
        a, b = _inner_pair(self.lo, self.hi)
        out: list[object] = [[b, a], "x", [a, math.nan]]
        out.append(-1.0 if self.symmetric else b)  # one number: >= 0 if symmetric, else no pair
        if self.lo > -math.inf:
            out.append([self.lo - 1, b])
        if self.hi < math.inf:
            out.append([a, self.hi + 1])
        return out


def _inner_pair(lo: float, hi: float) -> tuple[float, float]:
    """Two distinct values inside ``[lo, hi]``, ``a < b``."""
    lo_f = lo if lo > -math.inf else min(hi, 0.0) - 2.0
    hi_f = hi if hi < math.inf else lo_f + 2.0
    span = hi_f - lo_f
    return lo_f + span / 4, lo_f + 3 * span / 4


@dataclass(frozen=True)
class IntRange(Constraint):
    """An inclusive ``(low, high)`` pair of ints within ``[lo, hi]`` (and, if given,
    ``valid(low, high)``, which ``hint`` words)."""

    lo: int = 0
    hi: int = 2 ** 31
    hint: str = ""
    valid: Callable[[int, int], bool] | None = None
    keep: str = field(default="given", kw_only=True)

    def check(self, value: object, name: str, owner: str, seen: Mapping[str, object]
              ) -> tuple[int, int]:
        del seen
        return check_int_range(value, name, owner, self.lo, self.hi, self.hint, self.valid)

    def invalid(self) -> list[object]:
        return [[self.lo - 1, self.lo], [self.hi, self.hi + 1], [self.hi, self.lo], self.lo,
                [self.lo + 0.5, self.hi]]


@dataclass(frozen=True)
class Check(Constraint):
    """An argument no generic constraint describes: ``fn(value, name, owner, seen)`` returns the
    checked value (raising ConfigError otherwise); ``bad`` lists values it refuses."""

    fn: CheckFn | None = None
    bad: tuple[object, ...] = ()

    def check(self, value: object, name: str, owner: str, seen: Mapping[str, object]) -> object:
        if self.fn is None:
            raise TypeError("Check(fn=...) needs the function that checks the argument")
        return self.fn(value, name, owner, seen)

    def invalid(self) -> list[object]:
        return list(self.bad)


def check_table(table: Mapping[str, Constraint], values: Mapping[str, object], owner: str
                ) -> tuple[dict[str, object], dict[str, object]]:
    """Check ``values`` against ``table`` in the table's order: ``(checked, stored)``, each
    name -> value, for the names present in both."""
    checked: dict[str, object] = {}
    stored: dict[str, object] = {}
    for name, constraint in table.items():
        if name not in values:
            continue
        checked[name] = constraint.check(values[name], name, owner, checked)
        stored[name] = constraint.stored(values[name], checked[name])
    return checked, stored


def merged_table(cls: type, names: Iterable[str]) -> dict[str, Constraint]:
    """The constraints of ``cls`` and its bases (a subclass's entry wins; bases' entries come
    first), restricted to ``names`` (the constructor's arguments)."""
    keep = set(names)
    table: dict[str, Constraint] = {}
    for klass in reversed(cls.__mro__):
        own = klass.__dict__.get("_parameter_constraints")
        if isinstance(own, Mapping):
            table.update(own)
    return {k: v for k, v in table.items() if k in keep}


class Checked(SimpleNamespace):
    """The checked values of a transform's arguments (``t.checked.limit``), what it samples
    from."""


def invalid_cases(table: Mapping[str, Constraint]) -> list[tuple[str, object]]:
    """Every ``(name, bad value)`` the table's constraints refuse."""
    return [(name, bad) for name, c in table.items() for bad in c.invalid()]


#: a class's constraint table: each constructor argument's name and what it may be
Table = dict[str, Constraint]

__all__ = [
    "Boolean",
    "Check",
    "CheckFn",
    "Checked",
    "Choice",
    "Constraint",
    "Fill",
    "IntRange",
    "Integer",
    "Probability",
    "Range",
    "Real",
    "Table",
    "as_given",
    "check_table",
    "invalid_cases",
    "merged_table",
]
