"""EDA operations (Wei & Zou, 2019): random insertion, random swap, random deletion.

Each draws its per-sentence edits in ``sample_params`` (word indices and inserted words) and applies
them with the lossless tokenizer of :mod:`.tokens`, so punctuation and spacing around the untouched
words are kept. Synonym replacement, EDA's fourth operation, is :class:`.SynonymReplace`.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

import numpy as np

from ...registry import TRANSFORMS
from ..base import Params
from ..constraints import Table
from .amount import amount_constraints, n_edits
from .core import WordEditTransform
from .lookup import Stopwords, SynonymLookup
from .tokens import delete_words, insert_words, swap_words, tokenize


class _EdaOp(WordEditTransform):
    """What the EDA operations share: the ``alpha`` / ``n`` amount rule."""

    alpha: float
    n: int | None
    _parameter_constraints = amount_constraints("alpha")


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
    _parameter_constraints: ClassVar[Table] = {"stopwords": Stopwords()}

    def __init__(self, alpha: float = 0.1, n: int | None = None,
                 stopwords: str | Iterable[str] | None = "english",
                 p: float = 1.0) -> None:
        # checked and kept by the constraint table (Transform.check_arguments)
        del alpha, n, stopwords
        super().__init__(p)
        self._lookup = SynonymLookup(self.checked.stopwords)

    def sample_params(self, rng: np.random.Generator, batch: list[str], n: int) -> Params:
        del n
        rows = []  # per sentence: (number of words, words with synonyms, number of insertions)
        for text in batch:
            words = tokenize(text).words
            cand = self._lookup.candidates(words)
            rows.append((len(words), cand, n_edits(len(words), self.alpha, self.n) if cand else 0))
        # one draw for the batch: (source word, synonym, slot) uniforms per insertion
        u = iter(rng.random((sum(r[2] for r in rows), 3)).tolist())
        edits: list[list[list[int | str]]] = []
        for n_words, cand, k in rows:
            row: list[list[int | str]] = []
            for a, b, c in (next(u) for _ in range(k)):
                syns = cand[int(a * len(cand))][2]
                row.append([int(c * n_words), syns[int(b * len(syns))]])
            edits.append(row)
        return {"edits": edits}


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
        del alpha, n  # checked and kept by the constraint table (Transform.check_arguments)
        super().__init__(p)

    def sample_params(self, rng: np.random.Generator, batch: list[str], n: int) -> Params:
        del n
        sizes = [len(tokenize(text).words) for text in batch]
        ks = [n_edits(m, self.alpha, self.n) if m >= 2 else 0 for m in sizes]
        u = iter(rng.random((sum(ks), 2)).tolist())  # one draw for the batch
        pairs: list[list[list[int]]] = []
        for m, k in zip(sizes, ks, strict=True):
            row = []
            for a, b in (next(u) for _ in range(k)):
                i = int(a * m)
                # the second index is drawn among the m - 1 others, so i != j without retries
                row.append([i, (i + 1 + int(b * (m - 1))) % m])
            pairs.append(row)
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
        del alpha  # checked and kept by the constraint table (Transform.check_arguments)
        super().__init__(p)

    def sample_params(self, rng: np.random.Generator, batch: list[str], n: int) -> Params:
        sizes = [len(tokenize(text).words) for text in batch]
        drops = rng.random(sum(sizes)) < self.alpha  # one draw for every word of the batch
        keep = rng.random(n).tolist()  # which word survives when all are drawn for deletion
        deleted: list[list[int]] = []
        start = 0
        for m, kept in zip(sizes, keep, strict=True):
            drop = drops[start:start + m]
            start += m
            if m < 2:
                deleted.append([])
                continue
            idx = np.flatnonzero(drop).tolist()
            if len(idx) == m:
                idx.remove(int(kept * m))
            deleted.append(idx)
        return {"deleted": deleted}


__all__ = ["RandomDeletion", "RandomInsertion", "RandomSwap"]
