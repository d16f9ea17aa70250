"""Does augmentation slow training down? One Fashion-MNIST epoch, each batch consumed by a real
training step of a 784-256-10 MLP (augfit.nn + Trainer), with:

- plain      : no augmentation (the reference epoch)
- aug w=0    : the standard image pipeline (Rotate(15) -> RandomResizedCrop -> HorizontalFlip ->
               BrightnessContrast), made in the training thread (no prefetch)
- aug w=k    : the same pipeline made by k background threads, prefetch=2 batches per thread

Goal: the augmented epoch with one prefetch thread (aug w=1) <= 1.3x the plain epoch. Every
configuration runs in the same process, in interleaved rounds (``_timing.py``); the medians are
reported in wall time (what a user waits) with the CPU-time ratio beside it (the prefetch thread's
work shows there, not in the wall time, when a core is free) and the best-of second.

BLAS threads: by default the run limits OpenBLAS to 1 thread (threadpoolctl) for every
configuration, plain included. On a small machine OpenBLAS's spinning threads and the augmentation
threads fight for the same cores (``--blas-threads 0`` keeps the library default to see it).

    .venv/bin/python benchmarks/loader.py                # full 60,000-image epoch
    .venv/bin/python benchmarks/loader.py --n 20000 --rounds 3 --blas-threads 0
"""
from __future__ import annotations

import argparse
import time

from _timing import Timing, interleaved, load, method, verdict  # benchmarks run as scripts

import augfit as af
from augfit.data.loader import DataLoader
from augfit.transforms.image import BrightnessContrast, HorizontalFlip, RandomResizedCrop, Rotate


def pipeline() -> af.Compose:
    return af.Compose([Rotate(limit=15), RandomResizedCrop(scale=(0.8, 1.0)), HorizontalFlip(p=0.5),
                       BrightnessContrast(brightness=0.2, contrast=0.2)], seed=0)


def train_epoch(loader: DataLoader) -> float:
    """Seconds for one epoch of loader batches each followed by a forward/backward/Adam step."""
    model = af.nn.MLP(784, [256], 10, activation="relu", seed=0)
    trainer = af.Trainer(model, loss="cross_entropy", optimizer=af.optim.Adam(lr=1e-3))
    t0 = time.perf_counter()
    trainer.fit(loader, epochs=1)
    return time.perf_counter() - t0


def loader_only(loader: DataLoader) -> float:
    t0 = time.perf_counter()
    for _ in loader:
        pass
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=60000, help="training images (default: all 60,000)")
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--blas-threads", type=int, default=1, help="0: the BLAS library's default")
    args = ap.parse_args()
    if args.blas_threads > 0:
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=args.blas_threads, user_api="blas"):
            run(args)
    else:
        run(args)


def run(args: argparse.Namespace) -> None:
    ds = af.datasets.load("fashion_mnist")
    if args.n < len(ds):
        ds = ds.subsample(n=args.n, seed=0)
    configs = {"plain": dict(augment=None, workers=0),
               "aug w=0": dict(augment=pipeline(), workers=0)}
    for w in args.workers:
        configs[f"aug w={w}"] = dict(augment=pipeline(), workers=w, prefetch=2)
    loaders = {k: DataLoader(ds, batch_size=args.batch_size, seed=0, **kw)
               for k, kw in configs.items()}
    blas = args.blas_threads or "default"
    print(f"Fashion-MNIST epoch: {len(ds)} images, batch {args.batch_size}, MLP 784-256-10 + Adam, "
          f"BLAS threads {blas}; {method(args.rounds)}")
    epochs = interleaved({k: lambda ld=ld: train_epoch(ld) for k, ld in loaders.items()},
                         args.rounds, target=0.0)
    only = interleaved({k: lambda ld=ld: loader_only(ld) for k, ld in loaders.items()},
                       args.rounds, target=0.0)
    plain = epochs["plain"]
    print(f"{'config':<10} {'median s':>9} {'x plain':>8} {'CPU s':>7} {'x plain':>8} "
          f"{'best-of x':>10} {'loader-only s':>14}")
    for k, t in epochs.items():
        print(f"{k:<10} {t.median_wall:9.2f} {t.median_wall / plain.median_wall:8.2f} "
              f"{t.median_cpu:7.2f} {t.median_cpu / plain.median_cpu:8.2f} "
              f"{t.best_wall / plain.best_wall:10.2f} {only[k].median_wall:14.2f}")
    goal_config = "aug w=1" if "aug w=1" in epochs else f"aug w={args.workers[0]}"
    ratio = epochs[goal_config].median_wall / plain.median_wall
    print(f"augmented epoch ({goal_config}, one prefetch thread) vs plain: {ratio:.2f}x wall, "
          f"{_cpu_ratio(epochs[goal_config], plain):.2f}x CPU  {verdict(ratio, 1.3, at_most=True)}")
    print(f"at the end: {load()}")


def _cpu_ratio(a: Timing, b: Timing) -> float:
    return a.median_cpu / b.median_cpu


if __name__ == "__main__":
    main()
