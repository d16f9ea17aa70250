"""Results in SQLite: every finished cell is written in its own transaction, so a crash, Ctrl-C or a
killed worker loses nothing that finished, and a rerun of the same spec skips finished cells.

Tables (schema version :data:`SCHEMA_VERSION`, kept in SQLite's ``user_version``)
---------------------------------------------------------------------------------
``runs``     one row per spec hash: the spec's canonical JSON, its name and source file.
``cells``    one row per finished cell, keyed by the cell's hash (everything its result depends on:
             dataset, features, model, training, the method's settings, split, seed and training
             size), with the scalar metrics as JSON, the per-epoch history as JSON and the wall
             time, and the numerics version it was computed with (:mod:`augfit.numerics`: 1 plain
             IEEE arithmetic, 2 subnormals flushed to zero; a column added without changing the
             schema version: a store from before it is given the column, its cells version 1).
``examples`` per finished cell, the final model's per-example test results in the order of that
             split's test set: correctness as packed bits (``np.packbits``, 1 bit per example) and
             the loss as little-endian float32 (4 bytes per example); read with
             :meth:`Store.examples`.
``failures`` one row per cell whose training failed (a :class:`~augfit.errors.TrainingError`, e.g.
             divergence to NaN): method, split, seed, size and the error message. A rerun trains
             failed cells again; a cell that then finishes leaves this table. Created when
             missing, so stores written before it open as they are (an additive change: the
             schema version is unchanged).

Because a cell's key does not include the method's *name* or the other methods, renaming a method or
adding one to a spec reuses every result already computed.

A store written by an older augfit (schema 1: no splits, gaps on val, no per-example results) is
refused with an error naming the file; its numbers mean something else and are never mixed in.
"""
from __future__ import annotations

import errno
import json
import sqlite3
import time
import urllib.parse
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypedDict, TypeGuard

import numpy as np

from ...errors import ConfigError, StoreError
from ...jsontypes import JSONDict, JSONValue
from ..spec import Cell, Spec
from ..stats import CellResult

SCHEMA_VERSION = 2

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    spec_hash TEXT PRIMARY KEY, name TEXT NOT NULL, source TEXT, canonical TEXT NOT NULL,
    created REAL NOT NULL, updated REAL NOT NULL);
CREATE TABLE IF NOT EXISTS cells (
    key TEXT PRIMARY KEY, spec_hash TEXT NOT NULL, method TEXT NOT NULL, split INTEGER NOT NULL,
    seed INTEGER NOT NULL, train_size INTEGER NOT NULL, metrics TEXT NOT NULL,
    history TEXT NOT NULL, wall_time REAL NOT NULL, finished REAL NOT NULL,
    numerics INTEGER NOT NULL DEFAULT 1);
CREATE TABLE IF NOT EXISTS examples (
    key TEXT PRIMARY KEY, n INTEGER NOT NULL, correct BLOB NOT NULL, loss BLOB NOT NULL);
""" + """
CREATE TABLE IF NOT EXISTS failures (
    key TEXT PRIMARY KEY, spec_hash TEXT NOT NULL, method TEXT NOT NULL, split INTEGER NOT NULL,
    seed INTEGER NOT NULL, train_size INTEGER NOT NULL, error TEXT NOT NULL, failed REAL NOT NULL);
