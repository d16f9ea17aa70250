"""``augfit plan SPEC --smallest-effect 1.0``: size the design on a pilot, before the run.

1. **The pilot** runs the spec's methods and sizes on a few splits (``pilot_splits``, default 2) x
   seeds (``pilot_seeds``, default 2) that the confirmatory run never uses: by default the splits
   just after the ones the run may take (``first_split + max_splits`` on); a pilot whose splits
   would meet ``first_split .. first_split + max_splits - 1`` is refused. The written spec records
   them (``notes.pilot_splits``), and a run on them is refused too.
2. **From the pilot**: the unit variance of Δ test accuracy per method and size, and pooled over
   the sizes split into a between-split and a within-split (seed) part; whether the budget is
   enough (:mod:`.budget_check`, "under-trained at the cap"); the cost per cell (the cost model,
   :mod:`.cost`, calibrated on the pilot's cells).
3. **The design**: the cheapest splits x seeds (2 to 4 seeds, more splits than seeds, at least 5
   splits (fewer are not validated, docs/statistics.md), at least 10 units, at most
   ``max_splits`` splits) whose minimum detectable effect at 80% power, with Holm
   over the methods, is at most the smallest effect: ``MDE = (t_{1-alpha/(2M)} + t_{0.8}) x se``,
   ``se^2 = between^2 / S + within^2 / (S x R)``, t with S - 1 degrees of freedom, for the method
   with the largest variance. Extra units go to splits, not seeds (a split carries the test-set
   noise a seed cannot average out). The sizes are the spec's: the per-size cost shows where a
   unit is cheap.
4. **Its wall time** from the cost model: one process, this machine's cores, and ``k`` dask workers
   (largest cells first on each).
5. **The spec** written with ``splits``, ``seeds``, ``notes.tuned_on`` naming the pilot and
   ``notes.pilot_splits``; the ``tuned_on`` and ``pilot_splits`` they replace move, dated, into
   ``notes.history``. The pilot's test results choose nothing but the design's size.
"""
from __future__ import annotations

import datetime
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from ...checks import check_int
from ...errors import ConfigError
from ..run import (
    CostModel,
    as_spec,
    check_pilot_overlap,
    clock_text,
    cost_model,
    makespan,
    speedups,
    under_trained,
)
from ..spec import Spec, parse_spec
from ..stats import FEW_SPLITS, power
from .decide import smallest_effect
from .study import RunResult, run

POWER = power.POWER
MIN_DESIGN_UNITS = 10   # a proposed design has at least this many units (STATISTICS.md)


@dataclass
class Plan:
    """What :func:`plan` found and chose; :meth:`text` is what the CLI prints."""

    spec: Spec                                    # the planned spec
    pilot: Spec
    pilot_out: Path
    pilot_cells: int
    smallest: float                               # pp
    sd: dict[str, tuple[float, float]]            # method -> (between, within) pooled over sizes
    sd_by_size: dict[tuple[str, int], float]      # (method, n) -> sd of a unit's Δ test
    under_trained: dict[str, str]
    cost_per_cell: dict[int, float]               # n -> modelled seconds, mean over methods
    splits: int
    seeds: int
    mde: float                                    # pp, the largest over the methods
    reached: bool
    seconds: dict[str, float] = field(default_factory=dict)
    path: Path | None = None

    def text(self) -> str:
        """The plan in words (what ``augfit plan`` prints)."""
        p = self.pilot
        a, b = p.first_split, p.first_split + p.splits - 1
        lines = [f"pilot: splits {a}-{b} x {len(p.seeds)} seeds, {self.pilot_cells} cells "
                 f"(results in {self.pilot_out}); the confirmatory run never uses these splits",
                 "unit sd of Δ test accuracy, pp (per size; pooled over sizes: between splits / "
                 "within a split):"]
        sizes = sorted({n for _, n in self.sd_by_size})
        for m, (between, within) in self.sd.items():
            per = ", ".join(f"n={n} {100 * self.sd_by_size[(m, n)]:.1f}" for n in sizes
                            if (m, n) in self.sd_by_size)
            lines.append(f"  {m}: {per}; pooled {100 * between:.1f} / {100 * within:.1f}")
        if self.under_trained:
            lines.append("budget: under-trained at the cap: " + "; ".join(
                f"{m} ({why})" for m, why in self.under_trained.items()) +
                ". Raise the budget (epochs or training.steps) before the confirmatory run.")
        else:
            lines.append("budget: enough (no method's val accuracy still rising over the last "
                         "10% of the budget)")
        lines.append("cost per cell (modelled from the pilot): " + ", ".join(
            f"n={n} {s:.2f} s" for n, s in self.cost_per_cell.items()))
        word = "reaches" if self.reached else "does not reach"
        lines.append(f"design: {self.splits} splits x {self.seeds} seeds "
                     f"({self.splits * self.seeds} units), sizes {list(self.spec.train_sizes)}: "
                     f"minimum detectable effect {self.mde:.2f} pp at 80% power (Holm over "
                     f"{len(self.sd)} methods), which {word} ±{self.smallest:g} pp")
        if not self.reached:
            lines.append(f"this is the largest design allowed (--max-splits {self.splits}); to "
                         f"detect ±{self.smallest:g} pp, allow more splits, lower the noise "
                         "(a larger test set, a longer budget) or choose a larger smallest "
                         "effect")
        lines.append("estimated wall time: " + ", ".join(
            f"{clock_text(s)} on {k}" for k, s in self.seconds.items()))
        if self.path is not None:
            lines.append(f"wrote {self.path} (notes.tuned_on names the pilot)")
        return "\n".join(lines)


