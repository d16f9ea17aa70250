"""Augmentation transforms: the shared contract, compositions and the image/text/audio families."""
from __future__ import annotations

from .base import Params, Transform


def available() -> list[str]:
    """Names of every registered transform (built-ins and plugins)."""
    from ..registry import TRANSFORMS

    return TRANSFORMS.available()


def get(name: str) -> type:
    """The transform class registered as ``name``."""
    from ..registry import TRANSFORMS

    return TRANSFORMS.get(name)


__all__ = ["Params", "Transform", "available", "get"]
