"""Argument checks shared by every layer: ints, numbers, ``(low, high)`` ranges, probabilities,
choices and array dimensions.

Each check returns the value in its checked form (``int``, ``float``, a ``(low, high)`` tuple) or
raises :class:`~augfit.errors.ConfigError` (:class:`~augfit.errors.ShapeError` for arrays) whose
message names the argument as it is called (``Cutout(holes=...)``), says what is allowed, and quotes
the value received, cut to :data:`SHOW_MAX` characters so an error never echoes a whole file.
A transform of your own gets the same messages as the built-in ones:

>>> from augfit.checks import check_int, check_range
>>> check_int(3, "holes", "Cutout", 1, 10)
3
>>> check_range(15, "limit", "Rotate", -180, 180, symmetric=True)
(-15.0, 15.0)
>>> check_int(0, "holes", "Cutout", 1, 10)
Traceback (most recent call last):
...
augfit.errors.ConfigError: Cutout(holes=...) must be an int in [1, 10], got 0

The experiment spec's field checker (:class:`augfit.experiments.spec.Checker`) words the same
rules for a file (``training.lr: expected a number in (0, 10], got "fast"``) using
:func:`describe` and :func:`show` from here.
"""
from __future__ import annotations

import difflib
import inspect
import json
import math
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Literal, SupportsFloat, SupportsIndex, TypeGuard, TypeVar, overload

import numpy as np

from .errors import ConfigError, ShapeError

T = TypeVar("T")

#: characters of a user's value quoted in an error
SHOW_MAX = 60
#: the Python types counted as a number (bool is excluded separately: True is not 1 here)
NUMBER_TYPES = (int, float, np.integer, np.floating)
INT_TYPES = (int, np.integer)


#: a string quoted in an error: a short identifier (letters, digits, spaces, ``_ . + - / [ ] =``)
_QUOTABLE = re.compile(r"^[\w .+\-/\[\]=]{0,40}$")


def quotable(value: object) -> bool:
    """Whether an error may quote ``value``: anything but a string that is not a short identifier
    (letters, digits, spaces and ``_ . + - / [ ] =``, at most 40), or a list or mapping holding
    one. Such a string (a sentence, a password hash, a line of a file that is not what it was said
    to be) is named by its :func:`kind` instead, so that an error never echoes a file's
    content."""
    if isinstance(value, str):
        return bool(_QUOTABLE.match(value))
    if isinstance(value, (list, tuple)):
        return all(quotable(v) for v in value)
    if isinstance(value, dict):
        return all(quotable(k) and quotable(v) for k, v in value.items())
    return True   # numbers, None, objects made in Python (their repr is cut)


def kind(value: object) -> str:
    """What ``value`` is, without its content: ``a string of 57 characters``, ``a mapping of 3
    keys``, ``a list of 2 items``."""
    def count(n: int, word: str) -> str:
        return f"{n} {word}" + ("" if n == 1 else "s")

    if isinstance(value, str):
        return f"a string of {count(len(value), 'character')}"
    if isinstance(value, dict):
        return f"a mapping of {count(len(value), 'key')}"
    if isinstance(value, (list, tuple)):
        return f"a list of {count(len(value), 'item')}"
    return f"a {type(value).__name__}"


def show(value: object, json_style: bool = False) -> str:
    """``value`` quoted for an error message: ``repr`` (or, with ``json_style``, JSON as a spec file
    spells it: strings in double quotes), cut to :data:`SHOW_MAX` characters; a huge int is named by
    its number of digits, and a value that is not :func:`quotable` by its :func:`kind`."""
    if not quotable(value):
        return kind(value)
    if json_style:
        try:
            text = json.dumps(value)
        except (TypeError, ValueError):
            text = repr(value)
    else:
        text = repr(value)
    if isinstance(value, INT_TYPES) and not isinstance(value, (bool, np.bool_)) and len(text) > 25:
        return f"an integer of {len(text.lstrip('-'))} digits"
    if len(text) > SHOW_MAX:
        return text[:SHOW_MAX - 15] + f"... ({len(text)} characters)"
    return text


