"""Markdown and self-contained HTML reports that lead with the answer.

Order (STATISTICS.md §5): the headline sentence for the whole study (the first line; in HTML with
one coloured verdict row per method and a legend), sanity warnings, one sentence per method's
primary result, the multiplicity line, the best value of each strength sweep (marked
optimistic), the Δ test / Δ gap figure and one dose-response figure per sweep (:mod:`.dose`),
both per size and exploratory; then the effective-data-multiplier figure; then
the learning curves (one overlay of all methods at the smallest training size, then one figure
per method); then the tables; the spec last, folded. The HTML embeds every figure as a base64 PNG
(no external file or network access); the Markdown links the same figures written to ``plots/``
beside it. ``cells.csv`` holds one row per cell. Every confidence label comes from the spec's
``bootstrap.confidence``.
"""
from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ...viz.cards import md_text
from ..spec import Spec
from ..stats import (
    STATISTICS,
    CellResult,
    Comparison,
    Estimate,
    compare,
    compare_all_pooled,
    multiplier_interval,
    study_draws,
    summarize,
)
from . import dose, plots
from .answer import answer_warnings, headline, holm_line, level_text, primary_sentence
from .budgets import budget_text, epoch_label
from .gallery import Samples
from .verdicts import (
    DEFAULT_SMALLEST_EFFECT,
    Verdict,
    interval_text,
    judge,
    pp,
    warnings_for,
)


def shared_test(spec: Spec) -> bool:
    """Is every split scored on one test set (``dataset.split.test: official``)?"""
    split = (spec.dataset or {}).get("split") or {}
    return isinstance(split, dict) and split.get("test") == "official"


def tuned_on(spec: Spec) -> Any:
    """The spec's ``notes.tuned_on`` (None when absent)."""
    return spec.notes.get("tuned_on")


def fresh_splits(spec: Spec) -> str:
    """``"20-21, disjoint from this run's splits 0-9"`` when ``notes.pilot_splits`` names pilot
    splits this run does not use (what ``augfit plan`` writes and the run checks), ``"drawn with
    split seed 99, not this run's split seed 0"`` when ``notes.pilot_split_seed`` names another
    split seed than the run's; else "" (the pilot may have looked at this run's splits).

    With ``test: official`` (:func:`shared_test`) every split, the pilot's too, is scored on the
    one official test set, so only the val draws and the training subsamples are disjoint: the
    text says so (``"20-21, disjoint from this run's splits 0-9; only their val draws and
    training subsamples differ: every split, the pilot's too, shares the official test set"``),
    and the report's line (:func:`.verdicts.warnings_for` with ``shared_test``) does not call
    tuning on it fresh."""
    shared = ("; only their val draws and training subsamples differ: every split, the pilot's "
              "too, shares the official test set") if shared_test(spec) else ""
    if spec.pilot_elsewhere():
        return (f"drawn with split seed {spec.pilot_split_seed()}, not this run's split seed "
                f"{spec.split_seed()}{shared}")
    pilot = spec.pilot_range()
    last = spec.first_split + spec.splits - 1
    if pilot is None or spec.meets_pilot(last):
        return ""
    return (f"{pilot[0]}-{pilot[1]}, disjoint from this run's splits {spec.first_split}-{last}"
            f"{shared}")


