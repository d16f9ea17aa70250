"""Word tokenization that keeps the text around the words, so edits leave the rest untouched.

A sentence is split into ``words`` and the ``seps`` around them (``len(seps) == len(words) + 1``):
``seps[0]`` is the text before the first word, ``seps[i + 1]`` the text after word ``i``. Joining
them back gives the original string exactly, so case, punctuation and spacing survive every edit
that only touches words.

>>> t = tokenize("Great movie, really!")
>>> t.words, t.seps
(['Great', 'movie', 'really'], ['', ' ', ', ', '!'])
>>> detokenize(t) == "Great movie, really!"
True
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import SupportsIndex, SupportsInt

from ...errors import ShapeError

# A word: letters/digits (any script) with inner apostrophes or hyphens ("don't", "well-known").
WORD_RE = re.compile(r"\w+(?:['’\-]\w+)*")


@dataclass
class Tokens:
    """Words and the separators around them; ``detokenize`` joins them back."""

    words: list[str]
    seps: list[str]


_SPLIT_RE = re.compile(f"({WORD_RE.pattern})")


@lru_cache(maxsize=2**14)
def _split(text: str) -> tuple[str, ...]:
    # [sep, word, sep, ..., word, sep], in C; memoized because every transform splits a sentence
    # twice (sample, then apply) and the same training sentences come back every epoch
    return tuple(_SPLIT_RE.split(text))


def tokenize(text: str) -> Tokens:
    """Split ``text`` into words and separators (lossless)."""
    parts = _split(text)
    return Tokens(list(parts[1::2]), list(parts[0::2]))


def detokenize(tokens: Tokens) -> str:
    """Join words and separators back into a string."""
    parts = [tokens.seps[0]] * (2 * len(tokens.words) + 1)
    parts[1::2] = tokens.words
    parts[2::2] = tokens.seps[1:]
    return "".join(parts)


def match_case(template: str, word: str) -> str:
    """Give ``word`` the case pattern of ``template`` (UPPER, Title or as-is for lower case)."""
    if len(template) > 1 and template.isupper():
        return word.upper()
    if template[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def replace_words(tokens: Tokens, edits: Sequence[Sequence[object]]) -> Tokens:
    """Words at the given indices replaced: ``edits`` is a sequence of ``(index, new_word)``."""
    words = list(tokens.words)
    for i, new in edits:
        words[_index(i, len(words))] = str(new)
    return Tokens(words, list(tokens.seps))


def insert_words(tokens: Tokens, edits: Sequence[Sequence[object]]) -> Tokens:
    """Words inserted after given words: ``edits`` holds ``(after_index, new_word)``.

    Each new word follows word ``after_index`` of the original sentence, separated by one space;
    several insertions after the same word keep their order. Inserting after a word (never before
    the first) keeps a capitalized sentence start in place.
    """
    n = len(tokens.words)
    after: dict[int, list[str]] = {}
    for i, new in edits:
        after.setdefault(_index(i, n), []).append(str(new))
    words: list[str] = []
    seps: list[str] = [tokens.seps[0]]
    for i, w in enumerate(tokens.words):
        words.append(w)
        for new in after.get(i, ()):
            seps.append(" ")
            words.append(new)
        seps.append(tokens.seps[i + 1])
    return Tokens(words, seps)


def swap_words(tokens: Tokens, pairs: Sequence[Sequence[object]]) -> Tokens:
    """Words swapped pair by pair, in order; the separators stay where they are."""
    words = list(tokens.words)
    for i, j in pairs:
        i, j = _index(i, len(words)), _index(j, len(words))
        words[i], words[j] = words[j], words[i]
    return Tokens(words, list(tokens.seps))


def delete_words(tokens: Tokens, indices: Sequence[int]) -> Tokens:
    """Words at ``indices`` removed with one of their separators.

    When a word goes, the separator before it and the one after it merge: a plain-space separator
    is dropped in favour of the other one, so "a b, c" minus "b" is "a, c", "Hello world."
    minus "Hello" is "world." and "a b" minus "b" is "a".
    """
    drop = {_index(i, len(tokens.words)) for i in indices}
    words: list[str] = []
    seps: list[str] = [tokens.seps[0]]
    for i, w in enumerate(tokens.words):
        after = tokens.seps[i + 1]
        if i in drop:
            before = seps[-1]
            if not after.strip():
                # at the end, trailing text wins ("a b" minus "b" is "a", not "a ")
                merged = before.rstrip() + after if i == len(tokens.words) - 1 else before
            elif not before.strip():
                merged = after
            else:
                merged = before.rstrip() + after
            seps[-1] = merged
            continue
        words.append(w)
        seps.append(after)
    return Tokens(words, seps)


def _index(i: object, n: int) -> int:
    k: int | None = i if isinstance(i, int) and not isinstance(i, bool) else None
    if k is None:
        try:
            if not isinstance(i, (SupportsInt, SupportsIndex, str, bytes)):
                raise TypeError
            k = int(i)  # numpy integers from recorded params
        except (TypeError, ValueError):
            raise ShapeError(f"word index must be an int, got {i!r}") from None
    if not 0 <= k < n:
        raise ShapeError(
            f"word index {k} is out of range for a sentence of {n} words; replay a record only on "
            "the batch it was drawn for"
        )
    return k


__all__ = [
    "WORD_RE",
    "Tokens",
    "delete_words",
    "detokenize",
    "insert_words",
    "match_case",
    "replace_words",
    "swap_words",
    "tokenize",
]
