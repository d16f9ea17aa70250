"""Speed of one training epoch: augfit's NumPy MLP against scikit-learn, PyTorch and plain GEMM.

784-256-10 ReLU MLP, Adam, batch 128, float32, 60,000 samples (Fashion-MNIST from
/usr/share/datasets/fashion-mnist when present, else synthetic data of the same shape).
Prints seconds per epoch as medians of interleaved rounds after a warm-up epoch each (wall time,
and this process's CPU time beside it; ``_timing.py``), the ratios, the share of the measured
float32 GEMM rate that augfit reaches, and what dropout adds, at 2 BLAS threads and at 1 (the
experiment runner's setting); torch gets the same number of intra-op threads. augfit runs twice:
as a Trainer user runs it (subnormals flushed to zero while it trains, FTZ/DAZ, the default of
``Trainer.fit`` and of ``augfit run``), and with ``fit(flush_subnormals=False)`` (IEEE
subnormals, as augfit computed before flushing existed).

Goals (at 2 threads on an idle machine): >= 2x scikit-learn float32, >= 1.5x PyTorch, >= 65% of
the GEMM rate; the same three are reported at 1 thread.

FLOPs counted: 2*M*K*N for each matrix product augfit performs per batch: the forward product
of both layers, the weight gradients of both, and the input gradient of the second layer only
(the first layer needs none).

Run:  .venv/bin/python benchmarks/mlp.py [--rounds 5] [--threads 2 1] [--samples 60000]
"""
from __future__ import annotations

import argparse
import gzip
import sys
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
from _timing import Timing, interleaved, load, method, verdict  # benchmarks run as scripts

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


def augfit_epoch(x: np.ndarray, y: np.ndarray, dropout: float,
                 flush: bool = True) -> Callable[[], object]:
    """An epoch of augfit's Trainer; ``flush``: with subnormals flushed (FTZ/DAZ), fit's
    default."""
    model = MLP(IN, [HIDDEN], OUT, activation="relu", dropout=dropout, seed=0)
    trainer = af.Trainer(model, loss="cross_entropy", optimizer=Adam(lr=1e-3))
    seed = iter(range(10**6))

    def run() -> None:
        trainer.fit(x, y, epochs=1, batch_size=BATCH, seed=next(seed), flush_subnormals=flush)

    return run


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


def torch_epoch(x: np.ndarray, y: np.ndarray, threads: int) -> Callable[[], object] | None:
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(threads)
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


def goals(label: str, ours: Timing, times: dict[str, Timing], torch_ran: bool) -> None:
    """The three goals (and scikit-learn float64) for one augfit contender."""
    print(f"  {label}:")

    def line(peer_name: str, goal: float) -> None:
        peer = times[peer_name]
        wall, cpu = peer.median_wall / ours.median_wall, peer.median_cpu / ours.median_cpu
        best = peer.best_wall / ours.best_wall
        print(f"    {'vs ' + peer_name:<34} {wall:5.2f}x (CPU {cpu:5.2f}x; best-of {best:5.2f}x)  "
              f"{verdict(wall, goal)}")

    line("scikit-learn float32", 2.0)
    line("scikit-learn float64", 2.0)
    if torch_ran:
        line("PyTorch CPU", 1.5)
    gemm = times["GEMM only (same products)"]
    share, share_cpu = gemm.median_wall / ours.median_wall, gemm.median_cpu / ours.median_cpu
    print(f"    {'share of the GEMM rate':<34} {share:5.0%} (CPU {share_cpu:5.0%})        "
          f"goal >= 65% {'ok' if share >= 0.65 else 'MISS'}")


def report(times: dict[str, Timing], threads: int, torch_ran: bool) -> None:
    gflop = flops_per_epoch() / 1e9
    ours = times["augfit float32"]
    print(f"\n{threads} BLAS thread(s)")
    print(f"{'contender':30s} {'median s':>9s} {'CPU s':>7s} {'best s':>7s} {'GFLOP/s':>8s} "
          f"{'x augfit':>9s}")
    for name, t in times.items():
        print(f"{name:30s} {t.median_wall:9.3f} {t.median_cpu:7.3f} {t.best_wall:7.3f} "
              f"{gflop / t.median_wall:8.1f} {t.median_wall / ours.median_wall:8.2f}x")

    for label in ("augfit float32", "augfit float32, IEEE subnormals"):
        goals(label, times[label], times, torch_ran)
    extra = times["augfit float32 + dropout 0.2"].median_wall / ours.median_wall - 1
    print(f"  {'dropout 0.2 extra cost':<36} {extra:+5.1%}              goal <= 10% "
          f"{'ok' if extra <= 0.10 else 'MISS'}")


def main(argv: list[str] | None = None) -> int:
    global N
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5, help="interleaved timed epochs per contender")
    ap.add_argument("--samples", type=int, default=60_000, help="samples per epoch (default 60000)")
    ap.add_argument("--threads", type=int, nargs="+", default=[2, 1],
                    help="BLAS (and torch) thread counts to measure, in order")
    args = ap.parse_args(argv)
    N = args.samples
    x, y, source = load_data()
    print(f"data: {source}, {x.shape[0]} x {x.shape[1]} float32; MLP {IN}-{HIDDEN}-{OUT} ReLU, "
          f"Adam, batch {BATCH}; {method(args.rounds)}")
    print(f"FLOPs per epoch: {flops_per_epoch() / 1e9:.2f} GFLOP; ratios: how many times augfit's "
          f"speed the peer's is")
    from threadpoolctl import threadpool_limits

    for threads in args.threads:
        contenders: dict[str, Callable[[], object]] = {
            "augfit float32": augfit_epoch(x, y, 0.0),
            "augfit float32, IEEE subnormals": augfit_epoch(x, y, 0.0, flush=False),
            "augfit float32 + dropout 0.2": augfit_epoch(x, y, 0.2),
            "scikit-learn float32": sklearn_epoch(x, y),
            "scikit-learn float64": sklearn_epoch(x.astype(np.float64), y),
        }
        torch_run = torch_epoch(x, y, threads)
        if torch_run is not None:
            contenders["PyTorch CPU"] = torch_run
        contenders["GEMM only (same products)"] = gemm_epoch()
        with threadpool_limits(threads, user_api="blas"):
            times = interleaved(contenders, args.rounds, target=0.0)
        report(times, threads, torch_run is not None)
    if torch_run is None:
        print("PyTorch: not installed, skipped")
    print(f"at the end: {load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
