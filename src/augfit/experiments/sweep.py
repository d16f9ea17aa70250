"""Strength sweeps in specs: one method expanded into one method per value of one parameter.

::

    - name: rotate
      augment: [{type: Rotate, limit: 15}]
      sweep: {param: "augment[0].limit", values: [5, 10, 20, 40]}   # in {...} YAML needs quotes

becomes the methods ``rotate[limit=5]``, ``rotate[limit=10]``, ``rotate[limit=20]`` and
``rotate[limit=40]``, each the original with that value set. ``param`` is a path into the method:
a field (``dropout``, ``label_smoothing``, ``weight_decay``), or an argument of a transform in
``augment`` / ``mix`` (``augment[0].limit``, ``augment[1].transforms[0].alpha``, ``mix.alpha``); a
transform argument may be one the spec leaves at its default. The expanded methods are ordinary
methods (the canonical spec lists them), so results, keys and resumption work as for any other.
:func:`parse_label` reads the group, parameter and value back from a label.
"""
from __future__ import annotations

import copy
import math
import re
from collections.abc import Iterator, Mapping
from typing import Any

from .checker import Checker, show

_STEP = re.compile(r"([A-Za-z_]\w*)|\[(\d+)\]")
_PATH = re.compile(r"[A-Za-z_]\w*(\[\d+\]|\.[A-Za-z_]\w*)*")
_LABEL = re.compile(r"^(?P<group>.+)\[(?P<param>[A-Za-z_]\w*)=(?P<value>[^\]]+)\]$")
_FIELDS = ("dropout", "label_smoothing", "weight_decay")


def expand(ck: Checker, methods: list[Any]) -> Iterator[tuple[str, Any]]:
    """``(path, method item)`` for every method, sweeps expanded (other items passed through)."""
    for i, item in enumerate(methods):
        path = f"methods[{i}]"
        if not isinstance(item, Mapping) or "sweep" not in item:
            yield path, item
            continue
        sweep = ck.mapping(item["sweep"], f"{path}.sweep", ["param", "values"], ["param", "values"])
        param = ck.string(sweep["param"], f"{path}.sweep.param",
                          "a parameter path such as augment[0].limit")
        values = sweep["values"]
        if not isinstance(values, list) or len(values) < 2:
            raise ck.expected(f"{path}.sweep.values", "a list of at least 2 values to compare",
                              values)
        for j, val in enumerate(values):
            if not _is_value(val):
                raise ck.expected(f"{path}.sweep.values[{j}]", "a number (or a short name)", val)
            if val in values[:j]:
                raise ck.fail(f"{path}.sweep.values[{j}]",
                              f"duplicate value {show(val)}; list each value once")
        steps = _steps(ck, param, f"{path}.sweep.param")
        base = {k: v for k, v in item.items() if k != "sweep"}
        name = base.get("name")
        for val in values:
            one = copy.deepcopy(base)
            _set(ck, one, steps, val, param, f"{path}.sweep.param")
            one["name"] = f"{name}[{steps[-1]}={_fmt(val)}]"
            yield path, one


def parse_label(name: str) -> tuple[str, str, str] | None:
    """``("rotate", "limit", "10")`` for ``"rotate[limit=10]"``; None for an unswept name."""
    m = _LABEL.match(name)
    return (m["group"], m["param"], m["value"]) if m else None


def sweep_groups(names: list[str]) -> dict[str, dict[str, Any]]:
    """Swept methods grouped for a dose-response plot: ``{group: {"param": name, "points":
    [(value, method name), ...]}}``, points sorted by value (numbers parsed; names kept as str).

    >>> sweep_groups(["baseline", "rotate[limit=10]", "rotate[limit=5]"])
    {'rotate': {'param': 'limit', 'points': [(5, 'rotate[limit=5]'), (10, 'rotate[limit=10]')]}}
    """
    out: dict[str, dict[str, Any]] = {}
    for name in names:
        parsed = parse_label(name)
        if parsed is None:
            continue
        group, param, raw = parsed
        value: Any = raw
        for cast in (int, float):
            try:
                value = cast(raw)
                break
            except ValueError:
                continue
        out.setdefault(group, {"param": param, "points": []})["points"].append((value, name))
    for g in out.values():
        g["points"].sort(key=lambda p: (isinstance(p[0], str), p[0]))
    return out


def _is_value(v: Any) -> bool:
    if isinstance(v, bool):
        return False
    if isinstance(v, (int, float)):
        return math.isfinite(v)
    return isinstance(v, str) and re.fullmatch(r"[A-Za-z0-9_.+-]+", v) is not None


def _fmt(v: Any) -> str:
    return repr(v) if isinstance(v, float) else str(v)


def _steps(ck: Checker, param: str, where: str) -> list[str | int]:
    if not _PATH.fullmatch(param):
        raise ck.fail(where, f"{show(param)} is not a parameter path; write a field (dropout) or "
                      f"a transform argument (augment[0].limit, mix.alpha)")
    return [m[1] if m[1] is not None else int(m[2]) for m in _STEP.finditer(param)]


def _set(ck: Checker, method: dict[str, Any], steps: list[str | int], value: Any, param: str,
         where: str) -> None:
    """Set ``value`` at ``steps`` inside ``method``; the parameter must exist."""
    head = steps[0]
    if len(steps) == 1:
        if head not in _FIELDS:
            raise ck.fail(where, f"{show(param)} does not exist: a method's sweepable fields are "
                          f"{', '.join(_FIELDS)}, or a transform argument such as "
                          f"augment[0].limit")
        method[head] = value
        return
    node: Any = method
    for k, step in enumerate(steps[:-1]):
        nxt = node[step] if _has(node, step) else None
        if nxt is None:
            done = _path(steps[:k + 1])
            raise ck.fail(where, f"{show(param)} does not exist: the method has no {done}")
        node = nxt
    leaf = steps[-1]
    if not isinstance(node, dict) or "type" not in node:
        raise ck.fail(where, f"{show(param)} does not exist: {_path(steps[:-1])} is not a "
                      f"transform {{type: ...}}")
    if leaf not in node and not _is_argument(node["type"], str(leaf)):
        raise ck.fail(where, f"{show(param)} does not exist: {node['type']} has no argument "
                      f"{leaf!r}")
    node[leaf] = value


def _has(node: Any, step: str | int) -> bool:
    if isinstance(step, int):
        return isinstance(node, list) and 0 <= step < len(node)
    return isinstance(node, dict) and step in node


def _is_argument(type_name: Any, arg: str) -> bool:
    from ..registry import TRANSFORMS
    from .augment_spec import _arg_names

    if not isinstance(type_name, str) or type_name not in TRANSFORMS:
        return False
    names = _arg_names(TRANSFORMS.get(type_name))
    return names is None or arg in names


def _path(steps: list[str | int]) -> str:
    out = ""
    for s in steps:
        out += f"[{s}]" if isinstance(s, int) else (f".{s}" if out else s)
    return out


__all__ = ["expand", "parse_label", "sweep_groups"]
