"""Stacked training (augfit.train.stacked): is one stack of G models faster than G models alone?

First the premise, checked rather than timed: NumPy's matmul on float32 (G, B, D) @ (G, D, H)
stacks gives, slice by slice, the same bits as the 2-D products the MLP makes alone (forward,
weight gradient with a transposed operand, input gradient), at 1 and 2 BLAS threads. Then, at one
BLAS thread (the runner's setting), for G 784-256-10 ReLU MLPs at batch 64 (the Fashion-MNIST
spec's model), medians of interleaved rounds (``_timing.py``):

- forward + backward of one step: G models one by one against one stack;
- Adam's update: G models one by one, one pass over the whole (G, n_params) stack, and the stack
  row by row (what ``StackedStep`` does);
- whole fits of ``--steps`` steps on synthetic 28x28 images: G ``Trainer.fit`` against one
  ``fit_stacked``.

Run:  python benchmarks/stacked.py [--models 6] [--rounds 5] [--steps 300]
"""
from __future__ import annotations

import argparse
import warnings

import numpy as np
from _timing import compare_line, interleaved, load, method
from threadpoolctl import threadpool_limits

from augfit.data.loader import DataLoader
from augfit.datasets import from_arrays
from augfit.errors import AugfitWarning
from augfit.nn import MLP
from augfit.nn.optim import Adam
from augfit.numerics import flush_subnormals
from augfit.train.stacked import StackedMLP, fit_stacked
from augfit.train.trainer import Trainer


def premise(g: int) -> str:
    """'bit-identical' or the first product that differs, at 1 and 2 BLAS threads."""
    rng = np.random.default_rng(0)
    for threads in (1, 2):
        with threadpool_limits(threads):
            for b in (64, 40, 1):
                for d, h in ((784, 256), (256, 10)):
                    x = rng.standard_normal((g, b, d), dtype=np.float32)
                    w = rng.standard_normal((g, d, h), dtype=np.float32)
                    e = rng.standard_normal((g, b, h), dtype=np.float32)
                    for name, a, c in (("x @ W", x, w), ("x.T @ grad", x.transpose(0, 2, 1), e),
                                       ("grad @ W.T", e, w.transpose(0, 2, 1))):
                        stack = np.matmul(a, c)
                        for i in range(g):
                            if not np.array_equal(stack[i], np.matmul(a[i], c[i])):
                                return f"DIFFERS: {name} at B={b}, {d}x{h}, {threads} threads"
    return "bit-identical (B = 64, 40, 1; 784x256 and 256x10; 1 and 2 threads)"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", type=int, default=6)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--steps", type=int, default=300)
    args = ap.parse_args()
    g = args.models
    print(f"stacked training: {g} MLPs 784-256-10, batch 64, 1 BLAS thread; start: {load()}")
    print(f"  premise, np.matmul on a stack vs the 2-D products: {premise(g)}")
    rng = np.random.default_rng(0)
    with threadpool_limits(1), flush_subnormals(True), warnings.catch_warnings():
        warnings.simplefilter("ignore", AugfitWarning)
        solo = [MLP(784, [256], 10, seed=s) for s in range(g)]
        stack = StackedMLP([MLP(784, [256], 10, seed=s) for s in range(g)])
        x = rng.random((g, 64, 784), dtype=np.float32)
        grad = rng.standard_normal((g, 64, 10), dtype=np.float32) * np.float32(0.01)

        def one_by_one() -> None:
            for i, m in enumerate(solo):
                m.forward(x[i], training=True)
                m.backward(grad[i])

        def stacked() -> None:
            stack.forward(x)
            stack.backward(grad)

        step = interleaved({"alone": one_by_one, "stack": stacked}, args.rounds)
        print(f"forward + backward of one step, {method(args.rounds)}:")
        print(compare_line(f"one stack vs {g} models alone", step["stack"], step["alone"]))
        adam(g, stack, args.rounds)
        fits(g, args.steps, max(3, args.rounds // 2))
    print(f"end: {load()}")


def adam(g: int, stack: StackedMLP, rounds: int) -> None:
    n = stack.params.shape[1]
    rng = np.random.default_rng(1)
    grads = rng.standard_normal((g, n), dtype=np.float32) * np.float32(1e-3)
    p_alone, p_pass, p_rows = (np.zeros((g, n), np.float32) for _ in range(3))
    alone, whole, rows = [Adam() for _ in range(g)], Adam(), [Adam() for _ in range(g)]

    def one_by_one() -> None:
        for i in range(g):
            alone[i].step([p_alone[i]], [grads[i].copy()])

    def one_pass() -> None:
        whole.step([p_pass], [grads.copy()])

    def row_by_row() -> None:
        scratch = grads.copy()
        for i in range(g):
            rows[i].step([p_rows[i]], [scratch[i]])

    t = interleaved({"alone": one_by_one, "pass": one_pass, "rows": row_by_row}, rounds)
    print(f"Adam's update of {g} x {n:,} parameters (gradient copy included in each):")
    print(compare_line("one pass over the stack", t["pass"], t["alone"]))
    print(compare_line("the stack row by row", t["rows"], t["alone"]))


def fits(g: int, steps: int, rounds: int) -> None:
    rng = np.random.default_rng(2)
    data = [from_arrays(rng.integers(0, 256, (1000, 28, 28)).astype(np.uint8),
                        rng.integers(0, 10, 1000), modality="image") for _ in range(g)]

    def units() -> tuple[list[Trainer], list[DataLoader]]:
        return ([Trainer(MLP(784, [256], 10, seed=s), optimizer=Adam()) for s in range(g)],
                [DataLoader(d, batch_size=64, seed=s) for s, d in enumerate(data)])

    def one_by_one() -> None:
        for tr, ld in zip(*units(), strict=True):
            tr.fit(ld, steps=steps, eval_every=steps)

    def stacked() -> None:
        trainers, loaders = units()
        fit_stacked(trainers, loaders, steps=steps, eval_every=steps)

    t = interleaved({"alone": one_by_one, "stack": stacked}, rounds, target=0)
    print(f"whole fits, {steps} steps on 1,000 images each ({rounds} rounds):")
    print(compare_line(f"fit_stacked vs {g} Trainer.fit", t["stack"], t["alone"]))


if __name__ == "__main__":
    main()
