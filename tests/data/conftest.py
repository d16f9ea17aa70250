import os
from pathlib import Path

import pytest

FSDD = Path(os.environ.get("AUGFIT_FSDD") or
            Path(__file__).resolve().parents[2] / ".." / "shared" / "datasets" / "fsdd")


@pytest.fixture(scope="session")
def fsdd_path():
    if not (FSDD / "recordings").is_dir():
        pytest.skip(f"FSDD not found at {FSDD}; set AUGFIT_FSDD")
    return FSDD.resolve()


@pytest.fixture(scope="session")
def fsdd_all(fsdd_path):
    from augfit.data.datasets import load

    return load("fsdd", path=fsdd_path)
