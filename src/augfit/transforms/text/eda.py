"""EDA operations (Wei & Zou, 2019): random insertion, random swap, random deletion.

Each draws its per-sentence edits in ``sample_params`` (word indices and inserted words) and applies
them with the lossless tokenizer of :mod:`.tokens`, so punctuation and spacing around the untouched
words are kept. Synonym replacement, EDA's fourth operation, is :class:`.SynonymReplace`.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ...registry import TRANSFORMS
from ..base import Params
from .common import WordEditTransform, check_amount, n_edits, resolve_stopwords
from .lexicon import load_lexicon
from .tokens import delete_words, insert_words, swap_words, tokenize


class _EdaOp(WordEditTransform):
    """Contract-test hooks shared by the EDA operations (the ``alpha`` / ``n`` amount rule)."""

    @classmethod
    def example_args(cls) -> dict[str, Any]:
        return {"alpha": 0.2}

    @classmethod
    def invalid_args(cls) -> list[dict[str, Any]]:
        return [{"p": -0.1}, {"p": 1.5}, {"p": "x"}, {"alpha": 0.0}, {"alpha": 2.0}, {"alpha": "a"},
                {"n": 0}, {"n": 2.5}]


@TRANSFORMS.register()
class RandomInsertion(_EdaOp):
    """Insert synonyms of random words at random places (EDA's RI).

    Parameters
    ----------
    alpha : float
        ``max(1, int(alpha * n_words))`` insertions per sentence; ignored when ``n`` is given.
    n : int, optional
        Exactly this many insertions per sentence.
    stopwords : "english", None or list of str
        Words whose synonyms are never inserted.
    p : float
        Probability per sentence.

    Each insertion picks a word that has WordNet synonyms (not a stop word), one of its synonyms,
    and a word of the sentence after which to put it. Sentences without such a word are unchanged.
    """

    edit = staticmethod(insert_words)

    def __init__(self, alpha: float = 0.1, n: int | None = None, stopwords: Any = "english",
                 p: float = 1.0) -> None:
        super().__init__(p)
        check_amount(alpha, n, "RandomInsertion")
        self.alpha = float(alpha)
        self.n = None if n is None else int(n)
        self._stop = resolve_stopwords(stopwords, "RandomInsertion")
        self.stopwords = stopwords if stopwords is None or isinstance(stopwords, str) else sorted(self._stop)

    def sample_params(self, rng: np.random.Generator, batch: list[str], n: int) -> Params:
        lex = load_lexicon()
        edits: list[list[list[Any]]] = []
        for text in batch:
            words = tokenize(text).words
            cand = [w for w in words if w.lower() not in self._stop and lex.synonyms(w)]
            k = n_edits(len(words), self.alpha, self.n) if cand else 0
            sources = rng.integers(len(cand), size=k) if k else []
            slots = rng.integers(len(words), size=k) if k else []
            row = []
            for src, slot in zip(sources, slots):
                syns = lex.synonyms(cand[int(src)])
                row.append([int(slot), syns[int(rng.integers(len(syns)))]])
            edits.append(row)
        return {"edits": edits}

    @classmethod
    def invalid_args(cls) -> list[dict[str, Any]]:
        return super().invalid_args() + [{"stopwords": 1}]


@TRANSFORMS.register()
class RandomSwap(_EdaOp):
    """Swap the positions of two random words, ``max(1, int(alpha * n_words))`` times (EDA's RS).

    Parameters
    ----------
    alpha : float
        Share of the words giving the number of swaps; ignored when ``n`` is given.
    n : int, optional
        Exactly this many swaps per sentence.
    p : float
        Probability per sentence.

    Separators stay in place, words move (with their own case). One-word sentences are unchanged.
    """

    params_key = "pairs"
    edit = staticmethod(swap_words)

    def __init__(self, alpha: float = 0.1, n: int | None = None, p: float = 1.0) -> None:
        super().__init__(p)
        check_amount(alpha, n, "RandomSwap")
        self.alpha = float(alpha)
        self.n = None if n is None else int(n)

    def sample_params(self, rng: np.random.Generator, batch: list[str], n: int) -> Params:
        pairs: list[list[list[int]]] = []
        for text in batch:
            m = len(tokenize(text).words)
            k = n_edits(m, self.alpha, self.n) if m >= 2 else 0
            first = rng.integers(m, size=k) if k else np.zeros(0, np.int64)
            # the second index is drawn among the m - 1 others, so i != j without retries
            second = (first + 1 + rng.integers(m - 1, size=k)) % m if k else first
            pairs.append([[int(i), int(j)] for i, j in zip(first, second)])
        return {"pairs": pairs}


@TRANSFORMS.register()
class RandomDeletion(_EdaOp):
    """Delete each word with probability ``alpha``, never every word (EDA's RD).

    Parameters
    ----------
    alpha : float
        Probability that each word is deleted.
    p : float
        Probability per sentence.

    If every word would be deleted, one random word is kept (as in the paper); one-word sentences
    are unchanged. A deleted word takes one adjacent space with it.
    """

    params_key = "deleted"
    edit = staticmethod(delete_words)

    def __init__(self, alpha: float = 0.1, p: float = 1.0) -> None:
        super().__init__(p)
        check_amount(alpha, None, "RandomDeletion")
        self.alpha = float(alpha)

    def sample_params(self, rng: np.random.Generator, batch: list[str], n: int) -> Params:
        deleted: list[list[int]] = []
        for text in batch:
            m = len(tokenize(text).words)
            if m < 2:
                deleted.append([])
                continue
            drop = rng.random(m) < self.alpha
            if drop.all():
                drop[int(rng.integers(m))] = False
            deleted.append([int(i) for i in np.flatnonzero(drop)])
        return {"deleted": deleted}

    @classmethod
    def invalid_args(cls) -> list[dict[str, Any]]:
        return [bad for bad in super().invalid_args() if "n" not in bad]  # no n here


__all__ = ["RandomInsertion", "RandomSwap", "RandomDeletion"]
