"""SynonymReplace: real WordNet synonyms, case and punctuation kept, stop words never touched."""
from __future__ import annotations

import numpy as np
import pytest

from augfit.errors import ConfigError, ShapeError
from augfit.transforms import Transform
from augfit.transforms.text import SynonymReplace
from augfit.transforms.text.lexicon import load_lexicon
from augfit.transforms.text.tokens import tokenize


def test_replaces_one_word_with_a_wordnet_synonym_keeping_the_rest():
    text = "The movie, sadly, was not GOOD!"
    words = tokenize(text).words
    lex = load_lexicon()
    outs = set()
    for s in range(40):
        out, params = SynonymReplace(n=1)([text], rng=s, return_params=True)
        [[i, new]] = params["edits"][0]
        assert words[i] in {"movie", "sadly", "GOOD"}  # never "The", "was", "not"
        assert new.lower() in {w.lower() for w in lex.synonyms(words[i])}
        if words[i] == "GOOD":
            assert new == new.upper()
        # everything else is untouched, character for character
        expected = {"movie": f"The {new}, sadly, was not GOOD!",
                    "sadly": f"The movie, {new}, was not GOOD!",
                    "GOOD": f"The movie, sadly, was not {new}!"}[words[i]]
        assert out == [expected]
        outs.add(out[0])
    assert len(outs) > 5


def test_multiword_synonyms_are_spaced_words():
    outs = [SynonymReplace(n=1)(["film"], rng=s)[0] for s in range(60)]
    assert "motion picture" in outs or "moving picture" in outs
    assert all("_" not in o for o in outs)


def test_stopwords_and_unknown_words_are_never_replaced():
    text = "the and of qwzx blorf"
    assert SynonymReplace(rate=1.0)([text], rng=0) == [text]
    # with no stop list, "the" is still not in WordNet, so it stays
    custom = SynonymReplace(n=1, stopwords=["movie"])(["movie"], rng=0)
    assert custom == ["movie"]
    assert SynonymReplace(n=1, stopwords=None)(["movie"], rng=0) != ["movie"]


def test_rate_and_n_set_the_number_of_replacements():
    text = "good movie great story happy people big house quick car"
    words = tokenize(text).words
    for rate, k in ((0.1, 1), (0.3, 3), (0.5, 5)):
        out = tokenize(SynonymReplace(rate=rate)([text], rng=3)[0]).words
        # multi-word synonyms change the word count, so compare the params instead
        _, params = SynonymReplace(rate=rate)([text], rng=3, return_params=True)
        assert len(params["edits"][0]) == k
        assert out != words
    _, params = SynonymReplace(n=4)([text], rng=0, return_params=True)
    assert len(params["edits"][0]) == 4


def test_pos_aware_draws_from_the_usual_part_of_speech():
    lex = load_lexicon()
    adjectives = {s.lower() for s in lex.entry("good", "a")}
    outs = {SynonymReplace(n=1, pos_aware=True)(["good"], rng=s)[0].lower() for s in range(50)}
    assert outs <= adjectives and len(outs) > 5


def test_determinism_batch_length_and_awkward_inputs(awkward):
    t = SynonymReplace(rate=0.3)
    a = t(awkward, rng=7)
    assert a == SynonymReplace(rate=0.3)(awkward, rng=7)
    assert len(a) == len(awkward) and all(isinstance(s, str) for s in a)
    assert a[:5] == awkward[:5]  # nothing replaceable: unchanged
    assert a[5].count("\n") == awkward[5].count("\n")
    assert a[6] != awkward[6] and len(tokenize(a[6]).words) >= 2800
    assert t(awkward, rng=8) != a


def test_replay_on_a_subset_uses_the_recorded_words():
    x = ["good movie", "big house", "quick car"]
    t = SynonymReplace(n=1, p=0.5)
    out, params = t(x, rng=11, return_params=True)
    assert t.replay(x, params) == out
    assert [o != s for o, s in zip(out, x, strict=True)] == list(params["applied"])


def test_bad_input_errors_name_the_fix():
    with pytest.raises(ShapeError, match="wrap a single sentence in a list"):
        SynonymReplace()("a sentence")
    with pytest.raises(ShapeError, match=r"batch\[1\] must be a str"):
        SynonymReplace()(["ok", 3])
    with pytest.raises(ConfigError, match="rate"):
        SynonymReplace(rate=2)
    assert Transform.from_dict(SynonymReplace(n=2, stopwords=["a"]).to_dict()).to_dict() == {
        "type": "SynonymReplace", "rate": 0.1, "n": 2, "stopwords": ["a"], "pos_aware": False,
        "p": 1.0}
    record = SynonymReplace(p=0.0).sample(np.random.default_rng(0), ["a"])
    assert np.asarray(record["applied"]).sum() == 0


def test_pickles_for_worker_processes_without_its_memo():
    import pickle

    t = SynonymReplace(n=1, stopwords=["film"])
    a = t(["good movie", "a film"], rng=3)
    clone = pickle.loads(pickle.dumps(t))
    assert clone._lookup._memo == {} and clone._lookup.stop == frozenset({"film"})
    assert clone(["good movie", "a film"], rng=3) == a
