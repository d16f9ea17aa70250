"""Markdown and self-contained HTML reports of an experiment: the paired comparison table, the
per-size table, learning curves per method, the gap by training size and bars with the intervals.

The HTML embeds every figure as a base64 PNG (no external file or network access); the Markdown
links the same figures written to ``plots/`` beside it. ``cells.csv`` holds one row per cell.
"""
from __future__ import annotations

import csv
import html
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from . import plots
from .spec import Spec
from .stats import Comparison, compare, summarize

_CSV_SKIP = ("history", "key")


@dataclass
class Report:
    """Everything a report shows, computed once from the spec and the stored rows."""

    spec: Spec
    rows: list[dict[str, Any]]
    summary: list[dict[str, Any]]
    comparisons: list[Comparison]

    @classmethod
    def build(cls, spec: Spec, rows: Sequence[dict[str, Any]]) -> "Report":
        names = [m.name for m in spec.methods]
        b = spec.bootstrap
        comps = compare(rows, names, spec.baseline, spec.train_sizes, b["resamples"], b["seed"],
                        b["confidence"])
        return cls(spec, list(rows), summarize(rows, names, spec.train_sizes), comps)


# -- formatting ------------------------------------------------------------------------------------
def _pct(x: float) -> str:
    return "n/a" if math.isnan(x) else f"{100 * x:.1f}%"


def _pp(x: float, ci: tuple[float, float]) -> str:
    if math.isnan(x):
        return "n/a"
    return f"{100 * x:+.1f} pp [{100 * ci[0]:+.1f}, {100 * ci[1]:+.1f}]"


def _share(v: float) -> str:
    return "?" if math.isnan(v) else f"{100 * v:.0f}%".replace("-0%", "0%")


def _red(x: float, ci: tuple[float, float]) -> str:
    if math.isnan(x):
        return "n/a (baseline gap <= 0)"
    return f"{_share(x)} [{_share(ci[0])}, {_share(ci[1])}]"


def table_rows(report: Report, train_size: int | None = None) -> list[list[str]]:
    """Header + one row per method: the comparison table (pooled when ``train_size`` is None)."""
    spec = report.spec
    head = ["method", "pairs", "test acc", "Δ test acc [95% CI]", "gap (train-test)",
            "Δ gap [95% CI]", "overfitting reduction [95% CI]", "wins"]
    out = [head]
    comps = {c.method: c for c in report.comparisons if c.train_size == train_size}
    if comps:
        c0 = next(iter(comps.values()))
        n = c0.n_pairs
        out.append([spec.baseline, str(n), _pct(c0.baseline_test_accuracy), "(reference)",
                    _pct(c0.baseline_gap), "(reference)", "(reference)", ""])
    for m in spec.methods:
        c = comps.get(m.name)
        if c is None:
            continue
        out.append([c.method, str(c.n_pairs), _pct(c.test_accuracy),
                    _pp(c.d_test_accuracy, c.d_test_accuracy_ci), _pct(c.gap),
                    _pp(c.d_gap, c.d_gap_ci), _red(c.reduction, c.reduction_ci),
                    f"{round(c.win_rate * c.n_pairs)}/{c.n_pairs}"])
    return out


def markdown_table(rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + "|".join("---" for _ in rows[0]) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows[1:]]
    return "\n".join(lines)


def comparison_table(report: Report) -> str:
    """The pooled comparison table in Markdown (what ``augfit run`` prints)."""
    return markdown_table(table_rows(report))


def _summary_rows(report: Report) -> list[list[str]]:
    out = [["method", "train size", "cells", "train acc", "val acc", "test acc",
            "gap (train-test, final model)", "val gap at best epoch",
            f"val gap area ({report.spec.training['epochs']} epochs)", "epochs run", "s/cell"]]
    for s in report.summary:
        out.append([s["method"], str(s["train_size"]), str(s["n"]), _pct(s["train_accuracy"]),
                    _pct(s["val_accuracy"]),
                    f"{_pct(s['test_accuracy'])} ± {100 * s['test_accuracy_sd']:.1f}",
                    _pct(s["gap_accuracy"]), _pct(s["val_gap_accuracy_best"]),
                    f"{s['val_gap_accuracy_area']:.2f}",
                    f"{s['epochs_run']:.0f}", f"{s['wall_time']:.2f}"])
    return out


def _intro(report: Report) -> list[str]:
    s = report.spec
    cells = len(s.cells())
    return [
        f"Dataset `{s.dataset['name']}`, training sizes {s.train_sizes} "
        f"({s.train_size_unit.replace('_', ' ')}), {len(s.seeds)} seeds, {len(s.methods)} methods, "
        f"{len(report.rows)}/{cells} cells finished; model {s.model['hidden']} "
        f"{s.model['activation']}, {s.training['optimizer']} lr={s.training['lr']}, "
        f"up to {s.training['epochs']} epochs. Spec hash `{s.hash[:12]}`.",
        f"Each method is paired with `{s.baseline}` by seed and training size (same subsample, "
        f"same initial weights). Δ = method - {s.baseline}, mean over pairs, with "
        f"{int(100 * s.bootstrap['confidence'])}% percentile-bootstrap intervals "
        f"({s.bootstrap['resamples']} resamples). Gap = train accuracy - validation accuracy of "
        "the final model (train accuracy measured without augmentation or dropout). Overfitting "
        f"reduction = (gap_{s.baseline} - gap_method) / gap_{s.baseline}.",
    ]


