"""Writing a :class:`~augfit.experiments.report.Report` to files: ``report.md`` (with the figures
in ``plots/``), a self-contained ``report.html`` and ``cells.csv``, in the order the report module
describes."""
from __future__ import annotations

import contextlib
import csv
import errno
import functools
import io
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ...errors import StoreError
from ...viz.cards import CSS as CARD_CSS
from ...viz.cards import md_fence, md_text
from ...viz.figures import NO_MATPLOTLIB, has_matplotlib
from ..spec import Spec
from . import dose, plots
from .answer import LEGEND, level_text
from .budgets import BEST_EPOCHS_NOTE, BEST_EPOCHS_TITLE, best_epoch_table
from .document import (
    Report,
    dose_lines,
    endpoints_heading,
    exploratory_heading,
    exploratory_rows,
    figures,
    intro,
    markdown_table,
    summary_rows,
    table_rows,
    verdict_rows,
)
from .gallery import samples_html, samples_markdown
from .verdicts import interval_text, pp

if TYPE_CHECKING:
    from jinja2 import Template

    from ...data.datasets import Dataset

_CSV_SKIP = ("history", "key", "test_correct", "test_loss_per_example")


def html_text(text: str) -> str:
    """A line of the report's prose as HTML: escaped, with Markdown code spans (`x`) shown as
    code, so no raw Markdown reaches the page."""
    from markupsafe import escape

    return re.sub(r"`([^`]+)`", r"<code>\1</code>", str(escape(text)))


def write_report(out_dir: str | Path, report: Report, data: Dataset | None = None
                 ) -> dict[str, Path]:
    """Write ``report.md`` (+ ``plots/*.png``), ``report.html`` and ``cells.csv`` in ``out_dir``.

    ``data`` (a Dataset) is the pool the sample grids draw from; None: split 0's training part of
    the spec's dataset (see :mod:`augfit.experiments.report.gallery`)."""
    from .gallery import build

    out = Path(out_dir)
    figs = figures(report) if has_matplotlib() else []   # a core install: words and tables only
    for stem, _, png in figs:
        _write(out, out / "plots" / f"{stem}.png", png)
    if report.samples is None:
        report.samples = build(report.spec, data)
    for name, png in samples_markdown(report.samples)[1].items():
        _write(out, out / name, png)
    paths = {"markdown": out / "report.md", "html": out / "report.html", "csv": out / "cells.csv"}
    _write(out, paths["markdown"], _markdown(report, figs).encode())
    _write(out, paths["html"], _html(report, figs).encode())
    _write(out, paths["csv"], _csv_text(report.rows).encode())
    return paths


def _write(out: Path, path: Path, data: bytes) -> None:
    """Write ``path`` whole or not at all (a temporary file renamed into place), so a full disk
    never leaves a truncated figure or page; StoreError naming the file otherwise. The results
    themselves are in the store: ``augfit report OUT`` writes the report again."""
    from ...cache import atomic_path

    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = atomic_path(path)
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError as e:
        if tmp is not None:
            with contextlib.suppress(OSError):
                tmp.unlink()
        full = e.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)
        fix = "free some space" if full else "make the folder writable"
        raise StoreError(f"{path}: cannot write the report ({e.strerror or type(e).__name__}); "
                         f"{fix} and run `augfit report {out}` (every finished cell is stored)"
                         ) from None


def _markdown(report: Report, figs: list[tuple[str, str, bytes]]) -> str:
    """report.md from ``templates/report.md.j2``: every value is escaped for Markdown
    (:func:`md_text`) unless it is Markup (the tables, escaped cell by cell; the samples; the
    spec's fence)."""
    from markupsafe import Markup

    s = report.spec
    dose_rows = _dose_table(report)
    return _template("report.md.j2").render(
        name=s.name, headline=report.headline, warnings=report.warnings,
        sentences=report.sentences, holm=report.holm_line(), dose_lines=dose_lines(report),
        sequential=report.sequential,
        figures=[{"stem": stem, "caption": cap} for stem, cap, _ in figs],
        not_drawn="" if figs or has_matplotlib() else NO_MATPLOTLIB,
        samples=None if report.samples is None else Markup(samples_markdown(report.samples)[0]),
        intro=intro(report), verdict_table=Markup(markdown_table(verdict_rows(report))),
        exploratory_heading=exploratory_heading(report.confidence),
        exploratory_table=Markup(markdown_table(exploratory_rows(report))),
        dose_table=Markup(markdown_table(dose_rows)) if dose_rows else None,
        dose_warning=dose.BEST_WARNING, endpoints_heading=endpoints_heading(report.confidence),
        endpoints_table=Markup(markdown_table(table_rows(report))),
        summary_table=Markup(markdown_table(summary_rows(report))),
        best_epochs_title=BEST_EPOCHS_TITLE, best_epochs_note=BEST_EPOCHS_NOTE,
        best_epochs_table=Markup(markdown_table(_best_epochs(report))),
        spec_fence=Markup(md_fence(_spec_yaml(s), "yaml")))


