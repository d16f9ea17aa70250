"""Rebuild the small example datasets in datasets/examples/ (each well under 2 MB).

    python datasets/make_examples.py            # from the repository root

- ``examples/digits_png/<digit>/<n>.png``: 20 images of each digit 0-9 from scikit-learn's copy of
  the UCI optical digits (8x8 grayscale, pixel value 0..16 scaled to 0..255), an image folder.
- ``examples/sentences.csv``: 120 short sentences about three topics (weather, food, sport),
  written for augfit from the word lists below; columns ``id,sentence,topic``.
- ``examples/spoken_words/<word>/<voice>_<speed>_<pitch>.wav``: the words yes, no, up and down
  spoken by three espeak-ng English voices at two speeds and two pitches, trimmed of silence,
  16-bit mono at 8 kHz: a folder of WAVs (needs ``espeak-ng``).

Everything is deterministic (a fixed seed; espeak-ng output depends on its version). Licenses:
datasets/LICENSE-examples.md.
"""
from __future__ import annotations

import csv
import shutil
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np

HERE = Path(__file__).resolve().parent
OUT = HERE / "examples"

TOPICS = {
    "weather": (["The sky", "This morning", "The forecast", "Our town", "The valley"],
                ["looks grey with", "promised", "woke up to", "expects", "had"],
                ["heavy rain", "a cold wind", "bright sunshine", "thick fog", "light snow",
                 "a sudden storm", "warm air", "clear skies"]),
    "food": (["My sister", "The cook", "Our neighbour", "The bakery", "Grandpa"],
             ["made", "served", "burned", "tasted", "shared"],
             ["fresh bread", "a spicy soup", "lemon cake", "roasted carrots", "rice with beans",
              "apple pie", "a cheese omelette", "garlic noodles"]),
    "sport": (["The team", "Our striker", "The coach", "The goalkeeper", "The runner"],
              ["won", "lost", "trained for", "celebrated", "missed"],
              ["the final match", "a penalty kick", "the relay race", "the league title",
               "an easy goal", "the second half", "the long jump", "the tennis set"]),
}
WORDS = ("yes", "no", "up", "down")
VOICES = ("en-us", "en-gb", "en-gb-scotland")
SPEEDS = (140, 190)
PITCHES = (35, 65)


def digits_png(per_class: int = 20) -> None:
    from sklearn.datasets import load_digits

    bunch = load_digits()
    root = OUT / "digits_png"
    shutil.rmtree(root, ignore_errors=True)
    for d in range(10):
        (root / str(d)).mkdir(parents=True)
        imgs = bunch.images[bunch.target == d][:per_class]
        for i, img in enumerate(imgs):
            png = np.round(img * 255 / 16).astype(np.uint8)
            cv2.imwrite(str(root / str(d) / f"{i:02d}.png"), png)


def sentences(per_topic: int = 40, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    rows = []
    for topic, (subjects, verbs, objects) in TOPICS.items():
        seen: set[str] = set()
        while len(seen) < per_topic:
            s = (f"{subjects[rng.integers(len(subjects))]} {verbs[rng.integers(len(verbs))]} "
                 f"{objects[rng.integers(len(objects))]}.")
            seen.add(s)
        rows += [(topic, s) for s in sorted(seen)]
    order = rng.permutation(len(rows))
    with open(OUT / "sentences.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "sentence", "topic"])
        for k, i in enumerate(order):
            w.writerow([k + 1, rows[i][1], rows[i][0]])


def spoken_words(sample_rate: int = 8000) -> None:
    import subprocess

    sys.path.insert(0, str(HERE.parent / "src"))
    from augfit.data.sources._audio import resample
    from augfit.data.sources.spoken_digits_tts import _espeak, english_voices, trim_silence
    from augfit.data.wav import read_wav, write_wav

    exe = _espeak()
    missing = [v for v in VOICES if v not in english_voices()]
    if missing:
        raise SystemExit(f"espeak-ng lacks the voices {missing}")
    root = OUT / "spoken_words"
    shutil.rmtree(root, ignore_errors=True)
    with tempfile.TemporaryDirectory() as tmp:
        for word in WORDS:
            (root / word).mkdir(parents=True)
            for v in VOICES:
                for s in SPEEDS:
                    for p in PITCHES:
                        raw = Path(tmp) / "w.wav"
                        subprocess.run([exe, "-v", v, "-s", str(s), "-p", str(p), "-w", str(raw),
                                        word], check=True, capture_output=True)
                        wave, rate = read_wav(raw)
                        wave = resample(trim_silence(wave), rate, sample_rate)
                        write_wav(root / word / f"{v}_{s}_{p}.wav", wave, sample_rate)


if __name__ == "__main__":
    OUT.mkdir(exist_ok=True)
    digits_png()
    sentences()
    spoken_words()
    for p in sorted(OUT.iterdir()):
        size = sum(f.stat().st_size for f in ([p] if p.is_file() else p.rglob("*")))
        print(f"{p.relative_to(HERE)}: {size / 1024:.0f} KiB")
