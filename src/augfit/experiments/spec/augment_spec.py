"""The ``augment`` field of a method: inline transform dicts or a file, built and validated at load.

Each transform is built with :meth:`Transform.from_dict`; its ConfigError is rewrapped with the
field path (``methods[2].augment[0].limit: ...``) so the user sees where in the spec it came from.
"""
from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ...checks import did_you_mean
from ...errors import AugfitError, ConfigError
from ...files import what_is
from ...jsontypes import JSONDict
from .checker import Checker, arg_names, check_integers, join_path, load_yaml, read_text

if TYPE_CHECKING:
    from ...transforms.base import Pipeline, Transform

_ARG = re.compile(r"\b[A-Za-z_]\w*\((\w+)=")


def build_augment(ck: Checker, value: object, path: str, base_dir: Path) -> JSONDict:
    """Validate ``value`` (list of transform dicts, one dict, or a file path) and return the
    canonical transform dict (``Transform.to_dict()`` of the built pipeline)."""
    if isinstance(value, str):
        return _from_file(ck, value, path, base_dir)
    if isinstance(value, list):
        if not value:
            raise ck.expected(path, "a non-empty list of transforms", value)
        from ...transforms.compose import Compose

        items = [_build(ck, item, f"{path}[{i}]") for i, item in enumerate(value)]
        return Compose(items).to_dict()
    if isinstance(value, Mapping):
        return _build(ck, value, path).to_dict()
    raise ck.expected(path, "a list of transforms, one transform {type: ...}, or a file path",
                      value)


AUGMENT_SUFFIXES = (".yaml", ".yml", ".json")


def _from_file(ck: Checker, name: str, path: str, base_dir: Path) -> JSONDict:
    """A transform file named relative to the spec's folder. A spec may read only files inside its
    own folder (sub-folders included, symbolic links resolved) ending in .yaml, .yml or .json;
    errors name the path and the problem, never the file's contents."""
    root = base_dir.resolve()
    file = (base_dir / name).resolve()
    if file.suffix.lower() not in AUGMENT_SUFFIXES:
        raise ck.fail(path, f"augment file {name!r} must end in .yaml, .yml or .json")
    if not file.is_relative_to(root):
        raise ck.fail(path, f"augment file {name!r} is outside the spec's folder {str(root)!r}; "
                      "a spec may only read transform files in its own folder: copy it there")
    kind = what_is(file)
    if kind not in ("a file", "missing"):
        raise ck.fail(path, f"augment file {name!r} is {kind}, not a file; give a YAML/JSON file")
    if kind == "missing":
        raise ck.fail(path, f"augment file {name!r} not found (looked for {file}; relative paths "
                      "in a spec are resolved from the spec's folder); give a YAML/JSON file in "
                      "the transform serialized form")
    where = f"{ck.source}: {path} (from {file})"
    text = read_text(file, "augment file")
    if file.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except ValueError as e:
            line = f" at line {e.lineno}, column {e.colno}" \
                if isinstance(e, json.JSONDecodeError) else ""
            msg = getattr(e, "msg", "not a number that can be read")
            raise ConfigError(f"{where}: not valid JSON{line}: {msg}") from None
    else:
        data = load_yaml(text, where)
    inner = Checker(where, quote=False)
    check_integers(inner, data)
    if not isinstance(data, (list, Mapping)):
        raise inner.expected("", "a transform dict or a list of transforms", data)
    return build_augment(inner, data, "", file.parent)


def _build(ck: Checker, item: object, path: str) -> Transform[Any]:
    """The transform ``item`` describes, built (its batch type is the registry's to know, as
    :meth:`Transform.from_dict`'s is)."""
    from ...registry import TRANSFORMS
    from ...transforms.base import Transform

    if not isinstance(item, Mapping) or "type" not in item:
        raise ck.expected(path, "a transform dict {type: Name, ...args}", item)
    type_path = f"{path}.type" if path else "type"
    if not isinstance(item["type"], str) or len(item["type"]) > 100:
        raise ck.expected(type_path, "a transform name (see `augfit list transforms`)",
                          item["type"])
    try:
        cls = TRANSFORMS.get(item["type"])
    except AugfitError as e:
        raise ck.fail(type_path, str(e)) from None
    allowed = _arg_names(cls)
    if allowed is not None:
        for key in item:
            if key != "type" and key not in allowed:
                hint = did_you_mean(key, allowed)
                raise ck.fail(_sub(path, str(key)), f"unknown argument of {item['type']}; "
                              + (f"{hint} " if hint else "") + f"allowed: {', '.join(allowed)}")
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
    return arg_names(cls)


def leaves(t: Pipeline) -> list[Pipeline]:
    """The transforms inside a (possibly nested) composition, in order."""
    children = getattr(t, "transforms", None)
    if isinstance(children, list):
        return [leaf for c in children for leaf in leaves(c)]
    return [t]


class _Pipelines(Protocol):
    """A method's transform dicts (:class:`~augfit.experiments.spec.Method`)."""

    @property
    def augment(self) -> JSONDict | None: ...

    @property
    def mix(self) -> JSONDict | None: ...


class _Methods(Protocol):
    """What :func:`check_modality` reads of a :class:`~augfit.experiments.spec.Spec`."""

    @property
    def source(self) -> str: ...

    @property
    def methods(self) -> Sequence[_Pipelines]: ...


def check_modality(spec: _Methods, modality: str, dataset: str) -> None:
    """Fail before training if a method's augment holds a transform for another modality (e.g.
    CutMix or RandAugment on text), or its ``mix`` step needs a layout the features lack."""
    from ...transforms.base import Transform

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
    return join_path(path, key)


__all__ = ["build_augment", "check_modality", "leaves"]
