"""See what a pipeline does before training with it: originals beside augmented versions.

* images: a grid PNG, one row per sample: the original, then ``versions`` augmented copies;
* audio: log-mel spectrograms before/after in the same grid, plus WAV files to listen to (the
  originals, and the augmented waveforms when the pipeline outputs waveforms);
* text: each sentence and its augmented versions with the edits highlighted (deleted words struck
  through, inserted words marked).

Everything is gathered into one static ``index.html`` (images embedded, WAVs linked beside it).
Version ``k`` is drawn with ``derive(seed, k + 1)`` and the samples are chosen with
``derive(seed, 0)``, so the same seed gives the same page.

>>> import tempfile
>>> import augfit as af
>>> from augfit.transforms import image as I
>>> aug = af.Compose([I.Rotate(limit=15), I.HorizontalFlip()])
>>> result = af.preview.preview(aug, "digits", n=6, versions=4, out=tempfile.mkdtemp(), seed=0)
>>> result.paths["html"].name
'index.html'
"""
from __future__ import annotations

import difflib
import html
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .checks import check_int
from .errors import ConfigError
from .experiments.plots import png_data_uri
from .rng import derive


@dataclass
class PreviewResult:
    """The chosen originals, their augmented versions and the files written."""

    originals: Any
    augmented: list[Any]
    modality: str
    panels: int
    paths: dict[str, Path] = field(default_factory=dict)


def _spec_file(pipeline: Any) -> Path | None:
    """The path if ``pipeline`` names an experiment spec file (a mapping with ``methods``)."""
    if not isinstance(pipeline, (str, Path)) or not Path(pipeline).is_file():
        return None
    from .safe_yaml import load_yaml, read_text

    data = load_yaml(read_text(Path(pipeline), "pipeline file"), str(pipeline))
    return Path(pipeline) if isinstance(data, dict) and "methods" in data else None


def load_pipeline(pipeline: Any, method: str | None = None) -> Any:
    """A Transform from a Transform, a dict, a transform file (YAML/JSON) or an experiment spec file
    (then ``method`` names the method whose ``augment`` to use)."""
    from .experiments.augment_spec import build_augment
    from .experiments.checker import Checker
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
        names = [m.name for m in spec.methods if m.augment]
        if method is None or method not in names:
            raise ConfigError(f"{path} is an experiment spec; pass method=... (--method) naming "
                              f"one with augment: {', '.join(names) or 'none has one'}")
        return Transform.from_dict(spec.method(method).augment)
    built = build_augment(Checker("preview"), path.name, "pipeline", path.parent)
    return Transform.from_dict(built)


def _dataset(dataset: Any, options: dict[str, Any] | None, pipeline: Any) -> Any:
    """A Dataset from a Dataset, a name, or (None) the dataset of the spec given as pipeline."""
    from .data import datasets
    from .experiments.checker import Checker
    from .experiments.spec import check_dataset_options

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