_TEMPLATES = Path(__file__).parent / "templates"


@functools.cache
def _template(name: str) -> Template:
    """A report template: ``.html.j2`` autoescaped for HTML (with the ``prose`` filter,
    :func:`html_text`); ``.md.j2`` escaped for Markdown (every value through :func:`md_text`
    unless it is Markup)."""
    import jinja2
    from markupsafe import Markup

    html_page = name.endswith(".html.j2")
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_TEMPLATES), autoescape=html_page, trim_blocks=True,
        lstrip_blocks=True, keep_trailing_newline=not html_page,
        undefined=jinja2.StrictUndefined,
        finalize=None if html_page else (lambda v: v if isinstance(v, Markup) else md_text(v)))
    env.filters["prose"] = lambda text: Markup(html_text(text))
    return env.get_template(name)


def _best_epochs(report: Report) -> list[list[str]]:
    sizes = [n for n in report.spec.train_sizes if isinstance(n, int)]
    return best_epoch_table(report.rows, [m.name for m in report.spec.methods], sizes)


def _dose_table(report: Report) -> list[list[str]] | None:
    curves = dose.dose_curves(report.verdicts, [m.name for m in report.spec.methods])
    return dose.dose_rows(curves) if curves else None


def _spec_yaml(spec: Spec) -> str:
    import yaml

    text: str = yaml.safe_dump(spec.to_canonical(), sort_keys=False, width=100)
    return text.rstrip()


_CSS = ("body{font-family:sans-serif;max-width:1150px;margin:1.5em auto;padding:0 1em;color:#222}"
        "table{border-collapse:collapse;margin:1em 0;font-size:13px}"
        "th,td{border:1px solid #ccc;padding:3px 7px;text-align:right}"
        "th:first-child,td:first-child{text-align:left}th{background:#f0f0f0}"
        ".warn{background:#fff4e5;border-left:5px solid #e67e22;padding:6px 12px;margin:6px 0}"
        ".ok{color:#2e7d32}.answer li{margin:4px 0;font-size:15px}.holm{font-size:13px;"
        "color:#444}figure{display:inline-block;margin:8px}figcaption{font-size:13px;color:#555}"
        "img{max-width:100%}.pipe{font-family:monospace;font-size:13px;color:#333}"
        "h3.sample{font-size:13px;margin:10px 0 2px 0;color:#333}" + CARD_CSS
        + ".headline{font-size:18px;font-weight:bold;margin:0.6em 0}.v-helps{background:#c8e6c9}"
        ".v-hurts{background:#ffcdd2}.v-negligible{background:#e0e0e0}"
        ".v-inconclusive{background:#fff3c4}.v-not{background:#f5f5f5;color:#666}"
        "dl.legend{font-size:13px;color:#444}dl.legend dt{font-weight:bold}"
        "dl.legend dd{margin:0 0 4px 1.5em}"
        "details summary{cursor:pointer;color:#1a5fb4}"
        ".verdicts{margin:1em 0;font-size:13px;border-top:1px solid #ccc}"
        ".vgrid{display:grid;grid-template-columns:var(--mw) 110px 150px 220px 70px 100px 90px;"
        "align-items:center;border-bottom:1px solid #ddd;color:#222;column-gap:6px}"
        ".vgrid>span{padding:3px 6px;text-align:right}.vgrid>span.m{text-align:left}"
        ".vhead{background:#f0f0f0;font-weight:bold}.vrow>summary{list-style:none}"
        ".vrow>summary::-webkit-details-marker{display:none}.vrow>summary:hover{background:#f7f9fc}"
        ".vrow .more{color:#1a5fb4}.vrow .more::after{content:' ▸'}"
        ".vrow[open] .more::after{content:' ▾'}svg.forest,svg.forest-axis{display:block}"
        "table.sizes{margin:4px 0 10px calc(var(--mw) + 6px);font-size:12px}"
        "td.fp,th.fp{padding:0 4px}")


