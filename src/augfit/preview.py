"""See what a pipeline does before training with it: originals beside augmented versions.

One row per chosen sample: the original, then ``versions`` augmented copies, each a card with its
class label (a mixed label as weights, e.g. ``0.62 × 7 + 0.38 × 3`` after MixUp) and the
parameters drawn for it, read from the pipeline's record (:mod:`augfit.viz.explain`):

* images: enlarged without smoothing (at least 168 px a side);
* audio: log-mel spectrograms with time (s) and mel-frequency (Hz) axes and a colour bar (dB), and
  a player on every card: waveform outputs play as they are; spectrogram outputs play through
  librosa's mel inversion (Griffin-Lim), an approximation the page says is one, next to the
  original played through the same inversion;
* text: each sentence and its versions with the edits highlighted (deleted words struck through,
  inserted words marked).

Everything is gathered into one static ``index.html`` (images embedded, WAVs in ``wav/`` beside
it). Version ``k`` is drawn with ``derive(seed, k + 1)`` and the samples are chosen with
``derive(seed, 0)`` (one per class first), so the same seed gives the same page.

>>> import tempfile
>>> import augfit as af
>>> from augfit.transforms import image as I
>>> aug = af.Compose([I.Rotate(limit=15), I.HorizontalFlip()])
>>> result = af.preview.preview(aug, "digits", n=6, versions=4, out=tempfile.mkdtemp(), seed=0)
>>> result.paths["html"].name
'index.html'
"""
from __future__ import annotations

import html
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

import numpy as np

from .checks import check_int
from .errors import ConfigError
from .rng import derive
from .transforms.audio.mel import need_sample_rate, with_sample_rate
from .viz.cards import CSS, Panel, image_panels, rows_html, spectrogram_panels, text_panels
from .viz.cards import word_diff as word_diff
from .viz.explain import describe_pipeline
from .viz.gallery import Gallery, draw_gallery, pick_samples, pipeline_of
from .viz.sound import N_ITER, find_mel, invert_mel, spectrograms

if TYPE_CHECKING:
    from .data.container import Dataset
    from .experiments.spec import Spec
    from .transforms.base import Pipeline

#: what a preview shows: a Transform, its dict (or a list of transform dicts), or the path of a
#: transform file or of an experiment spec
PipelineSpec: TypeAlias = "Pipeline | dict[str, object] | list[object] | str | Path"

#: the most panels (samples x (1 + versions)) one preview page holds unless raised
MAX_PANELS = 1000


@dataclass
class PreviewResult:
    """The chosen originals, their augmented versions and the files written."""

    originals: np.ndarray | list[str]
    augmented: list[np.ndarray | list[str]]
    modality: str
    panels: int
    paths: dict[str, Path] = field(default_factory=dict)
    gallery: Gallery | None = None     # labels, records and drawn parameters of every panel


def _spec_file(pipeline: object) -> Path | None:
    """The path if ``pipeline`` names an experiment spec file (a mapping with ``methods``)."""
    if not isinstance(pipeline, (str, Path)) or not Path(pipeline).is_file():
        return None
    from .safe_yaml import load_yaml, read_text

    data = load_yaml(read_text(Path(pipeline), "pipeline file"), str(pipeline))
    return Path(pipeline) if isinstance(data, dict) and "methods" in data else None


def load_pipeline(pipeline: PipelineSpec, method: str | None = None) -> Pipeline:
    """A Transform from a Transform, a dict, a transform file (YAML/JSON) or an experiment spec file
    (then ``method`` names the method whose ``augment`` to use)."""
    from .experiments.spec import Checker, build_augment
    from .transforms.base import Transform

    if isinstance(pipeline, Transform):
        return pipeline
    if isinstance(pipeline, (list, dict)):
        built = build_augment(Checker("preview"), pipeline, "pipeline", Path("."))
        return Transform.from_dict(built)
    path = Path(pipeline)
    if not path.is_file():
        raise ConfigError(f"pipeline {str(pipeline)!r} is not a file; pass a YAML/JSON transform "
                          "file, an experiment spec with --method, or a Transform")
    if _spec_file(path) is not None:
        from .experiments.spec import load_spec

        spec = load_spec(path)
        names = [m.name for m in spec.methods if m.augment or m.mix]
        if method is None or method not in names:
            raise ConfigError(f"{path} is an experiment spec: {_method_problem(spec, method)}; "
                              "--method (method= in Python) names a method with data "
                              f"augmentation: {', '.join(names) or 'this spec has none'}")
        m = spec.method(method)
        built_pipeline = pipeline_of(m.augment, m.mix)
        assert built_pipeline is not None  # names holds only methods with augment or mix
        return built_pipeline
    built = build_augment(Checker("preview"), path.name, "pipeline", path.parent)
    return Transform.from_dict(built)


def _method_problem(spec: Spec, method: str | None) -> str:
    """Why ``method`` cannot be previewed: none given, unknown (with a guess), or no augment."""
    from .checks import did_you_mean

    if method is None:
        return "which method's augmentation should it show?"
    every = [m.name for m in spec.methods]
    if method not in every:
        hint = did_you_mean(method, every)
        return f"it has no method {method!r}" + (f" ({hint})" if hint else "")
    return f"method {method!r} has no data augmentation (no augment or mix step) to show"


