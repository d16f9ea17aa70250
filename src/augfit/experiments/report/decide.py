"""``augfit run SPEC --until-decided``: add units in rounds until every primary comparison is
decided, with the error rate kept under the looks (:mod:`.sequential`).

Round 1 runs the spec as written (``splits`` x ``seeds``); each later round adds ``round_splits``
splits (default: the spec's ``splits``) until the declared maximum ``max_splits`` (required: the
looks spend the error rate over the information up to it). After each round the primary
comparisons (each method against the baseline, pooled over the grid's sizes; at one size, that
size) are judged by group-sequential Holm at the look's information fraction
``units / (max_splits x seeds)``: helps, hurts, negligible (within +-smallest_effect) or
inconclusive. The run stops when every one is helps, hurts or negligible, or at the maximum.

Every round is an ordinary run into the same store: a cell's key does not depend on how many
splits the spec has, so the cells of earlier rounds are reused, and an interrupted run resumes
where it stopped (rerunning the command replays the earlier looks from the stored cells and takes
the same decisions). The report gets a section saying how many rounds ran, why the run stopped and
each comparison's decision at the level it was judged at.
"""
from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from ...checks import check_int
from ...errors import ConfigError
from ..run import as_spec, check_pilot_overlap, n_classes, with_examples
from ..spec import Spec, SpecLike, check_smallest_effect
from ..stats import CellResult, Comparison, Estimate, Look, holm_look, power, stop_reason
from .study import RunOptions, RunResult, run
from .verdicts import GAP_UNJUDGED, HELPS, HURTS, NOT_COMPARABLE, Verdict

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from .document import Report


def with_splits(spec: Spec, n: int) -> Spec:
    """``spec`` with ``splits: n`` (the same first split, seeds and everything else)."""
    return spec.with_fields(splits=int(n))


def smallest_effect(spec: Spec, given: float | None = None) -> float:
    """The smallest effect of interest in pp: ``given`` (checked like the spec's field), else the
    spec's ``answer.smallest_effect`` (its default when absent)."""
    return spec.smallest_effect * 100 if given is None else check_smallest_effect(given)


def look_splits(first: int, maximum: int | None, step: int | None) -> list[int]:
    """The number of splits at each look: ``first``, ``first + step``, ..., ``maximum``."""
    if maximum is None:
        raise ConfigError(f"--until-decided needs a declared maximum: pass --max-splits N (in "
                          f"Python max_splits=N), at least the spec's splits ({first}), e.g. "
                          f"--max-splits {max(3 * first, 10)}; the looks spend the error rate "
                          "over the units up to it")
    maximum = check_int(maximum, "max_splits", hint=" (--max-splits)")
    if maximum < first:
        raise ConfigError(f"--max-splits {maximum} is below the spec's splits ({first}); pass "
                          f"--max-splits {first} or more")
    step = first if step is None else check_int(step, "round_splits",
                                                hint=" (--round-splits: splits a round adds)")
    return [*range(first, maximum, step), maximum]


def primary_intervals(spec: Spec, rows: list[CellResult]) -> dict[str, Estimate]:
    """Each method's primary comparison with the baseline: ``{method: Estimate}`` of Δ test
    accuracy pooled over the sizes (at one size: that size)."""
    from ..stats import compare, compare_all_pooled, study_draws
    from .document import shared_test

    names = [m.name for m in spec.methods]
    sizes = [n for n in spec.train_sizes if isinstance(n, int)]
    b = spec.bootstrap
    shared = shared_test(spec)
    draws = study_draws(rows, b["resamples"], b["seed"], shared)   # None with a test set per split
    if len(sizes) >= 2:
        comps: Sequence[Comparison] = compare_all_pooled(
            rows, names, spec.baseline, sizes, b["resamples"], b["seed"], b["confidence"], draws,
            shared)[0]
    else:
        comps = compare(rows, names, spec.baseline, sizes, b["resamples"], b["seed"],
                        b["confidence"], draws, shared)
    return {c.method: c.stats["d_test_accuracy"] for c in comps}


def run_until_decided(spec: SpecLike, out: str | Path | None = None,
                      max_splits: int | None = None, round_splits: int | None = None,
                      smallest: float | None = None, report: bool = True,
                      **kwargs: Unpack[RunOptions]) -> RunResult:
    """Run ``spec`` in rounds until every primary comparison is decided or ``max_splits`` is
    reached (module docstring); ``kwargs`` go to :func:`.runner.run` (workers, scheduler, progress,
    data, mlflow). The result is the last round's, with ``sequential`` saying what happened."""
    spec = as_spec(spec, user_data=kwargs.get("data") is not None)
    looks = look_splits(spec.splits, max_splits, round_splits)
    check_pilot_overlap(spec, spec.first_split + looks[-1] - 1)
    delta = smallest_effect(spec, smallest)
    spec = spec.with_smallest_effect(delta)          # the report judges negligible at it too
    alpha = 1.0 - float(spec.bootstrap["confidence"])
    out_dir = Path(out) if out is not None else Path("runs") / spec.name
    decisions: dict[str, Look] = {}
    values: dict[str, float] = {}
    n_run, reason, t0 = 0, "", time.perf_counter()
    for k, n in enumerate(looks):
        res = run(with_splits(spec, n), out=out_dir, report=False, **kwargs)
        n_run += res.n_run
        if res.failed or res.n_missing:
            break                                   # a look needs every cell of its round
        estimates = primary_intervals(res.spec, res.rows)
        fractions = [s / looks[-1] for s in looks[: k + 1]]
        decisions = holm_look({m: e.interval for m, e in estimates.items()}, fractions, alpha,
                              delta / 100.0, decisions)
        values.update({m: e.value for m, e in estimates.items()
                       if m not in values or decisions[m].category not in (HELPS, HURTS)})
        reason = stop_reason({m: d.category for m, d in decisions.items()}, k + 1, len(looks))
        if reason:
            break
    if res.failed or res.n_missing:
        reason = (f"round {k + 1} did not finish ({len(res.failed)} cell(s) failed); fix the "
                  "cause and rerun the same command")
    res.n_run, res.n_skipped = n_run, len(res.spec.cells()) - n_run
    res.seconds = time.perf_counter() - t0
    res.sequential = summary(res.spec, looks, k + 1, reason, decisions, values, delta, alpha)
    if report and res.rows:
        _write(res, decisions, values, kwargs.get("mlflow"))
    return res