def preview(pipeline: Any, dataset: Any = None, n: int = 8, versions: int = 4,
            out: str | Path | None = "preview", seed: int = 0, method: str | None = None,
            dataset_options: dict[str, Any] | None = None) -> PreviewResult:
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
    """
    n, versions = check_int(n, "n", "preview"), check_int(versions, "versions", "preview")
    aug = load_pipeline(pipeline, method)
    ds = _dataset(dataset, dataset_options, pipeline)
    count = min(n, len(ds))
    idx = np.sort(derive(seed, 0).choice(len(ds), size=count, replace=False))
    x = ds.subset(idx).x
    outs = [aug(x, rng=derive(seed, k + 1)) for k in range(versions)]
    result = PreviewResult(x, outs, ds.modality, count * (1 + versions))
    if out is not None:
        result.paths = write(Path(out), aug, ds, x, outs, seed)
    return result


def word_diff(before: str, after: str) -> str:
    """HTML of ``after`` with words not in ``before`` in ``<ins>`` and removed ones in ``<del>``."""
    a, b = before.split(), after.split()
    parts = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            parts.append(html.escape(" ".join(a[i1:i2])))
            continue
        if i2 > i1:
            parts.append(f"<del>{html.escape(' '.join(a[i1:i2]))}</del>")
        if j2 > j1:
            parts.append(f"<ins>{html.escape(' '.join(b[j1:j2]))}</ins>")
    return " ".join(parts)


def describe(aug: Any) -> str:
    return json.dumps(aug.to_dict(), indent=1)


# -- rendering -------------------------------------------------------------------------------------
def _grid(batches: list[Any], titles: list[str], panel: tuple[float, float], draw: Any) -> bytes:
    """Grid PNG: one row per sample, one column per batch; ``draw(ax, item)`` draws one panel."""
    from .experiments.plots import figure, png_bytes

    n, cols = len(batches[0]), len(batches)
    fig = figure((panel[0] * cols, panel[1] * n))
    axes = fig.subplots(n, cols, squeeze=False)
    for i in range(n):
        for j, batch in enumerate(batches):
            draw(axes[i, j], np.asarray(batch[i]))
            axes[i, j].set_xticks([])
            axes[i, j].set_yticks([])
            if i == 0:
                axes[i, j].set_title(titles[j], fontsize=8)
    return png_bytes(fig, dpi=80)


def _draw_image(ax: Any, img: np.ndarray) -> None:
    if img.dtype != np.uint8:
        img = np.clip(img.astype(np.float32), 0.0, 1.0)
    ax.imshow(img, cmap="gray" if img.ndim == 2 else None, vmin=0,
              vmax=255 if img.dtype == np.uint8 else 1.0, interpolation="nearest")


def image_grid(x: np.ndarray, outs: list[np.ndarray]) -> bytes:
    """Grid PNG of images: each row a sample, the original then each augmented version."""
    titles = ["original"] + [f"version {k + 1}" for k in range(len(outs))]
    return _grid([x, *outs], titles, (1.3, 1.3), _draw_image)


def spectrogram_grid(before: np.ndarray, afters: list[np.ndarray]) -> bytes:
    """Grid PNG of (N, F, T) spectrograms: before, then each augmented version, per row."""
    titles = ["before"] + [f"after {k + 1}" for k in range(len(afters))]
    lo, hi = float(np.min(before)), float(np.max(before))     # one colour scale for all panels

    def draw(ax: Any, spec: np.ndarray) -> None:
        ax.imshow(spec, origin="lower", aspect="auto", cmap="magma", vmin=lo, vmax=hi)

    return _grid([before, *afters], titles, (2.2, 1.6), draw)


def _steps(aug: Any) -> list[Any]:
    return list(getattr(aug, "transforms", [aug]))


def _spectrograms(aug: Any, x: np.ndarray, outs: list[np.ndarray],
                  sample_rate: float) -> tuple[np.ndarray, list[np.ndarray]]:
    """(before, afters) as (N, F, T): the pipeline's own deterministic steps (e.g. its
    MelSpectrogram) make the "before"; waveform outputs go through a default log-mel."""
    from .transforms.audio import MelSpectrogram

    mel = MelSpectrogram(sample_rate=sample_rate)
    det = [t for t in _steps(aug) if getattr(t, "deterministic", False)]
    before = x
    for t in det:
        before = t(before, rng=0)
    if np.asarray(before).ndim == 2:
        before = mel(before, rng=0)
    afters = [o if np.asarray(o).ndim == 3 else mel(o, rng=0) for o in outs]
    return np.asarray(before), [np.asarray(a) for a in afters]


def write(out: Path, aug: Any, ds: Any, x: Any, outs: list[Any], seed: int) -> dict[str, Path]:
    """Write the preview files and ``index.html`` into ``out``; returns their paths."""
    out.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    body = [f"<h1>augfit preview: {html.escape(str(ds.meta.get('source', ds.modality)))}</h1>",
            f"<p>{len(x)} samples, {len(outs)} augmented versions each, seed {seed}.</p>",
            "<details><summary>pipeline</summary>"
            f"<pre>{html.escape(describe(aug))}</pre></details>"]
    if ds.modality == "image":
        png = image_grid(np.asarray(x), [np.asarray(o) for o in outs])
        paths["grid"] = out / "images.png"
        paths["grid"].write_bytes(png)
        body.append(f'<img alt="originals and augmented versions" src="{png_data_uri(png)}">')
    elif ds.modality == "audio":
        sr = float(ds.meta.get("sample_rate", 8000))
        before, afters = _spectrograms(aug, np.asarray(x), outs, sr)
        png = spectrogram_grid(before, afters)
        paths["grid"] = out / "spectrograms.png"
        paths["grid"].write_bytes(png)
        body.append(f'<img alt="spectrograms before and after" src="{png_data_uri(png)}">')
        body.append(_wavs(out, paths, np.asarray(x), outs, int(sr)))
    else:
        rows = []
        for i, sent in enumerate(x):
            cells = [f"<td>{html.escape(sent)}</td>"]
            cells += [f"<td>{word_diff(sent, o[i])}</td>" for o in outs]
            rows.append("<tr>" + "".join(cells) + "</tr>")
        head = "<tr><th>original</th>" + "".join(
            f"<th>version {k + 1}</th>" for k in range(len(outs))) + "</tr>"
        body.append(f"<table>{head}{''.join(rows)}</table>")
    css = ("body{font-family:sans-serif;margin:2em}img{max-width:100%}"
           "table{border-collapse:collapse}"
           "td,th{border:1px solid #ccc;padding:4px;vertical-align:top}"
           "ins{background:#c8f7c5;text-decoration:none}del{background:#f7c5c5}")
    paths["html"] = out / "index.html"
    paths["html"].write_text('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
                             f"<title>augfit preview</title><style>{css}</style></head><body>"
                             + "".join(body) + "</body></html>")
    return paths


def _wavs(out: Path, paths: dict[str, Path], x: np.ndarray, outs: list[Any], sr: int) -> str:
    from .data.wav import write_wav

    (out / "wav").mkdir(exist_ok=True)
    rows = []
    for i in range(len(x)):
        names = [(f"wav/{i}_original.wav", x[i])]
        names += [(f"wav/{i}_version{k + 1}.wav", np.asarray(o)[i]) for k, o in enumerate(outs)
                  if np.asarray(o).ndim == 2]
        cells = []
        for name, wave in names:
            write_wav(out / name, np.asarray(wave, np.float32), sr)
            paths[name] = out / name
            cells.append(f'<td><audio controls src="{name}"></audio><br>{html.escape(name)}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    note = "" if all(np.asarray(o).ndim == 2 for o in outs) else (
        "<p>The pipeline outputs spectrograms, so only the originals can be played.</p>")
    return note + "<table>" + "".join(rows) + "</table>"


__all__ = ["preview", "load_pipeline", "word_diff", "PreviewResult"]
