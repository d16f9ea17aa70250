"""How many words a word-level edit changes (Wei & Zou's EDA rule): a share ``alpha`` of the
words, at least one, or exactly ``n`` words."""
from __future__ import annotations

import numpy as np

from ...errors import ConfigError
from ..base import MAX_WORDS


def check_amount(alpha: object, n: object, owner: str, alpha_name: str = "alpha") -> None:
    """Validate "a share ``alpha`` of the words, or exactly ``n`` words" (one of the two)."""
    if n is not None and (isinstance(n, bool) or not isinstance(n, (int, np.integer))
                          or not 1 <= n <= MAX_WORDS):
        raise ConfigError(f"{owner}(n=...) must be None or an int in [1, {MAX_WORDS}] (words "
                          f"edited per sentence), got {n!r}")
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float, np.integer, np.floating)) \
            or not 0.0 < float(alpha) <= 1.0:
        raise ConfigError(f"{owner}({alpha_name}=...) must be a number in (0, 1], got {alpha!r}")


def n_edits(n_words: int, alpha: float, n: int | None) -> int:
    """How many words to edit: ``n`` if given, else ``max(1, int(alpha * n_words))`` (Wei & Zou)."""
    if n_words == 0:
        return 0
    return int(n) if n is not None else max(1, int(alpha * n_words))


__all__ = ["check_amount", "n_edits"]