def _dataset(dataset: Dataset | str | None, options: dict[str, object] | None,
             pipeline: PipelineSpec) -> Dataset:
    """A Dataset from a Dataset, a name, or (None) the dataset of the spec given as pipeline."""
    from .data import datasets
    from .experiments.spec import Checker, check_dataset_options

    if dataset is None:
        spec_path = _spec_file(pipeline)
        if spec_path is None:
            raise ConfigError("preview: pass dataset=... (--dataset NAME), or give an experiment "
                              "spec as the pipeline to use its dataset")
        from .experiments.spec import load_spec

        d = load_spec(spec_path).dataset
        merged = {**d["options"], **(options or {})}
        check_dataset_options(Checker("preview"), d["name"], merged, "--dataset-option")
        return datasets.load(d["name"], **merged)
    if isinstance(dataset, str):
        check_dataset_options(Checker("preview"), dataset, options or {}, "--dataset-option")
        return datasets.load(dataset, **(options or {}))
    return dataset


def preview(pipeline: PipelineSpec, dataset: Dataset | str | None = None, n: int = 8,
            versions: int = 4, out: str | Path | None = "preview", seed: int = 0,
            method: str | None = None, dataset_options: dict[str, object] | None = None,
            max_panels: int = MAX_PANELS,
            progress: Callable[[str], None] | None = None) -> PreviewResult:
    """Augment ``n`` samples of ``dataset`` ``versions`` times and write the preview page.

    Parameters
    ----------
    pipeline : Transform, dict, or path
        See :func:`load_pipeline`.
    dataset : Dataset, str or None
        A Dataset or a name for ``augfit.datasets.load`` (with ``dataset_options``); None uses the
        dataset (and its options) of the experiment spec given as ``pipeline``.
    n, versions : int
        Samples shown, augmented versions per sample.
    out : path or None
        Folder for ``index.html`` and the files; None writes nothing.
    seed : int
        Chooses the samples and draws the augmentations.
    max_panels : int
        The cap on ``n * (1 + versions)`` (default 1,000; ``--max-panels``), checked before any
        data is loaded: each panel is an image (or a spectrogram and sounds) in one page.
    progress : callable, optional
        Called with a line of text at each slow step (drawing, and for audio the spectrogram
        cards and each mel inversion); ``augfit preview`` prints them on stderr.
    """
    n, versions = check_int(n, "n", "preview"), check_int(versions, "versions", "preview")
    max_panels = check_int(max_panels, "max_panels", "preview")
    if n * (1 + versions) > max_panels:
        raise ConfigError(f"preview: {n} samples x (1 + {versions} versions) = "
                          f"{n * (1 + versions)} panels, more than the cap max_panels="
                          f"{max_panels}; lower --n or --versions, or raise --max-panels")
    aug = load_pipeline(pipeline, method)
    ds = _dataset(dataset, dataset_options, pipeline)
    sr = ds.sample_rate or None
    aug = with_sample_rate(aug, sr)      # a MelSpectrogram without sample_rate: the data's
    idx = pick_samples(ds.y, n, seed)
    sub = ds.subset(idx)
    mel = find_mel(aug) if ds.modality == "audio" else None
    say = progress or (lambda _: None)
    say(f"drawing {versions} versions of {len(idx)} {ds.modality} samples")
    g = draw_gallery(aug, sub.x, sub.y, ds.classes, versions, seed, sr,
                     None if mel is None else mel.hop_length)
    result = PreviewResult(sub.x, g.outs, ds.modality, len(idx) * (1 + versions), gallery=g)
    if out is not None:
        result.paths = write(Path(out), aug, ds, g, seed, idx, say)
    return result


def describe(aug: Pipeline) -> str:
    return json.dumps(aug.to_dict(), indent=1)


# -- the page --------------------------------------------------------------------------------------
_INVERSION_NOTE = (
    "The pipeline ends in a log-mel spectrogram, so the augmented versions are played through "
    "librosa's mel inversion (NNLS back to an STFT magnitude, then Griffin-Lim with {n} "
    "iterations): an <b>approximation</b> that sounds phasy and loses the detail inside each mel "
    "band. Each original is also played through the same inversion (\"original, inverted\"): "
    "compare a version with that, not with the clean recording, to hear the augmentation alone.")


