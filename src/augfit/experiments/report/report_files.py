"""Writing a :class:`~augfit.experiments.report.Report` to files: ``report.md`` (with the figures
in ``plots/``), a self-contained ``report.html`` and ``cells.csv``, in the order the report module
describes."""
from __future__ import annotations

import contextlib
import csv
import errno
import html
import io
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

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

_CSV_SKIP = ("history", "key", "test_correct", "test_loss_per_example")


def html_text(text: str) -> str:
    """A line of the report's prose as HTML: escaped, with Markdown code spans (`x`) shown as
    code, so no raw Markdown reaches the page."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text))


def write_report(out_dir: str | Path, report: Report, data: Any = None) -> dict[str, Path]:
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
    s = report.spec
    md = [f"# augfit report: {s.name}", "", f"**{md_text(report.headline)}**", "", "## Warnings",
          ""]
    md += [f"- **{md_text(w)}**" for w in report.warnings] or ["No sanity warning."]
    md += ["", "## Answer", "", *[f"- {md_text(t)}" for t in report.sentences], "",
           md_text(report.holm_line()), ""]
    dose = dose_lines(report)
    md += [*[f"- {md_text(t)}" for t in dose], ""] if dose else []
    if report.sequential:
        md += ["## Sequential design (--until-decided)", "",
               *[f"- {md_text(t)}" for t in report.sequential], ""]
    md += [f"![{cap}](plots/{stem}.png)\n" for stem, cap, _ in figs]
    md += [] if figs or has_matplotlib() else [f"Figures: not drawn; {NO_MATPLOTLIB}.", ""]
    if report.samples is not None:
        md += ["## What each method did to the data", "", samples_markdown(report.samples)[0]]
    md += ["## How this was measured", "", *[p + "\n" for p in intro(report)],
           "## Verdicts per method (the answer)", "", markdown_table(verdict_rows(report)), "",
           f"## {exploratory_heading(report.confidence)}", "",
           markdown_table(exploratory_rows(report)), "", *_dose_table_md(report),
           f"## {endpoints_heading(report.confidence)}", "", markdown_table(table_rows(report)),
           "",
           "## Per method and size (mean over cells)", "", markdown_table(summary_rows(report)),
           "", f"## {BEST_EPOCHS_TITLE}", "", md_text(BEST_EPOCHS_NOTE), "",
           markdown_table(_best_epochs(report)), "", "## Spec (canonical form)", "",
           "<details><summary>spec</summary>", "",
           md_fence(_spec_yaml(s), "yaml"), "", "</details>", ""]
    return "\n".join(md)


def _best_epochs(report: Report) -> list[list[str]]:
    sizes = [n for n in report.spec.train_sizes if isinstance(n, int)]
    return best_epoch_table(report.rows, [m.name for m in report.spec.methods], sizes)


def _dose_table(report: Report) -> list[list[str]] | None:
    curves = dose.dose_curves(report.verdicts, [m.name for m in report.spec.methods])
    return dose.dose_rows(curves) if curves else None


def _dose_table_md(report: Report) -> list[str]:
    rows = _dose_table(report)
    return ["## Dose-response per sweep, size and value", "", markdown_table(rows), "",
            dose.BEST_WARNING, ""] if rows else []


def _dose_table_html(report: Report) -> list[str]:
    rows = _dose_table(report)
    return ['<h2 id="dose">Dose-response per sweep, size and value</h2>', _html_table(rows),
            f'<p class="holm">{html.escape(dose.BEST_WARNING)}</p>'] if rows else []


def _spec_yaml(spec: Spec) -> str:
    import yaml

    return yaml.safe_dump(spec.canonical, sort_keys=False, width=100).rstrip()


def _html_table(rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in rows[0])
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>"
                   for r in rows[1:])
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


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


def _figure_html(fig: tuple[str, str, bytes]) -> str:
    stem, cap, png = fig
    return (f'<figure id="fig-{html.escape(stem)}"><img alt="{html.escape(cap)}" '
            f'src="{plots.png_data_uri(png)}"><figcaption>{html.escape(cap)}</figcaption></figure>')


def _html(report: Report, figs: list[tuple[str, str, bytes]]) -> str:
    s = report.spec
    first = [f for f in figs if f[0] == "effects" or f[0].startswith("dose_")]
    rest = [f for f in figs if f not in first]
    warn = ("".join(f'<div class="warn">⚠ {html_text(w)}</div>' for w in report.warnings)
            or '<p class="ok">No sanity warning.</p>')
    parts = [f"<h1>augfit report: {html.escape(s.name)}</h1>",
             f'<p class="headline">{html.escape(report.headline)}</p>',
             '<nav><a href="#answer">Answer</a> · <a href="#figures">Figures</a> · '
             '<a href="#samples">Samples</a> · <a href="#method">How this was measured</a> · '
             '<a href="#tables">Tables</a> · <a href="#spec">Spec</a></nav>',
             *_verdict_summary_html(report),
             '<h2 id="warnings">Warnings</h2>', warn,
             '<h2 id="answer">Answer</h2><ul class="answer">',
             *[f"<li>{html_text(t)}</li>" for t in report.sentences], "</ul>",
             f'<p class="holm">{html_text(report.holm_line())}</p>',
             *[f'<p class="holm">{html.escape(t)}</p>' for t in dose_lines(report)],
             *(['<h2 id="sequential">Sequential design (--until-decided)</h2><ul>',
                *[f"<li>{html.escape(t)}</li>" for t in report.sequential], "</ul>"]
               if report.sequential else []),
             *map(_figure_html, first),
             '<h2 id="figures">Data multiplier and learning curves</h2>', *map(_figure_html, rest),
             "" if figs or has_matplotlib() else f"<p>Not drawn; {html.escape(NO_MATPLOTLIB)}.</p>",
             '<h2 id="samples">What each method did to the data</h2>',
             samples_html(report.samples) if report.samples is not None else "",
             '<h2 id="method">How this was measured</h2>',
             *[f"<p>{html_text(p)}</p>" for p in intro(report)],
             '<h2 id="tables">Verdicts per method (the answer)</h2>',
             _html_table(verdict_rows(report)),
             f"<h2>{html.escape(exploratory_heading(report.confidence))}</h2>",
             _html_table(exploratory_rows(report)), *_dose_table_html(report),
             f"<h2>{html.escape(endpoints_heading(report.confidence))}</h2>",
             _html_table(table_rows(report)),
             "<h2>Per method and size (mean over cells)</h2>", _html_table(summary_rows(report)),
             f"<h2>{BEST_EPOCHS_TITLE}</h2><p>{html.escape(BEST_EPOCHS_NOTE)}</p>",
             _html_table(_best_epochs(report)),
             '<h2 id="spec">Spec (canonical form)</h2><details><summary>show the spec</summary>'
             f"<pre>{html.escape(_spec_yaml(s))}</pre></details>"]
    return ('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            f"<title>augfit report: {html.escape(s.name)}</title><style>{_CSS}</style></head>"
            f"<body>{''.join(parts)}</body></html>")


def _verdict_summary_html(report: Report) -> list[str]:
    """Below the headline: one row per method, its verdict coloured, a small forest plot of the
    pooled Δ test accuracy (against 0 and ± the smallest effect) and its per-size results folded
    in the row (a ``<details>`` whose summary is the row); then how to read it and the legend."""
    if not report.primary:
        return []
    small = report.primary[0].smallest_effect
    r = plots.forest_range([(v.d_test, *v.d_test_ci) for v in report.primary], small)
    r_size = plots.forest_range([(v.d_test, *v.d_test_ci) for v in report.verdicts], small)
    rows = []
    for v, row in zip(report.primary, verdict_rows(report)[1:], strict=True):
        tip = f"{v.method}: Δ test accuracy {row[4]} at {row[3]}; {v.effect}"
        forest = plots.forest_svg(v.d_test, v.d_test_ci, r, small, v.effect, tip)
        sizes, n = _per_size_html(report, v.method, r_size, small)
        tag = f'class="{_verdict_class(v.effect)}" title="{html.escape(_meaning(v.effect))}"'
        cells = (f'<span class="m">{html.escape(v.method)}</span>'
                 f"<span {tag}>{html.escape(v.effect)}</span>"
                 f"<span>{html.escape(row[4])}</span>{forest}<span>{html.escape(row[3])}</span>"
                 f"<span>{html.escape(row[7])}</span>")
        rows.append(f'<details class="vrow"><summary class="vgrid">{cells}<span class="more">'
                    f"{n} size{'s' if n != 1 else ''}</span></summary>{sizes}</details>"
                    if n else f'<div class="vgrid">{cells}<span></span></div>')
    head = ('<span class="m">method</span><span>verdict</span><span>Δ test acc [CI]</span>'
            f"{plots.forest_axis_svg(r, small)}<span>level</span>"
            "<span>detects at 80% power</span><span>per size</span>")
    width = min(max(8 * max(len(v.method) for v in report.primary) + 16, 110), 280)
    legend = "".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(d)}</dd>"
                     for k, d in LEGEND.items())
    return [f'<div class="verdicts" style="--mw:{width}px"><div class="vgrid vhead">{head}</div>'
            f"{''.join(rows)}</div>",
            f'<p class="holm">{html.escape(FOREST_NOTE.format(pp=pp(small, False)))}</p>',
            f'<dl class="legend">{legend}</dl>']


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


def _per_size_html(report: Report, method: str, r: float, small: float) -> tuple[str, int]:
    """One method's per-size results (exploratory) as a table with forest plots, and how many
    sizes it has."""
    vs = sorted((v for v in report.verdicts if v.method == method), key=lambda v: v.train_size)
    rows = []
    for v in vs:
        cls = _verdict_class(v.effect)
        worth = " ".join(filter(None, (v.multiplier_text, v.multiplier_interval_text)))
        rows.append(f'<tr><td>{v.train_size}</td><td class="{cls}">{html.escape(v.effect)}</td>'
                    f"<td>{html.escape(interval_text(v.d_test, v.d_test_ci))}</td>"
                    f'<td class="fp">{plots.forest_svg(v.d_test, v.d_test_ci, r, small, cls[2:])}'
                    f"</td><td>{html.escape(worth)}</td></tr>")
    level = html.escape(level_text(report.confidence))
    return (f'<table class="sizes"><thead><tr><th>n</th><th>{level} interval (unadjusted)</th>'
            f'<th>Δ test acc [CI]</th><th class="fp">{plots.forest_axis_svg(r, small)}</th>'
            f"<th>worth x data [CI]</th></tr></thead><tbody>{''.join(rows)}</tbody></table>",
            len(vs))


def _csv_text(rows: Sequence[dict[str, Any]]) -> str:
    keys = sorted({k for r in rows for k in r if k not in _CSV_SKIP})
    first = [k for k in ("method", "split", "seed", "train_size") if k in keys or k != "split"]
    keys = first + [k for k in keys if k not in first]
    f = io.StringIO(newline="")
    w = csv.DictWriter(f, fieldnames=keys, extrasaction="ignore")
    w.writeheader()
    w.writerows(rows)
    return f.getvalue()


__all__ = ["write_report"]
