"""Synonym replacement from WordNet 3.0 (the shipped table; no NLTK, no download)."""
from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

import numpy as np

from ...registry import TRANSFORMS
from ..base import Params
from ..constraints import Boolean, Table
from .amount import amount_constraints, n_edits
from .core import WordEditTransform
from .lookup import Stopwords, SynonymLookup
from .tokens import match_case, replace_words, tokenize


def draw_replacements(rng: np.random.Generator, batch: list[str], k_rule: tuple[float, int | None],
                      lookup: SynonymLookup) -> list[list[list[int | str]]]:
    """Per sentence, ``[[word_index, replacement], ...]`` (case of the original kept).

    One draw for the whole batch: per replacement, a uniform that picks the word (a partial
    Fisher-Yates shuffle of the sentence's candidates, so ``k`` distinct words) and one that picks
    its synonym.
    """
    cands: list[list[tuple[int, str, tuple[str, ...]]]] = []
    counts: list[int] = []
    for text in batch:
        words = tokenize(text).words
        row = lookup.candidates(words)
        cands.append(row)
        counts.append(min(n_edits(len(words), *k_rule), len(row)))
    u = iter(rng.random((sum(counts), 2)).tolist())
    out = []
    for row, k in zip(cands, counts, strict=True):
        chosen: list[list[int | str]] = []
        for j in range(k):
            a, b = next(u)
            swap = j + int(a * (len(row) - j))
            row[j], row[swap] = row[swap], row[j]
            i, w, syns = row[j]
            chosen.append([i, match_case(w, syns[int(b * len(syns))])])
        out.append(sorted(chosen))
    return out


@TRANSFORMS.register()
class SynonymReplace(WordEditTransform):
    """Replace words by WordNet synonyms, keeping case, punctuation and the other words.

    Parameters
    ----------
    rate : float
        Share of a sentence's words to replace: ``max(1, int(rate * n_words))`` words (the EDA
        paper's ``alpha_sr``), fewer if fewer words have synonyms. Ignored when ``n`` is given.
    n : int, optional
        Exactly this many words per sentence (at most the number of replaceable words).
    stopwords : "english", None or list of str
        Words never replaced (NLTK's English list by default).
    pos_aware : bool
        Draw only from the synonyms of the word's usual part of speech (largest WordNet tag count);
        augfit has no POS tagger. False draws from every part of speech.
    p : float
        Probability per sentence.

    Words with no WordNet synonym and stop words are never replaced; multi-word lemmas are inserted
    with spaces ("motion picture"); noun plurals get plural synonyms; inflected verbs and adjectives
    are left alone.

    Example
    -------
    >>> SynonymReplace(n=1)(["The movie was good."], rng=0)
    ['The film was good.']
    """

    edit = staticmethod(replace_words)
    rate: float
    n: int | None
    pos_aware: bool
    _parameter_constraints: ClassVar[Table] = {
        **amount_constraints("rate"), "pos_aware": Boolean(),
        "stopwords": Stopwords()}

    def __init__(self, rate: float = 0.1, n: int | None = None,
                 stopwords: str | Iterable[str] | None = "english",
                 pos_aware: bool = False, p: float = 1.0) -> None:
        # checked and kept by the constraint table (Transform.check_arguments)
        del rate, n, stopwords, pos_aware
        super().__init__(p)
        self._lookup = SynonymLookup(self.checked.stopwords, self.pos_aware)

    def sample_params(self, rng: np.random.Generator, batch: list[str], n: int) -> Params:
        del n
        return {"edits": draw_replacements(rng, list(batch), (self.rate, self.n), self._lookup)}


__all__ = ["SynonymReplace", "draw_replacements"]