def pilot_spec(spec: Spec, splits: int, seeds: int, first: int | None,
               max_splits: int) -> Spec:
    """The pilot: ``splits`` x the first ``seeds`` seeds of ``spec``, on splits from ``first``
    (default: just after the ``max_splits`` the confirmatory run may use); refused when they would
    meet the run's splits."""
    check_int(splits, "--pilot-splits", low=2, hint=" (the between-split variance needs 2)")
    check_int(seeds, "--pilot-seeds")
    check_int(max_splits, "--max-splits")
    run_last = spec.first_split + max_splits - 1
    first = run_last + 1 if first is None else check_int(first, "--pilot-first-split", low=0)
    probe = replace(spec, notes={**spec.notes, "pilot_splits": f"{first}-{first + splits - 1}"})
    check_pilot_overlap(probe, run_last, fix=f"pass --pilot-first-split {run_last + 1} (or more) "
                                             f"to augfit plan, or leave it out (up to "
                                             f"--max-splits {max_splits})")
    if seeds > len(spec.seeds):
        raise ConfigError(f"--pilot-seeds {seeds} is more than the spec's {len(spec.seeds)} "
                          "seeds; pass fewer")
    return parse_spec(dict(spec.to_canonical(), name=f"{spec.name}_pilot", splits=int(splits),
                           first_split=first, seeds=list(spec.seeds[:seeds])), source=spec.source)


def unit_deltas(rows: Sequence[Mapping[str, Any]], baseline: str, method: str,
                sizes: Sequence[int]) -> dict[tuple[int, int], np.ndarray]:
    """``{(split, seed): Δ test accuracy at each of sizes}`` for the units with every size."""
    acc = {(r["method"], r["split"], r["seed"], r["train_size"]): float(r["test_accuracy"])
           for r in rows}
    units = sorted({(s, sd) for (m, s, sd, _) in acc if m == method})
    out = {}
    for u in units:
        try:
            out[u] = np.array([acc[(method, u[0], u[1], n)] - acc[(baseline, u[0], u[1], n)]
                               for n in sizes])
        except KeyError:
            continue
    return out


def components(values: dict[tuple[int, int], float]) -> tuple[float, float]:
    """``(between-split sd, within-split sd)`` of unit values keyed by (split, seed): the within
    part pooled over splits, the between part from the split means' variance less the within
    part's share (at least 0)."""
    by: dict[int, list[float]] = {}
    for (split, _), v in values.items():
        by.setdefault(split, []).append(v)
    groups = [np.array(g) for g in by.values()]
    df = sum(len(g) - 1 for g in groups)
    within2 = sum(float(((g - g.mean()) ** 2).sum()) for g in groups) / df if df else 0.0
    means = np.array([g.mean() for g in groups])
    r = float(np.mean([len(g) for g in groups]))
    between2 = float(means.var(ddof=1)) - within2 / r if len(means) > 1 else 0.0
    if df == 0:                                  # one seed per split: all of it between
        between2 = float(means.var(ddof=1)) if len(means) > 1 else 0.0
    return math.sqrt(max(between2, 0.0)), math.sqrt(within2)


def mde(between: float, within: float, splits: int, seeds: int, methods: int,
        alpha: float) -> float:
    """The minimum detectable effect at 80% power of a splits x seeds design (module
    docstring), in the units of the sds."""
    se = math.sqrt(between ** 2 / splits + within ** 2 / (splits * seeds))
    return power.mde(se, splits - 1, alpha / max(methods, 1), POWER)


