"""The field checker of experiment specs, public so that a spec-like file of your own gets the
same errors. Each error names the file, the field path, the bad value and what is allowed, e.g.
``pipelines/x.yaml: training.lr: expected a number in (0, 10], got "fast"``. The rules (what counts
as a number, how bounds are worded, how a value is quoted) are those of :mod:`augfit.checks`, which
words the same rules for Python arguments.

Also the limits every spec obeys, in one place: integers fit SQLite's and NumPy's 64-bit integers
(:data:`INT_MAX`, :func:`check_integers`), YAML is read with a cap on its size and on the nodes its
aliases expand to (:func:`augfit.safe_yaml.load_yaml`, re-exported here), and a value quoted in an
error is cut to a short excerpt (:func:`show`), so an error never echoes a whole file.
"""
from __future__ import annotations

import inspect
import math
import re
from collections.abc import Callable, Iterable, Mapping

from ...checks import SHOW_MAX, describe, did_you_mean, in_bounds, short_number
from ...checks import show as _show
from ...errors import ConfigError
from ...safe_yaml import YAML_MAX_BYTES, YAML_MAX_NODES, load_yaml, read_text

INT_MAX = 2**63 - 1          # the largest integer SQLite stores (int64); NumPy seeds take it too
INT_MIN = -(2**63)
# a name, and a sweep's generated suffix [k=v] (rotate[limit=5])
NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.+-]{0,99}"
                  r"(\[[A-Za-z_]\w{0,40}=[A-Za-z0-9_.+-]{1,40}\])?$")


def show(value: object) -> str:
    """A value as the user wrote it (JSON-like: strings in double quotes), cut to an excerpt of
    :data:`~augfit.checks.SHOW_MAX` characters so that an error never echoes a whole file."""
    return _show(value, json_style=True)


class Checker:
    """Raises ConfigError prefixed with the spec's source (a file name or ``<dict>``).

    ``quote=False`` (for a file the spec points to) names a bad value's type instead of quoting it,
    so that an error never shows what a file that failed to parse as expected holds."""

    def __init__(self, source: str, quote: bool = True) -> None:
        self.source = source
        self.quote = quote

    def fail(self, path: str, message: str) -> ConfigError:
        where = f"{self.source}: {path}" if path else self.source
        return ConfigError(f"{where}: {message}")

    def expected(self, path: str, what: str, value: object, hint: str = "") -> ConfigError:
        """``expected WHAT, got VALUE`` (then ``; HINT``, e.g. a "did you mean")."""
        got = show(value) if self.quote or isinstance(value, (int, float)) else _kind(value)
        return self.fail(path, f"expected {what}, got {got}" + (f"; {hint}" if hint else ""))

    def mapping(self, value: object, path: str, allowed: Iterable[str],
                required: Iterable[str] = ()) -> Mapping[str, object]:
        """A mapping whose keys are all in ``allowed`` and include every ``required`` key."""
        allowed = list(allowed)
        if not isinstance(value, Mapping):
            what = f"a mapping with fields {', '.join(allowed)}"
            if not path or not self.quote:      # a whole document: name its type, never quote it
                raise self.fail("", f"expected {what}, got {_kind(value)}")
            raise self.expected(path, what, value)
        for key in value:
            if key not in allowed:
                hint = did_you_mean(key, allowed)
                hint = f"; {hint}" if hint else ""
                raise self.fail(join_path(path, key),
                                f"unknown field{hint} Allowed fields: {', '.join(allowed)}")
        for key in required:
            if key not in value:
                raise self.fail(join_path(path, key), "required field is missing")
        return value

    def number(self, value: object, path: str, lo: float = -math.inf, hi: float = math.inf,
               lo_open: bool = False, hi_open: bool = False, integer: bool = False) -> float | int:
        """A finite int/float within the given bounds (``integer`` asks for an int)."""
        what = describe("an integer" if integer else "a number", lo, hi, lo_open, hi_open,
                        short_number)
        ok_type = (int,) if integer else (int, float)
        if isinstance(value, bool) or not isinstance(value, ok_type):
            raise self.expected(path, what, value)
        if isinstance(value, int):
            self.integer_bounds(value, path)
        elif not math.isfinite(value):
            raise self.expected(path, what, value)
        if not in_bounds(value, lo, hi, lo_open, hi_open):
            raise self.expected(path, what, value)
        return value

    def integer_bounds(self, value: int, path: str) -> int:
        """The one integer rule of a spec: every int fits a 64-bit signed integer, what the
        results store (SQLite) and NumPy's seeding accept, so no result is lost when stored."""
        if not INT_MIN <= value <= INT_MAX:
            raise self.fail(path, f"{show(value)} is outside the 64-bit integer range "
                            f"[-2**63, 2**63 - 1] that results and seeds are stored in; use a "
                            "smaller number")
        return value

    def choice(self, value: object, path: str, allowed: Iterable[str]) -> str:
        allowed = list(allowed)
        if not isinstance(value, str) or value not in allowed:
            hint = did_you_mean(value, allowed) if isinstance(value, str) else ""
            raise self.expected(path, "one of " + ", ".join(show(a) for a in allowed), value,
                                hint)
        return value

    def boolean(self, value: object, path: str) -> bool:
        if not isinstance(value, bool):
            raise self.expected(path, "true or false", value)
        return value

    def name(self, value: object, path: str) -> str:
        """The naming rule of specs and methods (a spec's name is a folder under ``runs/``): 1 to
        100 letters, digits and ``_ . + -``, starting with a letter, digit or ``_`` (so never
        ``..``, never a path), optionally followed by a sweep's ``[key=value]``."""
        if not isinstance(value, str) or not NAME.match(value):
            raise self.expected(path, "a name of letters, digits and _ . + - (1 to 100, starting "
                                "with a letter, digit or _)", value)
        return value

    def string(self, value: object, path: str, what: str = "a non-empty string") -> str:
        if not isinstance(value, str) or not value:
            raise self.expected(path, what, value)
        return value

    def int_list(self, value: object, path: str, lo: int, what: str,
                 distinct: bool = True) -> list[int]:
        """A non-empty list of ints >= ``lo`` (each value once when ``distinct``)."""
        if not isinstance(value, list) or not value:
            raise self.expected(path, f"a non-empty list of {what}", value)
        out = [int(self.number(v, f"{path}[{i}]", lo=lo, integer=True))
               for i, v in enumerate(value)]
        for i, v in enumerate(out):
            if distinct and v in out[:i]:
                raise self.fail(f"{path}[{i}]", f"duplicate value {v}; list each value once")
        return out


