"""The transform gallery (docs/gallery.md and docs/gallery/*.png), generated from the registry.

One section per registered transform (``augfit.transforms.catalog``: modality, description,
parameters with defaults): an original and three seeded versions, as pictures for images, log-mel
spectrograms for audio and word diffs for text, with what each version drew. Transforms that need
arguments (or a program that may be missing) are drawn with the arguments in ``EXAMPLES``; one
that cannot be drawn here says why. tests/test_docs.py fails when a registered transform has no
section. Run ``python scripts/docs_gallery.py`` (``make docs`` does) after adding a transform.
"""
from __future__ import annotations

import html
import sys
from pathlib import Path
from typing import Any

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import augfit as af  # noqa: E402
from augfit.transforms import catalog  # noqa: E402
from augfit.transforms.base import Transform  # noqa: E402
from augfit.viz.cards import image_panels, spectrogram_panels, word_diff  # noqa: E402
from augfit.viz.gallery import Gallery, draw_gallery  # noqa: E402
from augfit.viz.sound import find_mel, spectrograms  # noqa: E402

VERSIONS = 3
SEED = 0
SIDE = 96          # pixels of each image card: four cards make a strip of about 400 px
SR = 8000          # the example WAVs' sample rate

# name -> the transform dict drawn (arguments a transform needs, or a telling setting)
EXAMPLES: dict[str, dict[str, Any]] = {
    "Albumentations": {"type": "Albumentations", "transform": {
        "__class_fullname__": "GaussNoise", "p": 1.0}},
    "Audiomentations": {"type": "Audiomentations", "transform": "AddGaussianSNR",
                        "sample_rate": SR, "args": {"min_snr_db": 5.0, "max_snr_db": 10.0}},
    "MelSpectrogram": {"type": "MelSpectrogram", "sample_rate": SR},
    "Affine": {"type": "Affine", "rotate": 20.0, "scale": [0.8, 1.2], "translate": 0.1},
    "PitchShift": {"type": "PitchShift", "sample_rate": SR, "p": 1.0},
    "NlpaugAugmenter": {"type": "NlpaugAugmenter",
                        "augmenter": "nlpaug.augmenter.word.RandomWordAug",
                        "args": {"action": "swap"}},
    "Compose": {"type": "Compose", "transforms": [{"type": "Rotate", "limit": 20},
                                                  {"type": "HorizontalFlip", "p": 0.5}]},
    "OneOf": {"type": "OneOf", "transforms": [{"type": "Rotate", "limit": 20},
                                              {"type": "Cutout"}]},
    "SomeOf": {"type": "SomeOf", "n": 2, "transforms": [
        {"type": "Rotate", "limit": 20}, {"type": "Cutout"}, {"type": "Brightness"}]},
    "Sometimes": {"type": "Sometimes", "p": 0.5, "transforms": [{"type": "Rotate", "limit": 20}]},
    "MixUp": {"type": "MixUp", "alpha": 0.4},
}
# spectrogram-domain transforms are drawn after a MelSpectrogram step
ON_SPECTROGRAMS = {"TimeMask", "FrequencyMask", "TimeWarp", "TimeCutMix"}


def scene(kind: int) -> np.ndarray:
    """A 64 x 64 RGB test picture: a gradient, a disc and a digit, so that geometry, colour and
    masks all show."""
    y, x = np.mgrid[0:64, 0:64]
    img = np.stack([40 + 2 * y, 80 + x, 200 - 2 * x], -1).clip(0, 255).astype(np.uint8)
    colour = (230, 60, 40) if kind == 0 else (40, 170, 60)
    cv2.circle(img, (20 if kind == 0 else 44, 22), 12, colour, -1)
    cv2.putText(img, "7" if kind == 0 else "3", (30, 58), cv2.FONT_HERSHEY_SIMPLEX, 1.4,
                (255, 255, 255), 3, cv2.LINE_AA)
    return img


def sample(modality: str) -> tuple[Any, np.ndarray, list[str]]:
    """(x, y, classes) to draw on: two pictures, two sentences or two spoken words."""
    if modality == "text":
        return (["The film was surprisingly good, and the actors were great.",
                 "A dull and long movie with a weak ending."], np.array([1, 0]), ["neg", "pos"])
    if modality == "audio":
        ds = af.datasets.load("audio_folder", path=str(ROOT / "datasets/examples/spoken_words"))
        return ds.x[:2], np.asarray(ds.y[:2]), list(ds.classes)
    return np.stack([scene(0), scene(1)]), np.array([0, 1]), ["seven", "three"]