def choose(sd: dict[str, tuple[float, float]], delta: float, alpha: float, max_splits: int
           ) -> tuple[int, int, float, bool]:
    """``(splits, seeds, mde, reached)``: the design of fewest units whose largest MDE over the
    methods is at most ``delta`` (ties: more splits); else the best at ``max_splits`` x 2."""
    m = len(sd)
    if max_splits < FEW_SPLITS:
        raise ConfigError(f"--max-splits {max_splits}: a design needs more splits than seeds and "
                          f"at least {FEW_SPLITS} splits (the coverage simulation validates no "
                          "interval with fewer, docs/statistics.md); pass --max-splits 10 or more")
    candidates = []
    for seeds in (2, 3, 4):
        low = max(seeds + 1, math.ceil(MIN_DESIGN_UNITS / seeds), FEW_SPLITS)
        for splits in range(low, max_splits + 1):
            e = max(mde(b, w, splits, seeds, m, alpha) for b, w in sd.values()) if sd else 0.0
            candidates.append((splits * seeds, -splits, seeds, e))
    good = sorted(c for c in candidates if c[3] <= delta)
    if good:
        _, neg, seeds, e = good[0]
        return -neg, seeds, e, True
    best = min((c for c in candidates if c[2] == 2), key=lambda c: c[3])
    return -best[1], 2, best[3], False


def plan(spec: str | Path | Spec | dict[str, Any], smallest: float | None = None,
         pilot_splits: int = 2, pilot_seeds: int = 2, pilot_first_split: int | None = None,
         max_splits: int = 30, workers: int = 1, dask_workers: int = 8,
         out: str | Path | None = None, write: str | Path | None = None,
         progress: bool | None = None) -> Plan:
    """Run the pilot, estimate, choose and write the design (module docstring). ``out`` holds the
    pilot's results (default ``runs/<name>_pilot``); ``write`` is the planned spec's path
    (default: beside a spec file, ``<stem>.planned.yaml``; for a dict, ``out/planned.yaml``)."""
    base = as_spec(spec)
    check_int(dask_workers, "--dask-workers")
    delta = smallest_effect(base, smallest)
    pilot = pilot_spec(base, pilot_splits, pilot_seeds, pilot_first_split, max_splits)
    out_dir = Path(out) if out is not None else Path("runs") / pilot.name
    res = run(pilot, out=out_dir, workers=workers, progress=progress, report=False)
    sd, by_size = pilot_sds(res)
    alpha = 1.0 - float(base.bootstrap["confidence"])
    splits, seeds, e, reached = choose(sd, delta / 100.0, alpha, max_splits)
    planned = _planned(base, splits, seeds, delta, pilot, out_dir)
    model = cost_model(res.spec, [(c, float(r["wall_time"])) for c in res.spec.cells()
                                  for r in res.rows if r["key"] == c.key],
                       "derive" in speedups())
    result = Plan(planned, pilot, out_dir, len(res.rows), delta, sd, by_size,
                  under_trained(res.rows, res.spec.baseline, res.spec.training.get("epochs")),
                  _per_size(model, res.spec), splits, seeds, 100 * e, reached,
                  wall_times(model, planned.cells(), workers, dask_workers))
    result.path = write_spec(spec, planned, write, out_dir)
    return result


def pilot_sds(res: RunResult) -> tuple[dict[str, tuple[float, float]],
                                       dict[tuple[str, int], float]]:
    """``(sd, sd_by_size)`` of :class:`Plan` from the pilot's results; refused (ConfigError naming
    the fix) when a cell failed or a method has paired units on fewer than 2 splits, where the
    between-split sd cannot be estimated (taking it as 0 would plan a design far too small)."""
    if res.failed or res.n_missing:
        why = res.failure_summary() or "cells are missing"
        raise ConfigError(f"the pilot did not finish: {why}; a design sized on part of the "
                          "pilot would be wrong: fix the failed cells and rerun augfit plan "
                          "(the stored pilot cells are reused)")
    sizes = [int(n) for n in res.spec.train_sizes]
    sd, by_size = {}, {}
    for m in [m.name for m in res.spec.methods if m.name != res.spec.baseline]:
        units = unit_deltas(res.rows, res.spec.baseline, m, sizes)
        if len({split for split, _ in units}) < 2:
            raise ConfigError(f"the pilot has paired units of {m} and {res.spec.baseline} on "
                              f"{len({split for split, _ in units})} split(s); the variance "
                              "between splits needs at least 2: run the pilot on more splits "
                              "(--pilot-splits 2 or more) and fix any failed cells")
        sd[m] = components({u: float(v.mean()) for u, v in units.items()})
        for i, n in enumerate(sizes):
            vals = [v[i] for v in units.values()]
            by_size[(m, n)] = float(np.std(vals, ddof=1)) if len(vals) > 1 else float("nan")
    return sd, by_size


