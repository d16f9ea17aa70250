"""The default input batches of the contract test (``tests/transforms/test_contract.py``), by
modality: what :meth:`Transform.example_batch <augfit.transforms.base.Transform.example_batch>`
returns unless a class overrides it."""
from __future__ import annotations

import numpy as np

EXAMPLE_SENTENCES: list[str] = [
    "the quick brown fox jumps over the lazy dog",
    "a good movie with a great story and very happy people",
    "she walked to the small house near the old river",
    "this film was bad and the actors looked tired and sad",
]


def example_batch_for(modality: str, rng: np.random.Generator) -> np.ndarray | list[str]:
    """The default contract-test batch for ``modality`` (see the module docstring)."""
    if modality == "text":
        return list(EXAMPLE_SENTENCES)
    if modality == "audio":
        t = np.arange(8000) / 8000.0
        freq = rng.uniform(200.0, 1000.0, size=(4, 1))
        wave = 0.5 * np.sin(2 * np.pi * freq * t) + 0.05 * rng.standard_normal((4, 8000))
        return np.clip(wave, -1.0, 1.0).astype(np.float32)
    return rng.integers(0, 256, size=(4, 16, 16, 3), dtype=np.uint8)


__all__ = ["EXAMPLE_SENTENCES", "example_batch_for"]
