"""The report's sample grids: what each method's augmentation did to a few training samples.

For every method the same :data:`SAMPLES` training samples of split 0 (one per class first) are
shown with :data:`DRAWS` augmented versions each, drawn like the preview's
(:func:`augfit.viz.gallery.draw_gallery`) from the spec's first seed, so a report is reproducible.
Each card carries the label (mixed after MixUp/CutMix) and the parameters drawn for that sample. A
method without augmentation gets one sentence naming what it does instead ("no data
augmentation (dropout 0.3)"). Images are PNGs encoded by OpenCV (no matplotlib), so the grids cost
little next to the rest of the report; spectrograms are drawn with their axes by one reused
matplotlib figure. When the data cannot be loaded where the report is built (data passed in memory
to ``run(spec, data=...)`` and the report rebuilt later), the section says so instead.
"""
from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ...errors import AugfitError
from ...transforms.audio.mel import need_sample_rate, with_sample_rate
from ...transforms.base import Pipeline
from ...viz.cards import (
    Panel,
    image_panels,
    md_text,
    rows_html,
    spectrogram_panels,
    text_panels,
)
from ...viz.explain import describe_pipeline
from ...viz.gallery import draw_gallery, pick_samples, pipeline_of
from ...viz.sound import find_mel, spectrograms
from ..spec import Method, Spec

if TYPE_CHECKING:
    from ...data.datasets import Dataset
    from ...viz.gallery import Gallery

SAMPLES = 4
"""Training samples shown per method."""
DRAWS = 3
"""Augmented versions shown per sample."""
REPORT_SIDE = 112
"""Images are enlarged to at least this many pixels a side (smaller than the preview's)."""


@dataclass
class MethodSamples:
    """One method's grid: ``rows`` of cards (None when the method does not augment) and the
    sentence shown above them."""

    method: str
    note: str
    rows: list[list[Panel]] | None = None
    names: list[str] = field(default_factory=list)


@dataclass
class Samples:
    """The grids of every method, or why there are none (``reason``)."""

    methods: list[MethodSamples] = field(default_factory=list)
    reason: str | None = None
    seed: int = 0
    source: str = ""


def without_augmentation(m: Method, baseline: str) -> str:
    """What a method without augmentation does instead, in words."""
    what = []
    if m.dropout:
        what.append(f"dropout {m.dropout:g}")
    if m.early_stopping:
        es = m.early_stopping
        what.append(f"early stopping (patience {es.get('patience', '?')}, "
                    f"{es.get('monitor', 'val_loss')})")
    if m.label_smoothing:
        what.append(f"label smoothing {m.label_smoothing:g}")
    if m.weight_decay is not None:
        what.append(f"weight decay {m.weight_decay:g}"
                    + (" (biases too)" if m.decay_bias else " (not the biases)"))
    if not what:
        return ("no data augmentation and no regularizer: the baseline every method is compared "
                "with" if m.name == baseline else "no data augmentation and no regularizer")
    return "no data augmentation (" + ", ".join(what) + ")"


def build(spec: Spec, data: Dataset | None = None) -> Samples:
    """The grids of ``spec``'s methods on ``data`` (a Dataset: the training pool to draw from;
    None: split 0's training part of the spec's dataset, loaded here if it is not already)."""
    seed = int(spec.seeds[0]) if spec.seeds else 0
    out = Samples(seed=seed)
    if data is None:
        from ..run import splits

        try:
            data = splits(spec, 0)[0]
        except (AugfitError, OSError) as e:
            out.reason = f"the data could not be loaded here ({str(e)[:200]})"
            return out
    idx = pick_samples(data.y, SAMPLES, seed)
    sub = data.subset(idx)
    out.source = f"training samples {', '.join(str(int(i)) for i in idx)} of split 0"
    rate = data.meta.get("sample_rate", 0)
    sr = float(rate) if isinstance(rate, (int, float)) and rate else None
    for m in spec.methods:
        out.methods.append(_method(m, spec.baseline, sub, seed, sr))
    return out