@dataclass
class Report:
    """Everything a report shows, computed once from the spec and the stored rows."""

    spec: Spec
    rows: list[CellResult]
    summary: list[dict[str, Any]]
    comparisons: list[Comparison]        # per (method, size)
    verdicts: list[Verdict] = field(default_factory=list)    # per (method, size): exploratory
    warnings: list[str] = field(default_factory=list)
    sentences: list[str] = field(default_factory=list)   # one per method's primary result
    pooled: list[Comparison] = field(default_factory=list)        # one per method, over sizes
    primary: list[Verdict] = field(default_factory=list)  # the answer: one per method, Holm
    headline: str = ""                   # one sentence for the whole study
    samples: Samples | None = None       # the sample grids (built by write_report when None)
    # a run with --until-decided: its rounds, why it stopped and the decisions at the looks
    # (augfit.experiments.report.decide); shown after the answer
    sequential: list[str] = field(default_factory=list)

    @property
    def confidence(self) -> float:
        return float(self.spec.bootstrap["confidence"])

    @classmethod
    def build(cls, spec: Spec, rows: Sequence[CellResult],
              n_classes: int | None = None,
              failed: Sequence[dict[str, Any]] = ()) -> Report:
        """Compare, judge and warn. ``n_classes`` (for the chance-level warning) defaults to a
        row's ``n_classes`` if the rows carry one; ``failed`` are the cells whose training failed
        (named in the warnings)."""
        names = [m.name for m in spec.methods]
        sizes = [n for n in spec.train_sizes if isinstance(n, int)]
        b = spec.bootstrap
        shared = shared_test(spec)
        draws = study_draws(rows, b["resamples"], b["seed"], shared)   # shared by the comparisons
        comps = compare(rows, names, spec.baseline, sizes, b["resamples"], b["seed"],
                        b["confidence"], draws, shared)
        pooled, joints = compare_all_pooled(rows, names, spec.baseline, sizes, b["resamples"],
                                            b["seed"], b["confidence"], draws, shared)
        summary = summarize(rows, names, sizes)
        base_acc = {s["train_size"]: s["test_accuracy"] for s in summary
                    if s["method"] == spec.baseline}
        # the multiplier's interval only where its fit saw the same sizes as the point estimate
        mult_ci = {(m, n): multiplier_interval(j, n, b["confidence"])
                   for m, j in joints.items() if not j.left_out and j.sizes == sorted(base_acc)
                   for n in j.sizes}
        if n_classes is None:
            n_classes = next((int(r["n_classes"]) for r in rows if r.get("n_classes")), None)
        small = smallest_effect(spec)
        primary = judge(primary_comparisons(names, spec.baseline, comps, pooled),
                        b["confidence"], baseline_accuracy={}, smallest_effect=small,
                        n_classes=n_classes)
        verdicts = judge(comps, b["confidence"], sizes, base_acc, mult_ci, smallest_effect=small,
                         n_classes=n_classes, exploratory=True)
        warns = warnings_for(rows, comps, names, spec.baseline, sizes,
                             spec.splits * len(spec.seeds), n_classes, tuned_on(spec),
                             spec.splits, failed, fresh_splits(spec), shared_test(spec),
                             spec.notes.get("history"))
        warns += answer_warnings(primary, names, spec.baseline, small)
        return cls(spec, list(rows), summary, comps, verdicts, warns,
                   [primary_sentence(v) for v in primary], list(pooled), primary,
                   headline(primary, names, spec.baseline))

    def holm_line(self) -> str:
        sizes = next((v.sizes for v in self.primary if v.sizes), ())
        return holm_line(len(self.primary), self.confidence, smallest_effect(self.spec), sizes)


def smallest_effect(spec: Spec) -> float:
    """The spec's ``answer.smallest_effect`` as a fraction (the default for older Spec objects)."""
    return float(getattr(spec, "smallest_effect", DEFAULT_SMALLEST_EFFECT))


def primary_comparisons(methods: Sequence[str], baseline: str, comparisons: Sequence[Comparison],
                        pooled: Sequence[Comparison]) -> list[Comparison]:
    """The confirmatory family, one per method in spec order: its comparison pooled over the sizes,
    or, when none pools (one size in the grid, or a partial run), its only per-size comparison."""
    out: list[Comparison] = []
    for m in methods:
        if m == baseline:
            continue
        mine = [c for c in pooled if c.method == m] or [c for c in comparisons if c.method == m]
        if len(mine) == 1:
            out.append(mine[0])
    return out


# -- formatting ------------------------------------------------------------------------------------
def _pct(x: float) -> str:
    return "n/a" if not math.isfinite(x) else f"{100 * x:.1f}%"


def _level(x: float) -> str:
    return level_text(x)


def _p(p: float, resamples: int) -> str:
    """A p-value; 0 (beyond every resample) as below the bootstrap's resolution."""
    return f"< {1 / resamples:.2g}" if p == 0 else f"{p:.3g}"


def _reduction(v: Verdict) -> str:
    if v.reduction_note:
        return v.reduction_note
    lo, hi = v.reduction_ci
    return f"{100 * v.reduction:.0f}% [{100 * lo:.0f}, {100 * hi:.0f}]"


