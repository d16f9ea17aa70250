"""augfit's batched image pipeline vs albumentations' per-image Compose, in the same run.

Pipeline: Rotate(15) -> RandomResizedCrop(scale 0.8-1) -> HorizontalFlip(0.5) ->
BrightnessContrast(0.2, 0.2), batch 256, on 8x8 grey (scikit-learn digits), 28x28 grey
(Fashion-MNIST from /usr/share/datasets/fashion-mnist, else random) and 224x224x3 (random).
Prints images/s for both and the ratio. Targets: >= 20x at 8x8, >= 5x at 28x28, >= 1x at 224x224x3.

Run: .venv/bin/python benchmarks/image_aug.py [--seconds 2] [--batch 256]
"""
from __future__ import annotations

import argparse
import gzip
from pathlib import Path

import albumentations as A
import cv2
import numpy as np
from _timing import rate  # benchmarks run as scripts: their folder is on sys.path

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
    ap.add_argument("--seconds", type=float, default=2.0, help="timing budget per measurement")
    args = ap.parse_args()
    targets = {"8x8 grey": 20.0, "28x28 grey": 5.0, "224x224x3": 1.0}
    print(f"batch {args.batch}; best of repeated runs for {args.seconds:.1f}s each; "
          f"shared machine, figures are noisy")
    print(f"{'images':<12}{'data':<15}{'augfit img/s':>14}{'albument. img/s':>17}{'ratio':>8}"
          f"{'target':>8}")
    for name, (x, src) in datasets(args.batch).items():
        aug = augfit_pipeline()
        alb = albumentations_pipeline(*x.shape[1:3])
        ours = rate(lambda aug=aug, x=x: aug(x), len(x), args.seconds)
        theirs = rate(lambda alb=alb, x=x: [alb(image=img)["image"] for img in x], len(x),
                      args.seconds)
        ratio = ours / theirs
        mark = "ok" if ratio >= targets[name] else "MISS"
        print(f"{name:<12}{src:<15}{ours:>14,.0f}{theirs:>17,.0f}{ratio:>7.1f}x"
              f"{targets[name]:>6.0f}x {mark}")


if __name__ == "__main__":
    main()
