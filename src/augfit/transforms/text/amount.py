"""How many words a word-level edit changes (Wei & Zou's EDA rule): a share ``alpha`` of the
words, at least one, or exactly ``n`` words."""
from __future__ import annotations

from ..base import MAX_WORDS
from ..constraints import Constraint, Integer, Real


def amount_constraints(share: str = "alpha") -> dict[str, Constraint]:
    """The constraints of "a share ``share`` of the words, or exactly ``n`` words" (``n`` is
    checked first)."""
    return {"n": Integer(1, MAX_WORDS, allow_none=True, hint=" (words edited per sentence)"),
            share: Real(0, 1, low_open=True)}


def n_edits(n_words: int, alpha: float, n: int | None) -> int:
    """How many words to edit: ``n`` if given, else ``max(1, int(alpha * n_words))`` (Wei & Zou)."""
    if n_words == 0:
        return 0
    return int(n) if n is not None else max(1, int(alpha * n_words))


__all__ = ["amount_constraints", "n_edits"]
