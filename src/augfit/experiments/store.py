"""Results in SQLite: every finished cell is written in its own transaction, so a crash, Ctrl-C or a
killed worker loses nothing that finished, and a rerun of the same spec skips finished cells.

Tables
------
``runs``  one row per spec hash: the spec's canonical JSON, its name and source file.
``cells`` one row per finished cell, keyed by the cell's hash (everything its result depends on:
          dataset, features, model, training, the method's settings, seed and training size), with
          the scalar metrics as JSON, the per-epoch history as JSON and the wall time.

Because a cell's key does not include the method's *name* or the other methods, renaming a method or
adding one to a spec reuses every result already computed.
"""
from __future__ import annotations

import errno
import json
import sqlite3
import time
import urllib.parse
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable, Iterator

from ..errors import ConfigError, StoreError
from .spec import Cell, Spec

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    spec_hash TEXT PRIMARY KEY, name TEXT NOT NULL, source TEXT, canonical TEXT NOT NULL,
    created REAL NOT NULL, updated REAL NOT NULL);
CREATE TABLE IF NOT EXISTS cells (
    key TEXT PRIMARY KEY, spec_hash TEXT NOT NULL, method TEXT NOT NULL, seed INTEGER NOT NULL,
    train_size INTEGER NOT NULL, metrics TEXT NOT NULL, history TEXT NOT NULL,
    wall_time REAL NOT NULL, finished REAL NOT NULL);
