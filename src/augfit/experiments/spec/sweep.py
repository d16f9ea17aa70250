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

A list-valued dotted key in the method is a second way to write the same sweep::

    - name: mixup
      augment: [{type: MixUp}]
      mixup.alpha: [0.1, 0.2, 0.4]       # = sweep: {param: "augment[0].alpha", values: [...]}

The key is a parameter path as above (``augment[0].limit: [5, 10]``), or starts with the type of a
transform of the method instead (``mixup.alpha``, ``RandAugment.magnitude``; any case), which must
name exactly one transform of its ``augment`` or ``mix``. Both forms expand to the same methods,
so they give the same canonical spec and the same cell keys. A method sweeps one parameter: a
second dotted key, or a dotted key beside ``sweep:``, is an error.
"""
from __future__ import annotations

import copy
import math
import re
from collections.abc import Iterator, Mapping
from typing import TypeAlias, TypedDict

from .checker import Checker, show

_STEP = re.compile(r"([A-Za-z_]\w*)|\[(\d+)\]")
_PATH = re.compile(r"[A-Za-z_]\w*(\[\d+\]|\.[A-Za-z_]\w*)*")
_LABEL = re.compile(r"^(?P<group>.+)\[(?P<param>[A-Za-z_]\w*)=(?P<value>[^\]]+)\]$")
_FIELDS = ("dropout", "label_smoothing", "weight_decay")
#: a swept value read back from a label: a number, or a short name
SweepValue: TypeAlias = int | float | str


class SweepGroup(TypedDict):
    """One swept method's variants: the parameter's name and ``(value, method name)`` points."""

    param: str
    points: list[tuple[SweepValue, str]]


def expand(ck: Checker, methods: list[object]) -> Iterator[tuple[str, object]]:
    """``(path, method item)`` for every method, sweeps expanded (other items passed through)."""
    for i, item in enumerate(methods):
        path = f"methods[{i}]"
        if not isinstance(item, Mapping):
            yield path, item
            continue
        dotted = [k for k in item if _is_dotted(k)]
        declared = (["sweep"] if "sweep" in item else []) + dotted
        if not declared:
            yield path, item
            continue
        if len(declared) > 1:
            raise ck.fail(path, f"declares {len(declared)} sweeps ({', '.join(declared)}); a "
                          "method sweeps one parameter: keep one and make the others separate "
                          "methods")
        base = {k: v for k, v in item.items() if k not in declared}
        if dotted:
            key = dotted[0]
            where = f"{path}.{key}"
            values = item[key]
            if not isinstance(values, list):
                raise ck.expected(where, "a list of at least 2 values to compare (a dotted key "
                                  f"declares a sweep, e.g. {key}: [0.1, 0.2, 0.4]; to set one "
                                  "value, write it in the transform)", values)
            param, steps = key, _resolve(ck, base, _steps(ck, key, where), key, where)
            values_at, param_at = where, where
        else:
            sweep = ck.mapping(item["sweep"], f"{path}.sweep", ["param", "values"],
                               ["param", "values"])
            param = ck.string(sweep["param"], f"{path}.sweep.param",
                              "a parameter path such as augment[0].limit")
            values = sweep["values"]
            values_at, param_at = f"{path}.sweep.values", f"{path}.sweep.param"
            steps = _steps(ck, param, param_at)
        _check_values(ck, values, values_at)
        name = base.get("name")
        for val in values:
            one = copy.deepcopy(base)
            _set(ck, one, steps, val, param, param_at)
            one["name"] = f"{name}[{steps[-1]}={_fmt(val)}]"
            yield path, one


def _check_values(ck: Checker, values: object, where: str) -> None:
    if not isinstance(values, list) or len(values) < 2:
        raise ck.expected(where, "a list of at least 2 values to compare", values)
    for j, val in enumerate(values):
        if not _is_value(val):
            raise ck.expected(f"{where}[{j}]", "a number (or a short name)", val)
        if val in values[:j]:
            raise ck.fail(f"{where}[{j}]", f"duplicate value {show(val)}; list each value once")


def _is_dotted(key: object) -> bool:
    """A method key that declares a sweep (``mixup.alpha``, ``augment[0].limit``)."""
    return isinstance(key, str) and ("." in key or "[" in key)


def _resolve(ck: Checker, method: Mapping[str, object], steps: list[str | int], key: str,
             where: str) -> list[str | int]:
    """``steps`` with a leading transform type (``mixup``) replaced by that transform's path
    in the method (``augment[0]``); a path that starts with a field is returned as it is."""
    head = steps[0]
    if head in ("augment", "mix") or head in _FIELDS or isinstance(head, int):
        return steps
    found = [p for p, t in _transforms(method) if str(t).lower() == str(head).lower()]
    if len(found) == 1:
        return found[0] + steps[1:]
    listed = ", ".join(f"{t} at {_path(p)}" for p, t in _transforms(method)) or "none"
    if not found:
        raise ck.fail(where, f"{show(key)} does not exist: {head!r} is neither a field of the "
                      f"method nor the type of one of its transforms (its transforms: {listed})")
    raise ck.fail(where, f"{show(key)} is ambiguous: the method has {len(found)} {head} "
                  f"transforms ({listed}); write the path, e.g. {_path(found[0] + steps[1:])}")


def _transforms(method: Mapping[str, object]) -> list[tuple[list[str | int], object]]:
    """``(path steps, type)`` of every transform dict in the method's augment and mix,
    nested ones (``transforms: [...]``) included."""
    out: list[tuple[list[str | int], object]] = []

    def walk(node: object, at: list[str | int]) -> None:
        if isinstance(node, list):
            for j, child in enumerate(node):
                walk(child, [*at, j])
        elif isinstance(node, Mapping) and "type" in node:
            out.append((at, node["type"]))
            if "transforms" in node:
                walk(node["transforms"], [*at, "transforms"])

    for field in ("augment", "mix"):
        if field in method:
            walk(method[field], [field])
    return out


def parse_label(name: str) -> tuple[str, str, str] | None:
    """``("rotate", "limit", "10")`` for ``"rotate[limit=10]"``; None for an unswept name."""
    m = _LABEL.match(name)
    return (m["group"], m["param"], m["value"]) if m else None


def sweep_groups(names: list[str]) -> dict[str, SweepGroup]:
    """Swept methods grouped for a dose-response plot: ``{group: {"param": name, "points":
    [(value, method name), ...]}}``, points sorted by value (numbers parsed; names kept as str).

    >>> sweep_groups(["baseline", "rotate[limit=10]", "rotate[limit=5]"])
    {'rotate': {'param': 'limit', 'points': [(5, 'rotate[limit=5]'), (10, 'rotate[limit=10]')]}}
    """
    out: dict[str, SweepGroup] = {}
    for name in names:
        parsed = parse_label(name)
        if parsed is None:
            continue
        group, param, raw = parsed
        out.setdefault(group, {"param": param, "points": []})["points"].append((_parsed(raw), name))
    for g in out.values():
        g["points"].sort(key=lambda p: (isinstance(p[0], str), p[0]))
    return out


def _parsed(raw: str) -> SweepValue:
    """A label's value as a number when it reads as one (an int first), else the text."""
    for number in (int, float):
        try:
            return number(raw)
        except ValueError:
            continue
    return raw


