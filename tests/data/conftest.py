from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from augfit.data.datasets import Dataset


@pytest.fixture(scope="session")
def fsdd_all(fsdd_path: Path) -> Dataset:
    """All 3,000 FSDD recordings, loaded once (``fsdd_path`` comes from tests/conftest.py)."""
    from augfit.data.datasets import load

    return load("fsdd", path=fsdd_path)
