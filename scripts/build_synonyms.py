"""Derive augfit's compact synonym table from WordNet 3.0 (run once; the output is shipped).

Reads the system WordNet (Debian ``wordnet-base``, /usr/share/wordnet) through NLTK's
``WordNetCorpusReader`` and writes, under ``src/augfit/transforms/text/data/``:

``wordnet_synonyms.tsv.gz``
    one line per single-word lemma and part of speech (n, v, a, r; adjective satellites are
    merged into a): ``word<TAB>pos<TAB>tag count<TAB>synonym|synonym|...``. Synonyms are the other
    lemmas of the word's synsets, in WordNet's sense order (most frequent sense first), without
    duplicates; multi-word lemmas keep spaces ("look into"). The tag count (SemCor frequency of the
    word in that part of speech, from cntlist.rev) lets ``pos_aware`` pick the usual part of speech.
``wordnet_exceptions.tsv.gz``
    WordNet's irregular inflections (``inflected<TAB>pos<TAB>base``) from the ``*.exc`` files, used
    by augfit's morphological lookup (``geese`` -> ``goose``).
``WORDNET_LICENSE.txt``
    WordNet 3.0's license, which must travel with any copy of derived data.

Usage: ``python scripts/build_synonyms.py [--source /usr/share/wordnet] [--out DIR]``
"""
from __future__ import annotations

import argparse
import gzip
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from augfit.transforms.text.wordnet_nltk import SYSTEM_WORDNET, wordnet_reader  # noqa: E402

LICENSE = """WordNet Release 3.0

This software and database is being provided to you, the LICENSEE, by Princeton University under
the following license.  By obtaining, using and/or copying this software and database, you agree
that you have read, understood, and will comply with these terms and conditions.:

Permission to use, copy, modify and distribute this software and database and its documentation
for any purpose and without fee or royalty is hereby granted, provided that you agree to comply
with the following copyright notice and statements, including the disclaimer, and that the same
appear on ALL copies of the software, database and documentation, including modifications that
you make for internal use or for distribution.

WordNet 3.0 Copyright 2006 by Princeton University.  All rights reserved.

THIS SOFTWARE AND DATABASE IS PROVIDED "AS IS" AND PRINCETON UNIVERSITY MAKES NO REPRESENTATIONS
OR WARRANTIES, EXPRESS OR IMPLIED.  BY WAY OF EXAMPLE, BUT NOT LIMITATION, PRINCETON UNIVERSITY
MAKES NO REPRESENTATIONS OR WARRANTIES OF MERCHANT- ABILITY OR FITNESS FOR ANY PARTICULAR PURPOSE
OR THAT THE USE OF THE LICENSED SOFTWARE, DATABASE OR DOCUMENTATION WILL NOT INFRINGE ANY THIRD
PARTY PATENTS, COPYRIGHTS, TRADEMARKS OR OTHER RIGHTS.

The name of Princeton University or Princeton may not be used in advertising or publicity
pertaining to distribution of the software and/or database.  Title to copyright in this software,
database and any associated documentation shall at all times remain with Princeton University
and LICENSEE agrees to preserve same.

(Derived file: augfit's wordnet_synonyms.tsv.gz and wordnet_exceptions.tsv.gz are extracted from
WordNet 3.0 by scripts/build_synonyms.py.)
"""

EXC_FILES = {"n": "noun.exc", "v": "verb.exc", "a": "adj.exc", "r": "adv.exc"}


def synonym_rows(wn) -> list[str]:
    rows = []
    for pos in "nvar":
        for word in sorted(wn.all_lemma_names(pos)):
            if "_" in word or "\t" in word or "|" in word:
                continue  # multi-word lemmas are reachable only as synonyms, never as keys
            syns: list[str] = []
            seen = {word}
            count = 0
            for synset in wn.synsets(word, pos):
                lemmas = synset.lemmas()
                if not any(lem.name().lower() == word for lem in lemmas):
                    continue  # reached through morphy from another form, not this lemma
                for lem in lemmas:
                    name = lem.name()
                    if name.lower() == word:
                        count += lem.count()
                        continue
                    text = name.replace("_", " ")
                    if text.lower() not in seen:
                        seen.add(text.lower())
                        syns.append(text)
            if syns:
                rows.append(f"{word}\t{pos}\t{count}\t{'|'.join(syns)}\n")
    return rows


def exception_rows(source: Path) -> list[str]:
    rows = []
    for pos, fname in EXC_FILES.items():
        for line in (source / fname).read_text().splitlines():
            parts = line.split()
            if len(parts) >= 2 and "_" not in parts[0]:
                rows.extend(f"{parts[0]}\t{pos}\t{base}\n" for base in parts[1:])
    return rows


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", default=str(SYSTEM_WORDNET), help="WordNet 3.0 dict folder")
    ap.add_argument("--out", default=str(ROOT / "src" / "augfit" / "transforms" / "text" / "data"))
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    wn = wordnet_reader(args.source)
    for name, rows in (("wordnet_synonyms.tsv.gz", synonym_rows(wn)),
                       ("wordnet_exceptions.tsv.gz", exception_rows(Path(args.source)))):
        # mtime=0 keeps the archive byte-identical across rebuilds
        with open(out / name, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as f:
            f.write("".join(rows).encode("utf-8"))
        print(f"{out / name}: {len(rows)} rows, {(out / name).stat().st_size / 1e6:.2f} MB")
    (out / "WORDNET_LICENSE.txt").write_text(LICENSE)


if __name__ == "__main__":
    main()
