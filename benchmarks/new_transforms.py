"""GaussianBlur, MotionBlur, ElasticTransform, Perspective and Affine with shear: augfit's batched
transforms against albumentations' per-image ones, in the same run.

Each pair is configured alike (same parameter ranges, bilinear resampling, constant black border,
albumentations' ``noise_distribution="uniform"`` for the elastic field, as in Simard et al.
2003), on 28x28 grey (Fashion-MNIST from /usr/share/datasets/fashion-mnist, else random), batch
256, and on 128x128x3 random images, batch 32. Timing: medians of interleaved rounds, wall and CPU
time (``_timing.py``). Goal: each augfit transform >= 1x albumentations' version (issue 21).

Run: python benchmarks/new_transforms.py [--rounds 7] [--threads 1]
"""
from __future__ import annotations

import argparse
import gzip
import os
from collections.abc import Callable
from pathlib import Path

import albumentations as A
import cv2
import numpy as np
from _timing import compare_line, interleaved, load, method, rate_line  # benchmarks run as scripts

from augfit.transforms import Transform
from augfit.transforms import image as I

FASHION = Path("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz")
BLACK = dict(border_mode=cv2.BORDER_CONSTANT, fill=0)


def batches() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    if FASHION.exists():
        with gzip.open(FASHION, "rb") as f:
            grey = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28)[:256].copy()
    else:
        grey = rng.integers(0, 256, (256, 28, 28), dtype=np.uint8)
    return {"28x28 grey, batch 256": grey,
            "128x128x3, batch 32": rng.integers(0, 256, (32, 128, 128, 3), dtype=np.uint8)}


def pairs() -> list[tuple[str, Transform, A.BasicTransform]]:
    return [
        ("GaussianBlur sigma 0.5-1.5", I.GaussianBlur(sigma=(0.5, 1.5)),
         A.GaussianBlur(blur_limit=0, sigma_limit=(0.5, 1.5), p=1.0)),
        ("MotionBlur 3-7 px", I.MotionBlur(size=(3, 7)),
         A.MotionBlur(blur_limit=(3, 7), p=1.0)),
        ("ElasticTransform a=34 s=4", I.ElasticTransform(alpha=(34.0, 34.0), sigma=4.0),
         A.ElasticTransform(alpha=34.0, sigma=4.0, noise_distribution="uniform", p=1.0,
                            **BLACK)),
        ("Perspective 0.05-0.1", I.Perspective(scale=(0.05, 0.1)),
         A.Perspective(scale=(0.05, 0.1), p=1.0, **BLACK)),
        ("Affine rot 15, shear 10", I.Affine(rotate=15, shear=10),
         A.Affine(rotate=(-15, 15), shear={"x": (-10, 10), "y": (0, 0)}, p=1.0, **BLACK)),
    ]


def per_image(t: A.BasicTransform, x: np.ndarray) -> Callable[[], object]:
    return lambda: [t(image=img)["image"] for img in x]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=7, help="interleaved rounds per comparison")
    ap.add_argument("--threads", type=int, default=1, help="augfit's image threads (OpenCV: 1)")
    args = ap.parse_args()
    os.environ["AUGFIT_IMAGE_THREADS"] = str(args.threads)
    cv2.setNumThreads(1)
    print(f"augfit {args.threads} image thread(s), albumentations per image; {method(args.rounds)}")
    for label, x in batches().items():
        print(label)
        for name, ours, theirs in pairs():
            rng = np.random.default_rng(0)
            t = interleaved({"augfit": lambda o=ours, g=rng, x=x: o(x, rng=g),
                             "albumentations": per_image(theirs, x)}, args.rounds)
            print(rate_line(f"{name}: augfit", t["augfit"], len(x)))
            print(rate_line(f"{name}: albumentations", t["albumentations"], len(x)))
            print(compare_line(f"{name}: augfit vs albumentations", t["augfit"],
                               t["albumentations"], 1.0))
    print(f"at the end: {load()}")


if __name__ == "__main__":
    main()
