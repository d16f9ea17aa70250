"""Shared inputs for the text tests: awkward sentences every transform must survive."""
from __future__ import annotations

import pytest

AWKWARD = [
    "",
    "   ",
    "...!?",
    "Café crème, naïve résumé: très bien!",
    "日本語のテキスト",
    "The MOVIE was Good.\nA second line\n\nand a third.",
    " ".join(["the good movie was a great film"] * 400),  # a very long line (2,800 words)
]


@pytest.fixture
def awkward() -> list[str]:
    return list(AWKWARD)