def summary(spec: Spec, looks: list[int], rounds: int, reason: str, decisions: dict[str, Look],
            values: dict[str, float], delta: float, alpha: float) -> list[str]:
    """The report's lines on the rounds, why the run stopped and each decision."""
    seeds = len(spec.seeds)
    units = ", ".join(str(s * seeds) for s in looks[:rounds])
    out = [f"{rounds} round(s) ran of at most {len(looks)}: looks at {units} (split, seed) units "
           f"of a declared maximum of {looks[-1] * seeds} ({looks[-1]} splits x {seeds} seeds). "
           f"Stopped because {reason}.",
           f"Error control over the looks: Lan-DeMets O'Brien-Fleming alpha spending (alpha = "
           f"{alpha:g}) with Holm over the {len(decisions)} primary comparisons (each method "
           f"vs {spec.baseline}, pooled over sizes); negligible = within ±{delta:g} pp. These "
           "decisions, valid under the looks, are the report's answer (each interval at its "
           "look's level); the per-size results stay exploratory."]
    for m, d in decisions.items():
        lo, hi = d.interval
        v = values.get(m, math.nan)
        out.append(f"{m}: {d.category}, Δ test {100 * v:+.1f} pp, interval [{100 * lo:+.1f}, "
                   f"{100 * hi:+.1f}] pp at the nominal level {d.level:.4g}")
    return out


def _write(res: RunResult, decisions: dict[str, Look], values: dict[str, float],
           mlflow: str | None = None) -> None:
    from .document import Report
    from .report_files import write_report

    res.report = Report.build(res.spec, with_examples(res.out, res.rows), n_classes(res.spec),
                              failed=res.failed)
    at_the_looks(res.report, decisions, values)
    res.report.sequential = list(res.sequential)
    res.paths = write_report(res.out, res.report)
    uri = mlflow if mlflow is not None else res.spec.tracking.get("mlflow")
    if uri:       # the last round's parent run gets the looks' verdicts and the report
        from ..run import Tracker

        tracker = Tracker(uri, res.spec, res.out, res.spec.cells())
        res.mlflow_run_id = tracker.finish(res.report, res.paths)


def at_the_looks(report: Report, decisions: dict[str, Look], values: dict[str, float]) -> None:
    """The report's answer judged at the looks (STATISTICS.md §4: error control over what the
    answer claims, the looks included): each primary verdict takes its decision's category, Δ test,
    interval and level, its minimum detectable effect and the units that would decide it are
    computed at that level, and the sentences, headline and "cannot detect" warning are rebuilt
    from them. A method not comparable (both at chance) stays so; the gap tag is left unjudged (its
    interval is at the fixed-design level, not the look's)."""
    from .answer import answer_warnings, headline, primary_sentence
    from .document import primary_comparisons
    from .document import smallest_effect as spec_smallest

    names, base = [m.name for m in report.spec.methods], report.spec.baseline
    small = spec_smallest(report.spec)
    fixed = answer_warnings(report.primary, names, base, small)
    est = {c.method: c.stats["d_test_accuracy"]
           for c in primary_comparisons(names, base, report.comparisons, report.pooled)}
    report.primary = [_at_look(v, decisions.get(v.method), values, est.get(v.method))
                      for v in report.primary]
    report.sentences = [primary_sentence(v) for v in report.primary]
    report.headline = headline(report.primary, names, base)
    report.warnings = [w for w in report.warnings if w not in fixed] + answer_warnings(
        report.primary, names, base, small, sequential=True)


def _at_look(v: Verdict, d: Look | None, values: dict[str, float], est: Estimate | None
             ) -> Verdict:
    if d is None or v.effect == NOT_COMPARABLE:
        return v
    mde, need = v.mde, v.units_needed
    if est is not None:          # the power of the test the look made, at its nominal level
        mde = power.mde(est.se, est.df, d.level)
        need = power.units_needed(est.se, est.df, v.n_units, v.smallest_effect, d.level)
    return replace(v, effect=d.category, d_test=values.get(v.method, v.d_test),
                   d_test_ci=d.interval, level=1.0 - d.level, gap_tag=GAP_UNJUDGED, mde=mde,
                   units_needed=need)


__all__ = ["at_the_looks", "look_splits", "primary_intervals", "run_until_decided",
           "smallest_effect", "summary", "with_splits"]
