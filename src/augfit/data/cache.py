"""The on-disk cache: ``$AUGFIT_CACHE`` or ``~/.cache/augfit``.

Downloaded files (the rotten_tomatoes corpus), synthesized speech and offline augmented copies are
kept here, each under its own sub-folder, and written atomically (to a temporary name, then renamed)
so that an interrupted run never leaves a half-written file that a later run would trust.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path


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


def digest(*chunks: bytes | str) -> str:
    """A short hex SHA-256 of the chunks (cache keys)."""
    h = hashlib.sha256()
    for c in chunks:
        h.update(c.encode() if isinstance(c, str) else c)
        h.update(b"\0")
    return h.hexdigest()[:24]


__all__ = ["cache_dir", "atomic_path", "digest"]