"""

DB_NAME = "results.sqlite"
_TABLES = {"runs": {"spec_hash", "name", "source", "canonical", "created", "updated"},
           "cells": {"key", "spec_hash", "method", "seed", "train_size", "metrics", "history",
                     "wall_time", "finished"}}


class Store:
    """A results database (``DIR/results.sqlite`` when given a folder).

    Parameters
    ----------
    path : str or Path
        A folder (created if missing; the file is ``results.sqlite`` inside) or a ``.sqlite`` file.
    readonly : bool
        Open an existing store for reading only (``mode=ro``): nothing is ever written to it.

    A file that is not an augfit store (corrupt, truncated, another program's database) and any
    failure to read or write it (read-only folder, full disk) raise :class:`StoreError` naming the
    file and the fix; nothing is written into a foreign database.
    """

    def __init__(self, path: str | Path, readonly: bool = False) -> None:
        p = Path(path)
        if p.suffix not in (".sqlite", ".db"):
            p = p / DB_NAME
        self.path = p
        self.readonly = readonly
        if readonly:
            if not p.is_file():
                raise StoreError(f"{p}: no results store here; run `augfit run SPEC --out "
                                 f"{p.parent}` first")
            # mode=ro: reading never creates, migrates or journals anything in the file
            uri = f"file:{urllib.parse.quote(str(p.resolve()))}?mode=ro"
            with self._guard("open"):
                self._con = sqlite3.connect(uri, uri=True)
                self._check_schema()
            return
        try:
            p.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise StoreError(f"{p.parent}: cannot create the results folder "
                             f"({e.strerror or e}); choose a writable folder with --out") from None
        with self._guard("open"):
            self._con = sqlite3.connect(str(p))
            if self._check_schema():
                self._con.executescript(_SCHEMA)

    def _check_schema(self) -> bool:
        """Refuse a file that is not an augfit store; True when the file is empty (new)."""
        rows = self._con.execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall()
        tables = {r[0] for r in rows}
        if not tables:
            if self.readonly:
                raise StoreError(f"{self.path}: an empty database, not an augfit results store; "
                                 "run `augfit run SPEC --out DIR` to make one")
            return True
        for table, columns in _TABLES.items():
            have = {r[1] for r in self._con.execute(f"PRAGMA table_info({table})")}
            if not columns <= have:
                raise StoreError(f"{self.path}: an SQLite database of another program (tables: "
                                 f"{', '.join(sorted(tables)[:5])}), not an augfit results store; "
                                 "move it away or choose another --out folder")
        return False

    @contextmanager
    def _guard(self, action: str) -> Iterator[None]:
        """SQLite and JSON failures as one StoreError naming the file, what failed and the fix."""
        try:
            yield
        except sqlite3.Error as e:
            text = str(e)
            if "not a database" in text or "malformed" in text or "file is encrypted" in text:
                fix = ("the file is corrupt, truncated or not an augfit store; move it away and "
                       "rerun (or restore a copy)")
            elif "disk is full" in text or "disk I/O" in text or "too large" in text:
                fix = ("the disk is full (or the file size limit was hit); free space and rerun "
                       "the same command: every finished cell stored before is kept")
            elif "readonly" in text or "unable to open" in text or "locked" in text:
                fix = ("the folder or file is not writable (or another program holds it); choose "
                       "a writable folder with --out")
            else:
                fix = "check the file, or move it away and rerun"
            raise StoreError(f"{self.path}: cannot {action} the results store ({text}); "
                             f"{fix}") from None
        except OSError as e:
            if e.errno in (errno.ENOSPC, errno.EFBIG):
                fix = "free space and rerun the same command: finished cells are kept"
            else:
                fix = "choose a writable folder with --out"
            raise StoreError(f"{self.path}: cannot {action} the results store "
                             f"({e.strerror or e}); {fix}") from None

    def _json(self, text: str, what: str) -> Any:
        try:
            return json.loads(text)
        except (TypeError, ValueError):
            raise StoreError(f"{self.path}: the {what} stored there is not JSON (the file was "
                             "changed by another program); move the file away and rerun") from None

    # -- writing -------------------------------------------------------------------------------
    def record_spec(self, spec: Spec) -> None:
        """Store the spec's canonical form under its hash (the latest one is what reports use)."""
        now = time.time()
        with self._guard("write to"), self._con:
            self._con.execute(
                "INSERT INTO runs VALUES (?,?,?,?,?,?) ON CONFLICT(spec_hash) DO UPDATE SET "
                "updated=excluded.updated, source=excluded.source",
                (spec.hash, spec.name, spec.source, json.dumps(spec.canonical, sort_keys=True),
                 now, now))

    def put(self, cell: Cell, spec_hash: str, result: dict[str, Any]) -> None:
        """Write one finished cell in one transaction (``result``: metrics, history, wall_time)."""
        with self._guard("write to"), self._con:
            self._con.execute(
                "INSERT OR REPLACE INTO cells VALUES (?,?,?,?,?,?,?,?,?)",
                (cell.key, spec_hash, cell.method, cell.seed, cell.train_size,
                 json.dumps(result["metrics"], sort_keys=True),
                 json.dumps(result["history"], sort_keys=True),
                 float(result["wall_time"]), time.time()))

    # -- reading -------------------------------------------------------------------------------
    def finished_keys(self) -> set[str]:
        with self._guard("read"):
            return {k for (k,) in self._con.execute("SELECT key FROM cells")}

    def get(self, key: str) -> dict[str, Any] | None:
        with self._guard("read"):
            row = self._con.execute(
                "SELECT metrics, history, wall_time FROM cells WHERE key=?", (key,)).fetchone()
        if row is None:
            return None
        metrics = self._json(row[0], f"metrics of cell {key[:12]}")
        if not isinstance(metrics, dict):
            raise StoreError(f"{self.path}: the metrics of cell {key[:12]} are not a JSON object; "
                             "move the file away and rerun")
        return {"metrics": metrics, "history": self._json(row[1], f"history of cell {key[:12]}"),
                "wall_time": row[2]}

    def rows(self, cells: Iterable[Cell]) -> list[dict[str, Any]]:
        """One flat dict per finished cell of ``cells``: method, seed, train_size, wall_time, the
        metrics and ``history``. Cells not finished yet are left out."""
        out = []
        for cell in cells:
            r = self.get(cell.key)
            if r is not None:
                out.append({"method": cell.method, "seed": cell.seed, "train_size": cell.train_size,
                            "wall_time": r["wall_time"], **r["metrics"], "history": r["history"]})
        return out

    def latest_spec(self) -> dict[str, Any]:
        """The canonical spec most recently run into this store."""
        with self._guard("read"):
            row = self._con.execute(
                "SELECT canonical FROM runs ORDER BY updated DESC LIMIT 1").fetchone()
        if row is None:
            raise ConfigError(f"{self.path} holds no run; run `augfit run SPEC --out DIR` first")
        spec = self._json(row[0], "spec")
        if not isinstance(spec, dict):
            raise StoreError(f"{self.path}: the stored spec is not a JSON object; move the file "
                             "away and rerun")
        return spec

    def close(self) -> None:
        self._con.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


__all__ = ["Store", "DB_NAME"]
