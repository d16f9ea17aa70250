"""The shipped WordNet table: known synonym pairs, morphology, and agreement with NLTK's reader."""
from __future__ import annotations

import gzip
from importlib import resources
from pathlib import Path

import pytest

from augfit.transforms.text.lexicon import Lexicon, english_stopwords, load_lexicon, pluralize

WORDNET = Path("/usr/share/wordnet")


@pytest.mark.parametrize("word,synonym", [
    ("movie", "film"), ("car", "automobile"), ("happy", "glad"), ("big", "large"),
    ("buy", "purchase"), ("quickly", "rapidly"), ("film", "motion picture"), ("begin", "start"),
])
def test_known_wordnet_pairs(word, synonym):
    assert synonym in load_lexicon().synonyms(word)


def test_sense_order_and_parts_of_speech():
    lex = load_lexicon()
    # WordNet lists the most frequent sense first: movie.n.01 = film, picture, moving picture, ...
    assert lex.entry("movie", "n")[:3] == ("film", "picture", "moving picture")
    assert lex.usual_pos("good") == "a" and lex.usual_pos("movie") == "n"
    assert lex.usual_pos("run") == "v"
    # pos_aware keeps only adjective senses of "good": no noun synonym such as "commodity"
    assert "commodity" in lex.synonyms("good") and "commodity" not in lex.synonyms("good", True)
    assert "goodness" not in lex.synonyms("good", pos_aware=True)


def test_plural_nouns_get_plural_synonyms_and_inflected_verbs_none():
    lex = load_lexicon()
    assert "films" in lex.synonyms("movies")
    assert "kids" in lex.synonyms("children")  # WordNet's noun.exc: children -> child
    assert lex.synonyms("jumps") == ()  # usually a verb: no ungrammatical base-form synonym
    assert lex.synonyms("xyzzy") == ()
    assert pluralize("box") == "boxes" and pluralize("city") == "cities"
    assert pluralize("day") == "days"
    assert pluralize("motion picture") == "motion pictures" and pluralize("man") == "men"


def test_case_insensitive_lookup_and_the_table_size():
    lex = load_lexicon()
    assert lex.synonyms("Movie") == lex.synonyms("movie")
    assert "Movie" in lex and 50_000 < len(lex) < 80_000
    assert load_lexicon() is lex  # loaded once per process
    assert {"the", "not", "no", "very"} <= english_stopwords() and len(english_stopwords()) == 179


def test_small_table_parsing():
    lex = Lexicon(["dog\tn\t42\tdomestic dog|Canis familiaris", "dog\tv\t1\tchase|tail"], [])
    assert lex.synonyms("dog") == ("domestic dog", "Canis familiaris", "chase", "tail")
    assert lex.synonyms("dog", pos_aware=True) == ("domestic dog", "Canis familiaris")
    # a plural gets plural synonyms (last word inflected); names have no plural and are left out
    assert lex.synonyms("dogs") == ("domestic dogs",)


@pytest.mark.skipif(not (WORDNET / "data.noun").is_file(), reason="needs Debian wordnet-base")
def test_table_agrees_with_nltk_wordnet_reader(tmp_path, monkeypatch):
    """Recompute a sample of rows with NLTK's reader on the system WordNet and compare."""
    monkeypatch.setenv("AUGFIT_CACHE", str(tmp_path))
    from augfit.transforms.text.wordnet_nltk import wordnet_reader

    wn = wordnet_reader()
    rows = {}
    table = resources.files("augfit.transforms.text").joinpath("data", "wordnet_synonyms.tsv.gz")
    with table.open("rb") as f:
        for line in gzip.decompress(f.read()).decode().splitlines()[::997]:  # ~65 rows
            word, pos, _, syns = line.split("\t")
            rows[(word, pos)] = syns.split("|")
    assert len(rows) > 50
    for (word, pos), syns in rows.items():
        expected = []
        for synset in wn.synsets(word, pos):
            names = [lem.name() for lem in synset.lemmas()]
            if word in (n.lower() for n in names):
                for n in names:
                    t = n.replace("_", " ")
                    if n.lower() != word and t.lower() not in {e.lower() for e in expected}:
                        expected.append(t)
        assert syns == expected, (word, pos)
