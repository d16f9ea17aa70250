"""The lossless tokenizer and the word edits built on it, checked on hand-worked strings."""
from __future__ import annotations

import pytest

from augfit.errors import ShapeError
from augfit.transforms.text.tokens import (
    delete_words,
    detokenize,
    insert_words,
    match_case,
    replace_words,
    swap_words,
    tokenize,
)


@pytest.mark.parametrize("text", ["", "  ", "...!?", "Hello, world!", "don't stop -- well-known",
                                  "Café naïve\n\nrésumé 42", "  leading and trailing  "])
def test_tokenize_is_lossless(text):
    assert detokenize(tokenize(text)) == text


def test_tokenize_words_and_separators():
    t = tokenize("Great movie, really!")
    assert t.words == ["Great", "movie", "really"]
    assert t.seps == ["", " ", ", ", "!"]
    assert tokenize("don't well-known").words == ["don't", "well-known"]
    assert tokenize("naïve café").words == ["naïve", "café"]
    assert tokenize("...").words == []


def test_match_case():
    assert match_case("movie", "film") == "film"
    assert match_case("Movie", "motion picture") == "Motion picture"
    assert match_case("MOVIE", "film") == "FILM"
    assert match_case("A", "one") == "One"  # a one-letter capital is Title case, not UPPER


def test_replace_keeps_punctuation_and_other_words():
    t = tokenize("The movie, sadly, was BAD.")
    assert detokenize(replace_words(t, [[1, "film"], [4, "POOR"]])) == "The film, sadly, was POOR."


def test_insert_after_words():
    t = tokenize("a b c.")
    assert detokenize(insert_words(t, [[2, "new"], [0, "x"], [0, "y"]])) == "a x y b c new."


def test_swap_moves_words_not_separators():
    assert detokenize(swap_words(tokenize("one, two three!"), [[0, 2]])) == "three, two one!"
    # sequential swaps: (0,1) then (1,2) on a b c -> b a c -> b c a
    assert detokenize(swap_words(tokenize("a b c"), [[0, 1], [1, 2]])) == "b c a"


@pytest.mark.parametrize("text,idx,expected", [
    ("a b, c", [1], "a, c"),
    ("Hello world.", [0], "world."),
    ("a b", [1], "a"),
    ("x y z", [1, 2], "x"),
    ("a b c", [0, 1], "c"),
    ("a b.", [1], "a."),
    ("a, b c", [1], "a, c"),
])
def test_delete_merges_separators(text, idx, expected):
    assert detokenize(delete_words(tokenize(text), idx)) == expected


def test_out_of_range_index_names_the_fix():
    with pytest.raises(ShapeError, match="replay a record only on the batch"):
        replace_words(tokenize("a b"), [[5, "x"]])


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from augfit.transforms.text import RandomDeletion, RandomSwap  # noqa: E402


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_tokenize_is_lossless_for_any_text(text):
    t = tokenize(text)
    assert detokenize(t) == text
    assert len(t.seps) == len(t.words) + 1 and all(t.words)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(max_size=60), min_size=1, max_size=6), st.integers(0, 2**32 - 1))
def test_deletion_and_swap_keep_length_and_words_on_any_text(batch, seed):
    swapped = RandomSwap(alpha=0.5)(batch, rng=seed)
    deleted = RandomDeletion(alpha=0.5)(batch, rng=seed)
    assert len(swapped) == len(deleted) == len(batch)
    for src, sw, de in zip(batch, swapped, deleted, strict=True):
        assert sorted(tokenize(sw).words) == sorted(tokenize(src).words)
        n = len(tokenize(src).words)
        assert (len(tokenize(de).words) >= 1) if n else de == src
