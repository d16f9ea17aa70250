"""Originals and seeded augmented versions, each with its label and what the pipeline drew for it.

:func:`draw_gallery` is the one way the preview page and the report's sample grids make their
samples: version ``k`` is ``aug(x, rng=derive(seed, k + 1), return_params=True)``, so a page is a
pure function of the seed, and the record of each version gives, per sample, the drawn parameters
(:func:`~augfit.viz.explain.explain`) and, for label-mixing steps (MixUp, CutMix), the soft label
(``aug.apply_targets``). :func:`pick_samples` chooses the originals from ``derive(seed, 0)``,
one per class first so that a few samples show several classes.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from ..rng import derive
from ..transforms.base import Pipeline, Transform
from ..transforms.records import Params
from .explain import Drawn, explain


def pipeline_of(augment: Mapping[str, object] | None, mix: Mapping[str, object] | None
                ) -> Pipeline | None:
    """The transform a spec method applies to its training samples: its ``augment`` step, then
    its ``mix`` step (MixUp/CutMix; in training it mixes the featurized vectors, which for images
    flattened by ``image_flatten`` is the same mix of pixels); None for a method with neither."""
    from ..transforms.compose import Compose

    steps = [Transform.from_dict(d) for d in (augment, mix) if d is not None]
    if not steps:
        return None
    return steps[0] if len(steps) == 1 else Compose(steps)


def pick_samples(y: np.ndarray, n: int, seed: int) -> np.ndarray:
    """``n`` sample indices (sorted), drawn with ``derive(seed, 0)``: a random order in which the
    first sample of each class comes first, so ``n <= classes`` samples have distinct classes."""
    y = np.asarray(y)
    order = derive(seed, 0).permutation(len(y))
    _, first = np.unique(y[order], return_index=True)
    lead = order[np.sort(first)]
    rest = order[~np.isin(order, lead)]
    return np.sort(np.concatenate([lead, rest])[: min(n, len(y))])


def label_text(weights: np.ndarray, classes: list[str]) -> str:
    """A (soft) label in words: ``"7"``, or ``"0.62 × 7 + 0.38 × 3"`` for a mixed one."""
    w = np.asarray(weights, float)
    order = [int(k) for k in np.argsort(-w, kind="stable") if w[k] > 5e-3]
    if len(order) == 1 and w[order[0]] > 1 - 5e-3:
        return classes[order[0]]
    return " + ".join(f"{w[k]:.2f} × {classes[k]}" for k in order)


@dataclass
class Gallery:
    """``versions`` augmented copies of the originals ``x`` (labels ``y`` naming ``classes``).

    ``outs[k]`` is version ``k``, ``records[k]`` its record, ``drawn[k][i]`` what each step drew
    for sample ``i`` and ``targets[k]`` its soft labels ``(N, K)`` (None: labels unchanged)."""

    x: np.ndarray | list[str]
    y: np.ndarray
    classes: list[str]
    outs: list[np.ndarray | list[str]] = field(default_factory=list)
    records: list[Params] = field(default_factory=list)
    drawn: list[list[list[Drawn]]] = field(default_factory=list)
    targets: list[np.ndarray | None] = field(default_factory=list)

    def label(self, i: int, k: int | None = None) -> str:
        """The label of original ``i`` (``k`` None) or of its version ``k``."""
        t = None if k is None else self.targets[k]
        if t is None:
            return self.classes[int(self.y[i])]
        return label_text(t[i], self.classes)


def draw_gallery(aug: Pipeline, x: np.ndarray | list[str], y: npt.ArrayLike, classes: list[str],
                 versions: int, seed: int,
                 sample_rate: float | None = None, hop_length: int | None = None) -> Gallery:
    """Draw ``versions`` augmented copies of the batch ``x`` with their records, drawn steps and
    labels (see the module docstring for the seeds)."""
    g = Gallery(x, np.asarray(y, np.int64), [str(c) for c in classes])
    n = len(x)
    mixes = aug.changes_labels()
    eye = np.eye(len(g.classes))[g.y]
    for k in range(versions):
        out, record = aug(x, rng=derive(seed, k + 1), return_params=True)
        g.outs.append(out)
        g.records.append(record)
        g.drawn.append(explain(aug, record, n, sample_rate, hop_length))
        g.targets.append(np.asarray(aug.apply_targets(eye, record)) if mixes else None)
    return g


__all__ = ["Gallery", "draw_gallery", "label_text", "pick_samples", "pipeline_of"]
