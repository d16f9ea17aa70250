"""Fixtures and markers shared by every test.

- ``fsdd_path``: the Free Spoken Digit Dataset folder, the one place its path is resolved:
  ``$AUGFIT_FSDD``, else ``../shared/datasets/fsdd`` next to the repository. Tests that take it
  are skipped, with the path tried, when it is missing; the data are read there, never copied.
- Every test runs with ``AUGFIT_CACHE`` pointing at a fresh folder of this session, so no test
  depends on (or fills) the user's ``~/.cache/augfit``: a cold cache is what every test sees.
- Markers (registered in pyproject.toml): ``slow`` for tests that start subprocesses, dask
  clusters or browsers (``pytest -m "not slow"`` skips them; ``make test`` runs everything) and
  ``network`` for tests that try to reach a package registry (they skip, with the reason, when it
  cannot be reached).
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def fsdd_dir() -> Path:
    """Where the FSDD copy is expected: ``$AUGFIT_FSDD`` or ``<repo>/../shared/datasets/fsdd``."""
    env = os.environ.get("AUGFIT_FSDD")
    return Path(env) if env else (REPO.parent / "shared" / "datasets" / "fsdd").resolve()


@pytest.fixture(scope="session")
def fsdd_path() -> Path:
    """The FSDD folder (holding ``recordings/``); skips the test when it is missing."""
    path = fsdd_dir()
    if not (path / "recordings").is_dir():
        pytest.skip(f"FSDD not found at {path} (no recordings/ folder); "
                    "set AUGFIT_FSDD to a copy of the Free Spoken Digit Dataset")
    return path


@pytest.fixture(scope="session", autouse=True)
def _fresh_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """``AUGFIT_CACHE`` = a session folder (subprocesses started by tests inherit it)."""
    path = tmp_path_factory.mktemp("augfit_cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AUGFIT_CACHE", str(path))
        yield path
