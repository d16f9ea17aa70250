"""Cells per core-minute of a study on the Fashion-MNIST spec: the runner with its speedups against
the previous code path, in one run.

The previous code path is the runner with ``speedups="none"`` (``AUGFIT_SPEEDUPS=none``): every
cell trained by itself, IEEE subnormals, val and the clean train subset evaluated after every
pass over the data as the previous release did (besides every ``training.eval_every`` steps,
which early stopping watches, so the two paths stop at the same step; ``--previous`` chooses
another). The new path uses the speedups the runner uses by default
(:data:`augfit.experiments.run.tasks.DEFAULT`: derived early stopping, subnormals flushed, sparse
evaluation; ``--new all`` adds stacked training, ``--new`` chooses others). Both run the same
subset of pipelines/fashion_mnist_overfitting.yaml's grid (by default its nine methods at
n = 1000 on one split and two seeds, the spec's step budget; ``--splits``, ``--seeds`` and
``--steps`` change them) in this process (one worker, BLAS at one thread as in every cell),
each round into a fresh store.

Timing: medians of interleaved rounds (the order reverses every other round), CPU time of this
process beside wall time, and the load average, because the machine is shared. Cells per
core-minute = cells / (CPU minutes). The two paths' stored results are compared field by field
(each metric, the history curves, the per-example test results): each field that differs in some
cell is named with the reason when it is a known one (the per-pass curves ``pass_*`` exist only
without ``sparse``; flushing may change values by a last bit). With flushing off in both paths
every endpoint is bit-identical (the tests check it). The evaluations per cell are printed too:
without ``sparse`` some period ends fall between pass ends, and those evaluations (which the
previous release did not make, but early stopping needs) are counted apart.

    python benchmarks/study.py                      # defaults: n = 1000, 3 rounds
    python benchmarks/study.py --sizes 4000 --rounds 5 --methods baseline early_stopping
    python benchmarks/study.py --sizes 250 --methods baseline --new flush   # flushing alone
    python benchmarks/study.py --sizes 250 --methods baseline --new sparse  # sparse eval alone
    python benchmarks/study.py --methods baseline dropout --splits 3 --steps 1300 \
        --new all --previous derive,flush,sparse                           # stacking alone
"""
from __future__ import annotations

import argparse
import copy
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from augfit.experiments import run
from augfit.experiments.run.store import Store
from augfit.experiments.run.tasks import speedups
from augfit.experiments.spec import load_spec

SPEC = Path(__file__).resolve().parents[1] / "pipelines" / "fashion_mnist_overfitting.yaml"