def check_integers(ck: Checker, data: object, path: str = "") -> None:
    """Apply :meth:`Checker.integer_bounds` to every int anywhere in ``data`` (nested mappings and
    lists: augment arguments, dataset options, featurizer settings), before any field is used."""
    stack: list[tuple[object, str]] = [(data, path)]
    while stack:
        value, where = stack.pop()
        if isinstance(value, bool):
            continue
        if isinstance(value, int):
            ck.integer_bounds(value, where)
        elif isinstance(value, Mapping):
            stack.extend((v, join_path(where, k)) for k, v in value.items())
            for k in value:
                if isinstance(k, int) and not isinstance(k, bool):
                    ck.integer_bounds(k, where)
        elif isinstance(value, (list, tuple)):
            stack.extend((v, f"{where}[{i}]") for i, v in enumerate(value))


def arg_names(fn: Callable[..., object]) -> list[str] | None:
    """The keyword arguments ``fn`` (a function, or a class's ``__init__``) accepts, or None when
    it takes ``**kwargs``."""
    params = inspect.signature(fn).parameters       # a class: its __init__'s, without self
    if any(p.kind == p.VAR_KEYWORD for p in params.values()):
        return None
    return [n for n, p in params.items() if n != "self"
            and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]


def _kind(value: object) -> str:
    if value is None:
        return "an empty document"
    if isinstance(value, Mapping):
        return "a mapping"
    kinds = {str: "a string", list: "a list", int: "a number", float: "a number", bool: "a boolean"}
    return kinds.get(type(value), f"a {type(value).__name__}")


_PLAIN_KEY = re.compile(r"^[A-Za-z0-9_][\w+-]{0,60}$")


def join_path(path: str, key: object) -> str:
    """``path.key`` for an error message; a key that is not a plain name (spaces, newlines, dots,
    a long text) is quoted as JSON and cut, so a field path is always one short line."""
    k = str(key)
    k = k if _PLAIN_KEY.match(k) else show(k)
    return f"{path}.{k}" if path else k


__all__ = [
    "INT_MAX",
    "INT_MIN",
    "NAME",
    "SHOW_MAX",
    "YAML_MAX_BYTES",
    "YAML_MAX_NODES",
    "Checker",
    "arg_names",
    "check_integers",
    "join_path",
    "load_yaml",
    "read_text",
    "show",
]
