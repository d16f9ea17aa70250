"""What the word-level text transforms share: batch checks, the EDA amount rule, stop words,
the memoized synonym lookup."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

from ...checks import check_int, check_number
from ...errors import ConfigError, ShapeError
from ..base import MAX_WORDS, Params, Transform
from .lexicon import english_stopwords, load_lexicon
from .tokens import Tokens, detokenize, tokenize


def check_text_batch(batch: Any, owner: str) -> None:
    """Raise ShapeError unless ``batch`` is a list (or tuple) of str."""
    if isinstance(batch, str) or not isinstance(batch, (list, tuple)):
        raise ShapeError(
            f"{owner} expects a text batch (a list of str), got {type(batch).__name__}; "
            "wrap a single sentence in a list: [text]"
        )
    for i, s in enumerate(batch):
        if not isinstance(s, str):
            raise ShapeError(f"{owner}: batch[{i}] must be a str, got {type(s).__name__} ({s!r})")


def check_amount(alpha: object, n: object, owner: str, alpha_name: str = "alpha") -> None:
    """Validate "a share ``alpha`` of the words, or exactly ``n`` words" (one of the two)."""
    check_int(n, "n", owner, 1, MAX_WORDS, allow_none=True, hint=" (words edited per sentence)")
    check_number(alpha, alpha_name, owner, 0, 1, low_open=True)


def n_edits(n_words: int, alpha: float, n: int | None) -> int:
    """How many words to edit: ``n`` if given, else ``max(1, int(alpha * n_words))`` (Wei & Zou)."""
    if n_words == 0:
        return 0
    return int(n) if n is not None else max(1, int(alpha * n_words))


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


def stopword_lookup(stopwords: object, owner: str, pos_aware: bool = False
                    ) -> tuple[Any, SynonymLookup]:
    """``(value to store as the stopwords attribute, SynonymLookup)`` for a transform's arguments.

    A custom list is stored sorted and lower-cased, so ``to_dict`` round-trips it.
    """
    stop = resolve_stopwords(stopwords, owner)
    stored = stopwords if stopwords is None or isinstance(stopwords, str) else sorted(stop)
    return stored, SynonymLookup(stop, pos_aware)


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

    def __getstate__(self) -> dict[str, Any]:
        return {"stop": self.stop, "pos_aware": self.pos_aware, "_memo": {}}


class TextTransform(Transform):
    """Base of augfit's text transforms: a batch is a list of str, the output a new list of str."""

    modality: ClassVar[str] = "text"

    def check_batch(self, batch: Any) -> None:
        check_text_batch(batch, type(self).__name__)


class WordEditTransform(TextTransform):
    """A text transform whose params hold, per sentence, a list of word edits for ``edit``.

    Subclasses set ``params_key`` (the per-sentence list in the params) and ``edit`` (a function
    from :mod:`.tokens`, ``(Tokens, edits) -> Tokens``); sentences with no edit are returned as is.
    """

    params_key: ClassVar[str] = "edits"

    @staticmethod
    def edit(tokens: Tokens, edits: Sequence[Any], /) -> Tokens:
        """One sentence's edits applied (subclasses set a function from :mod:`.tokens`)."""
        raise NotImplementedError

    def apply_params(self, batch: list[str], params: Params) -> list[str]:
        edit = type(self).edit
        return [detokenize(edit(tokenize(s), e)) if e else s
                for s, e in zip(batch, params[self.params_key], strict=True)]


__all__ = ["TextTransform", "WordEditTransform", "SynonymLookup", "stopword_lookup",
           "check_text_batch", "check_amount", "n_edits", "resolve_stopwords"]