def verdict_rows(report: Report) -> list[list[str]]:
    """Header + one row per method: the answer's table. Every interval on a row is at the row's
    level (Holm's level for that method)."""
    out = [["method", "n", "units", "level", "Δ test acc [CI]", "verdict", "Holm p",
            "detects at 80% power", "Δ gap [CI]", "gap", "Δ clean train acc [CI]",
            "overfitting reduction [CI]"]]
    for v in sorted(report.primary, key=lambda v: _order(report, v.method)):
        out.append([v.method, _n(v.train_size, v.sizes), str(v.n_units), _level(v.level),
                    interval_text(v.d_test, v.d_test_ci), v.effect,
                    _p(v.p_adjusted, report.spec.bootstrap["resamples"]),
                    f"{pp(v.mde, False)} pp", interval_text(v.d_gap, v.d_gap_ci), v.gap_tag,
                    interval_text(v.d_train, v.d_train_ci), _reduction(v)])
    return out


def exploratory_rows(report: Report) -> list[list[str]]:
    """Header + one row per (method, size): the per-size results, every interval unadjusted at
    ``bootstrap.confidence`` (exploratory: not part of the answer)."""
    c_ = _level(report.confidence)
    out = [["method", "n", "units", f"Δ test acc [{c_} CI]", "interval", "p (unadjusted)",
            f"Δ gap [{c_} CI]", "gap", f"Δ clean train acc [{c_} CI]",
            f"overfitting reduction [{c_} CI]", f"worth x data [{c_} CI]"]]
    for v in sorted(report.verdicts, key=lambda v: (_order(report, v.method), v.train_size)):
        out.append([v.method, str(v.train_size), str(v.n_units),
                    interval_text(v.d_test, v.d_test_ci), v.effect,
                    _p(v.p, report.spec.bootstrap["resamples"]),
                    interval_text(v.d_gap, v.d_gap_ci), v.gap_tag,
                    interval_text(v.d_train, v.d_train_ci), _reduction(v),
                    " ".join(filter(None, (v.multiplier_text, v.multiplier_interval_text)))])
    return out


def exploratory_heading(confidence: float) -> str:
    """The heading of the exploratory per-size table, in both formats."""
    return (f"Exploratory: per method and size (unadjusted {level_text(confidence)} intervals, "
            f"not part of the answer; about 1 in {round(1 / (1 - confidence))} of them misses "
            "by chance alone)")


def endpoints_heading(confidence: float) -> str:
    """The heading of the table of every endpoint (unadjusted, like the exploratory table)."""
    return f"All endpoints per method and size (unadjusted {level_text(confidence)} intervals)"


def _n(train_size: int, sizes: Sequence[int] = ()) -> str:
    """The size column: the size, or "all (a-b)" for a comparison pooled over sizes."""
    return str(train_size) if train_size else f"all ({min(sizes)}-{max(sizes)})"


def _order(report: Report, method: str) -> int:
    names = [m.name for m in report.spec.methods]
    return names.index(method) if method in names else len(names)


#: the endpoint columns of the table of every endpoint, for the statistics of
#: :data:`augfit.experiments.stats.STATISTICS` in its order: heading and how a value is written
#: (``pp``: accuracy as percentage points, ``loss``: a loss difference). The others are shown in
#: columns of their own (the baseline's test accuracy) or in the verdict table (baseline gap,
#: reduction); tests/experiments/test_report.py fails on a statistic in neither.
ENDPOINT_COLUMNS = {"d_test_accuracy": ("Δ test acc", "pp"), "d_gap": ("Δ gap", "pp"),
                    "d_train_accuracy": ("Δ train acc", "pp"),
                    "d_test_loss": ("Δ test loss", "loss"), "d_gap_loss": ("Δ loss gap", "loss")}
NOT_ENDPOINT_COLUMNS = ("baseline_test_accuracy", "baseline_gap", "reduction")


def _endpoint(e: Estimate, kind: str) -> str:
    if kind == "pp":
        return interval_text(e.value, e.ci)
    return f"{e.value:+.3f} [{e.ci[0]:+.3f}, {e.ci[1]:+.3f}]"


