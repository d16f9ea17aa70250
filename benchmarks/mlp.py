"""Speed of one training epoch: augfit's NumPy MLP against scikit-learn, PyTorch and plain GEMM.

784-256-10 ReLU MLP, Adam, batch 128, float32, 60,000 samples (Fashion-MNIST from
/usr/share/datasets/fashion-mnist when present, else synthetic data of the same shape).
Prints seconds per epoch (the contenders run interleaved, round by round, after a warm-up
epoch each; the fastest round counts), the ratios, the share of the measured float32 GEMM rate
that augfit reaches, and what dropout adds. BLAS threading is left at its defaults.

FLOPs counted: 2*M*K*N for each matrix product augfit performs per batch: the forward product
of both layers, the weight gradients of both, and the input gradient of the second layer only
(the first layer needs none).

Run:  .venv/bin/python benchmarks/mlp.py [--repeats 5] [--threads 1 --cpu] [--samples 60000]
"""
from __future__ import annotations

import argparse
import gzip
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

import augfit as af
from augfit.nn import MLP, Adam

FASHION = Path("/usr/share/datasets/fashion-mnist")
IN, HIDDEN, OUT, BATCH, N = 784, 256, 10, 128, 60_000


def load_data() -> tuple[np.ndarray, np.ndarray, str]:
    images, labels = FASHION / "train-images-idx3-ubyte.gz", FASHION / "train-labels-idx1-ubyte.gz"
    if images.exists() and labels.exists():
        with gzip.open(images) as f:
            x = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, IN)
        with gzip.open(labels) as f:
            y = np.frombuffer(f.read(), np.uint8, offset=8).astype(np.int64)
        return (x[:N] / np.float32(255)).astype(np.float32), y[:N], "Fashion-MNIST"
    rng = np.random.default_rng(0)
    return rng.random((N, IN), dtype=np.float32), rng.integers(0, OUT, N), "synthetic"


def augfit_epoch(x: np.ndarray, y: np.ndarray, dropout: float) -> Callable[[], object]:
    model = MLP(IN, [HIDDEN], OUT, activation="relu", dropout=dropout, seed=0)
    trainer = af.Trainer(model, loss="cross_entropy", optimizer=Adam(lr=1e-3))
    seed = iter(range(10**6))
    return lambda: trainer.fit(x, y, epochs=1, batch_size=BATCH, seed=next(seed))


def sklearn_epoch(x: np.ndarray, y: np.ndarray) -> Callable[[], object]:
    from sklearn.neural_network import MLPClassifier

    clf = MLPClassifier(hidden_layer_sizes=(HIDDEN,), activation="relu", solver="adam",
                        alpha=0.0, batch_size=BATCH, learning_rate_init=1e-3, shuffle=True,
                        random_state=0)
    classes = np.arange(OUT)

    def run() -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            clf.partial_fit(x, y, classes=classes)  # one epoch over all samples

    return run


def torch_epoch(x: np.ndarray, y: np.ndarray) -> Callable[[], object] | None:
    try:
        import torch
    except ImportError:
        return None
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(IN, HIDDEN), torch.nn.ReLU(),
                              torch.nn.Linear(HIDDEN, OUT))
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    loss_fn = torch.nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(0)

    def run() -> None:
        order = torch.randperm(len(xt), generator=gen)
        for s in range(0, len(xt), BATCH):
            idx = order[s:s + BATCH]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(net(xt[idx]), yt[idx])
            loss.backward()
            opt.step()

    return run


def batch_sizes() -> list[int]:
    return [min(BATCH, N - s) for s in range(0, N, BATCH)]


def flops_per_epoch() -> int:
    total = 0
    for m in batch_sizes():
        total += 2 * m * IN * HIDDEN + 2 * m * HIDDEN * OUT  # forward
        total += 2 * HIDDEN * m * OUT + 2 * m * OUT * HIDDEN  # layer 2: dW, input gradient
        total += 2 * IN * m * HIDDEN  # layer 1: dW only
    return total


def gemm_epoch() -> Callable[[], object]:
    """The same matrix products as one augfit epoch, alone, into preallocated outputs."""
    rng = np.random.default_rng(0)
    f32 = np.float32
    W1, W2 = rng.random((IN, HIDDEN), f32), rng.random((HIDDEN, OUT), f32)
    xs = {m: rng.random((m, IN), f32) for m in set(batch_sizes())}
    bufs = {m: (np.empty((m, HIDDEN), f32), np.empty((m, OUT), f32), np.empty((m, HIDDEN), f32))
            for m in xs}
    dW1, dW2 = np.empty_like(W1), np.empty_like(W2)

    def run() -> None:
        for m in batch_sizes():
            x = xs[m]
            h, o, dh = bufs[m]
            np.matmul(x, W1, out=h)
            np.matmul(h, W2, out=o)
            np.matmul(h.T, o, out=dW2)
            np.matmul(o, W2.T, out=dh)
            np.matmul(x.T, dh, out=dW1)

    return run


