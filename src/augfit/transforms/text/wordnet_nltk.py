"""NLTK's WordNet reader on the system WordNet 3.0 (Debian ``wordnet-base``), with no download.

NLTK expects a ``corpora/wordnet`` folder inside one of its data directories, with a ``lexnames``
file that Debian does not ship and with no symlink leaving the data directory. :func:`nltk_data_dir`
builds such a folder once (copies of the system files plus the fixed list of WordNet's 45
lexicographer files) under the augfit cache, so that ``nltk.corpus.wordnet`` works offline. It is
used by ``scripts/build_synonyms.py`` (which derives the shipped synonym table) and by the benchmark
(which runs nlpaug's WordNet-based ``SynonymAug``); augfit's own transforms do not need it.
"""
from __future__ import annotations

import os
import shutil
import warnings
from pathlib import Path
from typing import Any

from ...cache import cache_dir
from ...errors import MissingResourceError

SYSTEM_WORDNET = Path("/usr/share/wordnet")

# WordNet 3.0's lexnames file: lexicographer file number, name, syntactic category.
LEXNAMES = [
    "adj.all", "adj.pert", "adv.all", "noun.Tops", "noun.act", "noun.animal", "noun.artifact",
    "noun.attribute", "noun.body", "noun.cognition", "noun.communication", "noun.event",
    "noun.feeling", "noun.food", "noun.group", "noun.location", "noun.motive", "noun.object",
    "noun.person", "noun.phenomenon", "noun.plant", "noun.possession", "noun.process",
    "noun.quantity", "noun.relation", "noun.shape", "noun.state", "noun.substance", "noun.time",
    "verb.body", "verb.change", "verb.cognition", "verb.communication", "verb.competition",
    "verb.consumption", "verb.contact", "verb.creation", "verb.emotion", "verb.motion",
    "verb.perception", "verb.possession", "verb.social", "verb.stative", "verb.weather", "adj.ppl",
]
_CATEGORY = {"noun": 1, "verb": 2, "adj": 3, "adv": 4}

_FILES = ("data.noun", "data.verb", "data.adj", "data.adv", "index.noun", "index.verb", "index.adj",
          "index.adv", "index.sense", "noun.exc", "verb.exc", "adj.exc", "adv.exc", "cntlist.rev")


def nltk_data_dir(source: Path | str = SYSTEM_WORDNET, root: Path | str | None = None) -> Path:
    """An NLTK data directory holding ``corpora/wordnet`` copied from ``source``; returns its root.

    Parameters
    ----------
    source : path
        A WordNet 3.0 ``dict`` folder (default ``/usr/share/wordnet``).
    root : path, optional
        Where to build it (default ``<augfit cache>/nltk_data``). Built once; later calls reuse it.
    """
    source = Path(source)
    root = Path(root) if root is not None else cache_dir() / "nltk_data"
    missing = [f for f in _FILES if not (source / f).is_file()]
    if missing:
        raise MissingResourceError(
            f"WordNet 3.0 files {missing} are missing from {source}; install them with "
            "`apt-get install wordnet-base` (Debian/Ubuntu) or pass source= a WordNet dict folder"
        )
    target = root / "corpora" / "wordnet"
    if not (target / "lexnames").is_file():
        target.mkdir(parents=True, exist_ok=True)
        for f in _FILES:
            shutil.copyfile(source / f, target / f)  # NLTK refuses symlinks and hard links
        lines = [f"{i:02d}\t{name}\t{_CATEGORY[name.split('.')[0]]}\n"
                 for i, name in enumerate(LEXNAMES)]
        (target / "lexnames.tmp").write_text("".join(lines))
        os.replace(target / "lexnames.tmp", target / "lexnames")  # last: marks the copy complete
    return root


def wordnet_reader(source: Path | str = SYSTEM_WORDNET) -> Any:
    """An ``nltk.corpus.reader.WordNetCorpusReader`` on the system WordNet (no download)."""
    from nltk.corpus.reader import WordNetCorpusReader

    root = use_system_wordnet(source)  # NLTK only reads corpora below its data path
    with warnings.catch_warnings():  # "multilingual functions are not available": not used here
        warnings.simplefilter("ignore", UserWarning)
        return WordNetCorpusReader(str(root / "corpora" / "wordnet"), None)


def use_system_wordnet(source: Path | str = SYSTEM_WORDNET) -> Path:
    """Put :func:`nltk_data_dir` first on ``nltk.data.path`` so ``nltk.corpus.wordnet`` finds it."""
    import nltk

    root = nltk_data_dir(source)
    if str(root) not in nltk.data.path:
        nltk.data.path.insert(0, str(root))
    return root


__all__ = ["LEXNAMES", "cache_dir", "nltk_data_dir", "use_system_wordnet", "wordnet_reader"]