def _method(m: Method, baseline: str, sub: Dataset, seed: int, sr: float | None
            ) -> MethodSamples:
    try:
        aug = with_sample_rate(pipeline_of(m.augment, m.mix), sr)
    except AugfitError as e:
        return MethodSamples(m.name, f"its pipeline cannot be built here: {str(e)[:200]}")
    if aug is None:
        return MethodSamples(m.name, without_augmentation(m, baseline))
    extra = without_augmentation(m, baseline)
    note = describe_pipeline(aug) + ("" if extra.startswith("no data augmentation and no")
                                     else "; also " + extra.removeprefix("no data augmentation (")
                                     .removesuffix(")"))
    mel = find_mel(aug) if sub.modality == "audio" else None
    try:
        g = draw_gallery(aug, sub.x, sub.y, sub.classes, DRAWS, seed, sr,
                         None if mel is None else mel.hop_length)
        rows = _panels(aug, g, sub, sr)
    except AugfitError as e:     # e.g. MixUp of raw text: it mixes the featurized vectors
        return MethodSamples(m.name, f"{note}; not shown on raw samples: {str(e)[:200]}")
    except Exception as e:  # any failure: a plugin's must not cost the run its report
        return MethodSamples(m.name, f"{note}; drawing samples failed here "
                             f"({type(e).__name__}: {str(e)[:200]})")
    names = [f"sample #{i} · label {g.label(i)}" for i in range(len(g.y))]
    return MethodSamples(m.name, note, rows, names)


def _panels(aug: Pipeline, g: Gallery, sub: Dataset, sr: float | None) -> list[list[Panel]]:
    if sub.modality == "image":
        return image_panels(g, REPORT_SIDE)
    if sub.modality == "audio":
        from ...transforms.audio import MelSpectrogram

        x = np.asarray(g.x)
        mel = find_mel(aug) or MelSpectrogram(sample_rate=sr or 8000.0)
        before, afters = (x, [np.asarray(o) for o in g.outs]) if x.ndim == 3 else \
            spectrograms(mel, x, g.outs)
        return spectrogram_panels(g, before, afters, need_sample_rate(mel), mel.hop_length,
                                  mel.log, mel.top_db)
    return text_panels(g)


def samples_html(s: Samples) -> str:
    """The HTML section body: one heading, sentence and grid per method."""
    if s.reason is not None:
        return f"<p>No sample grid: {html.escape(s.reason)}.</p>"
    parts = [f"<p>The same {SAMPLES} {html.escape(s.source)}, each with {DRAWS} augmented "
             f"versions drawn from seed {s.seed} (derive(seed, k) for version k): what each method "
             "feeds the network. Under each card: its label (mixed labels as weights) and the "
             "parameters drawn for it.</p>"]
    for m in s.methods:
        parts.append(f'<h3 id="samples-{html.escape(m.method)}">{html.escape(m.method)}</h3>'
                     f'<p class="pipe">{html.escape(m.note)}</p>')
        if m.rows is not None:
            parts.append(f"<details open><summary>{SAMPLES} samples × {DRAWS} draws</summary>"
                         + rows_html(m.rows, m.names) + "</details>")
    return "".join(parts)


def samples_markdown(s: Samples, stem: str = "plots/samples") -> tuple[str, dict[str, bytes]]:
    """The Markdown section body and the PNG files it links (path -> bytes)."""
    if s.reason is not None:
        return f"No sample grid: {s.reason}.\n", {}
    files: dict[str, bytes] = {}
    lines = [f"The same {SAMPLES} {s.source}, each with {DRAWS} augmented versions drawn from "
             f"seed {s.seed}; under each: its label and the parameters drawn for it.", ""]
    for m in s.methods:
        lines += [f"### {md_text(m.method)}", "", md_text(m.note), ""]
        if m.rows is None:
            continue
        lines += ["| sample | original | " + " | ".join(f"version {k + 1}" for k in range(DRAWS))
                  + " |", "|---" * (DRAWS + 2) + "|"]
        for i, (name, row) in enumerate(zip(m.names, m.rows, strict=True)):
            cells = []
            for k, p in enumerate(row):
                text = "<br>".join(md_text(t) for t in [f"label {p.label}", *p.lines])
                if p.png is not None:
                    path = f"{stem}/{m.method}_{i}_{k}.png"
                    files[path] = p.png
                    title = md_text(p.title).replace("[", "\\[").replace("]", "\\]")
                    text = f"![{title}]({path})<br>{text}"
                elif p.text_html is not None:
                    text = f"{p.text_html}<br>{text}"
                cells.append(text)
            lines.append(f"| {md_text(name)} | " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines) + "\n", files


__all__ = ["DRAWS", "REPORT_SIDE", "SAMPLES", "MethodSamples", "Samples", "build", "samples_html",
           "samples_markdown", "without_augmentation"]
