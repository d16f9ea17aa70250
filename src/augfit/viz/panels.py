"""One sample as a PNG: an image enlarged without smoothing, or a spectrogram with its axes.

* :func:`image_png`: an image sample (``(H, W)``, ``(H, W, 3)``; uint8 or float in [0, 1])
  enlarged by a whole factor (nearest neighbour, so every pixel stays a visible square) to at
  least ``min_side`` pixels, encoded by OpenCV (no matplotlib: the report stays cheap).
* :class:`SpectrogramPainter`: log-mel spectrograms ``(n_mels, frames)`` with time (s) on x,
  mel-band centre frequency (Hz) on y and a colour bar in dB, drawn by matplotlib.
"""
from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ..errors import ShapeError
from .figures import figure

MIN_SIDE = 168
"""Images are shown at least this many pixels a side (28x28 -> 168, 8x8 -> 168)."""


def to_uint8(img: np.ndarray) -> np.ndarray:
    """An image sample as uint8 (floats are in [0, 1] by augfit's image contract)."""
    if img.dtype == np.uint8:
        return img
    return np.rint(np.clip(np.asarray(img, np.float64), 0.0, 1.0) * 255.0).astype(np.uint8)


def image_png(img: npt.ArrayLike, min_side: int = MIN_SIDE) -> bytes:
    """PNG bytes of one image, enlarged ``ceil(min_side / shortest side)`` times."""
    import cv2

    a = to_uint8(np.asarray(img))
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[:, :, 0]
    if a.ndim not in (2, 3) or (a.ndim == 3 and a.shape[2] not in (3, 4)) or 0 in a.shape[:2]:
        raise ShapeError(f"image_png: expected an image (H, W) or (H, W, 3), got shape {a.shape}")
    k = max(1, -(-min_side // min(a.shape[:2])))
    big = np.repeat(np.repeat(a, k, axis=0), k, axis=1)
    if big.ndim == 3:                                  # OpenCV writes BGR(A)
        big = big[:, :, [2, 1, 0, 3][: big.shape[2]]]
    ok, buf = cv2.imencode(".png", np.ascontiguousarray(big))
    if not ok:  # pragma: no cover - OpenCV encodes any uint8 image
        raise ShapeError(f"image_png: OpenCV could not encode an image of shape {big.shape}")
    return bytes(buf)


def mel_centres(n_mels: int, sample_rate: float) -> np.ndarray:
    """Centre frequency (Hz) of each band of librosa's Slaney mel filterbank (fmin 0, fmax sr/2),
    the one :class:`~augfit.transforms.audio.MelSpectrogram` uses."""
    import librosa

    return np.asarray(librosa.mel_frequencies(n_mels + 2, fmin=0.0, fmax=sample_rate / 2.0)[1:-1])


class SpectrogramPainter:
    """Draws spectrograms ``(n_mels, frames)`` of one shape as PNGs with their axes: time (s) on x
    (frame ``t`` centred at ``t * hop / sr``), mel-band centres (Hz) on y, and a colour bar in
    ``unit`` over the fixed range ``(vmin, vmax)``.

    The axes, labels and colour bar are drawn once; each panel only redraws the pixels over that
    background (matplotlib blitting) and is encoded by OpenCV, so a panel costs milliseconds
    instead of a full figure draw.
    """

    def __init__(self, shape: tuple[int, int], sample_rate: float, hop_length: int,
                 vmin: float, vmax: float, unit: str = "dB",
                 size: tuple[float, float] = (3.2, 2.2), dpi: int = 80) -> None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        n_mels, frames = shape
        step = hop_length / float(sample_rate)
        self.shape = (int(n_mels), int(frames))
        fig = figure(size)
        fig.set_dpi(dpi)
        self.canvas = FigureCanvasAgg(fig)
        self.ax = fig.add_axes((0.22, 0.2, 0.58, 0.74))
        cax = fig.add_axes((0.83, 0.2, 0.035, 0.74))
        self.image = self.ax.imshow(np.zeros(self.shape, np.float32), origin="lower",
                                    aspect="auto", cmap="magma", interpolation="nearest",
                                    vmin=vmin, vmax=vmax if vmax > vmin else vmin + 1.0,
                                    extent=(-0.5 * step, (frames - 0.5) * step, -0.5,
                                            n_mels - 0.5))
        ticks = np.unique(np.linspace(0, n_mels - 1, min(n_mels, 5)).round().astype(int))
        centres = mel_centres(n_mels, sample_rate)
        self.ax.set_yticks(ticks, [f"{centres[t]:.0f}" for t in ticks])
        self.ax.set_xlabel("time (s)", fontsize=7)
        self.ax.set_ylabel("mel band centre (Hz)", fontsize=7)
        self.ax.tick_params(labelsize=6)
        bar = fig.colorbar(self.image, cax=cax)
        bar.set_label(unit, fontsize=7)
        bar.ax.tick_params(labelsize=6)
        self.image.set_visible(False)
        self.canvas.draw()
        self.background = self.canvas.copy_from_bbox(fig.bbox)
        self.image.set_visible(True)

    def png(self, spec: npt.ArrayLike) -> bytes:
        """PNG bytes of one spectrogram over the prepared axes."""
        import cv2

        s = np.asarray(spec, np.float32)
        if s.shape != self.shape:
            raise ShapeError(f"SpectrogramPainter: expected a spectrogram of shape {self.shape} "
                             f"(n_mels, frames), got {s.shape}")
        self.canvas.restore_region(self.background)
        self.image.set_data(s)
        self.ax.draw_artist(self.image)
        rgba = np.asarray(self.canvas.buffer_rgba())
        ok, buf = cv2.imencode(".png", np.ascontiguousarray(rgba[:, :, [2, 1, 0]]))
        if not ok:  # pragma: no cover - OpenCV encodes any uint8 image
            raise ShapeError("SpectrogramPainter: OpenCV could not encode the panel")
        return bytes(buf)


__all__ = ["MIN_SIDE", "SpectrogramPainter", "image_png", "mel_centres", "to_uint8"]
