"""How honest is the progress ETA? Replay a finished run's cells on simulated workers.

The per-cell wall times stored in a results folder are replayed on ``--workers`` workers (each
cell to the first free worker, as the process executor does; derived early-stopping cells ride on
their sibling at no cost). At every completion the ETA is compared with the time actually left:

* the runner's path: the cost model's order (largest first, one small probe per method) and its
  ETA (:class:`augfit.experiments.run.cost.CostClock`, recalibrated on each finished cell);
* the previous path: the grid's order and an ETA from the count of cells.

Usage::

    python benchmarks/eta.py runs/digits --workers 2

prints, for each path, the makespan and the ETA's error between 10% and 90% of the run's time
(median and largest absolute error, and the share of completions within 25%).
"""
from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from augfit.experiments.run.cost import CostClock, cost_model, run_order
from augfit.experiments.run.store import load_results


def replay(spec: Any, wall: dict[str, float], new: bool, workers: int
           ) -> tuple[float, list[tuple[float, float, float]]]:
    """``(makespan, [(time, eta, time left)])`` of one path (module docstring)."""
    model = cost_model(spec)
    cells = [c for c in spec.cells() if c.key in wall]
    todo = run_order(model, cells, workers) if new else cells
    clock = CostClock(model, todo)
    free_at = np.zeros(workers)
    events = []
    for c in todo:
        i = int(np.argmin(free_at))
        free_at[i] += 0.0 if c.method in model.free else wall[c.key]
        events.append((float(free_at[i]), c))
    events.sort(key=lambda e: e[0])
    end = events[-1][0]
    out = []
    for k, (t, c) in enumerate(events):
        clock.finished(c, wall[c.key])
        eta = clock.eta(t) if new else t / (k + 1) * (len(events) - k - 1)
        if eta is not None:
            out.append((t, eta, end - t))
    return end, out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("results", help="a results folder (augfit run --out)")
    p.add_argument("--workers", type=int, default=2)
    args = p.parse_args()
    spec, rows = load_results(args.results)
    wall = {r["key"]: float(r["wall_time"]) for r in rows}
    for new, name in ((True, "cost model, largest first"), (False, "previous: grid order, count")):
        end, points = replay(spec, wall, new, args.workers)
        err = np.array([(eta - left) / left for t, eta, left in points
                        if 0.1 * end <= t <= 0.9 * end and left > 0])
        print(f"{name}: makespan {end:.1f} s on {args.workers} workers; ETA error from 10% to "
              f"90% of the time: median {100 * np.median(np.abs(err)):.0f}%, largest "
              f"{100 * np.abs(err).max():.0f}%, within 25% at "
              f"{100 * np.mean(np.abs(err) <= 0.25):.0f}% of the completions")


if __name__ == "__main__":
    main()
