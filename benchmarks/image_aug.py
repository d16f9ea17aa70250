"""augfit's batched image pipeline vs albumentations' per-image Compose, in the same run.

Pipeline: Rotate(15) -> RandomResizedCrop(scale 0.8-1) -> HorizontalFlip(0.5) ->
BrightnessContrast(0.2, 0.2), batch 256, on 8x8 grey (scikit-learn digits), 28x28 grey
(Fashion-MNIST from /usr/share/datasets/fashion-mnist, else random) and 224x224x3 (random).
Prints images/s for both (medians of interleaved rounds, wall and CPU time; see ``_timing.py``) and
the ratio. Goals: >= 20x at 8x8, >= 5x at 28x28, >= 1x at 224x224x3.

Run: .venv/bin/python benchmarks/image_aug.py [--rounds 7] [--batch 256]
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--rounds", type=int, default=7, help="interleaved rounds per comparison")
    args = ap.parse_args()
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
