"""Figure helpers shared by the report and the preview: a pyplot-free matplotlib Figure and
reproducible PNG bytes / data URIs."""
from __future__ import annotations

import base64
import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# What a core install (no matplotlib) is told: the answer and tables need no extra, figures do.
NO_MATPLOTLIB = ("the figures (and spectrogram cards) need matplotlib, which is not installed: "
                 "pip install 'augfit[report]'")


def has_matplotlib() -> bool:
    """Whether matplotlib can be imported (it is in the ``report`` extra, not in the core)."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def figure(figsize: tuple[float, float]) -> Figure:
    """A new matplotlib Figure, drawn by the Agg canvas: no pyplot, no global backend change."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        from ..errors import MissingResourceError

        raise MissingResourceError(f"{NO_MATPLOTLIB} (the finished cells are saved; then run "
                                   "`augfit report DIR`)") from None
    return Figure(figsize=figsize)


def png_bytes(fig: Figure, dpi: int = 90, colors: int | None = None) -> bytes:
    """The figure as PNG bytes (no timestamp or software metadata, so output is reproducible).

    ``colors``: store the picture with a palette of at most that many colours (Pillow's median
    cut, no dithering, deterministic): a line chart keeps its look at 64 colours and takes about
    a third of the bytes. None: full colour (for pictures with smooth colour maps)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", metadata={"Software": None})
    if colors is None:
        return buf.getvalue()
    from PIL import Image  # a dependency of matplotlib

    buf.seek(0)
    small = Image.open(buf).convert("RGB").quantize(
        colors=colors, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    out = io.BytesIO()
    small.save(out, format="PNG", optimize=True)
    return out.getvalue()


def png_data_uri(png: bytes) -> str:
    """A ``data:`` URI embedding PNG bytes in HTML."""
    return "data:image/png;base64," + base64.b64encode(png).decode()


__all__ = ["NO_MATPLOTLIB", "figure", "has_matplotlib", "png_bytes", "png_data_uri"]