"""
_FAILURES = _SCHEMA[_SCHEMA.index("CREATE TABLE IF NOT EXISTS failures"):]

DB_NAME = "results.sqlite"
_TABLES = {"runs": {"spec_hash", "name", "source", "canonical", "created", "updated"},
           "cells": {"key", "spec_hash", "method", "seed", "train_size", "metrics", "history",
                     "wall_time", "finished"}}


def pack_examples(correct: np.ndarray, loss: np.ndarray) -> tuple[int, bytes, bytes]:
    """``(n, bits, float32 bytes)``: the compact stored form of per-example test results."""
    correct = np.asarray(correct, dtype=bool).ravel()
    loss = np.asarray(loss, dtype="<f4").ravel()
    if correct.shape != loss.shape:
        raise ValueError(f"per-example results: test_correct has {correct.size} entries and "
                         f"test_loss_per_example {loss.size}; they must match")
    return correct.size, np.packbits(correct).tobytes(), loss.tobytes()


def unpack_examples(n: int, bits: bytes, loss: bytes) -> dict[str, np.ndarray]:
    """The inverse of :func:`pack_examples`."""
    correct = np.unpackbits(np.frombuffer(bits, dtype=np.uint8), count=n).astype(bool)
    return {"test_correct": correct,
            "test_loss_per_example": np.frombuffer(loss, dtype="<f4").astype(np.float32)}


class FailedCell(TypedDict):
    """A cell whose training failed (:meth:`Store.failures`): its identity and the error."""

    method: str
    split: int
    seed: int
    train_size: int
    key: str
    error: str


class StoredCell(TypedDict):
    """A finished cell as :meth:`Store.get` reads it back."""

    metrics: JSONDict
    history: dict[str, list[float]]
    wall_time: float


def _is_history(value: JSONValue) -> TypeGuard[dict[str, list[float]]]:
    """A stored history: an object of per-epoch lists (the store writes their items as numbers;
    they are not checked one by one)."""
    return isinstance(value, dict) and all(isinstance(v, list) for v in value.values())


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
        else:
            try:
                p.parent.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise StoreError(f"{p.parent}: cannot create the results folder "
                                 f"({e.strerror or e}); choose a writable folder with "
                                 "--out") from None
            with self._guard("open"):
                self._con = sqlite3.connect(str(p))
        try:
            with self._guard("open"):
                if self._check_version() and not readonly:
                    self._con.executescript(_SCHEMA)
                elif not readonly:                 # a store from before the failures table
                    self._con.executescript(_FAILURES)
                if not readonly and not self._has_numerics():  # ... or the numerics column
                    with self._con:
                        self._con.execute("ALTER TABLE cells ADD COLUMN numerics INTEGER NOT "
                                          "NULL DEFAULT 1")
        except BaseException:
            self._con.close()
            raise

    def _check_version(self) -> bool:
        """Refuse a file that is not an augfit store (corrupt, foreign) or of another schema;
        True when the file is new (empty), and then mark it with this schema version."""
        version = self._con.execute("PRAGMA user_version").fetchone()[0]
        tables = {t for (t,) in self._con.execute(
            "SELECT name FROM sqlite_master WHERE type='table'")}
        if version == 0 and not tables:                      # a new, empty file
            if self.readonly:
                raise StoreError(f"{self.path}: an empty database, not an augfit results store; "
                                 "run `augfit run SPEC --out DIR` to make one")
            self._con.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            return True
        for table, columns in _TABLES.items():
            have = {r[1] for r in self._con.execute(f"PRAGMA table_info({table})")}
            if not columns <= have:
                raise StoreError(f"{self.path}: an SQLite database of another program (tables: "
                                 f"{', '.join(sorted(tables)[:5])}), not an augfit results store; "
                                 "move it away or choose another --out folder")
        if version == SCHEMA_VERSION:
            return False
        old = version if version else 1
        if old > SCHEMA_VERSION:
            raise ConfigError(f"{self.path} was written by a newer augfit (results schema {old}, "
                              f"this one reads {SCHEMA_VERSION}); upgrade augfit, or pass another "
                              f"--out folder")
        raise ConfigError(
            f"{self.path} holds results of an older augfit (results schema {old}: one split, "
            f"gaps measured on val, no per-example test results); they cannot be mixed with this "
            f"version's (schema {SCHEMA_VERSION}). Move the file away (e.g. rename it to "
            f"{self.path.name}.v{old}) or pass another --out folder, then rerun the spec")

    def _has_numerics(self) -> bool:
        return "numerics" in {r[1] for r in self._con.execute("PRAGMA table_info(cells)")}

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

    def _json(self, text: str, what: str) -> JSONValue:
        try:
            value: JSONValue = json.loads(text)
            return value
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
                (spec.hash, spec.name, spec.source, json.dumps(spec.to_canonical(), sort_keys=True),
                 now, now))

    def put(self, cell: Cell, spec_hash: str, result: CellResult) -> None:
        """Write one finished cell in one transaction: its metrics, history, wall time, numerics
        version and, when it has them, its per-example test results."""
        with self._guard("write to"), self._con:
            self._con.execute(
                "INSERT OR REPLACE INTO cells (key, spec_hash, method, split, seed, train_size, "
                "metrics, history, wall_time, finished, numerics) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (cell.key, spec_hash, cell.method, cell.split, cell.seed, cell.train_size,
                 json.dumps(result.metrics(), sort_keys=True),
                 json.dumps(result.history, sort_keys=True),
                 float(result.wall_time), time.time(), int(result.numerics)))
            if result.test_correct is not None and result.test_loss_per_example is not None:
                self._con.execute("INSERT OR REPLACE INTO examples VALUES (?,?,?,?)",
                                  (cell.key, *pack_examples(result.test_correct,
                                                            result.test_loss_per_example)))
            self._con.execute("DELETE FROM failures WHERE key=?", (cell.key,))

    def put_failure(self, cell: Cell, spec_hash: str, error: str) -> None:
        """Record that ``cell`` failed with ``error`` (its message); a later success clears it."""
        with self._guard("write to"), self._con:
            self._con.execute(
                "INSERT OR REPLACE INTO failures VALUES (?,?,?,?,?,?,?,?)",
                (cell.key, spec_hash, cell.method, cell.split, cell.seed, cell.train_size,
                 str(error), time.time()))

    def failures(self, cells: Iterable[Cell]) -> list[FailedCell]:
        """The recorded failures of ``cells`` not finished since, in the order of ``cells``: dicts
        with method, split, seed, train_size, key and error. An old store without the table (read
        only) has none."""
        with self._guard("read"):
            if not self._con.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND "
                                     "name='failures'").fetchone():
                return []
            failed = {k: e for k, e in self._con.execute(
                "SELECT f.key, f.error FROM failures f WHERE NOT EXISTS "
                "(SELECT 1 FROM cells c WHERE c.key = f.key)")}
        return [{"method": c.method, "split": c.split, "seed": c.seed,
                 "train_size": c.train_size, "key": c.key, "error": failed[c.key]}
                for c in cells if c.key in failed]

    # -- reading -------------------------------------------------------------------------------
    def finished_keys(self) -> set[str]:
        with self._guard("read"):
            return {k for (k,) in self._con.execute("SELECT key FROM cells")}

    def numerics(self, cells: Iterable[Cell]) -> dict[str, int]:
        """``{key: numerics version}`` of the stored cells among ``cells`` (1 in a store from
        before the version was recorded)."""
        keys = {c.key for c in cells}
        with self._guard("read"):
            if not self._has_numerics():
                return {k: 1 for k in self.finished_keys() & keys}
            return {k: int(v) for k, v in self._con.execute("SELECT key, numerics FROM cells")
                    if k in keys}

    def get(self, key: str) -> StoredCell | None:
        with self._guard("read"):
            row = self._con.execute(
                "SELECT metrics, history, wall_time FROM cells WHERE key=?", (key,)).fetchone()
        if row is None:
            return None
        metrics = self._json(row[0], f"metrics of cell {key[:12]}")
        if not isinstance(metrics, dict):
            raise StoreError(f"{self.path}: the metrics of cell {key[:12]} are not a JSON object; "
                             "move the file away and rerun")
        history = self._json(row[1], f"history of cell {key[:12]}")
        if not _is_history(history):
            raise StoreError(f"{self.path}: the history of cell {key[:12]} is not a JSON object of "
                             "per-epoch lists; move the file away and rerun")
        return {"metrics": metrics, "history": history, "wall_time": float(row[2])}


    def rows(self, cells: Iterable[Cell]) -> list[CellResult]:
        """One :class:`~augfit.experiments.stats.CellResult` per finished cell of ``cells``:
        method, split, seed, train_size, key, wall_time, the metrics and ``history``. Cells not
        finished yet are left out (count them against ``spec.cells()`` for a partial run)."""
        out = []
        for cell in cells:
            r = self.get(cell.key)
            if r is not None:
                out.append(CellResult.from_stored(cell.method, cell.split, cell.seed,
                                                  cell.train_size, cell.key, r["wall_time"],
                                                  r["metrics"], r["history"]))
        return out

    def examples(self, rows: Iterable[CellResult | Cell | str]) -> list[dict[str, np.ndarray]]:
        """Per-example test results of ``rows`` (results from :meth:`rows`, Cells or keys), in
        the same order: for each, ``{"test_correct": bool (n_test,), "test_loss_per_example":
        float32 (n_test,)}`` in the order of that cell's split's test set.

        Cells of the same (split, seed, train_size) share the test set, so a method's arrays
        align elementwise with the baseline's. A cell stored without them raises ConfigError.
        """
        out = []
        for r in rows:
            key = r if isinstance(r, str) else r.key
            with self._guard("read"):
                got = self._con.execute("SELECT n, correct, loss FROM examples WHERE key=?",
                                        (key,)).fetchone()
            if got is None:
                raise ConfigError(f"{self.path}: no per-example test results for cell {key[:12]}"
                                  f"; is it finished? (rerun the spec to complete it)")
            out.append(unpack_examples(*got))
        return out

    def runs(self) -> list[tuple[JSONDict, int]]:
        """Every stored spec (canonical form), latest first, with its number of stored cells."""
        rows = self._con.execute(
            "SELECT r.canonical, (SELECT COUNT(*) FROM cells c WHERE c.spec_hash = r.spec_hash) "
            "FROM runs r ORDER BY r.updated DESC").fetchall()
        return [(json.loads(c), int(n)) for c, n in rows]

    def latest_spec(self) -> JSONDict:
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

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def examples(path: str | Path, rows: Iterable[CellResult | Cell | str]
             ) -> list[dict[str, np.ndarray]]:
    """:meth:`Store.examples` of the store at ``path`` (a results folder or ``.sqlite`` file)."""
    with Store(path, readonly=True) as store:
        return store.examples(rows)


def load_results(out: str | Path) -> tuple[Spec, list[CellResult]]:
    """The latest spec stored in ``out`` and its finished rows."""
    spec, rows, _ = load_results_and_failures(out)
    return spec, rows


def load_results_and_failures(out: str | Path
                              ) -> tuple[Spec, list[CellResult], list[FailedCell]]:
    """The latest spec stored in ``out``, its finished rows and its failed cells."""
    path = Path(out)
    db = path if path.suffix in (".sqlite", ".db") else path / "results.sqlite"
    if not db.is_file():
        raise ConfigError(f"{out}: no results.sqlite here; run `augfit run SPEC --out {out}` first")
    with Store(db, readonly=True) as store:       # a report never writes into the store
        from ..spec import spec_from_canonical

        spec = spec_from_canonical(store.latest_spec(), source=str(db))
        return spec, store.rows(spec.cells()), store.failures(spec.cells())


__all__ = [
    "DB_NAME",
    "SCHEMA_VERSION",
    "FailedCell",
    "Store",
    "StoredCell",
    "examples",
    "load_results",
    "load_results_and_failures",
    "pack_examples",
    "unpack_examples",
]
