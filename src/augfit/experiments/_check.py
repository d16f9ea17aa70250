"""Small field validators for experiment specs: each error names the file, the field path, the bad
value and what is allowed, e.g. ``pipelines/x.yaml: training.lr: expected a number in (0, 10],
got "fast"``.
"""
from __future__ import annotations

import difflib
import json
import math
from typing import Any, Iterable, Mapping

from ..errors import ConfigError


def show(value: Any) -> str:
    """A value as the user wrote it (JSON-like: strings in double quotes)."""
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)


class Checker:
    """Raises ConfigError prefixed with the spec's source (a file name or ``<dict>``)."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, path: str, message: str) -> ConfigError:
        where = f"{self.source}: {path}" if path else self.source
        return ConfigError(f"{where}: {message}")

    def expected(self, path: str, what: str, value: Any) -> ConfigError:
        return self.fail(path, f"expected {what}, got {show(value)}")

    def mapping(self, value: Any, path: str, allowed: Iterable[str],
                required: Iterable[str] = ()) -> Mapping[str, Any]:
        """A mapping whose keys are all in ``allowed`` and include every ``required`` key."""
        if not isinstance(value, Mapping):
            raise self.expected(path, f"a mapping with fields {', '.join(allowed)}", value)
        allowed = list(allowed)
        for key in value:
            if key not in allowed:
                close = difflib.get_close_matches(str(key), allowed, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise self.fail(_join(path, str(key)),
                                f"unknown field{hint} Allowed fields: {', '.join(allowed)}")
        for key in required:
            if key not in value:
                raise self.fail(_join(path, key), "required field is missing")
        return value

    def number(self, value: Any, path: str, lo: float = -math.inf, hi: float = math.inf,
               lo_open: bool = False, hi_open: bool = False, integer: bool = False) -> float | int:
        """A finite int/float within the given bounds (``integer`` asks for an int)."""
        kind = "an integer" if integer else "a number"
        lo_s, hi_s = ("(" if lo_open else "["), (")" if hi_open else "]")
        if lo > -math.inf and hi < math.inf:
            what = f"{kind} in {lo_s}{_fmt(lo)}, {_fmt(hi)}{hi_s}"
        elif lo > -math.inf:
            what = f"{kind} {'>' if lo_open else '>='} {_fmt(lo)}"
        elif hi < math.inf:
            what = f"{kind} {'<' if hi_open else '<='} {_fmt(hi)}"
        else:
            what = kind
        ok_type = (int,) if integer else (int, float)
        if isinstance(value, bool) or not isinstance(value, ok_type) or not math.isfinite(value):
            raise self.expected(path, what, value)
        if value < lo or value > hi or (lo_open and value == lo) or (hi_open and value == hi):
            raise self.expected(path, what, value)
        return value

    def choice(self, value: Any, path: str, allowed: Iterable[Any]) -> Any:
        allowed = list(allowed)
        if value not in allowed:
            raise self.expected(path, "one of " + ", ".join(show(a) for a in allowed), value)
        return value

    def boolean(self, value: Any, path: str) -> bool:
        if not isinstance(value, bool):
            raise self.expected(path, "true or false", value)
        return value

    def string(self, value: Any, path: str, what: str = "a non-empty string") -> str:
        if not isinstance(value, str) or not value:
            raise self.expected(path, what, value)
        return value

    def int_list(self, value: Any, path: str, lo: int, what: str,
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


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(x)


__all__ = ["Checker", "show"]