def _html(report: Report, figs: list[tuple[str, str, bytes]]) -> str:
    """report.html from ``templates/report.html.j2`` (autoescaped); the line breaks between the
    template's tags are its layout only and are dropped (every value is escaped, so no ``>`` or
    ``<`` of a value stands at a line break)."""
    from markupsafe import Markup

    s = report.spec
    fig = [{"stem": stem, "caption": cap, "uri": plots.png_data_uri(png)}
           for stem, cap, png in figs]
    first = [f for f in fig if f["stem"] == "effects" or f["stem"].startswith("dose_")]
    page = _template("report.html.j2").render(
        name=s.name, css=Markup(_CSS), headline=report.headline,
        verdicts=_verdict_summary(report), legend=list(LEGEND.items()),
        level=level_text(report.confidence), warnings=report.warnings,
        sentences=report.sentences, holm=report.holm_line(), dose_lines=dose_lines(report),
        sequential=report.sequential, first=first, rest=[f for f in fig if f not in first],
        not_drawn="" if figs or has_matplotlib() else NO_MATPLOTLIB,
        samples=Markup(samples_html(report.samples)) if report.samples is not None else "",
        intro=intro(report), verdict_table=verdict_rows(report),
        exploratory_heading=exploratory_heading(report.confidence),
        exploratory_table=exploratory_rows(report), dose_table=_dose_table(report),
        dose_warning=dose.BEST_WARNING, endpoints_heading=endpoints_heading(report.confidence),
        endpoints_table=table_rows(report), summary_table=summary_rows(report),
        best_epochs_title=BEST_EPOCHS_TITLE, best_epochs_note=BEST_EPOCHS_NOTE,
        best_epochs_table=_best_epochs(report), spec_yaml=_spec_yaml(s))
    return re.sub(r">[ \t]*\n\s*<", "><", page)


def _verdict_summary(report: Report) -> dict[str, object] | None:
    """Below the headline: one row per method, its verdict coloured, a small forest plot of the
    pooled Δ test accuracy (against 0 and ± the smallest effect) and its per-size results folded
    in the row (a ``<details>`` whose summary is the row); then how to read it and the legend.
    None when no method has a primary result."""
    from markupsafe import Markup

    if not report.primary:
        return None
    small = report.primary[0].smallest_effect
    r = plots.forest_range([(v.d_test, *v.d_test_ci) for v in report.primary], small)
    r_size = plots.forest_range([(v.d_test, *v.d_test_ci) for v in report.verdicts], small)
    rows = []
    for v, row in zip(report.primary, verdict_rows(report)[1:], strict=True):
        tip = f"{v.method}: Δ test accuracy {row[4]} at {row[3]}; {v.effect}"
        sizes = _per_size(report, v.method, r_size, small)
        rows.append({"method": v.method, "cls": _verdict_class(v.effect), "effect": v.effect,
                     "meaning": _meaning(v.effect), "delta": row[4], "level": row[3],
                     "mde": row[7], "sizes": sizes, "n_sizes": len(sizes),
                     "forest": Markup(plots.forest_svg(v.d_test, v.d_test_ci, r, small,
                                                       v.effect, tip))})
    width = min(max(8 * max(len(v.method) for v in report.primary) + 16, 110), 280)
    return {"rows": rows, "width": width, "axis": Markup(plots.forest_axis_svg(r, small)),
            "size_axis": Markup(plots.forest_axis_svg(r_size, small)),
            "note": FOREST_NOTE.format(pp=pp(small, False))}


#: below the verdict table: how to read its forest plots
FOREST_NOTE = ("Forest plots: the dot is Δ test accuracy (method - baseline, pooled over the "
               "sizes), the line its interval at the row's level; black: 0; grey band: within "
               "±{pp} pp (the smallest effect that matters: negligible); an arrow head: the "
               "interval goes on beyond the axis. Per size: unadjusted, exploratory.")


def _meaning(effect: str) -> str:
    """The legend's definition of a verdict (its hover text in the verdict rows)."""
    return next((d for k, d in LEGEND.items() if effect in k.split(" / ") or effect == k), "")


def _verdict_class(effect: str) -> str:
    """The CSS class that colours a verdict (or an exploratory result: above / below 0)."""
    word = effect.split()[0]
    return "v-" + {"above": "helps", "below": "hurts", "includes": "not"}.get(word, word)


def _per_size(report: Report, method: str, r: float, small: float) -> list[dict[str, object]]:
    """One method's per-size results (exploratory), each with its forest plot."""
    from markupsafe import Markup

    out = []
    for v in sorted((v for v in report.verdicts if v.method == method),
                    key=lambda v: v.train_size):
        cls = _verdict_class(v.effect)
        out.append({"n": v.train_size, "cls": cls, "effect": v.effect,
                    "delta": interval_text(v.d_test, v.d_test_ci),
                    "forest": Markup(plots.forest_svg(v.d_test, v.d_test_ci, r, small, cls[2:])),
                    "worth": " ".join(filter(None, (v.multiplier_text,
                                                    v.multiplier_interval_text)))})
    return out


def _csv_text(rows: Sequence[Mapping[str, object]]) -> str:
    keys = sorted({k for r in rows for k in r if k not in _CSV_SKIP})
    first = [k for k in ("method", "split", "seed", "train_size") if k in keys or k != "split"]
    keys = first + [k for k in keys if k not in first]
    f = io.StringIO(newline="")
    w = csv.DictWriter(f, fieldnames=keys, extrasaction="ignore")
    w.writeheader()
    w.writerows(rows)
    return f.getvalue()


__all__ = ["write_report"]
