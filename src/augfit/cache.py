"""The on-disk cache: ``$AUGFIT_CACHE`` or ``~/.cache/augfit``.

Downloaded files (the rotten_tomatoes corpus), synthesized speech and offline augmented copies are
kept here, each under its own sub-folder, and written atomically (to a temporary name, then renamed)
so that an interrupted run never leaves a half-written file that a later run would trust. The
translation cache (``translations.sqlite``) and the offline NLTK WordNet folder (``nltk_data``) are
kept here too. A root module, so that the data layer and the text transforms share this one
definition.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .hashing import cache_key  # the one cache-key helper (length-prefixed, unambiguous)


def cache_dir(*parts: str) -> Path:
    """The cache folder (created), or the sub-folder ``parts`` of it."""
    root = os.environ.get("AUGFIT_CACHE") or str(Path.home() / ".cache" / "augfit")
    path = Path(root).expanduser().joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path


def atomic_path(final: Path) -> Path:
    """A temporary file next to ``final``; ``os.replace(tmp, final)`` once it is written."""
    fd, tmp = tempfile.mkstemp(dir=final.parent, prefix=f".{final.name}.", suffix=".part")
    os.close(fd)
    os.chmod(tmp, 0o644)
    return Path(tmp)


__all__ = ["cache_dir", "atomic_path", "cache_key"]
