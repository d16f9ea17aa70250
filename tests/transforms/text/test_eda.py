"""EDA operations: hand-checked edits, never deleting every word, determinism, awkward input."""
from __future__ import annotations

from collections import Counter

import pytest

from augfit.errors import ConfigError
from augfit.transforms.text import RandomDeletion, RandomInsertion, RandomSwap
from augfit.transforms.text.lexicon import load_lexicon
from augfit.transforms.text.tokens import tokenize

TEXT = "the good movie had a great story, and happy actors."


def test_swap_keeps_the_multiset_of_words_and_the_separators():
    for s in range(20):
        out, params = RandomSwap(alpha=0.25)([TEXT], rng=s, return_params=True)
        a, b = tokenize(TEXT), tokenize(out[0])
        assert Counter(a.words) == Counter(b.words) and a.seps == b.seps
        assert len(params["pairs"][0]) == 2  # max(1, int(0.25 * 10))
        assert all(i != j for i, j in params["pairs"][0])
    assert RandomSwap(n=3)(["single"], rng=0) == ["single"]


def test_swap_hand_worked():
    t = RandomSwap(n=1)
    assert t.apply(["one two three"], {"pairs": [[[0, 2]]]}) == ["three two one"]


def test_insertion_adds_wordnet_synonyms_of_sentence_words():
    lex = load_lexicon()
    stop = {"the", "had", "a", "and"}
    for s in range(20):
        out, params = RandomInsertion(n=2)([TEXT], rng=s, return_params=True)
        words = tokenize(out[0]).words
        assert out[0].startswith("the ") and out[0].endswith(".")
        assert len(params["edits"][0]) == 2
        for _slot, new in params["edits"][0]:
            assert any(new in lex.synonyms(w) for w in tokenize(TEXT).words if w not in stop)
        # inserted synonyms may be multi-word: at least 2 more words
        assert len(words) >= len(tokenize(TEXT).words) + 2
    assert RandomInsertion(n=2)(["the of and"], rng=0) == ["the of and"]  # nothing to insert


def test_insertion_hand_worked():
    assert RandomInsertion().apply(["good film."], {"edits": [[[1, "movie"], [0, "nice"]]]}) == \
        ["good nice film movie."]


def test_deletion_rate_and_never_everything():
    long = " ".join(f"w{i}" for i in range(2000))
    out = RandomDeletion(alpha=0.3)([long], rng=0)[0]
    kept = len(tokenize(out).words)
    assert 0.65 * 2000 < kept < 0.75 * 2000
    for s in range(30):
        out = RandomDeletion(alpha=1.0)(["alpha beta gamma, delta!"], rng=s)[0]
        assert len(tokenize(out).words) == 1  # everything drawn for deletion: one word kept
    assert RandomDeletion(alpha=1.0)(["alone"], rng=0) == ["alone"]


def test_deletion_hand_worked():
    assert RandomDeletion().apply(["Hello big world."], {"deleted": [[1]]}) == ["Hello world."]


@pytest.mark.parametrize("cls", [RandomInsertion, RandomSwap, RandomDeletion])
def test_determinism_and_awkward_inputs(cls, awkward):
    t = cls(alpha=0.3)
    a = t(awkward, rng=4)
    assert a == cls(alpha=0.3)(awkward, rng=4)
    assert len(a) == len(awkward) and all(isinstance(s, str) for s in a)
    assert a[:3] == awkward[:3]  # no words: unchanged
    assert a[6] != awkward[6]


@pytest.mark.parametrize("cls", [RandomInsertion, RandomSwap])
def test_n_and_alpha_validation(cls):
    with pytest.raises(ConfigError, match=r"n=\.\.\."):
        cls(n=0)
    with pytest.raises(ConfigError, match=r"alpha=\.\.\."):
        cls(alpha=0)
