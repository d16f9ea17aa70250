"""Time-axis CutMix for spectrograms ``(N, F, T)``: paste a span of frames of the partner.

Each applied sample gets ``λ ~ Beta(α, α)``; a span of ``round((1 - λ)·T)`` frames starting
uniformly where it fits is copied (all mel bands) from its partner, and the labels are mixed by the
frames kept, ``w = 1 - span / T``. MixUp of spectrograms is :class:`augfit.transforms.mixing.MixUp`.
"""
from __future__ import annotations

import numpy as np

from ...registry import TRANSFORMS
from ..base import Params
from ..mixing import LabelMixing
from ..parallel import per_chunk
from .core import check_spectrograms


@TRANSFORMS.register()
class TimeCutMix(LabelMixing):
    """Replace a span of frames of each spectrogram by its partner's; labels mixed by frames kept.

    Parameters
    ----------
    alpha : float
        ``λ ~ Beta(α, α)`` per sample, ``α > 0``: the span covers ``round((1 - λ)·T)`` frames.
    p : float
        Probability per sample.

    The record holds ``lam``, ``partner``, ``start``, ``width`` and ``weight``. Shape and dtype
    are kept.
    """

    modality = "audio"

    def __init__(self, alpha: float = 1.0, p: float = 1.0) -> None:
        super().__init__(alpha, p)

    def check_batch(self, batch: object) -> None:
        check_spectrograms(batch, type(self).__name__)

    def draw(self, rng: np.random.Generator, batch: np.ndarray, lam: np.ndarray
             ) -> tuple[Params, np.ndarray]:
        t = batch.shape[2]
        width = np.rint((1.0 - lam) * t).astype(np.int64)
        start = np.floor(rng.random(lam.shape[0]) * (t - width + 1)).astype(np.int64)
        return {"start": start, "width": width}, 1.0 - width / float(t)

    def mix(self, a: np.ndarray, b: np.ndarray, params: Params) -> np.ndarray:
        start, width = np.asarray(params["start"]), np.asarray(params["width"])
        frames = np.arange(a.shape[2])
        out: np.ndarray = a.copy()

        def part(s: slice) -> None:
            inside = (frames >= start[s, None]) & (frames < (start + width)[s, None])
            np.copyto(out[s], b[s], where=inside[:, None, :])

        per_chunk(part, a.shape[0], a.size)
        return out

    @classmethod
    def example_batch(cls, rng: np.random.Generator) -> np.ndarray:
        return (rng.standard_normal((4, 20, 32)) * 10.0 - 40.0).astype(np.float32)


__all__ = ["TimeCutMix"]
