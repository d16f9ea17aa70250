"""Text augmentation speed, augfit against its peers, in one run (noisy on a shared machine).

1. ``SynonymReplace`` vs nlpaug's ``SynonymAug(aug_src="wordnet")`` on the same sentences and the
   same WordNet 3.0 (nlpaug reads the system WordNet through NLTK, set up offline by
   ``augfit.transforms.text.wordnet_nltk``). NLTK's perceptron tagger data cannot be downloaded
   here, so nlpaug's POS-tagging step is fed by a real tagger that Debian's apertium-eng-spa ships
   (apertium-tagger with the eng-spa HMM model), run once over the corpus before the clock starts:
   nlpaug's timed loop only looks the tags up, which makes its figure an upper bound on its speed
   (with NLTK's tagger it would be slower still) and the ratio a lower bound.
2. ``BackTranslate`` (apertium eng->spa->eng): one process per direction per batch vs one call per
   sentence.
3. ``BackTranslate`` on cache hits: in memory (the same process, later epochs) and from the SQLite
   file only (a rerun).

Usage: ``python benchmarks/text_aug.py [--n 1000]``
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
from _timing import compare_line, interleaved, load, method, rate_line  # benchmarks run as scripts

APERTIUM = Path("/usr/share/apertium/apertium-eng-spa")


def sentences(n: int) -> list[str]:
    """Rotten Tomatoes snippets (the data helper's loader), or a fixed synthetic set without it."""
    try:
        import augfit as af

        return list(af.datasets.load("rotten_tomatoes").x[:n])
    except Exception as e:  # any failure: the benchmark still runs on synthetic text
        print(f"(rotten_tomatoes unavailable: {e}; using synthetic sentences)")
        rng = np.random.default_rng(0)
        vocab = ["the", "a", "good", "bad", "movie", "film", "story", "actors", "great", "boring",
                 "funny", "long", "plot", "scenes", "was", "is", "and", "but", "very", "quite",
                 "really", "old", "new", "director", "music"]
        return [" ".join(rng.choice(vocab, size=12)) + "." for _ in range(n)]


def timed(fn, *args):
    t0 = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - t0


# -- 1. synonyms --------------------------------------------------------------------------------
_PENN = {"n": "NN", "np": "NNP", "adj": "JJ", "adv": "RB", "vblex": "VB", "vbser": "VB",
         "vbhaver": "VB", "vbmod": "MD", "vaux": "VB", "vbdo": "VB"}


def apertium_tags(texts: list[str]) -> list[list[tuple[str, str]]]:
    """(surface, Penn-style tag) per token, from apertium's English HMM tagger, one process."""
    cmd = (f"apertium-destxt | lt-proc -w {APERTIUM}/eng-spa.automorf.bin | "
           f"apertium-tagger -g -p {APERTIUM}/eng-spa.prob | apertium-retxt")
    text_in = "\n\n".join(t.replace("\n", " ") for t in texts) + "\n"
    out = subprocess.run(["sh", "-c", cmd], input=text_in,
                         capture_output=True, text=True, check=True).stdout
    result = []
    for para in out.rstrip("\n").split("\n\n"):
        units = []
        for unit in para.split("^")[1:]:
            body = unit.split("$")[0]
            surface, _, analysis = body.partition("/")
            tag = analysis.split("<")[1].rstrip(">") if "<" in analysis else ""
            if tag == "n" and "<pl>" in analysis:
                units.append((surface, "NNS"))
            else:
                units.append((surface, _PENN.get(tag, "XX")))  # XX: nlpaug skips the token
        result.append(units)
    if len(result) != len(texts):
        raise RuntimeError(f"tagger returned {len(result)} paragraphs for {len(texts)} sentences")
    return result


def align(tokens: list[str], units: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Give nlpaug's tokens the tags of the matching apertium tokens (greedy, in order)."""
    tagged, j = [], 0
    for tok in tokens:
        tag = "XX"
        for k in range(j, min(j + 4, len(units))):
            if units[k][0].lower() == tok.lower():
                tag, j = units[k][1], k + 1
                break
        tagged.append((tok, tag))
    return tagged


def bench_synonyms(texts: list[str]) -> None:
    from augfit.transforms.text import SynonymReplace
    from augfit.transforms.text.lexicon import english_stopwords, load_lexicon
    from augfit.transforms.text.wordnet_nltk import use_system_wordnet

    use_system_wordnet()
    import nlpaug.augmenter.word as naw

    stop = sorted(english_stopwords())
    nl, nl_load = timed(lambda: naw.SynonymAug(aug_src="wordnet", aug_p=0.1, aug_min=1,
                                               stopwords=stop))
    table = {}
    tags = apertium_tags(texts)
    for t, units in zip(texts, tags, strict=True):
        toks = nl.tokenizer(t)
        table[tuple(toks)] = align(toks, units)
    nl.model.pos_tag = lambda toks: table.get(tuple(toks)) or [(x, "XX") for x in toks]

    _, load_s = timed(load_lexicon)
    aug = SynonymReplace(rate=0.1, stopwords="english")
    _, cold_s = timed(aug, texts, 0)  # first pass fills the per-word memo
    out = aug(texts, rng=1)
    nl_out, nl_first = timed(nl.augment, texts)  # first pass (fills nlpaug's own lookup cache)
    t = interleaved({"augfit": lambda: aug(texts, rng=1), "nlpaug": lambda: nl.augment(texts)}, 5)
    changed = sum(a != b for a, b in zip(out, texts, strict=True)) / len(texts)
    nl_changed = sum(a != b for a, b in zip(nl_out, texts, strict=True)) / len(texts)
    n = len(texts)
    print(f"\n[1] synonym replacement, {n} Rotten Tomatoes sentences, rate/aug_p 0.1; "
          f"{method(5)}")
    print(rate_line("augfit SynonymReplace", t["augfit"], n, "sent/s")
          + f"  (first pass {n / cold_s:.0f} sent/s; table load {load_s:.2f} s once; "
          f"{changed:.0%} changed)")
    print(rate_line("nlpaug SynonymAug", t["nlpaug"], n, "sent/s")
          + f"  (first pass {n / nl_first:.0f} sent/s; NLTK WordNet load {nl_load:.2f} s once; "
          f"tags precomputed; {nl_changed:.0%} changed)")
    print(compare_line("augfit vs nlpaug", t["augfit"], t["nlpaug"])
          + f"; first passes {nl_first / cold_s:.1f}x")


# -- 2. and 3. back-translation ------------------------------------------------------------------
def bench_backtranslate(texts: list[str], per_sentence: int) -> None:
    from augfit.transforms.text import BackTranslate
    from augfit.transforms.text.translate_cache import get_cache

    bt = BackTranslate(cache=False)
    _, batch_s = timed(bt, texts, 0)
    _, single_s = timed(lambda: [bt([s], rng=0) for s in texts[:per_sentence]])
    print("\n[2] back-translation eng->spa->eng through apertium (no cache)")
    print(f"  batched, 2 processes for {len(texts)} sentences: {len(texts) / batch_s:8.1f} sent/s")
    print(f"  one call per sentence ({per_sentence} sentences):   "
          f"{per_sentence / single_s:8.1f} sent/s")
    print(f"  ratio: {(len(texts) / batch_s) / (per_sentence / single_s):.0f}x")

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "bt.sqlite")
        cached = BackTranslate(cache=path)
        first = cached(texts, rng=0)
        get_cache(path).clear_memory()
        again, sqlite_s = timed(cached, texts, 1)
        reps = max(1, 200_000 // len(texts))
        hits = interleaved({"hits": lambda: [cached(texts, rng=r) for r in range(reps)]}, 3,
                           target=0.0)["hits"]
        hit_s = hits.median_wall
        assert cached(texts, rng=0) == first == again
        print(f"\n[3] back-translation on cache hits ({len(texts)} sentences)")
        print(f"  from the SQLite file (a rerun): {len(texts) / sqlite_s:12.0f} sent/s")
        print(f"  in memory (later epochs, {reps} batches): "
              f"{reps * len(texts) / hit_s:12.0f} sent/s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000, help="sentences for the synonym and cache runs")
    ap.add_argument("--per-sentence", type=int, default=20, help="sentences translated one by one")
    args = ap.parse_args()
    texts = sentences(args.n)
    print(f"text_aug benchmark: {len(texts)} sentences; {load()}")
    if shutil.which("apertium") is None or not (APERTIUM / "eng-spa.prob").is_file():
        print("apertium-eng-spa is not installed (apt-get install apertium-eng-spa): the nlpaug "
              "comparison (its tagger) and the back-translation runs are skipped")
        return
    bench_synonyms(texts)
    bench_backtranslate(texts, args.per_sentence)
    print(f"at the end: {load()}")


if __name__ == "__main__":
    main()
