"""Synonym replacement from WordNet 3.0 (the shipped table; no NLTK, no download)."""
from __future__ import annotations

from typing import Any

import numpy as np

from ...registry import TRANSFORMS
from ..base import Params
from .common import WordEditTransform, check_amount, n_edits, resolve_stopwords
from .lexicon import Lexicon, load_lexicon
from .tokens import match_case, replace_words, tokenize


def draw_replacements(rng: np.random.Generator, batch: list[str], k_rule: tuple[float, int | None],
                      stop: frozenset[str], lexicon: Lexicon, pos_aware: bool) -> list[list[Any]]:
    """Per sentence, ``[[word_index, replacement], ...]`` (case of the original kept).

    Two draws for the whole batch: a uniform key per candidate word (the ``k`` smallest keys of a
    sentence pick its words, i.e. ``k`` without replacement) and a uniform per candidate that picks
    its synonym.
    """
    cands: list[list[tuple[int, str, tuple[str, ...]]]] = []
    counts: list[int] = []
    for text in batch:
        words = tokenize(text).words
        counts.append(n_edits(len(words), *k_rule))
        cands.append([(i, w, syns) for i, w in enumerate(words) if w.lower() not in stop
                      for syns in (lexicon.synonyms(w, pos_aware),) if syns])
    total = sum(len(c) for c in cands)
    keys, picks = rng.random(total).tolist(), rng.random(total).tolist()
    out, start = [], 0
    for row, k in zip(cands, counts):
        chosen = sorted(range(len(row)), key=lambda j: keys[start + j])[:k]
        edits = []
        for j in sorted(chosen):
            i, w, syns = row[j]
            edits.append([i, match_case(w, syns[int(picks[start + j] * len(syns))])])
        out.append(edits)
        start += len(row)
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
    >>> SynonymReplace(n=1)(["The movie was good."], rng=0)  # doctest: +SKIP
    ['The film was good.']
    """

    edit = staticmethod(replace_words)

    def __init__(self, rate: float = 0.1, n: int | None = None, stopwords: Any = "english",
                 pos_aware: bool = False, p: float = 1.0) -> None:
        super().__init__(p)
        check_amount(rate, n, "SynonymReplace", "rate")
        self.rate = float(rate)
        self.n = None if n is None else int(n)
        self._stop = resolve_stopwords(stopwords, "SynonymReplace")
        self.stopwords = stopwords if stopwords is None or isinstance(stopwords, str) else sorted(self._stop)
        self.pos_aware = bool(pos_aware)

    def sample_params(self, rng: np.random.Generator, batch: list[str], n: int) -> Params:
        return {"edits": draw_replacements(rng, list(batch), (self.rate, self.n), self._stop,
                                           load_lexicon(), self.pos_aware)}

    @classmethod
    def example_args(cls) -> dict[str, Any]:
        return {"rate": 0.3}

    @classmethod
    def invalid_args(cls) -> list[dict[str, Any]]:
        return super().invalid_args() + [{"rate": 0.0}, {"rate": 1.5}, {"n": 0}, {"n": 1.5},
                                         {"stopwords": 3}, {"stopwords": "french"}]


__all__ = ["SynonymReplace", "draw_replacements"]