def table_rows(report: Report) -> list[list[str]]:
    """Header + one row per (method, size): every endpoint at the per-comparison confidence (the
    p-value of Δ test accuracy after its interval)."""
    c_ = _level(report.confidence)
    names = [k for k in STATISTICS if k in ENDPOINT_COLUMNS]
    at = names.index("d_test_accuracy") + 1                       # the p column goes after it
    heads = [f"{ENDPOINT_COLUMNS[k][0]} [{c_} CI]" for k in names]
    out = [["method", "n", "units", "test acc", "baseline", *heads[:at], "p", *heads[at:],
            "wins", "examples resampled"]]
    for c in sorted([*report.comparisons, *report.pooled],
                    key=lambda c: (_order(report, c.method), c.train_size or math.inf)):
        s = c.stats
        cols = [_endpoint(s[k], ENDPOINT_COLUMNS[k][1]) for k in names]
        p = _p(s["d_test_accuracy"].p, report.spec.bootstrap["resamples"])
        out.append([c.method, _n(c.train_size, getattr(c, "sizes", ())), str(c.n_units),
                    _pct(c.test_accuracy), _pct(c.baseline_test_accuracy), *cols[:at], p,
                    *cols[at:], f"{round(c.win_rate * c.n_units)}/{c.n_units}",
                    "yes" if c.example_level else "no"])
    return out


def markdown_table(rows: list[list[str]]) -> str:
    """The rows (the first is the header) as a Markdown table, every cell escaped (:func:`md_text`:
    no raw HTML, no pipe that splits a cell), as the HTML table escapes them."""
    cells = [[md_text(c) for c in r] for r in rows]
    lines = ["| " + " | ".join(cells[0]) + " |", "|" + "|".join("---" for _ in rows[0]) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in cells[1:]]
    return "\n".join(lines)


def verdict_table(report: Report) -> str:
    """The verdict table in Markdown (:func:`verdict_rows`: the primary verdicts, then the
    exploratory per-size rows)."""
    return markdown_table(verdict_rows(report))


def comparison_table(report: Report) -> str:
    """Deprecated: the verdict table, under the name it had; call :func:`verdict_table`."""
    warnings.warn("comparison_table() is deprecated and will be removed in the next release: it "
                  "returns the verdict table; call verdict_table()", DeprecationWarning,
                  stacklevel=2)
    return verdict_table(report)


def answer_text(report: Report) -> str:
    """What the CLI prints after a run: the headline, the warnings, then one sentence per
    method's primary result and the multiplicity line."""
    lines = [report.headline, *[f"WARNING: {w}" for w in report.warnings]]
    lines += [*report.sentences, report.holm_line()]
    lines += dose_lines(report)
    lines += report.sequential
    return "\n".join(lines)


def dose_lines(report: Report) -> list[str]:
    """The best value of each sweep on test, then the warning that this pick is optimistic."""
    best = dose.best_lines(dose.dose_curves(report.verdicts, [m.name for m in report.spec.methods]))
    return [*best, dose.BEST_WARNING] if best else []


def summary_rows(report: Report) -> list[list[str]]:
    """The per method and size table (mean over cells): its header, then a row per group."""
    out = [["method", "n", "cells", "clean train acc", "val acc", "test acc (± sd)",
            "gap (train - test)", "test loss", "loss gap (test - train)", "best epoch",
            "epochs run", "s/cell"]]
    for s in report.summary:
        out.append([s["method"], str(s["train_size"]), str(s["n"]), _pct(s["train_accuracy"]),
                    _pct(s["val_accuracy"]),
                    f"{_pct(s['test_accuracy'])} ± {100 * s['test_accuracy_sd']:.1f}",
                    f"{pp(s['gap_accuracy'], False)} pp", f"{s['test_loss']:.3f}",
                    f"{s['gap_loss']:+.3f}", f"{s['best_epoch']:.0f}", f"{s['epochs_run']:.0f}",
                    f"{s['wall_time']:.2f}"])
    return out


