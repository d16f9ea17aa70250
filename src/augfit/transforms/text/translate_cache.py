"""A persistent translation cache (SQLite) with an in-memory front, shared per process.

Keys are ``(backend, pair, text)``, e.g. ``("apertium", "eng-spa", "The film was good.")``, so a
rerun, another epoch or another process never translates the same sentence twice. The file lives in
``$AUGFIT_CACHE`` (or ``~/.cache/augfit``) as ``translations.sqlite`` unless a path is given.
A file that is not an SQLite database of this schema (corrupt, truncated, foreign) is moved aside to
``<name>.corrupt`` and started afresh, with an :class:`~augfit.errors.AugfitWarning` naming it,
whether the damage shows when the file is opened or only when a later query reads a damaged page.
"""
from __future__ import annotations

import os
import sqlite3
import threading
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from ...cache import cache_dir
from ...errors import AugfitWarning

_SCHEMA = """CREATE TABLE IF NOT EXISTS translations (
    backend TEXT NOT NULL, pair TEXT NOT NULL, source TEXT NOT NULL, target TEXT NOT NULL,
    PRIMARY KEY (backend, pair, source))"""
_COLUMNS = ["backend", "pair", "source", "target"]
_T = TypeVar("_T")
_CHUNK = 500  # SQLite's default limit on host parameters is 999 in old builds


def default_cache_path() -> Path:
    """``$AUGFIT_CACHE/translations.sqlite`` (or ``~/.cache/augfit/translations.sqlite``)."""
    return cache_dir() / "translations.sqlite"


class TranslationCache:
    """Translations kept in SQLite and in a dict for fast repeated hits.

    Parameters
    ----------
    path : path
        The SQLite file (created with its folders if missing).
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._memory: dict[tuple[str, str], dict[str, str]] = {}
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._pid = -1

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None or self._pid != os.getpid():  # a forked worker opens its own
            self.path.parent.mkdir(parents=True, exist_ok=True)
            try:
                conn = self._open()
            except sqlite3.DatabaseError as e:
                self._move_aside(e)
                conn = self._open()
            self._conn, self._pid = conn, os.getpid()
        return self._conn

    def _move_aside(self, error: sqlite3.DatabaseError) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        aside = self.path.with_name(self.path.name + ".corrupt")
        warnings.warn(f"translation cache {self.path} is unusable ({error}); moved it to "
                      f"{aside.name} and starting an empty cache", AugfitWarning, stacklevel=5)
        os.replace(self.path, aside)
        for suffix in ("-wal", "-shm"):
            Path(str(self.path) + suffix).unlink(missing_ok=True)

    def _query(self, work: Callable[[sqlite3.Connection], _T]) -> _T:
        """``work(connection)`` under the lock; a file found damaged only now (a page read by this
        query, not at opening) is moved aside like one damaged at opening, and ``work`` runs once
        more on the fresh cache. A busy database (OperationalError) is not damage: it is raised."""
        with self._lock:
            try:
                return work(self._connection())
            except sqlite3.OperationalError:
                raise
            except sqlite3.DatabaseError as e:
                self._move_aside(e)
                return work(self._connection())

    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=30.0, check_same_thread=False)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(_SCHEMA)
            conn.commit()
            cols = [r[1] for r in conn.execute("PRAGMA table_info(translations)")]
            if cols != _COLUMNS:
                raise sqlite3.DatabaseError(f"its translations table has columns {cols}, "
                                            f"expected {_COLUMNS}")
            conn.execute("SELECT COUNT(*) FROM translations").fetchone()
        except sqlite3.DatabaseError:
            conn.close()
            raise
        return conn

    def get_many(self, backend: str, pair: str, texts: Sequence[str]) -> dict[str, str]:
        """The cached translations of ``texts`` (those found), as ``{source: target}``."""
        mem = self._memory.setdefault((backend, pair), {})
        found = {t: mem[t] for t in texts if t in mem}
        missing = list(dict.fromkeys(t for t in texts if t not in found))
        if missing:
            def lookup(conn: sqlite3.Connection) -> list[tuple[str, str]]:
                rows: list[tuple[str, str]] = []
                for i in range(0, len(missing), _CHUNK):
                    chunk = missing[i:i + _CHUNK]
                    marks = ",".join("?" * len(chunk))
                    rows += conn.execute(
                        f"SELECT source, target FROM translations WHERE backend=? AND pair=? "
                        f"AND source IN ({marks})", (backend, pair, *chunk)).fetchall()
                return rows

            for src, tgt in self._query(lookup):
                mem[src] = found[src] = tgt
        return found

    def put_many(self, backend: str, pair: str, items: dict[str, str]) -> None:
        """Store ``{source: target}`` translations (overwriting older ones)."""
        if not items:
            return
        self._memory.setdefault((backend, pair), {}).update(items)
        rows = [(backend, pair, s, t) for s, t in items.items()]

        def store(conn: sqlite3.Connection) -> None:
            conn.executemany("INSERT OR REPLACE INTO translations VALUES (?, ?, ?, ?)", rows)
            conn.commit()

        self._query(store)

    def __len__(self) -> int:
        return self._query(
            lambda conn: int(conn.execute("SELECT COUNT(*) FROM translations").fetchone()[0]))

    def clear_memory(self) -> None:
        """Forget the in-memory front (the SQLite file is kept); for measuring cold lookups."""
        self._memory.clear()


_CACHES: dict[Path, TranslationCache] = {}


def get_cache(path: Path | str | None = None) -> TranslationCache:
    """The process-wide :class:`TranslationCache` for ``path`` (default:
    :func:`default_cache_path`)."""
    p = Path(path) if path is not None else default_cache_path()
    p = p.expanduser().resolve()
    if p not in _CACHES:
        _CACHES[p] = TranslationCache(p)
    return _CACHES[p]


__all__ = ["TranslationCache", "default_cache_path", "get_cache"]
