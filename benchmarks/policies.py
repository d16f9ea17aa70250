"""augfit's per-sample RandAugment, TrivialAugmentWide, MixUp and CutMix vs torchvision v2, same
run.

On 28x28 grey uint8 (Fashion-MNIST from /usr/share/datasets/fashion-mnist, else random), batch
512, with the timing rule of ``_timing.py`` (medians of interleaved rounds, wall and CPU time):

- TrivialAugmentWide and RandAugment(2, 9) against two torchvision peers:
  * **per image**: torchvision v2 called once per (1, 28, 28) uint8 tensor, so every image gets
    its own operation and magnitude, as augfit's do;
  * **batched**: torchvision v2 called once on the (512, 1, 28, 28) batch tensor. torchvision then
    draws ONE operation and magnitude for the whole batch and applies it to every image: cheaper,
    but every image of a batch moves the same way (weaker augmentation per batch; what some
    users run). augfit always draws per image and groups the batch by operation.
  Goals: >= 5x the per-image peer; the batched peer is reported, not a goal.
- MixUp and CutMix against torchvision v2 (one λ for the whole batch, partner = the next sample;
  MixUp on float32 because torchvision's MixUp refuses uint8). augfit draws one λ, a partner and
  (CutMix) a box per sample and mixes the one-hot labels too. Goals: CutMix >= 1x torchvision;
  MixUp >= 1M img/s.

Both sides run in this process with ``--threads`` threads each (torch's intra-op threads, augfit's
image thread pool; default 1: on a loaded machine torch's OpenMP threads stall on each other).
Run: python benchmarks/policies.py [--rounds 7] [--batch 512] [--threads 1]
"""
from __future__ import annotations

import argparse
import gzip
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
from _timing import compare_line, interleaved, load, method, rate_line, verdict

from augfit.transforms import Transform
from augfit.transforms import image as I
from augfit.transforms.mixing import MixUp

FASHION = Path("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz")


def images(batch: int) -> tuple[np.ndarray, str]:
    if FASHION.exists():
        with gzip.open(FASHION, "rb") as f:
            raw = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28)
        return raw[:batch].copy(), "Fashion-MNIST"
    return np.random.default_rng(0).integers(0, 256, (batch, 28, 28), dtype=np.uint8), "random"


def policies(x: np.ndarray, rounds: int) -> None:
    import torch
    from torchvision.transforms import v2

    tx = torch.from_numpy(x)[:, None]                 # (N, 1, 28, 28) uint8
    tx_list = list(tx)                                # per-image (1, 28, 28) tensors
    for name, ours_t, theirs_t in [
        ("TrivialAugmentWide", I.TrivialAugmentWide(), v2.TrivialAugmentWide()),
        ("RandAugment(N=2, M=9)", I.RandAugment(num_ops=2, magnitude=9),
         v2.RandAugment(num_ops=2, magnitude=9)),
    ]:
        rng = np.random.default_rng(0)
        t = interleaved({
            "augfit": lambda o=ours_t, g=rng: o(x, rng=g),
            "per image": lambda o=theirs_t: [o(img) for img in tx_list],
            "batched": lambda o=theirs_t: o(tx),
        }, rounds)
        print(f"{name}")
        print(rate_line("augfit (per image, grouped)", t["augfit"], len(x)))
        print(rate_line("torchvision per image", t["per image"], len(x)))
        print(rate_line("torchvision batched (1 op/batch)", t["batched"], len(x)))
        print(compare_line("vs torchvision per image", t["augfit"], t["per image"], 5.0))
        print(compare_line("vs torchvision batched", t["augfit"], t["batched"]))


def mixing(x: np.ndarray, rounds: int) -> None:
    import torch
    from torchvision.transforms import v2

    y = np.arange(len(x)) % 10
    tx = torch.from_numpy(x)[:, None]
    txf = tx.float() / 255
    ty = torch.from_numpy(y)
    xf = x.astype(np.float32) / 255
    onehot = np.eye(10, dtype=np.float32)[y]

    def ours(t: Transform, xx: np.ndarray, g: np.random.Generator) -> Callable[[], object]:
        def run() -> object:
            out, rec = t(xx, rng=g, return_params=True)
            return out, t.apply_targets(onehot, rec)
        return run

    for name, ours_t, theirs_t, ours_x, theirs_x, goal in [
        ("MixUp (alpha=0.2), uint8", MixUp(alpha=0.2), v2.MixUp(alpha=0.2, num_classes=10), x,
         txf, None),
        ("MixUp (alpha=0.2), float32", MixUp(alpha=0.2), v2.MixUp(alpha=0.2, num_classes=10), xf,
         txf, None),
        ("CutMix (alpha=1), uint8", I.CutMix(alpha=1.0), v2.CutMix(alpha=1.0, num_classes=10), x,
         tx, 1.0),
    ]:
        t = interleaved({"augfit": ours(ours_t, ours_x, np.random.default_rng(0)),
                         "torchvision": lambda o=theirs_t, xx=theirs_x: o(xx, ty)}, rounds)
        print(f"{name}, labels mixed too")
        print(rate_line("augfit (per-sample λ, partner)", t["augfit"], len(x)))
        print(rate_line("torchvision (one λ per batch)", t["torchvision"], len(x)))
        print(compare_line("vs torchvision", t["augfit"], t["torchvision"], goal))
        if goal is None:
            rate = len(x) / t["augfit"].median_wall
            print(f"  {'augfit rate':<34} {rate / 1e6:6.2f}M img/s  {verdict(rate / 1e6, 1.0)}"
                  .replace("x ", "M img/s ", 1))


def main() -> None:
    import torch

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=int, default=512)
    ap.add_argument("--rounds", type=int, default=7, help="interleaved rounds per comparison")
    ap.add_argument("--threads", type=int, default=1, help="threads for torch and for augfit")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    os.environ["AUGFIT_IMAGE_THREADS"] = str(args.threads)
    x, src = images(args.batch)
    torch.manual_seed(0)
    print(f"28x28 grey uint8 ({src}), batch {args.batch}; torch {torch.__version__}, "
          f"{torch.get_num_threads()} thread(s) each; {method(args.rounds)}")
    print("ratios: how many times augfit's rate the peer's is (> 1: augfit faster)")
    policies(x, args.rounds)
    mixing(x, args.rounds)
    print(f"at the end: {load()}")


if __name__ == "__main__":
    main()
