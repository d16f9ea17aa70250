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

import json
import sqlite3
import time
from pathlib import Path
from typing import Any, Iterable

from ..errors import ConfigError
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


class Store:
    """A results database (``DIR/results.sqlite`` when given a folder).

    Parameters
    ----------
    path : str or Path
        A folder (created if missing; the file is ``results.sqlite`` inside) or a ``.sqlite`` file.
    """

    def __init__(self, path: str | Path) -> None:
        p = Path(path)
        if p.suffix not in (".sqlite", ".db"):
            p.mkdir(parents=True, exist_ok=True)
            p = p / DB_NAME
        else:
            p.parent.mkdir(parents=True, exist_ok=True)
        self.path = p
        self._con = sqlite3.connect(str(p))
        self._con.executescript(_SCHEMA)

    # -- writing -------------------------------------------------------------------------------
    def record_spec(self, spec: Spec) -> None:
        """Store the spec's canonical form under its hash (the latest one is what reports use)."""
        now = time.time()
        with self._con:
            self._con.execute(
                "INSERT INTO runs VALUES (?,?,?,?,?,?) ON CONFLICT(spec_hash) DO UPDATE SET "
                "updated=excluded.updated, source=excluded.source",
                (spec.hash, spec.name, spec.source, json.dumps(spec.canonical, sort_keys=True),
                 now, now))

    def put(self, cell: Cell, spec_hash: str, result: dict[str, Any]) -> None:
        """Write one finished cell in one transaction (``result``: metrics, history, wall_time)."""
        with self._con:
            self._con.execute(
                "INSERT OR REPLACE INTO cells VALUES (?,?,?,?,?,?,?,?,?)",
                (cell.key, spec_hash, cell.method, cell.seed, cell.train_size,
                 json.dumps(result["metrics"], sort_keys=True),
                 json.dumps(result["history"], sort_keys=True),
                 float(result["wall_time"]), time.time()))

    # -- reading -------------------------------------------------------------------------------
    def finished_keys(self) -> set[str]:
        return {k for (k,) in self._con.execute("SELECT key FROM cells")}

    def get(self, key: str) -> dict[str, Any] | None:
        row = self._con.execute(
            "SELECT metrics, history, wall_time FROM cells WHERE key=?", (key,)).fetchone()
        if row is None:
            return None
        return {"metrics": json.loads(row[0]), "history": json.loads(row[1]), "wall_time": row[2]}

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

    def runs(self) -> list[tuple[dict[str, Any], int]]:
        """Every stored spec (canonical form), latest first, with its number of stored cells."""
        rows = self._con.execute(
            "SELECT r.canonical, (SELECT COUNT(*) FROM cells c WHERE c.spec_hash = r.spec_hash) "
            "FROM runs r ORDER BY r.updated DESC").fetchall()
        return [(json.loads(c), int(n)) for c, n in rows]

    def latest_spec(self) -> dict[str, Any]:
        """The canonical spec most recently run into this store."""
        row = self._con.execute(
            "SELECT canonical FROM runs ORDER BY updated DESC LIMIT 1").fetchone()
        if row is None:
            raise ConfigError(f"{self.path} holds no run; run `augfit run SPEC --out DIR` first")
        return json.loads(row[0])

    def close(self) -> None:
        self._con.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


__all__ = ["Store", "DB_NAME"]
