"""Argument checks shared by the data modules (datasets, loaders, featurizers)."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ConfigError


def check_int(value: Any, where: str, low: int = 1) -> int:
    """``value`` as an int >= ``low``; ``where`` names the argument (``"f(n=...)"``)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ConfigError(f"{where} must be an int >= {low}, got {value!r}")
    return int(value)


__all__ = ["check_int"]
