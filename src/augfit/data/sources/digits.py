"""``digits``: scikit-learn's 8x8 handwritten digits (1,797 images), the embedded default."""
from __future__ import annotations

import numpy as np

from ...registry import DATASETS
from ..container import Dataset


@DATASETS.register("digits")
def load_digits() -> Dataset:
    """The UCI digits shipped with scikit-learn as ``(1797, 8, 8)`` float32 images in [0, 1].

    The pixel values 0..16 are divided by 16; labels are the digits 0-9.
    """
    from sklearn.datasets import load_digits as _sk_digits

    bunch = _sk_digits()
    x = (bunch.images / 16.0).astype(np.float32)
    return Dataset(x, bunch.target.astype(np.int64), "image", [str(d) for d in range(10)],
                   {"source": "sklearn.datasets.load_digits (UCI optical digits)",
                    "license": "CC BY 4.0 (UCI ML repository)"})