def intro(report: Report) -> list[str]:
    """The paragraphs of "How this was measured": the data, the grid, the model and training."""
    s = report.spec
    cells = len(s.cells())
    c = _level(report.confidence)
    return [
        f"Dataset `{s.dataset['name']}`, training sizes {s.train_sizes} "
        f"({s.train_size_unit.replace('_', ' ')}), {s.splits} split(s) x {len(s.seeds)} seeds, "
        f"{len(s.methods)} methods, {len(report.rows)}/{cells} cells finished; model "
        f"{s.model['hidden']} {s.model['activation']}, {s.training['optimizer']} "
        f"lr={s.training['lr']}, {budget_text(s.training)}. Spec hash `{s.hash[:12]}`.",
        f"Each method is paired with `{s.baseline}` on the same (split, seed, n): same training "
        f"subsample, same initial weights, same test set. Δ = method - {s.baseline}, mean over "
        "pairs. Test accuracy judges; val only stops early and draws the curves. Gap = clean "
        "train accuracy (un-augmented training subsample, eval mode) - test accuracy of the final "
        f"model; loss gap = test loss - clean train loss. Intervals ({c}): hierarchical bootstrap "
        "(splits, then seeds within a split), BCa, "
        f"{s.bootstrap['resamples']} resamples, united with the t-interval on the (split, seed) "
        "units; the test examples are resampled too only where one test set is shared by every "
        "unit (one split, or the official test set), once per resample for every comparison "
        "(with a test set per split, test noise is already in the spread between splits). "
        "Chosen by simulation: docs/statistics.md. "
        "Overfitting reduction = 1 - mean gap(method) / mean gap(baseline).",
        "Over all sizes (one line per method): the mean over sizes of each size's mean, every "
        "size weighted equally, resampled size-stratified: each size keeps its own units, while "
        "the splits, the seeds within a split (and the test examples, if resampled) are drawn "
        "once for all sizes "
        "(they share the split's data); only sizes with a pair in every split are pooled. These "
        "comparisons are the answer's confirmatory family (Holm over the methods); the per-size "
        "comparisons are exploratory, at the unadjusted level. Worth Nx the data: n*/n, with n* "
        "where the "
        "baseline's test accuracy (isotonic in n, interpolated on log n) equals the method's at "
        f"n; its interval ({c}, percentile) redoes that fit in each of the same joint resamples; "
        "an end beyond the grid is shown as such.",
    ]


# -- writing ---------------------------------------------------------------------------------------
def overlay_size(report: Report) -> int | None:
    """The training size the all-methods overlay shows: the smallest (where overfitting is
    largest)."""
    sizes = sorted({r["train_size"] for r in report.rows})
    return sizes[0] if sizes else None


def figures(report: Report) -> list[tuple[str, str, bytes]]:
    """``(file stem, caption, PNG bytes)`` for every figure of the report, in report order."""
    s = report.spec
    names = [m.name for m in s.methods]
    colors = plots.color_of(names)
    c = _level(report.confidence)
    out = []
    if report.verdicts:
        out.append(("effects", f"Δ test accuracy and Δ gap vs {s.baseline} per size "
                    f"(exploratory): unadjusted {c} intervals; filled: the interval excludes 0; "
                    f"{plots.CLIPPED}",
                    plots.effects(report.verdicts, names, s.baseline)))
        if len({v.train_size for v in report.verdicts}) > 1:
            out.append(("multiplier", "Effective data multiplier: the baseline training size "
                        "that matches the method's test accuracy, divided by n; a triangle: "
                        "beyond the grid's sizes (▲ at least, ▼ at most this); bars: its "
                        f"{c} interval, an arrow head where it goes on beyond the grid",
                        plots.multipliers(report.verdicts, names)))
    for curve in dose.dose_curves(report.verdicts, names):
        out.append((f"dose_{curve.group}", f"Dose-response of {curve.group} in {curve.param}: "
                    f"Δ test accuracy and Δ gap vs {s.baseline} at each n, with the exploratory "
                    f"table's unadjusted {c} intervals; filled: the interval excludes 0; "
                    f"{plots.CLIPPED}. "
                    + dose.BEST_WARNING,
                    dose.dose_png(curve, s.baseline)))
    size = overlay_size(report)
    if size is not None and any(r.get("history") for r in report.rows):
        out.append(("overlay", f"All methods at n = {size}: val accuracy and loss per epoch",
                    plots.overlay(report.rows, names, size, epoch_label(s.training))))
    for m in names:
        if any(r["method"] == m and r.get("history") for r in report.rows):
            out.append((f"curves_{m}", f"Learning curves: {m}" + (
                        f" (thin grey: {s.baseline}, for comparison)" if m != s.baseline else ""),
                        plots.learning_curves(report.rows, m, s.train_sizes, colors[m],
                                              epoch_label(s.training), s.baseline)))
    return out


__all__ = [
    "Report",
    "answer_text",
    "comparison_table",
    "dose_lines",
    "endpoints_heading",
    "exploratory_heading",
    "exploratory_rows",
    "figures",
    "intro",
    "markdown_table",
    "primary_comparisons",
    "smallest_effect",
    "summary_rows",
    "table_rows",
    "tuned_on",
    "verdict_rows",
    "verdict_table",
]
