import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split


@pytest.fixture(scope="session")
def digits():
    """Digits scaled to [0, 1], stratified 60/20/20 split: (xtr, ytr, xva, yva, xte, yte)."""
    x, y = load_digits(return_X_y=True)
    x = (x / 16.0).astype(np.float32)
    xtr, xte, ytr, yte = train_test_split(x, y, test_size=0.2, stratify=y, random_state=0)
    xtr, xva, ytr, yva = train_test_split(xtr, ytr, test_size=0.25, stratify=ytr, random_state=0)
    return xtr, ytr, xva, yva, xte, yte
