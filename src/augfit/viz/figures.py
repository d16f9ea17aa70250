"""Figure helpers shared by the report and the preview: a pyplot-free matplotlib Figure and
reproducible PNG bytes / data URIs."""
from __future__ import annotations

import base64
import io
from typing import Any


def figure(figsize: tuple[float, float]) -> Any:
    """A new matplotlib Figure, drawn by the Agg canvas: no pyplot, no global backend change."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        from ..errors import MissingResourceError

        raise MissingResourceError("reports and previews draw with matplotlib: pip install "
                                   "'augfit[report]' (the finished cells are saved; then run "
                                   "`augfit report DIR`)") from None
    return Figure(figsize=figsize)


def png_bytes(fig: Any, dpi: int = 90) -> bytes:
    """The figure as PNG bytes (no timestamp or software metadata, so output is reproducible)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", metadata={"Software": None})
    return buf.getvalue()


def png_data_uri(png: bytes) -> str:
    """A ``data:`` URI embedding PNG bytes in HTML."""
    return "data:image/png;base64," + base64.b64encode(png).decode()


__all__ = ["figure", "png_bytes", "png_data_uri"]
