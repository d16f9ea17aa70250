"""MLflow tracking against a real local sqlite:/// store: a child run per cell, per-epoch metrics,
the report as artifacts of the parent run, and no duplicates when a run is resumed."""
from __future__ import annotations

import pytest
import yaml

from augfit.cli import main
from augfit.errors import ConfigError
from augfit.experiments import load_results
from augfit.experiments.spec import load_spec, parse_spec

mlflow = pytest.importorskip("mlflow", reason="MLflow is the optional 'mlflow' extra")

TINY = {"name": "mlflow_tiny", "dataset": {"name": "digits"}, "model": {"hidden": [8]},
        "training": {"epochs": 3, "lr": 0.01}, "seeds": 2, "train_sizes": [40],
        "bootstrap": {"resamples": 100},
        "methods": ["baseline", {"name": "flip", "augment": [{"type": "HorizontalFlip"}]}]}


def test_cells_are_mlflow_runs_under_a_parent_with_the_report(tmp_path, capsys):
    from mlflow.tracking import MlflowClient

    spec = tmp_path / "tiny.yaml"
    spec.write_text(yaml.safe_dump(TINY))
    out, uri = tmp_path / "it's a run", f"sqlite:///{tmp_path / 'mlflow.db'}"  # a quote in a path
    args = ["run", str(spec), "--out", str(out), "--workers", "1", "--quiet", "--mlflow", uri]
    assert main(args) == 0
    printed = capsys.readouterr()
    assert "mlflow: parent run" in printed.out
    assert "INFO" not in printed.out + printed.err        # MLflow's and alembic's own lines

    client = MlflowClient(tracking_uri=uri)
    exp = client.get_experiment_by_name("mlflow_tiny")
    runs = client.search_runs([exp.experiment_id])
    parents = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    children = [r for r in runs if "mlflow.parentRunId" in r.data.tags]
    assert len(parents) == 1 and len(children) == 4
    parent = parents[0]
    assert {c.data.tags["mlflow.parentRunId"] for c in children} == {parent.info.run_id}
    assert {a.path for a in client.list_artifacts(parent.info.run_id)} >= \
        {"report.html", "report.md", "cells.csv"}
    assert (tmp_path / "mlartifacts").is_dir()  # beside the database, not in the cwd

    _, rows = load_results(out)
    by_id = {(r["method"], r["seed"], r["train_size"]): r for r in rows}
    for c in children:
        p = c.data.params
        row = by_id[(p["method"], int(p["seed"]), int(p["train_size"]))]
        hist = client.get_metric_history(c.info.run_id, "epoch/val_loss")
        assert [m.step for m in hist] == [1, 2, 3]
        assert [m.value for m in hist] == pytest.approx(row["history"]["val_loss"])
        assert c.data.metrics["test_accuracy"] == pytest.approx(row["test_accuracy"])
        assert c.data.metrics["val_loss"] == pytest.approx(row["val_loss"])  # the kept model's
        assert c.info.status == "FINISHED"
        # the method's settings, flat: the flip's transform type, the dropout of every method
        assert p["dropout"] == "0.0"
        types = [v for k, v in p.items() if k.startswith("augment") and k.endswith("type")]
        assert ("HorizontalFlip" in types) == (p["method"] == "flip")

    # the verdicts as the parent's metrics and tags, equal to the report's
    from augfit.experiments.report import report

    rep = report(out).report
    got = client.get_run(parent.info.run_id).data
    keyed = [(v, v.method) for v in rep.primary] + [
        (v, f"{v.method}.n{v.train_size}") for v in rep.verdicts]
    for v, where in keyed:
        assert got.metrics[f"{where}.d_test_accuracy"] == pytest.approx(v.d_test)
        assert got.metrics[f"{where}.d_test_ci_low"] == pytest.approx(v.d_test_ci[0])
        assert got.metrics[f"{where}.p_adjusted"] == pytest.approx(v.p_adjusted)
        assert got.tags[f"verdict.{where}"] == v.effect
    assert "flip.n40.d_test_accuracy" in got.metrics and got.params["training.lr"] == "0.01"
    assert "flip.d_test_accuracy" in got.metrics and "verdict.flip" in got.tags     # the answer

    # a rerun (everything stored) reuses the parent and logs no cell twice
    assert main(args) == 0
    assert len(client.search_runs([exp.experiment_id])) == 5


