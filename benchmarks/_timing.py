"""The timing rule every benchmark uses: medians of interleaved rounds, wall and CPU time.

On a shared machine a short call often runs uninterrupted while a long one never does, so the best
of repeated runs flatters whichever side is shorter (it once inflated a 16.7x ratio to 118x). Here:

- every contender runs once per round, rounds interleaved (the order reverses every other round),
  so load from other processes hits every side alike;
- a short call is repeated inside its measurement until the measurement lasts about ``target``
  seconds (the count is fixed after the warm-up, the same in every round);
- each side reports the median of its rounds, in wall time and in this process's CPU time (all its
  threads: ``time.process_time``); ratios are shown in both, wall first, best-of second;
- the load average is printed at the start and the end.

A goal is judged on the median wall ratio; the CPU ratio beside it says how much of a gap is other
processes (at 1 thread, wall > CPU means the process waited for a core).
"""
from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Timing:
    """Seconds per call of one contender, one entry per round."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    @property
    def median_wall(self) -> float:
        return statistics.median(self.wall)

    @property
    def median_cpu(self) -> float:
        return statistics.median(self.cpu)

    @property
    def best_wall(self) -> float:
        return min(self.wall)


def _once(fn: Callable[[], object], reps: int) -> tuple[float, float]:
    c, t = time.process_time(), time.perf_counter()
    for _ in range(reps):
        fn()
    return (time.perf_counter() - t) / reps, (time.process_time() - c) / reps


def interleaved(contenders: dict[str, Callable[[], object]], rounds: int = 7,
                target: float = 0.2) -> dict[str, Timing]:
    """Time each contender in ``rounds`` interleaved rounds; returns seconds per call.

    A warm-up call (thread pools, caches) fixes how many calls make one measurement of about
    ``target`` seconds; ``target=0`` times single calls (long ones, such as training epochs).
    """
    reps: dict[str, int] = {}
    for name, fn in contenders.items():
        fn()
        one = _once(fn, 1)[0] if target > 0 else target
        reps[name] = max(1, int(target / max(one, 1e-7)))
    out = {name: Timing() for name in contenders}
    names = list(contenders)
    for r in range(rounds):
        for name in (names if r % 2 == 0 else names[::-1]):
            wall, cpu = _once(contenders[name], reps[name])
            out[name].wall.append(wall)
            out[name].cpu.append(cpu)
    return out


def load() -> str:
    """The 1-minute load average and the core count, for the report."""
    return f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores"


def method(rounds: int) -> str:
    return (f"medians of {rounds} interleaved rounds (wall; CPU time of this process beside it); "
            f"{load()}")


@dataclass
class Ratio:
    """How many times faster ``ours`` is than ``peer`` (> 1: ours is faster)."""

    wall: float
    cpu: float
    best: float

    @staticmethod
    def of(ours: Timing, peer: Timing) -> Ratio:
        return Ratio(peer.median_wall / ours.median_wall, peer.median_cpu / ours.median_cpu,
                     peer.best_wall / ours.best_wall)

    def text(self) -> str:
        return f"{self.wall:6.2f}x (CPU {self.cpu:5.2f}x; best-of {self.best:5.2f}x)"


def verdict(value: float, goal: float, at_most: bool = False) -> str:
    """``goal >= 1.50x ok`` / ``MISS`` (or ``<=`` with ``at_most``)."""
    ok = value <= goal if at_most else value >= goal
    return f"goal {'<=' if at_most else '>='} {goal:g}x {'ok' if ok else 'MISS'}"


def rate_line(label: str, t: Timing, items: int, unit: str = "img/s") -> str:
    """``label  12,345 img/s (CPU 12,000)`` from the medians."""
    return (f"  {label:<34} {items / t.median_wall:>12,.0f} {unit} "
            f"(CPU {items / t.median_cpu:>12,.0f})")


def compare_line(label: str, ours: Timing, peer: Timing, goal: float | None = None) -> str:
    """``label  ratio wall (CPU; best-of)  goal`` for ours against a peer."""
    r = Ratio.of(ours, peer)
    tail = f"  {verdict(r.wall, goal)}" if goal is not None else ""
    return f"  {label:<34} {r.text()}{tail}"


__all__ = ["Ratio", "Timing", "compare_line", "interleaved", "load", "method", "rate_line",
           "verdict"]