# Where the options being checked came from: "" for a Python call, else their path in a spec
# ("dataset.options"), so that an error names a keyword the way the caller wrote it.
_OPTIONS_AT: ContextVar[str] = ContextVar("augfit_options_at", default="")


@contextmanager
def options_at(path: str) -> Iterator[None]:
    """Within the block, :func:`keyword` and :func:`setting` speak a spec's language: the options
    are the mapping at ``path`` (e.g. ``"dataset.options"``) of a YAML spec."""
    token = _OPTIONS_AT.set(path)
    try:
        yield
    finally:
        _OPTIONS_AT.reset(token)


def keyword(name: str) -> str:
    """An option as the caller wrote it: ``text_column=`` in Python, ``dataset.options.text_column``
    in a spec (inside :func:`options_at`).

    >>> keyword("text_column")
    'text_column='
    >>> with options_at("dataset.options"):
    ...     keyword("text_column")
    'dataset.options.text_column'
    """
    at = _OPTIONS_AT.get()
    return f"{at}.{name}" if at else f"{name}="


def give(name: str) -> str:
    """How to give an option, in the caller's language: ``pass path=`` in Python, ``set
    dataset.options.path`` in a spec (inside :func:`options_at`)."""
    at = _OPTIONS_AT.get()
    return f"set {at}.{name}" if at else f"pass {name}="


def give_value(name: str, value: object) -> str:
    """How to set an option to ``value``, in the caller's language: ``pass size=[28, 28]`` in
    Python, ``set dataset.options.size: [28, 28]`` in a spec."""
    return ("set " if _OPTIONS_AT.get() else "pass ") + setting(name, value)


def setting(name: str, value: object) -> str:
    """An option set to ``value`` as the caller would write it: ``text_column='review'`` in Python,
    ``dataset.options.text_column: review`` in a spec."""
    at = _OPTIONS_AT.get()
    if not at:
        return f"{name}={value!r}"
    return f"{at}.{name}: {value if isinstance(value, (int, float)) else show(value, True)}"


def where(name: str, owner: str = "") -> str:
    """How an argument is named in a message: ``Owner(name=...)``, or ``name`` alone."""
    return f"{owner}({name}=...)" if owner else name


def is_number(value: object) -> TypeGuard[int | float | np.integer | np.floating]:
    """True for an int or float (Python or NumPy), False for bool and everything else."""
    return isinstance(value, NUMBER_TYPES) and not isinstance(value, (bool, np.bool_))


def is_int(value: object) -> TypeGuard[int | np.integer]:
    """True for an int (Python or NumPy), False for bool and everything else."""
    return isinstance(value, INT_TYPES) and not isinstance(value, (bool, np.bool_))


def is_finite(value: object) -> bool:
    """True for a finite number (a Python int too large for a float is not)."""
    if not isinstance(value, (str, bytes, bytearray, SupportsFloat, SupportsIndex)):
        return False
    try:
        return bool(np.isfinite(float(value)))
    except (OverflowError, TypeError, ValueError):
        return False


def in_bounds(value: float, lo: float = -math.inf, hi: float = math.inf, lo_open: bool = False,
              hi_open: bool = False) -> bool:
    """Whether ``value`` lies in the interval from ``lo`` to ``hi`` (each end open or closed)."""
    above = value > lo if lo_open else value >= lo
    below = value < hi if hi_open else value <= hi
    return bool(above and below)


def interval(lo: float = -math.inf, hi: float = math.inf, lo_open: bool = False,
             hi_open: bool = False, fmt: Callable[[float], str] = str) -> str:
    """The bounds as a message says them: ``in [0, 1)``, ``>= 1``, ``< 5`` or ``""`` (no bound)."""
    if lo > -math.inf and hi < math.inf:
        return f"in {'(' if lo_open else '['}{fmt(lo)}, {fmt(hi)}{')' if hi_open else ']'}"
    if lo > -math.inf:
        return f"{'>' if lo_open else '>='} {fmt(lo)}"
    if hi < math.inf:
        return f"{'<' if hi_open else '<='} {fmt(hi)}"
    return ""


def short_number(x: float) -> str:
    """A bound as a spec error shows it: ``1`` for 1.0, ``0.5`` for 0.5."""
    return str(int(x)) if float(x).is_integer() else repr(x)


