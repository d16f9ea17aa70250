"""The WordNet 3.0 synonym table shipped with augfit, loaded once per process.

The table (``data/wordnet_synonyms.tsv.gz``, about 1 MB) is derived from the system WordNet by
``scripts/build_synonyms.py``; WordNet's license is in ``data/WORDNET_LICENSE.txt``. No NLTK and
no download are needed at run time.

Lookup of an inflected word follows WordNet's own morphology (``morphy``): the word itself first,
then WordNet's exception lists, then its detachment rules. Replacements must stay grammatical, so
only noun plurals are followed to their base form (and the synonym is put back in the plural);
inflected verbs and adjectives ("running", "bigger") get no synonyms.
"""
from __future__ import annotations

import gzip
from collections.abc import Iterable
from functools import cache
from importlib import resources

POS_TAGS = ("n", "v", "a", "r")

# WordNet's morphy detachment rules for nouns (suffix, replacement).
_NOUN_RULES = (("ses", "s"), ("xes", "x"), ("zes", "z"), ("ches", "ch"), ("shes", "sh"),
               ("men", "man"), ("ies", "y"), ("s", ""))


def _data_text(name: str) -> str:
    with (resources.files(__package__) / "data" / name).open("rb") as f:
        return gzip.decompress(f.read()).decode("utf-8")


def pluralize(word: str) -> str:
    """English plural of a noun (regular rules; the last word of a multi-word lemma)."""
    head, _, last = word.rpartition(" ")
    low = last.lower()
    if low.endswith(("s", "x", "z", "ch", "sh")):
        last += "es"
    elif low.endswith("y") and len(low) > 1 and low[-2] not in "aeiou":
        last = last[:-1] + "ies"
    elif low.endswith("man") and " " not in word:
        last = last[:-3] + "men"
    else:
        last += "s"
    return f"{head} {last}" if head else last


class Lexicon:
    """Word -> synonyms, by part of speech, with SemCor tag counts.

    Parameters
    ----------
    rows : iterable of str
        Lines ``word<TAB>pos<TAB>count<TAB>syn|syn|...``.
    exceptions : iterable of str
        Lines ``inflected<TAB>pos<TAB>base`` (WordNet's ``*.exc``).
    """

    def __init__(self, rows: Iterable[str], exceptions: Iterable[str] = ()) -> None:
        self._entries: dict[str, list[tuple[str, int, str]]] = {}
        for line in rows:
            if line:
                word, pos, count, syns = line.split("\t")
                self._entries.setdefault(word, []).append((pos, int(count), syns))
        self._noun_exc: dict[str, str] = {}
        for line in exceptions:
            if line:
                word, pos, base = line.split("\t")
                if pos == "n":
                    self._noun_exc.setdefault(word, base)
        self._memo: dict[tuple[str, bool], tuple[str, ...]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and word.lower() in self._entries

    def entry(self, word: str, pos: str | None = None) -> tuple[str, ...]:
        """Synonyms of the lemma ``word`` (lower case) in WordNet sense order; all POS if None."""
        out: list[str] = []
        seen: set[str] = set()
        for p, _, syns in self._entries.get(word, ()):
            if pos is None or p == pos:
                for s in syns.split("|"):
                    if s.lower() not in seen:
                        seen.add(s.lower())
                        out.append(s)
        return tuple(out)

    def usual_pos(self, word: str) -> str | None:
        """The part of speech in which ``word`` is most frequent (SemCor tag counts)."""
        entries = self._entries.get(word)
        if not entries:
            return None
        # highest tag count; ties go to the POS with more synonyms, then to n, v, a, r order
        best = max(entries, key=lambda e: (e[1], e[2].count("|"), -POS_TAGS.index(e[0])))
        return best[0]

    def synonyms(self, word: str, pos_aware: bool = False) -> tuple[str, ...]:
        """Synonyms of a surface word (any case, possibly a noun plural), memoized.

        ``pos_aware=True`` keeps only the synonyms of the word's usual part of speech (augfit has
        no tagger: the usual POS is the one with the largest WordNet tag count).
        """
        key = (word, pos_aware)
        hit = self._memo.get(key)
        if hit is None:
            hit = self._memo[key] = self._lookup(word.lower(), pos_aware)
        return hit

    def _lookup(self, low: str, pos_aware: bool) -> tuple[str, ...]:
        if low in self._entries:
            return self.entry(low, self.usual_pos(low) if pos_aware else None)
        base = self._noun_base(low)
        if base is None:
            return ()
        # capitalized lemmas are names ("Canis familiaris"): they have no regular plural
        return tuple(pluralize(s) for s in self.entry(base, "n") if not s[:1].isupper())

    def _noun_base(self, low: str) -> str | None:
        exc = self._noun_exc.get(low)
        if exc is not None and any(p == "n" for p, _, _ in self._entries.get(exc, ())):
            return exc
        for suffix, repl in _NOUN_RULES:
            if low.endswith(suffix) and len(low) > len(suffix):
                base = low[: -len(suffix)] + repl
                # "jumps" is more often a verb than a plural: follow only usual nouns
                if self.usual_pos(base) == "n":
                    return base
        return None


@cache
def load_lexicon() -> Lexicon:
    """The shipped WordNet 3.0 synonym table (parsed on first use, then cached per process)."""
    return Lexicon(_data_text("wordnet_synonyms.tsv.gz").split("\n"),
                   _data_text("wordnet_exceptions.tsv.gz").split("\n"))


@cache
def english_stopwords() -> frozenset[str]:
    """NLTK's English stop-word list (179 words), as used by the EDA paper's code."""
    text = (resources.files(__package__) / "data" / "stopwords_english.txt").read_text("utf-8")
    return frozenset(w.strip() for w in text.split() if w.strip())


__all__ = ["POS_TAGS", "Lexicon", "english_stopwords", "load_lexicon", "pluralize"]