def measure(contenders: dict[str, Callable[[], object]],
            repeats: int) -> dict[str, tuple[list[float], list[float]]]:
    """(wall, CPU) seconds of ``repeats`` epochs each, interleaved round by round (after one
    warm-up epoch each) so that load from other processes hits every contender alike."""
    for run in contenders.values():
        run()
    times: dict[str, tuple[list[float], list[float]]] = {n: ([], []) for n in contenders}
    for _ in range(repeats):
        for name, run in contenders.items():
            c, t = time.process_time(), time.perf_counter()
            run()
            times[name][0].append(time.perf_counter() - t)
            times[name][1].append(time.process_time() - c)
    return times


def main(argv: list[str] | None = None) -> int:
    global N
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5, help="timed epochs per contender")
    ap.add_argument("--samples", type=int, default=60_000, help="samples per epoch (default 60000)")
    ap.add_argument("--threads", type=int, default=0,
                    help="limit BLAS threads (threadpoolctl); 0 leaves the defaults")
    ap.add_argument("--cpu", action="store_true",
                    help="rank by process CPU time instead of wall time (steadier under load, "
                         "meaningful with --threads 1)")
    args = ap.parse_args(argv)
    N = args.samples
    x, y, source = load_data()
    print(f"data: {source}, {x.shape[0]} x {x.shape[1]} float32; MLP {IN}-{HIDDEN}-{OUT} ReLU, "
          f"Adam, batch {BATCH}; {args.repeats} interleaved rounds after one warm-up epoch")
    print("note: the machine is shared (2 cores, other jobs running): figures are noisy; "
          "ratios use the fastest round of each contender"
          + (f"; BLAS threads: {args.threads}" if args.threads else "; BLAS threads: default"))
    contenders: dict[str, Callable[[], object]] = {
        "augfit float32": augfit_epoch(x, y, 0.0),
        "augfit float32 + dropout 0.2": augfit_epoch(x, y, 0.2),
        "scikit-learn float32": sklearn_epoch(x, y),
        "scikit-learn float64": sklearn_epoch(x.astype(np.float64), y),
    }
    torch_run = torch_epoch(x, y)
    if torch_run is not None:
        contenders["PyTorch CPU"] = torch_run
    contenders["GEMM only (same products)"] = gemm_epoch()
    if args.threads:
        from threadpoolctl import threadpool_limits

        with threadpool_limits(args.threads):
            times = measure(contenders, args.repeats)
    else:
        times = measure(contenders, args.repeats)
    # Fastest round; with --threads 1 the CPU time is the steadier figure on a loaded machine.
    col = 1 if args.cpu else 0
    best = {name: min(ts[col]) for name, ts in times.items()}
    gflop = flops_per_epoch() / 1e9
    t_af = best["augfit float32"]

    basis = "CPU" if args.cpu else "wall"
    print(f"\n{'contender':30s} {'best ' + basis + ' s':>11s} {'median':>7s} {'wall':>7s} "
          f"{'GFLOP/s':>8s} {'vs augfit':>10s}")
    for name, ts in times.items():
        print(f"{name:30s} {best[name]:11.3f} {statistics.median(ts[col]):7.3f} "
              f"{min(ts[0]):7.3f} {gflop / best[name]:8.1f} {best[name] / t_af:9.2f}x")
    if torch_run is None:
        print("PyTorch: not installed, skipped")
    print(f"\nFLOPs per epoch: {gflop:.2f} GFLOP")
    print(f"augfit speed-up over scikit-learn float32: "
          f"{best['scikit-learn float32'] / t_af:.2f}x (target >= 1.4)")
    print(f"augfit speed-up over scikit-learn float64: "
          f"{best['scikit-learn float64'] / t_af:.2f}x (target >= 2)")
    if torch_run is not None:
        print(f"augfit vs PyTorch CPU: {best['PyTorch CPU'] / t_af:.2f}x (target >= 1)")
    print(f"share of the GEMM rate reached by augfit: "
          f"{best['GEMM only (same products)'] / t_af:.0%} (target >= 55%)")
    print(f"dropout 0.2 extra cost: {best['augfit float32 + dropout 0.2'] / t_af - 1:+.1%} "
          f"(target <= 10%)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