def test_spec_tracking_field_resolves_a_relative_sqlite_path_from_the_spec(tmp_path):
    spec = tmp_path / "sub" / "s.yaml"
    spec.parent.mkdir()
    spec.write_text(yaml.safe_dump(dict(TINY, tracking={"mlflow": "sqlite:///m.db"})))
    s = load_spec(spec)
    assert s.tracking == {"mlflow": f"sqlite:///{(tmp_path / 'sub' / 'm.db').resolve()}"}
    assert "tracking" not in s.to_canonical()  # not part of what results depend on
    assert parse_spec(TINY).hash == s.hash
    with pytest.raises(ConfigError, match=r"tracking\.mlfow: unknown field; did you mean 'mlflow'"):
        parse_spec(dict(TINY, tracking={"mlfow": "x"}))


def test_each_cell_is_logged_when_stored_and_an_interrupted_run_is_marked_killed(
        tmp_path, monkeypatch):
    """A run stopped after two cells has those two in MLflow already; the rerun logs the rest."""
    from mlflow.tracking import MlflowClient

    from augfit.experiments.report import run
    from augfit.experiments.run.store import Store

    spec = tmp_path / "tiny.yaml"
    spec.write_text(yaml.safe_dump(TINY))
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    put = Store.put
    calls = []

    def put_then_stop(self, *a, **k):       # Ctrl-C while the third cell is being stored
        if len(calls) == 2:
            raise KeyboardInterrupt
        put(self, *a, **k)
        calls.append(1)

    monkeypatch.setattr(Store, "put", put_then_stop)
    with pytest.raises(KeyboardInterrupt):
        run(spec, out=tmp_path / "o", workers=1, progress=False, mlflow=uri)
    client = MlflowClient(tracking_uri=uri)
    exp = client.get_experiment_by_name("mlflow_tiny")
    runs = client.search_runs([exp.experiment_id])
    parent = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    assert len(runs) == 3 and len(parent) == 1 and parent[0].info.status == "KILLED"
    monkeypatch.setattr(Store, "put", put)
    run(spec, out=tmp_path / "o", workers=1, progress=False, mlflow=uri)
    runs = client.search_runs([exp.experiment_id])
    assert len(runs) == 5
    assert [r.info.status for r in runs if "mlflow.parentRunId" not in r.data.tags] == ["FINISHED"]


def test_until_decided_logs_the_looks_verdicts_and_the_report_to_the_parent_run(tmp_path):
    from mlflow.tracking import MlflowClient

    from augfit.experiments.report.decide import run_until_decided

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    spec = dict(TINY, splits=2, training={"epochs": 10, "lr": 0.01})
    res = run_until_decided(spec, out=tmp_path / "o", max_splits=2, workers=1, progress=False,
                            mlflow=uri)
    assert res.sequential[0].startswith("1 round(s) ran of at most 1")
    client = MlflowClient(tracking_uri=uri)
    exp = client.get_experiment_by_name("mlflow_tiny")
    parents = [r for r in client.search_runs([exp.experiment_id])
               if "mlflow.parentRunId" not in r.data.tags]
    assert [p.info.run_id for p in parents] == [res.mlflow_run_id]
    got = client.get_run(res.mlflow_run_id)
    (flip,) = res.report.primary                   # the answer judged at the look
    assert got.data.tags["verdict.flip"] == flip.effect
    assert got.data.metrics["flip.ci_level"] == pytest.approx(flip.level)
    assert got.data.metrics["flip.d_test_ci_low"] == pytest.approx(flip.d_test_ci[0])
    assert got.info.status == "FINISHED"
    assert {a.path for a in client.list_artifacts(res.mlflow_run_id)} >= {"report.html",
                                                                         "report.md"}
