"""MLflow tracking of a run: one MLflow run per cell, nested under one parent run per results
folder.

Given ``augfit run SPEC --mlflow URI`` (or ``tracking: {mlflow: URI}`` in the spec, or
``run(..., mlflow=URI)``), after the cells are stored:

- the parent run (named after the spec, tagged with the results folder and the spec hash) gets
  the spec's settings as params and the report (``report.html``, ``report.md``, ``cells.csv``)
  as artifacts;
- each finished cell gets a child run with params ``method``, ``seed``, ``split`` (when the run
  has one) and ``train_size``, its per-epoch series as metrics ``epoch/NAME`` with ``step`` =
  epoch (1-based: ``epoch/train_loss``, ``epoch/val_accuracy``, ``epoch/gap_accuracy``, ...) and
  its final scalars under their own names (``test_accuracy``, ``val_loss`` of the kept model,
  ``gap_area``, ``wall_time``, ...) at step 0.

Rerunning (a resumed run) reuses the parent and logs only cells not logged yet, so nothing is
logged twice. MLflow is imported only here (``pip install 'augfit[mlflow]'``); nothing is sent
anywhere but ``URI`` (a local ``sqlite:///path.db`` store works offline). With a ``sqlite:///``
URI the artifacts go to ``mlartifacts/`` beside the database file.
"""
from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Any

from ..errors import ConfigError, MissingResourceError
from .spec import Spec

CELL_TAG = "augfit.cell"
DIR_TAG = "augfit.results_dir"
HASH_TAG = "augfit.spec_hash"
KEY_TAG = "augfit.parent_key"  # hash of (results folder, spec hash): safe inside a filter string
_BATCH = 1000  # MLflow's limit of metrics per log_batch call


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


def _client(uri: str) -> Any:
    check_mlflow(uri)
    from mlflow.tracking import MlflowClient

    return MlflowClient(tracking_uri=uri)


def _experiment(client: Any, uri: str, name: str) -> str:
    exp = client.get_experiment_by_name(name)
    if exp is not None:
        return str(exp.experiment_id)
    location = None
    if uri.startswith("sqlite:///"):
        db = Path(uri[len("sqlite:///"):]).resolve()
        location = (db.parent / "mlartifacts" / name).as_uri()
    return str(client.create_experiment(name, artifact_location=location))


def _scalar(v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    f = float(v)
    return f if math.isfinite(f) else None


def _cell_metrics(row: dict[str, Any], timestamp: int) -> list[Any]:
    from mlflow.entities import Metric

    out = []
    for name, series in sorted((row.get("history") or {}).items()):
        for e, v in enumerate(series):
            f = _scalar(v)
            if f is not None:
                out.append(Metric(f"epoch/{name}", f, timestamp, e + 1))
    for name, v in sorted(row.items()):
        f = _scalar(v)
        if name not in ("seed", "train_size") and f is not None:
            out.append(Metric(name, f, timestamp, 0))
    return out


def log_mlflow(uri: str, spec: Spec, out_dir: str | Path,
               cells: list[tuple[Any, dict[str, Any]]],
               report_paths: dict[str, Path] | None = None) -> str:
    """Log ``cells`` (pairs of a Cell and its stored row) under the parent run of ``out_dir``;
    returns the parent run's id."""
    import time

    from mlflow.entities import Param, RunTag

    client = _client(uri)
    exp_id = _experiment(client, uri, spec.name)
    folder = str(Path(out_dir).resolve())
    key = hashlib.sha256(f"{folder}\n{spec.hash}".encode()).hexdigest()
    found = client.search_runs([exp_id], filter_string=f"tags.`{KEY_TAG}` = '{key}'",
                               max_results=1)
    if found:
        parent = found[0].info.run_id
        client.update_run(parent, status="RUNNING")
    else:
        parent = client.create_run(exp_id, run_name=spec.name,
                                   tags={DIR_TAG: folder, HASH_TAG: spec.hash,
                                         KEY_TAG: key}).info.run_id
        c = spec.canonical
        settings = {"dataset": json.dumps(c["dataset"], sort_keys=True),
                    "features": json.dumps(c["features"]), "model": json.dumps(c["model"]),
                    "training": json.dumps(c["training"], sort_keys=True),
                    "seeds": json.dumps(c["seeds"]),
                    "train_sizes": json.dumps(c["train_sizes"]),
                    "methods": ", ".join(m.name for m in spec.methods),
                    "baseline": spec.baseline}
        client.log_batch(parent, params=[Param(k, v[:6000]) for k, v in settings.items()])
    logged = {r.data.tags.get(CELL_TAG) for r in client.search_runs(
        [exp_id], filter_string=f"tags.`mlflow.parentRunId` = '{parent}'", max_results=50000)}
    now = int(time.time() * 1000)
    for cell, row in cells:
        ident = f"{cell.key}:{cell.method}"
        if ident in logged:
            continue
        split = row.get("split")
        name = f"{cell.method} seed={cell.seed} n={cell.train_size}" + (
            f" split={split}" if split is not None else "")
        child = client.create_run(exp_id, run_name=name, tags={
            "mlflow.parentRunId": parent, CELL_TAG: ident}).info.run_id
        params = [Param("method", cell.method), Param("seed", str(cell.seed)),
                  Param("train_size", str(cell.train_size))]
        if split is not None:
            params.append(Param("split", str(split)))
        metrics = _cell_metrics(row, now)
        client.log_batch(child, metrics=metrics[:_BATCH], params=params,
                         tags=[RunTag("augfit.cell_key", cell.key)])
        for i in range(_BATCH, len(metrics), _BATCH):
            client.log_batch(child, metrics=metrics[i:i + _BATCH])
        client.set_terminated(child)
        logged.add(ident)
    for key in ("html", "markdown", "csv"):
        path = (report_paths or {}).get(key)
        if path is not None and Path(path).is_file():
            client.log_artifact(parent, str(path))
    client.set_terminated(parent)
    return str(parent)


__all__ = ["CELL_TAG", "DIR_TAG", "HASH_TAG", "KEY_TAG", "check_mlflow", "log_mlflow"]