def describe(kind: str, lo: float = -math.inf, hi: float = math.inf, lo_open: bool = False,
             hi_open: bool = False, fmt: Callable[[float], str] = str) -> str:
    """What is expected, e.g. ``describe("a number", 0, 10, lo_open=True)`` is
    ``"a number in (0, 10]"``."""
    span = interval(lo, hi, lo_open, hi_open, fmt)
    return f"{kind} {span}" if span else kind


def _int_kind(low: int | None, high: int | None) -> str:
    if high is None and low == 1:
        return "a positive int"
    if high is None and low == 0:
        return "a non-negative int"
    return describe("an int", -math.inf if low is None else low,
                    math.inf if high is None else high)


@overload
def check_int(value: object, name: str, owner: str = "", low: int | None = 1,
              high: int | None = None, allow_none: Literal[False] = False,
              hint: str = "") -> int: ...


@overload
def check_int(value: object, name: str, owner: str = "", low: int | None = 1,
              high: int | None = None, allow_none: bool = ..., hint: str = "") -> int | None: ...


def check_int(value: object, name: str, owner: str = "", low: int | None = 1,
              high: int | None = None, allow_none: bool = False, hint: str = "") -> int | None:
    """``value`` as an ``int`` in ``[low, high]`` (``None`` for no bound); ``allow_none`` also lets
    ``None`` through. ``hint`` is added after the bounds, e.g. ``" (words per sentence)"``."""
    if value is None and allow_none:
        return None
    if not is_int(value) or (low is not None and value < low) or (
            high is not None and value > high):
        kind = ("None or " if allow_none else "") + _int_kind(low, high)
        raise ConfigError(f"{where(name, owner)} must be {kind}{hint}, got {show(value)}")
    return int(value)


def check_number(value: object, name: str, owner: str = "", low: float = -math.inf,
                 high: float = math.inf, low_open: bool = False, high_open: bool = False,
                 hint: str = "") -> float:
    """``value`` as a finite ``float`` within the bounds (each end open or closed; NaN and inf are
    refused even without bounds). ``hint`` is added after the bounds, e.g.
    ``" (0 = no smoothing; 0.1 is usual)"``."""
    if not is_number(value) or not is_finite(value) or not in_bounds(
            float(value), low, high, low_open, high_open):
        what = describe("a number", low, high, low_open, high_open, short_number)
        raise ConfigError(f"{where(name, owner)} must be {what}{hint}, got {show(value)}")
    return float(value)


def check_probability(p: object, name: str = "p", owner: str = "") -> float:
    """A probability in ``[0, 1]`` as ``float``."""
    return check_number(p, name, owner, 0, 1)


def check_bool(value: object, name: str, owner: str = "", hint: str = "") -> bool:
    """``value`` if it is ``True`` or ``False`` (NumPy's bool too), never a truthy stand-in."""
    if not isinstance(value, (bool, np.bool_)):
        raise ConfigError(f"{where(name, owner)} must be True or False{hint}, got {show(value)}")
    return bool(value)


def check_range(value: object, name: str, owner: str = "",
                lo: float = -np.inf, hi: float = np.inf,
                symmetric: bool = False) -> tuple[float, float]:
    """A ``(low, high)`` pair of finite numbers with ``lo <= low <= high <= hi``; with
    ``symmetric``, a single number ``v >= 0`` means ``(-v, v)``."""
    at = where(name, owner)
    if is_number(value):
        if not symmetric:
            raise ConfigError(f"{at} must be a (low, high) pair, got {show(value)}")
        v = float(value)
        if v < 0:
            raise ConfigError(f"{at} must be >= 0 when given as one number, got {show(value)}")
        pair = (-v, v)
    elif isinstance(value, (tuple, list)) and len(value) == 2 and all(map(is_number, value)):
        pair = (float(value[0]), float(value[1]))
    else:
        raise ConfigError(f"{at} must be a number or a (low, high) pair of numbers, "
                          f"got {show(value)}")
    if not (np.isfinite(pair[0]) and np.isfinite(pair[1])):
        raise ConfigError(f"{at} must be finite, got {show(value)}")
    if pair[0] > pair[1]:
        raise ConfigError(f"{at}: low cannot be greater than high, got {show(value)}")
    if pair[0] < lo or pair[1] > hi:
        raise ConfigError(f"{at} must lie within [{lo}, {hi}], got {show(value)}")
    return pair


