"""Stop words and the memoized synonym lookup the synonym-based transforms share."""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from ...errors import ConfigError
from ..constraints import Constraint
from .lexicon import english_stopwords, load_lexicon


def resolve_stopwords(stopwords: object, owner: str) -> frozenset[str]:
    """``"english"`` -> NLTK's English list; None -> no stop words; an iterable of str -> that
    set."""
    if stopwords is None:
        return frozenset()
    if stopwords == "english":
        return english_stopwords()
    if isinstance(stopwords, str) or not isinstance(stopwords, Iterable):
        raise ConfigError(
            f"{owner}(stopwords=...) must be 'english', None or a list of words, got {stopwords!r}"
        )
    words = list(stopwords)
    if not all(isinstance(w, str) for w in words):
        raise ConfigError(f"{owner}(stopwords=...) must hold only str, got {words!r}")
    return frozenset(w.lower() for w in words)


@dataclass(frozen=True)
class Stopwords(Constraint):
    """``"english"``, None or a list of words: checked to the set of stop words; a custom list is
    kept sorted and lower-cased, so ``to_dict`` round-trips it."""

    def check(self, value: object, name: str, owner: str, seen: Mapping[str, object]
              ) -> frozenset[str]:
        del name, seen
        return resolve_stopwords(value, owner)

    def stored(self, given: object, checked: object) -> object:
        if given is None or isinstance(given, str):
            return given
        assert isinstance(checked, frozenset)  # what check returns
        return sorted(checked)

    def invalid(self) -> list[object]:
        return [1, "french", ["the", 3]]


class SynonymLookup:
    """Surface word -> its WordNet synonyms for one transform, memoized (``()``: none, or a stop
    word).

    One dict lookup per word on the hot path; the shipped lexicon is loaded on the first miss.
    The memo is not pickled (workers rebuild it).
    """

    def __init__(self, stop: frozenset[str], pos_aware: bool = False) -> None:
        self.stop, self.pos_aware = stop, pos_aware
        self._memo: dict[str, tuple[str, ...]] = {}

    def __call__(self, word: str) -> tuple[str, ...]:
        syns = self._memo.get(word)
        if syns is None:
            syns = self._memo[word] = () if word.lower() in self.stop else \
                load_lexicon().synonyms(word, self.pos_aware)
        return syns

    def candidates(self, words: Sequence[str]) -> list[tuple[int, str, tuple[str, ...]]]:
        """``(index, word, synonyms)`` of the words that have synonyms and are not stop words."""
        memo, out = self._memo, []
        for i, w in enumerate(words):
            syns = memo.get(w)
            if syns is None:
                syns = self(w)
            if syns:
                out.append((i, w, syns))
        return out

    def __getstate__(self) -> dict[str, object]:
        return {"stop": self.stop, "pos_aware": self.pos_aware, "_memo": {}}


__all__ = ["Stopwords", "SynonymLookup", "resolve_stopwords"]
