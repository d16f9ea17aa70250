"""MLflow tracking of a run: one MLflow run per cell, nested under one parent run per results
folder.

Given ``augfit run SPEC --mlflow URI`` (or ``tracking: {mlflow: URI}`` in the spec, or
``run(..., mlflow=URI)``):

- the parent run (named after the spec, tagged with the results folder and the spec hash) is
  opened before the first cell, so a wrong URI or a read-only store fails at once; it gets the
  spec's settings as flat params (``training.lr``, ``dataset.split.val``, ...), and at the end the
  verdicts as metrics (``crop.d_test_accuracy``, ``crop.d_test_ci_low``, ``crop.p_adjusted``;
  ``crop.n200.`` for one training size) and tags (``verdict.crop`` = helps, ...), so the MLflow UI
  can sort and compare methods, and the report (``report.html``, ``report.md``, ``cells.csv``) as
  artifacts;
- each cell gets a child run as soon as it is stored, with params ``method``, ``seed``, ``split``
  (when the run has one), ``train_size`` and the method's settings, flat (``dropout``,
  ``augment.transforms.0.limit``, ...), its per-epoch series as metrics ``epoch/NAME`` with
  ``step`` = epoch (1-based: ``epoch/train_loss``, ``epoch/val_accuracy``, ...) and its final
  scalars under their own names (``test_accuracy``, ``val_loss`` of the kept model, ``gap_area``,
  ``wall_time``, ...) at step 0.

MLflow's own log lines (INFO) are kept out of augfit's output.

Rerunning (a resumed run) reuses the parent and logs only cells not logged yet, so nothing is
logged twice. MLflow is imported only here (``pip install 'augfit[mlflow]'``); nothing is sent
anywhere but ``URI`` (a local ``sqlite:///path.db`` store works offline). With a ``sqlite:///``
URI the artifacts go to ``mlartifacts/`` beside the database file.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import math
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from ...errors import ConfigError, MissingResourceError
from ...jsontypes import JSONLike
from ..spec import Cell, Spec
from ..stats import CellResult

if TYPE_CHECKING:
    from mlflow.entities import Metric
    from mlflow.tracking import MlflowClient

    from .store import Store

CELL_TAG = "augfit.cell"
DIR_TAG = "augfit.results_dir"
HASH_TAG = "augfit.spec_hash"
KEY_TAG = "augfit.parent_key"  # hash of (results folder, spec hash): safe inside a filter string
_BATCH = 1000  # MLflow's limit of metrics per log_batch call
_PARAM_MAX = 6000  # MLflow's limit of a param value's length


def check_mlflow(uri: object) -> None:
    """Raise a clear error unless ``uri`` is a URI string and MLflow can be imported."""
    if not isinstance(uri, str) or not uri:
        raise ConfigError(f"mlflow tracking URI must be a non-empty string such as "
                          f"sqlite:///mlflow.db, got {uri!r}")
    try:
        import mlflow.tracking  # noqa: F401
    except ImportError:
        raise MissingResourceError("--mlflow needs MLflow; install it with "
                                   "pip install 'augfit[mlflow]'") from None
    _reach(uri)


def _writable_sqlite(uri: str) -> None:
    """For a ``sqlite:///`` URI, ConfigError unless the database (or, before it exists, its
    folder, made if missing, as the results folder is) can be written now (MLflow's own client
    retries for minutes before it gives up)."""
    import sqlite3
    import tempfile

    db = Path(uri[len("sqlite:///"):])
    try:
        if db.exists():
            with contextlib.closing(sqlite3.connect(db, timeout=10)) as con:
                con.execute("BEGIN IMMEDIATE")
                con.rollback()
        else:
            db.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryFile(dir=db.parent):
                pass
    except (OSError, sqlite3.Error) as e:
        why = getattr(e, "strerror", None) or str(e)
        raise ConfigError(f"mlflow: the tracking store {db} cannot be written ({why}); choose a "
                          "writable place for --mlflow (or the spec's tracking.mlflow)") from None


def _reach(uri: str, timeout: float = 10.0) -> None:
    """For an http(s) tracking URI, ConfigError unless its server accepts a connection within
    ``timeout`` seconds (MLflow's own client would retry for minutes, after the whole run)."""
    import socket
    from urllib.parse import urlsplit

    if uri.startswith("sqlite:///"):
        _writable_sqlite(uri)
        return
    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        socket.create_connection((parts.hostname, port), timeout=timeout).close()
    except (OSError, ValueError) as e:
        why = getattr(e, "strerror", None) or type(e).__name__
        raise ConfigError(f"mlflow: cannot reach the tracking server {uri} ({why}); start it, or "
                          "fix --mlflow (or the spec's tracking.mlflow)") from None


@contextmanager
def _mlflow_errors(uri: str) -> Iterator[None]:
    """MLflow's (and its database layer's) exceptions as one ConfigError naming the URI."""
    try:
        yield
    except Exception as e:
        if not type(e).__module__.startswith(("mlflow", "sqlalchemy", "sqlite3", "requests")):
            raise
        first = " ".join(str(e).split()).split(". ")[0][:200]
        raise ConfigError(f"mlflow: the tracking URI {uri} cannot be used ({type(e).__name__}: "
                          f"{first}); fix --mlflow (or the spec's tracking.mlflow), e.g. "
                          "sqlite:///mlflow.db in a writable folder") from None


class _Verdict(Protocol):
    """What the tracker logs of a verdict (:class:`augfit.experiments.report.Verdict`)."""

    method: str
    train_size: int
    effect: str
    gap_tag: str
    d_test: float
    d_test_ci: tuple[float, float]
    level: float
    p_adjusted: float
    d_gap: float


class _Judged(Protocol):
    """What the tracker logs of a report (:class:`augfit.experiments.report.Report`, a room
    above this one): the primary verdicts and the exploratory per-size ones."""

    @property
    def primary(self) -> Sequence[_Verdict]: ...

    @property
    def verdicts(self) -> Sequence[_Verdict]: ...


def _client(uri: str) -> MlflowClient:
    check_mlflow(uri)
    from mlflow.tracking import MlflowClient

    return MlflowClient(tracking_uri=uri)


def _experiment(client: MlflowClient, uri: str, name: str) -> str:
    exp = client.get_experiment_by_name(name)
    if exp is not None:
        return str(exp.experiment_id)
    location = None
    if uri.startswith("sqlite:///"):
        db = Path(uri[len("sqlite:///"):]).resolve()
        location = (db.parent / "mlartifacts" / name).as_uri()
    return str(client.create_experiment(name, artifact_location=location))


def _scalar(v: object) -> float | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    f = float(v)
    return f if math.isfinite(f) else None


def _cell_metrics(row: CellResult, timestamp: int) -> list[Metric]:
    from mlflow.entities import Metric

    out = []
    for name, series in sorted(row.history.items()):
        for e, v in enumerate(series):
            f = _scalar(v)
            if f is not None:
                out.append(Metric(f"epoch/{name}", f, timestamp, e + 1))
    for name, value in sorted(row.items()):      # every scalar of the row
        f = _scalar(value)
        if name not in ("seed", "train_size") and f is not None:
            out.append(Metric(name, f, timestamp, 0))
    return out


def _flat(prefix: str, value: JSONLike) -> dict[str, str]:
    """Nested settings as flat MLflow params: ``{"a": {"b": [1, {"c": 2}]}}`` gives ``a.b.0 = 1``
    and ``a.b.1.c = 2``; a list of plain values stays one param (``train_sizes = [50, 100]``)."""
    if isinstance(value, dict):
        out: dict[str, str] = {}
        for k, v in value.items():
            out.update(_flat(f"{prefix}.{k}" if prefix else str(k), v))
        return out
    if isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
        out = {}
        for i, v in enumerate(value):
            out.update(_flat(f"{prefix}.{i}", v))
        return out
    text = value if isinstance(value, str) else json.dumps(value)
    return {prefix: text[:_PARAM_MAX]}


def _key(name: str) -> str:
    """A name as an MLflow metric or tag key (letters, digits, ``_ - . /`` and spaces)."""
    return re.sub(r"[^\w\-. /]", "_", name)


@contextmanager
def _quiet() -> Iterator[None]:
    """MLflow's and alembic's own INFO lines stay out of augfit's output."""
    loggers = [logging.getLogger(n) for n in ("mlflow", "alembic")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


class Tracker:
    """The MLflow side of one run into ``out_dir``.

    Made before the first cell runs, it opens (or, on a rerun, reopens) the parent run, so a
    wrong URI or an unwritable store fails before any training. Each cell is logged as soon as it
    is stored (:meth:`log_cell`), cells stored by an earlier run but not logged yet at the start
    (:meth:`log_stored`), and the verdicts and the report at the end (:meth:`finish`).
    """

    def __init__(self, uri: str, spec: Spec, out_dir: str | Path, cells: list[Cell]) -> None:
        with _quiet(), _mlflow_errors(uri):
            self.client = _client(uri)
            self.exp_id = _experiment(self.client, uri, spec.name)
            self.spec = spec
            self.parent = self._parent(str(Path(out_dir).resolve()))
            self.logged = {r.data.tags.get(CELL_TAG) for r in self.client.search_runs(
                [self.exp_id], filter_string=f"tags.`mlflow.parentRunId` = '{self.parent}'",
                max_results=50000)}
        self.by_key: dict[str, list[Cell]] = {}
        for c in cells:
            self.by_key.setdefault(c.key, []).append(c)

    def _parent(self, folder: str) -> str:
        from mlflow.entities import Param

        key = hashlib.sha256(f"{folder}\n{self.spec.hash}".encode()).hexdigest()
        found = self.client.search_runs([self.exp_id],
                                        filter_string=f"tags.`{KEY_TAG}` = '{key}'", max_results=1)
        if found:
            parent = str(found[0].info.run_id)
            self.client.update_run(parent, status="RUNNING")
            return parent
        parent = str(self.client.create_run(
            self.exp_id, run_name=self.spec.name,
            tags={DIR_TAG: folder, HASH_TAG: self.spec.hash, KEY_TAG: key}).info.run_id)
        c = self.spec.to_canonical()
        settings = _flat("", {k: c[k] for k in ("dataset", "features", "model", "training",
                                                 "seeds", "train_sizes") if k in c})
        settings.update({"methods": ", ".join(m.name for m in self.spec.methods),
                         "baseline": self.spec.baseline})
        params = [Param(k, v) for k, v in sorted(settings.items())]
        for i in range(0, len(params), 100):                # MLflow takes 100 params a call
            self.client.log_batch(parent, params=params[i:i + 100])
        return parent

    def log_stored(self, store: Store) -> None:
        """Log every stored cell not logged yet (a resumed run's earlier cells)."""
        for key in self.by_key:
            self.log_cell(store, key)

    def log_cell(self, store: Store, key: str) -> None:
        """Log each cell with this key (identical cells of several methods share one) as a child
        run, unless logged already or not stored."""
        with _quiet():
            for cell in self.by_key.get(key, []):
                ident = f"{cell.key}:{cell.method}"
                if ident in self.logged:
                    continue
                for row in store.rows([cell]):
                    self._child(cell, row, ident)
                    self.logged.add(ident)

    def _child(self, cell: Cell, row: CellResult, ident: str) -> None:
        import time

        from mlflow.entities import Param, RunTag

        name = f"{cell.method} seed={cell.seed} n={cell.train_size} split={row.split}"
        child = self.client.create_run(self.exp_id, run_name=name, tags={
            "mlflow.parentRunId": self.parent, CELL_TAG: ident}).info.run_id
        flat = {"method": cell.method, "seed": str(cell.seed), "train_size": str(cell.train_size),
                "split": str(row.split)}
        flat.update(_flat("", self.spec.method(cell.method).config()))
        params = [Param(k, v) for k, v in flat.items()]
        metrics = _cell_metrics(row, int(time.time() * 1000))
        self.client.log_batch(child, metrics=metrics[:_BATCH], params=params[:100],
                              tags=[RunTag("augfit.cell_key", cell.key)])
        for i in range(100, len(params), 100):
            self.client.log_batch(child, params=params[i:i + 100])
        for i in range(_BATCH, len(metrics), _BATCH):
            self.client.log_batch(child, metrics=metrics[i:i + _BATCH])
        self.client.set_terminated(child)

    def finish(self, report: _Judged | None = None,
               report_paths: dict[str, Path] | None = None) -> str:
        """The verdicts as the parent's metrics and tags, the report as its artifacts; closes it.
        Returns the parent run's id."""
        with _quiet():
            if report is not None:
                self._verdicts(report)
            for key in ("html", "markdown", "csv"):
                path = (report_paths or {}).get(key)
                if path is not None and Path(path).is_file():
                    self.client.log_artifact(self.parent, str(path))
            self.client.set_terminated(self.parent)
        return self.parent

    def abort(self) -> None:
        """Mark the parent run killed (an interrupted or failed run; a rerun reopens it)."""
        with _quiet():
            self.client.set_terminated(self.parent, status="KILLED")

    def _verdicts(self, report: _Judged) -> None:
        """Per method (its primary result) and per method and size (exploratory): Δ test
        accuracy, its interval at the row's level, the adjusted p (per size: unadjusted) and
        Δ gap as metrics ``METHOD.d_test_accuracy`` (``METHOD.nSIZE.`` per size), the verdict
        and gap tag as tags ``verdict.METHOD``."""
        import time

        from mlflow.entities import Metric, RunTag

        now = int(time.time() * 1000)
        metrics, tags = [], []
        # the answer's primary result per method, then the exploratory per-size rows
        keyed = [(v, v.method) for v in report.primary] + [
            (v, f"{v.method}.n{v.train_size}") for v in report.verdicts]
        for v, name in keyed:
            where = _key(name)
            values = {"d_test_accuracy": v.d_test, "d_test_ci_low": v.d_test_ci[0],
                      "d_test_ci_high": v.d_test_ci[1], "ci_level": v.level,
                      "p_adjusted": v.p_adjusted, "d_gap": v.d_gap}
            metrics += [Metric(f"{where}.{k}", f, now, 0) for k, x in values.items()
                        if (f := _scalar(x)) is not None]
            tags += [RunTag(f"verdict.{where}", v.effect), RunTag(f"gap.{where}", v.gap_tag)]
        for i in range(0, len(metrics), _BATCH):
            self.client.log_batch(self.parent, metrics=metrics[i:i + _BATCH])
        for i in range(0, len(tags), 100):
            self.client.log_batch(self.parent, tags=tags[i:i + 100])


__all__ = ["CELL_TAG", "DIR_TAG", "HASH_TAG", "KEY_TAG", "Tracker", "check_mlflow"]