def _int_pair(value: object) -> TypeGuard[Sequence[int | np.integer]]:
    """A list or tuple of two ints (Python or NumPy; not bool)."""
    return isinstance(value, (list, tuple)) and len(value) == 2 and all(map(is_int, value))


def check_int_range(value: object, name: str, owner: str = "", lo: int = 0, hi: int = 2 ** 31,
                    hint: str = "", valid: Callable[[int, int], bool] | None = None
                    ) -> tuple[int, int]:
    """An inclusive ``(low, high)`` pair of ints with ``lo <= low <= high <= hi`` (and, if
    given, ``valid(low, high)``; ``hint`` says what that asks)."""
    if not _int_pair(value) or not lo <= value[0] <= value[1] <= hi or (
            valid is not None and not valid(int(value[0]), int(value[1]))):
        raise ConfigError(f"{where(name, owner)} must be an inclusive (low, high) pair of ints "
                          f"with {lo} <= low <= high <= {hi}{hint}, got {show(value)}")
    return int(value[0]), int(value[1])


def did_you_mean(word: object, options: Iterable[object], n: int = 1) -> str:
    """``"did you mean 'relu'?"`` naming up to ``n`` options close to ``word``, or ``""``."""
    close = difflib.get_close_matches(str(word), [str(o) for o in options], n=n)
    return f"did you mean {', '.join(map(repr, close))}?" if close else ""


def check_keywords(fn: Callable[..., object], given: Iterable[str], where: str) -> None:
    """Every key of ``given`` is a keyword ``fn`` takes (unless it takes ``**kwargs``); ``where``
    names the call, with ``{}`` standing for the keyword."""
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return
    if any(p.kind is p.VAR_KEYWORD for p in params.values()):
        return
    allowed = [k for k, p in params.items() if k != "self"
               and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    for key in given:
        if key not in allowed:
            hint = did_you_mean(key, allowed)
            takes = f"it takes {', '.join(allowed)}" if allowed else "it takes no options"
            raise ConfigError(f"{where.format(key)}: unknown keyword; "
                              + (f"{hint} " if hint else "") + takes)


def check_choice(value: T, name: str, allowed: Iterable[object], owner: str = "",
                 hint: str = "") -> T:
    """``value`` if it is one of ``allowed`` (a name table such as ``ACTIVATIONS`` is listed by its
    sorted keys), else a ConfigError listing them."""
    options = sorted(allowed) if isinstance(allowed, (dict, set, frozenset)) else list(allowed)
    try:
        ok = value in options
    except TypeError:  # an unhashable value against a table
        ok = False
    if not ok:
        raise ConfigError(f"{where(name, owner)} must be one of {options}{hint}, "
                          f"got {show(value)}")
    return value


def check_ndim(x: object, ndims: int | Sequence[int], what: str, owner: str, layout: str,
               hint: str = "") -> np.ndarray:
    """``x`` if it is a NumPy array with one of ``ndims`` dimensions, else a ShapeError such as
    ``"TimeMask: expected spectrograms of shape (N, F, T), got shape (5,)"``.

    ``what`` names the input (``"spectrograms"``), ``layout`` its axes (``"(N, F, T)"``) and
    ``hint`` is added after the shape received, e.g. ``"; pass a batch, e.g. x[None]"``."""
    allowed = (ndims,) if isinstance(ndims, int) else tuple(ndims)
    if not isinstance(x, np.ndarray):
        raise ShapeError(f"{owner}: expected {what} as a numpy array of shape {layout}, got "
                         f"{type(x).__name__}{hint}")
    if x.ndim not in allowed:
        raise ShapeError(f"{owner}: expected {what} of shape {layout}, got shape "
                         f"{x.shape}{hint}")
    return x


__all__ = ["SHOW_MAX", "check_bool", "check_choice", "check_int", "check_ndim", "check_number",
           "check_probability", "check_range", "describe", "did_you_mean", "in_bounds", "interval",
           "is_finite", "is_int", "is_number", "kind", "quotable", "short_number", "show", "where"]