def _per_size(model: CostModel, spec: Spec) -> dict[int, float]:
    cells = spec.cells()
    return {int(n): float(np.mean([model.seconds(c) for c in cells if c.train_size == n]))
            for n in spec.train_sizes}


def wall_times(model: CostModel, cells: Sequence[Any], workers: int,
               dask_workers: int) -> dict[str, float]:
    """Modelled wall time of ``cells`` (largest first) on 1 process, this machine's cores (or
    ``workers``) and ``dask_workers`` dask workers."""
    costs = [model.seconds(c) for c in model.order(cells)]
    cores = max(os.cpu_count() or 1, workers)
    out = {"1 process": makespan(costs, 1)}
    if cores > 1:
        out[f"{cores} processes (this machine)"] = makespan(costs, cores)
    out[f"{dask_workers} dask workers"] = makespan(costs, dask_workers)
    return out


def _planned(base: Spec, splits: int, seeds: int, delta: float, pilot: Spec, out: Path,
             today: str | None = None) -> Spec:
    """The confirmatory spec: ``base`` with the design and notes naming the pilot. What the notes
    said before (``tuned_on``, ``pilot_splits``) is kept in ``notes.history`` (:func:`_history`),
    dated ``today`` (default: today's date)."""
    a, b = pilot.first_split, pilot.first_split + pilot.splits - 1
    tuned = (f"augfit plan pilot: splits {a}-{b} x seeds {list(pilot.seeds)} "
             f"({out}): unit variance, budget check and cell costs chose "
             f"{splits} splits x {seeds} seeds for ±{delta:g} pp at 80% power")
    notes = _history(dict(base.notes), tuned, f"{a}-{b}",
                     today or datetime.date.today().isoformat())
    notes["tuned_on"] = tuned
    notes["pilot_splits"] = f"{a}-{b}"
    return base.with_fields(splits=splits, seeds=seeds, notes=notes,
                            answer={"smallest_effect": delta})


def _history(notes: dict[str, Any], tuned: str, pilot_splits: str, today: str) -> dict[str, Any]:
    """``notes`` with the ``tuned_on`` and ``pilot_splits`` that ``augfit plan`` is about to
    replace appended to ``notes.history`` (a list of strings; an earlier string history is its
    first entry), one dated entry, so the tuning history is never lost. Nothing is added when the
    notes already say what the new plan says (the same pilot planned again)."""
    old = [(k, notes[k]) for k in ("tuned_on", "pilot_splits") if k in notes]
    if not old or (notes.get("tuned_on"), notes.get("pilot_splits")) == (tuned, pilot_splits):
        return notes
    said = "; ".join(f"notes.{k} was: {v if isinstance(v, str) else ' / '.join(v)}"
                     for k, v in old)
    before = notes.get("history", [])
    notes["history"] = ([before] if isinstance(before, str) else list(before)) + [
        f"{today}, replaced by augfit plan: {said}"]
    return notes


def write_spec(given: Any, planned: Spec, write: str | Path | None, out: Path) -> Path:
    """Write the planned spec as YAML: the user's own spec file with ``splits``, ``seeds``,
    ``notes`` and ``answer`` (the smallest effect the design was sized for) replaced (relative
    paths keep working beside it), or the canonical form."""
    import yaml

    from ..spec import load_yaml, read_text

    if isinstance(given, (str, Path)) and Path(given).is_file():
        data = load_yaml(read_text(Path(given), "spec file"), str(given))
        if not isinstance(data, Mapping):     # the spec was parsed from this file already
            raise ConfigError(f"{given}: a spec file must be a mapping of sections")
        default = Path(given).with_suffix(".planned.yaml")
    else:
        data = planned.to_canonical()
        default = out / "planned.yaml"
    data = dict(data, splits=planned.splits, seeds=len(planned.seeds), notes=planned.notes,
                answer=dict(planned.answer))
    path = Path(write) if write is not None else default
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return path


__all__ = ["Plan", "choose", "components", "mde", "pilot_sds", "pilot_spec", "plan",
           "unit_deltas", "wall_times", "write_spec"]
