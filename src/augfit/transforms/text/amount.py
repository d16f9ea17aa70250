"""How many words a word-level edit changes (Wei & Zou's EDA rule): a share ``alpha`` of the
words, at least one, or exactly ``n`` words."""
from __future__ import annotations

from ...checks import check_int, check_number
from ..base import MAX_WORDS


def check_amount(alpha: object, n: object, owner: str, alpha_name: str = "alpha") -> None:
    """Validate "a share ``alpha`` of the words, or exactly ``n`` words" (one of the two)."""
    check_int(n, "n", owner, 1, MAX_WORDS, allow_none=True, hint=" (words edited per sentence)")
    check_number(alpha, alpha_name, owner, 0, 1, low_open=True)


def n_edits(n_words: int, alpha: float, n: int | None) -> int:
    """How many words to edit: ``n`` if given, else ``max(1, int(alpha * n_words))`` (Wei & Zou)."""
    if n_words == 0:
        return 0
    return int(n) if n is not None else max(1, int(alpha * n_words))


__all__ = ["check_amount", "n_edits"]