def _is_value(v: object) -> bool:
    if isinstance(v, bool):
        return False
    if isinstance(v, (int, float)):
        return math.isfinite(v)
    return isinstance(v, str) and re.fullmatch(r"[A-Za-z0-9_.+-]+", v) is not None


def _fmt(v: object) -> str:
    return repr(v) if isinstance(v, float) else str(v)


def _steps(ck: Checker, param: str, where: str) -> list[str | int]:
    if not _PATH.fullmatch(param):
        raise ck.fail(where, f"{show(param)} is not a parameter path; write a field (dropout) or "
                      f"a transform argument (augment[0].limit, mix.alpha)")
    return [m[1] if m[1] is not None else int(m[2]) for m in _STEP.finditer(param)]


def _set(ck: Checker, method: dict[str, object], steps: list[str | int], value: object, param: str,
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
    node: object = method
    for k, step in enumerate(steps[:-1]):
        nxt = _child(node, step)
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


def _child(node: object, step: str | int) -> object:
    """``node[step]`` when ``node`` is a list or dict that has it, else None."""
    if isinstance(step, int):
        return node[step] if isinstance(node, list) and 0 <= step < len(node) else None
    return node.get(step) if isinstance(node, dict) else None


def _is_argument(type_name: object, arg: str) -> bool:
    from ...registry import TRANSFORMS
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


__all__ = ["SweepGroup", "SweepValue", "expand", "parse_label", "sweep_groups"]