# -- writing ---------------------------------------------------------------------------------------
def figures(report: Report) -> list[tuple[str, str, bytes]]:
    """``(file stem, caption, PNG bytes)`` for every figure of the report."""
    s = report.spec
    names = [m.name for m in s.methods]
    out = [("differences", f"Paired differences vs {s.baseline}, pooled over training sizes",
            plots.difference_bars(report.comparisons, s.baseline))] if report.comparisons else []
    out.append(("gap_by_size", "Generalization gap by training size",
                plots.gap_by_size(report.summary, names)))
    for m in names:
        if any(r["method"] == m for r in report.rows):
            out.append((f"curves_{m}", f"Learning curves: {m}",
                        plots.learning_curves(report.rows, m, s.train_sizes)))
    return out


def write_report(out_dir: str | Path, report: Report) -> dict[str, Path]:
    """Write ``report.md`` (+ ``plots/*.png``), ``report.html`` and ``cells.csv`` in ``out_dir``."""
    out = Path(out_dir)
    (out / "plots").mkdir(parents=True, exist_ok=True)
    figs = figures(report)
    for stem, _, png in figs:
        (out / "plots" / f"{stem}.png").write_bytes(png)
    s = report.spec
    md = [f"# augfit report: {s.name}", "", *[p + "\n" for p in _intro(report)],
          "## Comparison (pooled over training sizes)", "", markdown_table(table_rows(report)), ""]
    for size in s.train_sizes:
        if any(c.train_size == size for c in report.comparisons):
            md += [f"### Training size {size}", "", markdown_table(table_rows(report, size)), ""]
    md += ["## Per method and size (mean over splits and seeds)", "",
           markdown_table(_summary_rows(report)), "", "## Figures", ""]
    md += [f"![{cap}](plots/{stem}.png)\n" for stem, cap, _ in figs]
    md += ["## Spec (canonical form)", "", "```yaml", _spec_yaml(s), "```", ""]
    paths = {"markdown": out / "report.md", "html": out / "report.html", "csv": out / "cells.csv"}
    paths["markdown"].write_text("\n".join(md))
    paths["html"].write_text(_html(report, figs))
    _write_csv(paths["csv"], report.rows)
    return paths


def _spec_yaml(spec: Spec) -> str:
    import yaml

    return yaml.safe_dump(spec.canonical, sort_keys=False, width=100).rstrip()


def _html_table(rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in rows[0])
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>"
                   for r in rows[1:])
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


_CSS = ("body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}"
        "table{border-collapse:collapse;margin:1em 0;font-size:14px}"
        "th,td{border:1px solid #ccc;padding:4px 8px;text-align:right}"
        "th:first-child,td:first-child{text-align:left}th{background:#f0f0f0}"
        "figure{display:inline-block;margin:8px}figcaption{font-size:13px;color:#555}")


def _html(report: Report, figs: list[tuple[str, str, bytes]]) -> str:
    s = report.spec
    parts = [f"<h1>augfit report: {html.escape(s.name)}</h1>",
             '<nav><a href="#comparison">Comparison</a> · <a href="#sizes">By size</a> · '
             '<a href="#summary">Per method and size</a> · <a href="#figures">Figures</a> · '
             '<a href="#spec">Spec</a></nav>',
             *[f"<p>{html.escape(p)}</p>" for p in _intro(report)],
             '<h2 id="comparison">Comparison (pooled over training sizes)</h2>',
             _html_table(table_rows(report)), '<h2 id="sizes">By training size</h2>']
    for size in s.train_sizes:
        if any(c.train_size == size for c in report.comparisons):
            parts += [f"<h3>Training size {size}</h3>", _html_table(table_rows(report, size))]
    parts += ['<h2 id="summary">Per method and size (mean over splits and seeds)</h2>',
              _html_table(_summary_rows(report)), '<h2 id="figures">Figures</h2>']
    for stem, cap, png in figs:
        parts.append(f'<figure id="fig-{html.escape(stem)}"><img alt="{html.escape(cap)}" '
                     f'src="{plots.png_data_uri(png)}"><figcaption>{html.escape(cap)}'
                     "</figcaption></figure>")
    parts.append(f'<h2 id="spec">Spec (canonical form)</h2><pre>{html.escape(_spec_yaml(s))}</pre>')
    return ('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            f"<title>augfit report: {html.escape(s.name)}</title><style>{_CSS}</style></head>"
            f"<body>{''.join(parts)}</body></html>")


def _write_csv(path: Path, rows: Sequence[dict[str, Any]]) -> None:
    keys = sorted({k for r in rows for k in r if k not in _CSV_SKIP})
    first = ["method", "split", "seed", "train_size"]
    keys = first + [k for k in keys if k not in first]
    with path.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=keys, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)


__all__ = ["Report", "write_report", "comparison_table", "table_rows", "markdown_table", "figures"]