def write(out: Path, aug: Pipeline, ds: Dataset, gallery: Gallery, seed: int,
          index: np.ndarray, say: Callable[[str], None] = lambda _: None) -> dict[str, Path]:
    """Write ``index.html`` (and the WAVs of an audio preview) into ``out``: the ``gallery`` of
    the samples ``index`` of ``ds``; returns the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    x, outs, idx = gallery.x, gallery.outs, index
    body = [f"<h1>augfit preview: {html.escape(str(ds.meta.get('source', ds.modality)))}</h1>",
            f"<p>{len(x)} samples, {len(outs)} augmented versions each, seed {seed}. Each row: "
            "the original, then its versions; under each, its label (mixed labels as weights) "
            "and the parameters drawn for it, read from the pipeline's record (version k is "
            "drawn with derive(seed, k + 1), so the same seed gives the same page).</p>",
            f'<p>Pipeline: <code>{html.escape(describe_pipeline(aug))}</code></p>',
            "<details><summary>pipeline (JSON)</summary>"
            f"<pre>{html.escape(describe(aug))}</pre></details>"]
    if ds.modality == "image":
        rows = image_panels(gallery)
    elif ds.modality == "audio":
        rate = 8000.0 if ds.sample_rate is None else ds.sample_rate
        rows, note = _audio_rows(out, paths, aug, gallery, rate, seed, say)
        body.append(note)
    else:
        rows = text_panels(gallery)
    names = [f"sample #{i} · dataset index {int(j)}" for i, j in enumerate(idx)]
    body.append(rows_html(rows, names))
    css = ("body{font-family:sans-serif;margin:1.5em 2em}img{max-width:100%}"
           "h3.sample{font-size:14px;margin:14px 0 2px 0;color:#333}"
           ".note{background:#fff4e5;border-left:5px solid #e67e22;padding:6px 12px}" + CSS)
    paths["html"] = out / "index.html"
    paths["html"].write_text('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
                             f"<title>augfit preview</title><style>{css}</style></head><body>"
                             + "".join(body) + "</body></html>")
    return paths


def _audio_rows(out: Path, paths: dict[str, Path], aug: Pipeline, g: Gallery, sr: float,
                seed: int, say: Callable[[str], None]) -> tuple[list[list[Panel]], str]:
    """Spectrogram cards with axes, and a player on every card: waveforms as they are, spectrogram
    outputs through the mel inversion (see :mod:`augfit.viz.sound`)."""
    from .data.wav import write_wav
    from .transforms.audio import MelSpectrogram

    mel = find_mel(aug) or MelSpectrogram(sample_rate=sr)
    x = np.asarray(g.x)
    before, afters = (x, [np.asarray(o) for o in g.outs]) if x.ndim == 3 else \
        spectrograms(mel, x, g.outs)
    rate = need_sample_rate(mel)
    say(f"drawing {len(g.y) * (1 + len(g.outs))} spectrogram cards")
    rows = spectrogram_panels(g, before, afters, rate, mel.hop_length, mel.log, mel.top_db)
    length = x.shape[1] if x.ndim == 2 else (before.shape[2] - 1) * mel.hop_length

    steps, done = sum(np.asarray(o).ndim == 3 for o in g.outs) + 1, [0]

    def invert(specs: np.ndarray, key: int) -> np.ndarray:
        done[0] += 1
        say(f"inverting spectrograms to audio (Griffin-Lim, {N_ITER} iterations): "
            f"{done[0]} of {steps}")
        return invert_mel(specs, rate, mel.n_fft, mel.hop_length, mel.log, length,
                          derive(seed, 0, key))

    inverted = [invert(np.asarray(o), k + 1) if np.asarray(o).ndim == 3 else None
                for k, o in enumerate(g.outs)]
    reference = invert(before, 0) if any(w is not None for w in inverted) or x.ndim == 3 else None
    (out / "wav").mkdir(exist_ok=True)

    def wav(name: str, wave: np.ndarray) -> str:
        write_wav(out / name, np.asarray(wave, np.float32), int(rate))
        paths[name] = out / name
        return name

    for i, row in enumerate(rows):
        if x.ndim == 2:
            row[0].sounds.append(("original", wav(f"wav/{i}_original.wav", x[i])))
        if reference is not None:
            row[0].sounds.append(("original, inverted (the approximation alone)",
                                  wav(f"wav/{i}_original_inverted.wav", reference[i])))
        for k, panel in enumerate(row[1:]):
            o = np.asarray(g.outs[k])
            if o.ndim == 2:
                panel.sounds.append(("as augmented", wav(f"wav/{i}_version{k + 1}.wav", o[i])))
            else:
                wave = inverted[k]
                assert wave is not None   # inverted[k] is set for every spectrogram output
                panel.sounds.append(("inverted from the spectrogram (approximate)",
                                     wav(f"wav/{i}_version{k + 1}.wav", wave[i])))
    note = (f'<p class="note">{_INVERSION_NOTE.format(n=N_ITER)}</p>' if reference is not None
            else "<p>The pipeline ends in waveforms: every version plays as augmented; the "
                 "spectrograms are its log-mel (for display only).</p>")
    axes = (f"<p>Spectrograms: log-mel, {mel.n_mels} bands, n_fft {mel.n_fft}, hop "
            f"{mel.hop_length} at {mel.sample_rate:g} Hz; x is time in seconds, y the centre "
            "frequency of each mel band, colour in dB relative to the peak of the row's original."
            "</p>")
    return rows, note + axes


__all__ = ["PreviewResult", "load_pipeline", "preview", "word_diff"]
