"""HTML for a gallery: one row per original sample, the original then its augmented versions, each a
card with the picture (or the sentence), the label, the drawn parameters and any audio players.

Images and spectrograms are embedded as ``data:`` PNGs, so a page is one self-contained file
(audio players point at WAV files written beside it by the preview).
"""
from __future__ import annotations

import difflib
import html
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .figures import png_data_uri
from .gallery import Gallery
from .panels import MIN_SIDE, SpectrogramPainter, image_png

NOTHING = "nothing applied (each step's p missed)"

# One row per sample, however many versions: the cards share the row's width (each at most 300 px),
# so an original and four versions fit side by side at 1400 px; pictures shrink to their card.
CSS = (".samples{display:grid;grid-auto-flow:column;grid-auto-columns:minmax(0,300px);gap:10px;"
       "margin:6px 0 18px 0;align-items:start}"
       ".card{margin:0;border:1px solid #ddd;border-radius:4px;padding:6px;background:#fff;"
       "min-width:0;overflow-wrap:anywhere}.card.orig{background:#f4f8ff}"
       ".card img{display:block;image-rendering:pixelated;max-width:100%}"
       ".card figcaption{font-size:12px;line-height:1.35;margin-top:4px}"
       ".card .lab{font-weight:bold}.card ul{margin:2px 0 0 0;padding-left:16px}"
       ".card audio{width:100%;height:30px;margin-top:3px}.card .snd{font-size:11px;color:#555}"
       ".card .txt{font-size:13px;margin:4px 0}"
       "ins{background:#c8f7c5;text-decoration:none}del{background:#f7c5c5}")


@dataclass
class Panel:
    """One card: a title, the label, the drawn steps in words, and a PNG or a text body."""

    title: str
    label: str
    lines: list[str] = field(default_factory=list)
    png: bytes | None = None
    text_html: str | None = None
    sounds: list[tuple[str, str]] = field(default_factory=list)   # (caption, src)
    original: bool = False


def _lines(g: Gallery, i: int, k: int) -> list[str]:
    return [d.text for d in g.drawn[k][i]] or [NOTHING]


def _panels(g: Gallery, body: Callable[[Panel, int, int | None], None]) -> list[list[Panel]]:
    """Per sample: the original's panel, then one per version; ``body(i, k)`` fills in the PNG or
    text (``k`` None for the original)."""
    rows = []
    for i in range(len(g.y)):
        row = [Panel("original", g.label(i), [], original=True)]
        row += [Panel(f"version {k + 1}", g.label(i, k), _lines(g, i, k))
                for k in range(len(g.outs))]
        for k, panel in zip([None, *range(len(g.outs))], row, strict=True):
            body(panel, i, k)
        rows.append(row)
    return rows


def image_panels(g: Gallery, min_side: int = MIN_SIDE) -> list[list[Panel]]:
    """Cards of image samples (enlarged to at least ``min_side`` pixels, nearest neighbour)."""
    def body(p: Panel, i: int, k: int | None) -> None:
        p.png = image_png(np.asarray(g.x if k is None else g.outs[k])[i], min_side)

    return _panels(g, body)


def spectrogram_panels(g: Gallery, before: np.ndarray, afters: list[np.ndarray],
                       sample_rate: float, hop_length: int, log: bool = True,
                       top_db: float | None = 80.0) -> list[list[Panel]]:
    """Cards of spectrograms with axes: ``before`` (N, F, T) for the originals, ``afters[k]`` for
    version ``k``. Each sample's panels are shown relative to its original's peak (dB re peak from
    ``-top_db`` to 0 for log-mels; a share of the peak for mel power), so one colour bar fits all
    and a version compares with its original."""
    painters: dict[tuple[int, int], SpectrogramPainter] = {}
    low = -(top_db or 80.0)

    def body(p: Panel, i: int, k: int | None) -> None:
        spec = np.asarray(before[i] if k is None else afters[k][i], np.float32)
        shape = (int(spec.shape[0]), int(spec.shape[1]))
        if shape not in painters:
            painters[shape] = SpectrogramPainter(
                shape, sample_rate, hop_length, low if log else 0.0, 0.0 if log else 1.0,
                "dB re the original's peak" if log else "share of the original's peak")
        peak = float(np.max(before[i]))
        p.png = painters[shape].png(spec - peak if log else spec / max(peak, 1e-12))

    return _panels(g, body)


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


def text_panels(g: Gallery) -> list[list[Panel]]:
    """Cards of sentences: each version with its edits marked against the original."""
    def body(p: Panel, i: int, k: int | None) -> None:
        p.text_html = (html.escape(g.x[i]) if k is None else word_diff(g.x[i], g.outs[k][i]))

    return _panels(g, body)


def card_html(p: Panel) -> str:
    """One ``<figure class="card">``."""
    parts = [f'<figure class="card{" orig" if p.original else ""}">']
    if p.png is not None:
        alt = f"{p.title}, label {p.label}"
        parts.append(f'<img alt="{html.escape(alt)}" src="{png_data_uri(p.png)}">')
    if p.text_html is not None:
        parts.append(f'<p class="txt">{p.text_html}</p>')
    parts.append(f"<figcaption>{html.escape(p.title)} · label "
                 f'<span class="lab">{html.escape(p.label)}</span>')
    if p.lines:
        parts.append("<ul>" + "".join(f"<li>{html.escape(t)}</li>" for t in p.lines) + "</ul>")
    for caption, src in p.sounds:
        parts.append(f'<div class="snd">{html.escape(caption)}</div>'
                     f'<audio controls preload="metadata" src="{html.escape(src)}"></audio>')
    parts.append("</figcaption></figure>")
    return "".join(parts)


def rows_html(rows: list[list[Panel]], names: list[str]) -> str:
    """Each sample's cards in one wrapping row, under a small heading ``names[i]``."""
    out = []
    for name, row in zip(names, rows, strict=True):
        out.append(f'<h3 class="sample">{html.escape(name)}</h3><div class="samples">'
                   + "".join(card_html(p) for p in row) + "</div>")
    return "".join(out)


def md_text(text: object) -> str:
    """Text for a Markdown page, escaped as ``html.escape`` escapes it for HTML: ``& < >`` (so no
    raw HTML gets in), ``|`` (so no table cell is split) and line breaks (so no table row or list
    item is cut). A class name, a note or a file name from a user goes through this."""
    return (html.escape(str(text), quote=False).replace("|", "\\|")
            .replace("\r", " ").replace("\n", " "))


def md_fence(text: str, info: str = "") -> str:
    """``text`` in a fenced code block whose fence is longer than any run of backticks in it, so
    that no content (a spec's description) can close the block early."""
    longest, run = 0, 0
    for ch in text:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{text}\n{fence}"


__all__ = ["CSS", "NOTHING", "Panel", "card_html", "image_panels", "md_fence", "md_text",
           "rows_html",
           "spectrogram_panels", "text_panels", "word_diff"]