def build(name: str) -> Transform:
    d = EXAMPLES.get(name, {"type": name})
    if name in ON_SPECTROGRAMS:
        d = {"type": "Compose", "transforms": [{"type": "MelSpectrogram", "sample_rate": SR}, d]}
    return Transform.from_dict(d)


def strip(pngs: list[bytes]) -> bytes:
    """Cards side by side on white, one PNG."""
    imgs = [cv2.imdecode(np.frombuffer(p, np.uint8), cv2.IMREAD_COLOR) for p in pngs]
    h = max(i.shape[0] for i in imgs)
    padded = [cv2.copyMakeBorder(i, 0, h - i.shape[0], 0, 6, cv2.BORDER_CONSTANT,
                                 value=(255, 255, 255)) for i in imgs]
    ok, buf = cv2.imencode(".png", np.hstack(padded), [cv2.IMWRITE_PNG_COMPRESSION, 9])
    if not ok:
        raise RuntimeError("OpenCV could not encode the gallery strip as PNG")
    return buf.tobytes()


def draw(name: str, modality: str, out: Path) -> list[str]:
    """Markdown showing the original and the versions (the picture is written to ``out``)."""
    aug = build(name)
    x, y, classes = sample("image" if modality == "any" else modality)
    g: Gallery = draw_gallery(aug, x, y, classes, VERSIONS, SEED, SR if modality == "audio"
                              else None)
    drew = [[d.text for d in g.drawn[k][0]] or ["nothing applied"] for k in range(VERSIONS)]
    head = ["original"] + [f"version {k + 1}" for k in range(VERSIONS)]
    if modality == "text":
        cells = [html.escape(x[0])] + [word_diff(x[0], g.outs[k][0]) for k in range(VERSIONS)]
        return ["| " + " | ".join(head) + " |", "|---" * len(head) + "|",
                "| " + " | ".join(cells) + " |",
                "| label " + g.label(0) + " | " + " | ".join("; ".join(d) for d in drew) + " |"]
    if modality == "audio":
        mel = find_mel(aug) or af.transforms.audio.MelSpectrogram(sample_rate=SR)
        before, afters = spectrograms(mel, np.asarray(x), g.outs)
        row = spectrogram_panels(g, before, afters, mel.sample_rate, mel.hop_length, mel.log,
                                 mel.top_db)[0]
    else:
        row = image_panels(g, SIDE)[0]
    file = out / f"{name}.png"
    file.write_bytes(strip([p.png for p in row if p.png is not None]))
    return [f"![{name}: the original, then three versions](gallery/{file.name})", "",
            "| " + " | ".join(head) + " |", "|---" * len(head) + "|",
            "| label " + g.label(0) + " | " + " | ".join("; ".join(d) for d in drew) + " |"]


def section(e: catalog.Entry, out: Path) -> list[str]:
    shown = EXAMPLES.get(e.name)
    lines = [f"### {e.name}", "", e.summary, "", f"Parameters (defaults): `{e.params or '-'}`."]
    if shown is not None:
        lines.append(f"Drawn here as `{shown}`.".replace("'", '"'))
    lines.append("")
    try:
        lines += draw(e.name, e.modality, out)
    except Exception as err:  # any failure: a transform that cannot run here says why
        lines.append(f"*Not drawn here: {type(err).__name__}: {' '.join(str(err).split())[:300]}*")
    return [*lines, ""]


TITLES = {"image": "Images", "text": "Text", "audio": "Audio",
          "any": "Compositions and label mixing (drawn on images)"}


def page(docs: Path = ROOT / "docs") -> str:
    out = docs / "gallery"
    out.mkdir(exist_ok=True)
    entries = catalog.entries()
    lines = ["# Transform gallery", "",
             "Every registered transform, as `augfit list transforms` lists it, drawn on the same "
             "originals: a test picture for images, a spoken word from "
             "`datasets/examples/spoken_words` (its log-mel spectrogram) for audio, a sentence for "
             "text (added words in green, removed ones in red). Each row shows the original and "
             f"three versions drawn with seeds derived from {SEED}, and under each version what "
             "it drew. Generated by `scripts/docs_gallery.py`; rerun it after adding a "
             "transform.", ""]
    for modality in ("image", "audio", "text", "any"):
        group = [e for e in entries if e.modality == modality]
        if group:
            lines += [f"## {TITLES[modality]}", ""]
            for e in group:
                lines += section(e, out)
    return "\n".join(lines).rstrip() + "\n"


def write(docs: Path = ROOT / "docs") -> None:
    (docs / "gallery.md").write_text(page(docs), encoding="utf-8")


if __name__ == "__main__":
    write()
    print("wrote docs/gallery.md and docs/gallery/*.png")
