"""augfit's per-sample RandAugment, TrivialAugmentWide, MixUp and CutMix vs torchvision v2, same
run.

On 28x28 grey uint8 (Fashion-MNIST from /usr/share/datasets/fashion-mnist, else random), batch
512:

- torchvision v2 TrivialAugmentWide and RandAugment(2, 9) called once per image (a (1, 28, 28)
  uint8 tensor; on a batch tensor torchvision draws one operation for the whole batch), against
  augfit's, which draw an operation and magnitude per image and apply the batch grouped by
  operation. Target: augfit >= 5x torchvision's per-image rate.
- torchvision v2 MixUp and CutMix (one λ for the whole batch, partner = the next sample; MixUp on
  float32 because torchvision's MixUp refuses uint8) against augfit's, with one λ and a seeded
  partner per sample, labels mixed too. Target: augfit >= 1M img/s.

Both sides run in this process on the same CPU with ``--threads`` threads each (torch's intra-op
threads, augfit's image thread pool; default 1: on a loaded machine torch's OpenMP threads stall
on each other, see the README). Run:
python benchmarks/policies.py [--seconds 2] [--batch 512] [--threads 1]
"""
from __future__ import annotations

import argparse
import gzip
import os
from pathlib import Path

import numpy as np
from _timing import rate  # benchmarks run as scripts: their folder is on sys.path

from augfit.transforms import image as I
from augfit.transforms.mixing import MixUp

FASHION = Path("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz")


def images(batch: int) -> tuple[np.ndarray, str]:
    if FASHION.exists():
        with gzip.open(FASHION, "rb") as f:
            raw = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28)
        return raw[:batch].copy(), "Fashion-MNIST"
    return np.random.default_rng(0).integers(0, 256, (batch, 28, 28), dtype=np.uint8), "random"


def main() -> None:
    import torch
    from torchvision.transforms import v2

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=int, default=512)
    ap.add_argument("--seconds", type=float, default=2.0, help="timing budget per measurement")
    ap.add_argument("--threads", type=int, default=1, help="threads for torch and for augfit")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    os.environ["AUGFIT_IMAGE_THREADS"] = str(args.threads)
    x, src = images(args.batch)
    y = np.arange(len(x)) % 10
    tx = torch.from_numpy(x)[:, None]                 # (N, 1, 28, 28) uint8
    tx_list = list(tx)                                # per-image (1, 28, 28) tensors
    txf = tx.float() / 255
    ty = torch.from_numpy(y)
    xf = x.astype(np.float32) / 255
    onehot = np.eye(10, dtype=np.float32)[y]
    torch.manual_seed(0)
    load = os.getloadavg()[0]
    print(f"28x28 grey uint8 ({src}), batch {args.batch}, best of repeated runs for "
          f"{args.seconds:.1f}s; torch {torch.__version__}; {torch.get_num_threads()} "
          f"thread(s) each; "
          f"load average {load:.1f} at start")
    print(f"{'operation':<28}{'augfit img/s':>14}{'torchvision img/s':>19}{'ratio':>8}  target")

    def line(name: str, ours: float, theirs: float, target: str, ok: bool) -> None:
        print(f"{name:<28}{ours:>14,.0f}{theirs:>19,.0f}{ours / theirs:>7.1f}x  {target} "
              f"{'ok' if ok else 'MISS'}")

    for name, ours_t, theirs_t in [
        ("TrivialAugmentWide", I.TrivialAugmentWide(), v2.TrivialAugmentWide()),
        ("RandAugment(N=2, M=9)", I.RandAugment(num_ops=2, magnitude=9),
         v2.RandAugment(num_ops=2, magnitude=9)),
    ]:
        rng = np.random.default_rng(0)
        ours = rate(lambda t=ours_t, g=rng: t(x, rng=g), len(x), args.seconds)
        theirs = rate(lambda t=theirs_t: [t(img) for img in tx_list], len(x), args.seconds)
        line(name + " (per image)", ours, theirs, ">= 5x", ours >= 5 * theirs)

    for name, ours_t, theirs_t, ours_x, theirs_x in [
        ("MixUp (alpha=0.2)", MixUp(alpha=0.2), v2.MixUp(alpha=0.2, num_classes=10), x, txf),
        ("MixUp, float32", MixUp(alpha=0.2), v2.MixUp(alpha=0.2, num_classes=10), xf, txf),
        ("CutMix (alpha=1)", I.CutMix(alpha=1.0), v2.CutMix(alpha=1.0, num_classes=10), x, tx),
    ]:
        rng = np.random.default_rng(0)

        def ours_fn(t: MixUp = ours_t, xx: np.ndarray = ours_x,
                    g: np.random.Generator = rng) -> object:
            out, rec = t(xx, rng=g, return_params=True)
            return out, t.apply_targets(onehot, rec)

        ours = rate(ours_fn, len(x), args.seconds)
        theirs = rate(lambda t=theirs_t, xx=theirs_x: t(xx, ty), len(x), args.seconds)
        line(name + " (labels too)", ours, theirs, ">= 1M img/s", ours >= 1e6)
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
