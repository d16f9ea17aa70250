"""Dataset cards: one YAML file per dataset saying what it is and how to load it.

A card (``datasets/NAME.yaml`` at the top of the repository) has these fields; an experiment spec
may name one with ``dataset: {card: ../datasets/NAME.yaml}``::

    name: digits                        # the card's name
    modality: image                     # image | text | audio
    description: 8x8 handwritten digits
    source:
      loader: digits                    # a name of augfit.datasets.available()
      options: {}                       # its keyword arguments; a relative ``path`` is resolved
                                        # from the card's folder
    columns: {x: ..., y: ...}           # what the samples and labels are (free text)
    license: CC BY 4.0
    citation: "..."
    featurizer: null                    # default ``features:`` of a spec using the card
    split: {val: 0.2, test: 0.2, seed: 0, stratify: true, by_group: false}   # the default split
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..checks import quotable, show
from ..errors import ConfigError
from ..files import require
from ..jsontypes import JSONDict
from ..safe_yaml import load_yaml, read_text
from .container import MODALITIES, Dataset

FIELDS = ("name", "modality", "description", "source", "columns", "license", "citation",
          "featurizer", "split")
REQUIRED = ("name", "modality", "source", "columns", "license", "citation", "split")


@dataclass(frozen=True)
class Card:
    """A parsed dataset card; ``options`` has its relative ``path`` resolved."""

    name: str
    modality: str
    loader: str
    options: dict[str, object]
    columns: dict[str, object]
    license: str
    citation: str
    split: dict[str, object]
    featurizer: object = None
    description: object = ""
    file: str = ""
    extra: JSONDict = field(default_factory=dict)

    def load(self) -> Dataset:
        """The dataset, loaded with the card's loader and options."""
        from .datasets import load

        return load(self.loader, **self.options)


def resolve_path(value: object, base: Path) -> object:
    """A relative path string made absolute against ``base`` (other values unchanged)."""
    if isinstance(value, (str, os.PathLike)) and str(value):
        p = Path(value).expanduser()
        return str(p if p.is_absolute() else (base / p).resolve())
    return value


def load_card(path: str | os.PathLike[str]) -> Card:
    """Read and check a card; errors name the file and the field."""
    file = Path(path).expanduser()
    require(file, "a file", "dataset card", "cards live in the repository's datasets/ folder "
            "(e.g. datasets/digits.yaml)")
    # safe, size-capped YAML; an error names the line and column, never quotes the file
    d = _check_fields(file, load_yaml(read_text(file, "dataset card"),
                                      f"{file} (dataset card)"))
    loader, options = _source(file, d["source"])
    if not isinstance(d["columns"], Mapping) or not d["columns"]:
        raise _fail(file, "columns", f"expected a mapping of column -> description, got "
                    f"{show(d['columns'])}")
    if not isinstance(d["split"], Mapping):
        raise _fail(file, "split", f"expected a mapping such as {{val: 0.2, test: 0.2}}, got "
                    f"{show(d['split'])}")
    return Card(str(d["name"]), str(d["modality"]), loader, options, dict(d["columns"]),
                str(d["license"]), str(d["citation"]), dict(d["split"]), d.get("featurizer"),
                d.get("description", ""), str(file))


def _fail(file: Path, where: str, msg: str) -> ConfigError:
    return ConfigError(f"{file}: {where}: {msg}")


def _check_fields(file: Path, d: object) -> Mapping[object, object]:
    """The card: a mapping of known fields with the required ones, its name, license and
    citation non-empty strings and its modality a known one."""
    if not isinstance(d, Mapping):
        raise ConfigError(f"{file}: a dataset card must be a mapping with fields "
                          f"{', '.join(FIELDS)}")
    if not any(k in FIELDS for k in d):     # some other YAML file: never quote what it holds
        raise ConfigError(f"{file}: not a dataset card (it has none of the fields "
                          f"{', '.join(REQUIRED)}); pass dataset: {{card: FILE}} naming a card "
                          "such as datasets/digits.yaml")
    for k in d:
        if k not in FIELDS:
            raise _fail(file, show(k) if not isinstance(k, str) or not quotable(k) else k,
                        f"unknown field; allowed: {', '.join(FIELDS)}")
    for k in REQUIRED:
        if k not in d:
            raise _fail(file, k, "required field is missing")
    for k in ("name", "license", "citation"):
        if not isinstance(d[k], str) or not d[k].strip():
            raise _fail(file, k, f"expected a non-empty string, got {show(d[k])}")
    if d["modality"] not in MODALITIES:
        raise _fail(file, "modality", f"expected one of {', '.join(MODALITIES)}, got "
                    f"{show(d['modality'])}")
    return d


def _source(file: Path, src: object) -> tuple[str, dict[str, object]]:
    """The card's loader name and its options, a relative ``path`` made absolute against the
    card's folder."""
    from ..registry import DATASETS

    if not isinstance(src, Mapping) or "loader" not in src or set(src) - {"loader", "options"}:
        raise _fail(file, "source", f"expected {{loader: NAME, options: {{...}}}}, got "
                    f"{show(src)}")
    if src["loader"] not in DATASETS:
        raise _fail(file, "source.loader", f"expected one of {', '.join(DATASETS.available())}, "
                    f"got {show(src['loader'])}")
    options = src.get("options") or {}
    if not isinstance(options, Mapping):
        raise _fail(file, "source.options", f"expected a mapping of keyword arguments, got "
                    f"{show(options)}")
    checked = {str(k): v for k, v in options.items()}
    if "path" in checked:
        checked["path"] = resolve_path(checked["path"], file.parent)
    return str(src["loader"]), checked


__all__ = ["Card", "load_card", "resolve_path"]