def subset(sizes: list[int], methods: list[str] | None, epochs: int | None, splits: int = 1,
           seeds: int = 2, steps: int | None = None) -> dict[str, Any]:
    """The Fashion-MNIST spec cut to ``sizes``, ``methods``, ``splits`` splits and ``seeds``
    seeds (default one split and two seeds, the fewest units a spec allows); ``steps`` replaces
    its step budget (evaluating every 2% of it, as the spec does)."""
    spec = copy.deepcopy(load_spec(SPEC).to_canonical())
    spec.update(train_sizes=sizes, splits=splits, seeds=list(range(seeds)),
                name="study_benchmark")
    if methods:
        spec["methods"] = [m for m in spec["methods"] if m["name"] in methods]
    if epochs:                                # an epoch budget replaces the step budget
        for k in ("steps", "eval_every"):
            spec["training"].pop(k, None)
        spec["training"]["epochs"] = epochs
    if steps:
        spec["training"].update(steps=steps, eval_every=max(steps // 50, 1))
    return spec


def one_run(spec: dict[str, Any], speedups: str) -> tuple[float, float, list[dict[str, Any]]]:
    """(CPU seconds, wall seconds, stored rows with their per-example test results) of running
    the grid into a fresh store."""
    with tempfile.TemporaryDirectory() as out:
        c, t = time.process_time(), time.perf_counter()
        res = run(spec, out=out, workers=1, progress=False, report=False, speedups=speedups)
        cpu, wall = time.process_time() - c, time.perf_counter() - t
        with Store(out, readonly=True) as store:
            numerics = store.numerics(res.spec.cells())
        rows = [{**r, **ex, "numerics": numerics[r["key"]]}
                for r, ex in zip(res.rows, res.examples(), strict=True)]
        return cpu, wall, rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000])
    ap.add_argument("--methods", nargs="+", default=None, help="default: all nine")
    ap.add_argument("--epochs", type=int, default=None,
                    help="an epoch budget instead of the spec's steps")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--splits", type=int, default=1)
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--steps", type=int, default=None, help="default: the spec's")
    ap.add_argument("--new", default="",
                    help="the new path's speedups (AUGFIT_SPEEDUPS syntax; default: the "
                         "runner's default, derive,flush,sparse,stack_small)")
    ap.add_argument("--previous", default="none",
                    help="the path compared with (default none: the previous release's)")
    args = ap.parse_args()
    paths = {"new": args.new, "previous": args.previous}
    spec = subset(args.sizes, args.methods, args.epochs, args.splits, args.seeds, args.steps)
    n_cells = len(spec["methods"]) * len(args.sizes) * args.splits * args.seeds
    t = spec["training"]
    budget = f"{t['steps']} steps" if "steps" in t else f"{t['epochs']} epochs"
    print(f"study benchmark: {SPEC.name}, methods {[m['name'] for m in spec['methods']]}, "
          f"n = {args.sizes}, {args.splits} splits x {args.seeds} seeds = {n_cells} cells per "
          f"run, {budget}; 1 worker")
    print(f"new path: speedups {', '.join(sorted(speedups(args.new))) or 'none'}; previous: "
          f"{', '.join(sorted(speedups(args.previous))) or 'none (AUGFIT_SPEEDUPS=none)'}")
    print(f"start: load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    one_run(dict(spec, train_sizes=[args.sizes[0]], methods=spec["methods"][:1]), "none")  # warm
    times: dict[str, list[tuple[float, float]]] = {p: [] for p in paths}
    rows: dict[str, list[dict[str, Any]]] = {}
    names = list(paths)
    for r in range(args.rounds):
        for p in names if r % 2 == 0 else names[::-1]:
            cpu, wall, rows[p] = one_run(spec, paths[p])
            times[p].append((cpu, wall))
            print(f"  round {r + 1} {p:<8} CPU {cpu:7.1f} s  wall {wall:7.1f} s  "
                  f"load {os.getloadavg()[0]:.2f}", flush=True)
    report(times, n_cells, args.rounds)
    compare(rows["new"], rows["previous"])
    evaluations(rows, t.get("eval_every"), t.get("steps"))
    print(f"end: load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")


def report(times: dict[str, list[tuple[float, float]]], n_cells: int, rounds: int) -> None:
    med = {p: (statistics.median(c for c, _ in ts), statistics.median(w for _, w in ts))
           for p, ts in times.items()}
    print(f"medians of {rounds} interleaved rounds:")
    for p, (cpu, wall) in med.items():
        print(f"  {p:<8} {n_cells / (cpu / 60):6.2f} cells per core-minute  (CPU {cpu:.1f} s, "
              f"wall {wall:.1f} s)")
    (cn, wn), (cp, wp) = med["new"], med["previous"]
    print(f"  ratio new/previous: {cp / cn:.2f}x cells per core-minute (wall {wp / wn:.2f}x)")


#: why a stored field may differ between the paths
REASONS = {
    "history.pass_*": "per-pass curves: only a path without sparse evaluates after every pass",
    "numerics": "the numerics version: one path flushes subnormals, the other does not",
}


def _fields(row: dict[str, Any]) -> dict[str, Any]:
    """A stored cell as comparable fields: each metric, each history curve (the per-pass ones
    as one field), the per-example test results."""
    out: dict[str, Any] = {}
    for k, v in row.items():
        if k == "history":
            passes = {h: c for h, c in v.items() if h.startswith("pass_")}
            out.update({f"history.{h}": c for h, c in v.items() if h not in passes})
            out["history.pass_*"] = passes or None
        elif k in ("test_correct", "test_loss_per_example"):
            out[k] = v.tobytes()
        elif k != "wall_time":
            out[k] = v
    return out


def compare(new: list[dict[str, Any]], previous: list[dict[str, Any]]) -> None:
    """Print which stored fields differ between the paths, in how many cells, and why."""
    key = {r["key"]: _fields(r) for r in previous}
    differ: dict[str, int] = {}
    for r in new:
        a, b = _fields(r), key[r["key"]]
        for name in sorted(set(a) | set(b)):
            if a.get(name) != b.get(name):
                differ[name] = differ.get(name, 0) + 1
    ends = [f for f in ("train_accuracy", "test_accuracy", "train_loss", "test_loss",
                        "gap_accuracy", "gap_loss", "best_epoch", "epochs_run")
            if f not in differ]
    worst = max(abs(r["test_accuracy"] - key[r["key"]]["test_accuracy"]) for r in new)
    print(f"stored results, {len(new)} cells compared field by field (wall time aside):")
    print(f"  equal in every cell: {len(ends)} of 8 endpoint fields ({', '.join(ends)}); "
          f"largest test-accuracy difference {worst:.4f}")
    if not differ:
        print("  every stored field equal in every cell")
    for name, n in sorted(differ.items()):
        why = REASONS.get(name, "flushing (the numerics version) or a change of results")
        print(f"  differs in {n} of {len(new)} cells: {name} ({why})")


def _evaluations(row: dict[str, Any], every: int | None, steps: int | None) -> tuple[int, int]:
    """(evaluations of val + clean train a cell's run made, of which at pass ends)."""
    h = row["history"]
    passes = [int(s) for s in h.get("pass_step", [])]
    if every is None or steps is None:
        return len(h["val_loss"]), len(passes)
    periods = {min((i + 1) * every, steps) for i in range(len(h["val_loss"]))}
    return len(periods | set(passes)), len(passes)


def evaluations(rows: dict[str, list[dict[str, Any]]], every: int | None,
                steps: int | None) -> None:
    """Print the evaluations per cell of each path (and the pass ends among them)."""
    for p, rs in rows.items():
        counts = [_evaluations(r, every, steps) for r in rs]
        total, at_passes = sum(c for c, _ in counts), sum(c for _, c in counts)
        extra = f" ({at_passes / len(rs):.0f} at pass ends, as the previous release; " \
                f"{(total - at_passes) / len(rs):.0f} at period ends between them, for early " \
                f"stopping)" if at_passes else ""
        print(f"  {p:<8} {total / len(rs):.0f} evaluation points (val + clean train) per "
              f"cell{extra}")


if __name__ == "__main__":
    main()
