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

from .errors import ConfigError
from .hashing import cache_key  # the one cache-key helper (length-prefixed, unambiguous)

#: the environment variable naming the cache folder
CACHE_ENV = "AUGFIT_CACHE"


def cache_dir(*parts: str) -> Path:
    """The cache folder (created), or the sub-folder ``parts`` of it; ConfigError naming
    ``$AUGFIT_CACHE`` when it cannot be made (a file in the way, a read-only place)."""
    root = os.environ.get(CACHE_ENV) or str(Path.home() / ".cache" / "augfit")
    path = Path(root).expanduser().joinpath(*parts)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ConfigError(f"the cache folder {path} cannot be made ({e.strerror or e}); set "
                          f"{CACHE_ENV} to a writable folder") from None
    return path


def check_cache() -> None:
    """When ``$AUGFIT_CACHE`` is set: ConfigError unless it is a writable folder (checked before
    a run's first cell, rather than when a transform first needs the cache)."""
    if not os.environ.get(CACHE_ENV):
        return
    path = cache_dir()
    try:
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as e:
        raise ConfigError(f"{CACHE_ENV}={path} cannot be written ({e.strerror or e}); set "
                          f"{CACHE_ENV} to a writable folder") from None


def atomic_path(final: Path) -> Path:
    """A temporary file next to ``final``; ``os.replace(tmp, final)`` once it is written."""
    fd, tmp = tempfile.mkstemp(dir=final.parent, prefix=f".{final.name}.", suffix=".part")
    os.close(fd)
    os.chmod(tmp, 0o644)
    return Path(tmp)


__all__ = ["CACHE_ENV", "atomic_path", "cache_dir", "cache_key", "check_cache"]
