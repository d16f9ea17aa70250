"""What a registered transform is, for people: its modality, a one-line description and its
parameters with their defaults (``augfit list transforms``, the documentation's gallery).

>>> from augfit.transforms import image  # registers the image transforms
>>> e = entry("HorizontalFlip")
>>> e.modality, e.params
('image', 'p=0.5')
>>> e.summary
'Mirror images left-right (the width axis) with probability p (default 0.5).'
"""
from __future__ import annotations

import inspect
import re
from dataclasses import dataclass

from ..registry import TRANSFORMS

MODALITIES = ("image", "text", "audio")


@dataclass(frozen=True)
class Entry:
    """One registered transform as ``augfit list transforms`` shows it."""

    name: str
    modality: str        # "image", "text", "audio", or "any" (compositions, MixUp)
    summary: str         # the docstring's first paragraph, without reST markup
    params: str          # "limit=15, p=1.0": the constructor's arguments and their defaults


def _summary(doc: str | None) -> str:
    first = (doc or "").strip().split("\n\n")[0]
    text = " ".join(first.split())
    return re.sub(r"``(.*?)``|:\w+:`~?(?:[\w.]*\.)?(.*?)`", lambda m: m[1] or m[2], text)


def _params(cls: type) -> str:
    out = []
    for p in inspect.signature(cls.__init__).parameters.values():  # type: ignore[misc]
        if p.name == "self" or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        out.append(p.name if p.default is p.empty else f"{p.name}={p.default!r}")
    return ", ".join(out)


def entry(name: str) -> Entry:
    """The :class:`Entry` of the transform registered as ``name``."""
    cls = TRANSFORMS.get(name)
    parts = cls.__module__.split(".")
    modality = getattr(cls, "modality", "any")   # a plugin's ImageTransform is an image one
    if modality not in MODALITIES:
        modality = next((m for m in MODALITIES if m in parts), "any")
    return Entry(name, modality, _summary(cls.__doc__), _params(cls))


def entries() -> list[Entry]:
    """Every registered transform (plugins included), by modality, then name."""
    order = {m: i for i, m in enumerate((*MODALITIES, "any"))}
    return sorted((entry(n) for n in TRANSFORMS.available()),
                  key=lambda e: (order[e.modality], e.name))


__all__ = ["Entry", "entries", "entry"]
