"""The data multiplier's isotonic fits against scikit-learn's (a benchmark, not a test).

1. One baseline curve (a report's point estimate, K sizes): scikit-learn's ``isotonic_regression``,
   which augfit calls (``verdicts.data_multiplier``), against the pool-adjacent-violators loop
   augfit had before.
2. B bootstrap resamples of the curve at once (``pooled.isotonic_rows``, the multiplier's
   interval): augfit's vectorized min-max formula against a loop over scikit-learn, one call a
   row. The largest difference between the two fits is printed; it must be within 1e-12.

Run: ``.venv/bin/python benchmarks/isotonic.py [--rows 2000] [--sizes 5] [--rounds 5]``
"""
from __future__ import annotations

import argparse

import numpy as np
from _timing import compare_line, interleaved, method  # (script folder)
from sklearn.isotonic import isotonic_regression

from augfit.experiments.stats.pooled import isotonic_rows


def pool_adjacent_violators(y: np.ndarray) -> np.ndarray:
    """The loop augfit used before scikit-learn (equal weights)."""
    blocks: list[list[float]] = []             # [mean, weight]
    for v in map(float, y):
        blocks.append([v, 1.0])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            (m2, w2), (m1, w1) = blocks.pop(), blocks.pop()
            blocks.append([(m1 * w1 + m2 * w2) / (w1 + w2), w1 + w2])
    return np.concatenate([np.full(int(w), m) for m, w in blocks])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=2000)
    ap.add_argument("--sizes", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    y = np.random.default_rng(4).normal(size=(args.rows, args.sizes)).cumsum(axis=1) * 0.3
    looped = np.stack([isotonic_regression(row) for row in y])
    print(f"{args.rows} rows of {args.sizes} sizes; {method(args.rounds)}")
    print(f"  largest difference, vectorized vs scikit-learn: "
          f"{np.abs(isotonic_rows(y) - looped).max():.1e}")
    old = max(float(np.abs(pool_adjacent_violators(r) - s).max())
              for r, s in zip(y, looped, strict=True))
    print(f"  largest difference, old loop vs scikit-learn:   {old:.1e}")
    one = interleaved({"scikit-learn": lambda: isotonic_regression(y[0]),
                       "old loop": lambda: pool_adjacent_violators(y[0])}, rounds=args.rounds)
    for name, t in one.items():
        print(f"  one curve, {name:<28} {t.median_wall * 1e6:10.1f} us (CPU "
              f"{t.median_cpu * 1e6:.1f} us)")
    rows = interleaved({"vectorized": lambda: isotonic_rows(y),
                        "scikit-learn loop": lambda: [isotonic_regression(r) for r in y]},
                       rounds=args.rounds)
    for name, t in rows.items():
        print(f"  {args.rows} rows, {name:<27} {t.median_wall * 1e3:10.1f} ms (CPU "
              f"{t.median_cpu * 1e3:.1f} ms)")
    print(compare_line("vectorized against the loop", rows["vectorized"],
                       rows["scikit-learn loop"]))


if __name__ == "__main__":
    main()
