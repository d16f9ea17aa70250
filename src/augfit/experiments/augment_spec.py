"""The ``augment`` field of a method: inline transform dicts or a file, built and validated at load.

Each transform is built with :meth:`Transform.from_dict`; its ConfigError is rewrapped with the
field path (``methods[2].augment[0].limit: ...``) so the user sees where in the spec it came from.
"""
from __future__ import annotations

import inspect
import json
import re
from pathlib import Path
from typing import Any, Mapping

import yaml

from ..errors import AugfitError
from ._check import Checker

_ARG = re.compile(r"\b[A-Za-z_]\w*\((\w+)=")


def build_augment(ck: Checker, value: Any, path: str, base_dir: Path) -> dict[str, Any]:
    """Validate ``value`` (list of transform dicts, one dict, or a file path) and return the
    canonical transform dict (``Transform.to_dict()`` of the built pipeline)."""
    if isinstance(value, str):
        return _from_file(ck, value, path, base_dir)
    if isinstance(value, list):
        if not value:
            raise ck.expected(path, "a non-empty list of transforms", value)
        from ..transforms.compose import Compose

        items = [_build(ck, item, f"{path}[{i}]") for i, item in enumerate(value)]
        return Compose(items).to_dict()
    if isinstance(value, Mapping):
        return _build(ck, value, path).to_dict()
    raise ck.expected(path, "a list of transforms, one transform {type: ...}, or a file path",
                      value)


def _from_file(ck: Checker, name: str, path: str, base_dir: Path) -> dict[str, Any]:
    file = base_dir / Path(name).expanduser()      # like every path in a spec: from its folder
    if not file.is_file():
        raise ck.fail(path, f"augment file {name!r} not found (looked for {file}; relative paths "
                      "in a spec are resolved from the spec's folder); give a YAML/JSON file in "
                      "the transform serialized form")
    try:
        text = file.read_text()
        data = json.loads(text) if file.suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as e:
        raise ck.fail(path, f"cannot parse augment file {str(file)!r}: {e}") from None
    inner = Checker(f"{ck.source}: {path} (from {file})")
    if isinstance(data, str):
        raise inner.expected("", "a transform dict or a list of transforms", data)
    return build_augment(inner, data, "", file.parent)


def _build(ck: Checker, item: Any, path: str) -> Any:
    from ..registry import TRANSFORMS
    from ..transforms.base import Transform

    if not isinstance(item, Mapping) or "type" not in item:
        raise ck.expected(path, "a transform dict {type: Name, ...args}", item)
    type_path = f"{path}.type" if path else "type"
    try:
        cls = TRANSFORMS.get(item["type"])
    except AugfitError as e:
        raise ck.fail(type_path, str(e)) from None
    allowed = _arg_names(cls)
    if allowed is not None:
        for key in item:
            if key != "type" and key not in allowed:
                raise ck.fail(_sub(path, str(key)), f"unknown argument of {item['type']}; "
                              f"allowed: {', '.join(allowed)}")
    try:
        return Transform.from_dict(dict(item))
    except AugfitError as e:
        m = _ARG.search(str(e))
        arg = m.group(1) if m and m.group(1) in item else None
        raise ck.fail(_sub(path, arg) if arg else path, str(e)) from None
    except TypeError as e:
        raise ck.fail(path, f"invalid arguments for {item['type']}: {e}") from None


def _arg_names(cls: type) -> list[str] | None:
    """Constructor argument names, or None when the class takes **kwargs or builds itself."""
    if hasattr(cls, "_from_config"):
        return None
    params = inspect.signature(cls.__init__).parameters
    if any(p.kind == p.VAR_KEYWORD for p in params.values()):
        return None
    return [n for n, p in params.items() if n != "self" and p.kind != p.VAR_POSITIONAL]


def leaves(t: Any) -> list[Any]:
    """The transforms inside a (possibly nested) composition, in order."""
    children = getattr(t, "transforms", None)
    if isinstance(children, list):
        return [leaf for c in children for leaf in leaves(c)]
    return [t]


def check_modality(spec: Any, modality: str, dataset: str) -> None:
    """Fail before training if a method's augment holds a transform for another modality (e.g.
    CutMix or RandAugment on text), or its ``mix`` step needs a layout the features lack."""
    from ..transforms.base import Transform

    ck = Checker(spec.source)
    for i, m in enumerate(spec.methods):
        for field, tree in (("augment", m.augment), ("mix", m.mix)):
            if tree is None:
                continue
            allowed = ("any", modality) if field == "augment" else ("any",)
            for leaf in leaves(Transform.from_dict(tree)):
                kind = getattr(leaf, "modality", "any")
                if kind in allowed:
                    continue
                name = type(leaf).__name__
                if field == "mix":
                    raise ck.fail(f"methods[{i}].mix", f"{name} works on {kind} data, not on "
                                  f"feature vectors; put it in augment, or mix with MixUp")
                raise ck.fail(f"methods[{i}].augment", f"{name} is a transform for {kind} data "
                              f"but dataset {dataset!r} holds {modality} data; use a {modality} "
                              f"transform (augfit list transforms)")


def _sub(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


__all__ = ["build_augment", "check_modality", "leaves"]
