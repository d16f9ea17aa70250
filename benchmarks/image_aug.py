"""augfit's batched image pipeline vs albumentations' per-image Compose, in the same run.

Pipeline: Rotate(15) -> RandomResizedCrop(scale 0.8-1) -> HorizontalFlip(0.5) ->
BrightnessContrast(0.2, 0.2), batch 256, on 8x8 grey (scikit-learn digits), 28x28 grey
(Fashion-MNIST from /usr/share/datasets/fashion-mnist, else random) and 224x224x3 (random).
Prints images/s for both (medians of interleaved rounds, wall and CPU time; see ``_timing.py``) and
the ratio. Goals: >= 20x at 8x8, >= 5x at 28x28, >= 1x at 224x224x3.

``--each`` times each step of the pipeline alone instead, at 28x28 grey and batch 64 by default
(the Fashion-MNIST spec's settings: Rotate(10), RandomResizedCrop(0.8-1, ratio 0.9-1.1),
HorizontalFlip(0.5), BrightnessContrast(0.2, 0.2)): microseconds per batch for augfit and
albumentations, and the ratio.

Run: .venv/bin/python benchmarks/image_aug.py [--rounds 7] [--batch 256]
     .venv/bin/python benchmarks/image_aug.py --each [--batch 64]
"""
from __future__ import annotations

import argparse
import gzip
from pathlib import Path

import albumentations as A
import cv2
import numpy as np
from _timing import compare_line, interleaved, load, method, rate_line  # (script folder)

import augfit as af
from augfit.transforms import image as I

FASHION = Path("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz")


def datasets(batch: int) -> dict[str, tuple[np.ndarray, str]]:
    rng = np.random.default_rng(0)
    from sklearn.datasets import load_digits

    digits = (load_digits().images[:batch] * (255 / 16)).round().astype(np.uint8)
    if FASHION.exists():
        with gzip.open(FASHION, "rb") as f:
            raw = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28)
        fashion, src = raw[:batch].copy(), "Fashion-MNIST"
    else:
        fashion, src = rng.integers(0, 256, (batch, 28, 28), dtype=np.uint8), "random"
    big = rng.integers(0, 256, (batch, 224, 224, 3), dtype=np.uint8)
    return {"8x8 grey": (digits, "digits"), "28x28 grey": (fashion, src),
            "224x224x3": (big, "random")}


def augfit_pipeline() -> af.Compose:
    return af.Compose([I.Rotate(limit=15), I.RandomResizedCrop(scale=(0.8, 1.0)),
                       I.HorizontalFlip(p=0.5), I.BrightnessContrast(0.2, 0.2)], seed=0)


def albumentations_pipeline(h: int, w: int) -> A.Compose:
    return A.Compose([A.Rotate(limit=15, border_mode=cv2.BORDER_CONSTANT, fill=0, p=1.0),
                      A.RandomResizedCrop(size=(h, w), scale=(0.8, 1.0), p=1.0),
                      A.HorizontalFlip(p=0.5),
                      A.RandomBrightnessContrast(brightness_limit=0.2, contrast_limit=0.2, p=1.0)],
                     seed=0)


def steps(h: int, w: int) -> dict[str, tuple[af.Compose, A.Compose]]:
    """The Fashion-MNIST spec's steps, alone and together: (augfit, albumentations) each."""
    pairs = [(I.Rotate(limit=10), A.Rotate(limit=10, border_mode=cv2.BORDER_CONSTANT, fill=0,
                                           p=1.0)),
             (I.RandomResizedCrop(scale=(0.8, 1.0), ratio=(0.9, 1.1)),
              A.RandomResizedCrop(size=(h, w), scale=(0.8, 1.0), ratio=(0.9, 1.1), p=1.0)),
             (I.HorizontalFlip(p=0.5), A.HorizontalFlip(p=0.5)),
             (I.BrightnessContrast(0.2, 0.2),
              A.RandomBrightnessContrast(brightness_limit=0.2, contrast_limit=0.2, p=1.0))]
    out = {type(a).__name__: (af.Compose([a], seed=0), A.Compose([b], seed=0)) for a, b in pairs}
    out["all four"] = (af.Compose([a for a, _ in pairs], seed=0),
                       A.Compose([b for _, b in pairs], seed=0))
    return out


def each(batch: int, rounds: int) -> None:
    """Microseconds per batch of each step alone (28x28 grey), augfit vs albumentations."""
    x, src = datasets(batch)["28x28 grey"]
    print(f"each step alone: 28x28 grey ({src}), batch {batch}; {method(rounds)}")
    for name, (aug, alb) in steps(*x.shape[1:3]).items():
        t = interleaved({"augfit": lambda aug=aug: aug(x),
                         "albumentations": lambda alb=alb: [alb(image=img)["image"]
                                                            for img in x]}, rounds)
        ours, peer = t["augfit"], t["albumentations"]
        print(f"  {name:<20} augfit {ours.median_wall * 1e6:8.0f} us/batch "
              f"(CPU {ours.median_cpu * 1e6:6.0f})  albumentations "
              f"{peer.median_wall * 1e6:8.0f} (CPU {peer.median_cpu * 1e6:6.0f})")
        print(compare_line("augfit vs albumentations", ours, peer))
    print(f"at the end: {load()}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=int, default=None, help="default 256 (--each: 64)")
    ap.add_argument("--rounds", type=int, default=7, help="interleaved rounds per comparison")
    ap.add_argument("--each", action="store_true",
                    help="each step alone at 28x28 (the Fashion-MNIST spec's pipeline)")
    args = ap.parse_args()
    if args.each:
        each(args.batch or 64, args.rounds)
        return
    args.batch = args.batch or 256
    goals = {"8x8 grey": 20.0, "28x28 grey": 5.0, "224x224x3": 1.0}
    print(f"batch {args.batch}; {method(args.rounds)}")
    for name, (x, src) in datasets(args.batch).items():
        aug = augfit_pipeline()
        alb = albumentations_pipeline(*x.shape[1:3])
        t = interleaved({"augfit": lambda aug=aug, x=x: aug(x),
                         "albumentations": lambda alb=alb, x=x: [alb(image=img)["image"]
                                                                 for img in x]}, args.rounds)
        print(f"{name} ({src})")
        print(rate_line("augfit (batched)", t["augfit"], len(x)))
        print(rate_line("albumentations (per image)", t["albumentations"], len(x)))
        print(compare_line("augfit vs albumentations", t["augfit"], t["albumentations"],
                           goals[name]))
    print(f"at the end: {load()}")


if __name__ == "__main__":
    main()
