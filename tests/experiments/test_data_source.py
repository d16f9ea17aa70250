"""Experiments on the user's own data: ``run(spec, data=...)`` under every executor, loaders in
specs with paths resolved from the spec's folder, the content fingerprint in each cell's key (a
changed image trains again, with a warning), reports from the store alone, and plain scripts
without a main guard."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import cv2
import numpy as np
import pytest
import yaml

from augfit.data.datasets import load
from augfit.errors import ConfigError, DataChangedWarning
from augfit.experiments import load_results, run
from augfit.experiments.spec import parse_spec

GRID = {"model": {"hidden": [8]}, "training": {"epochs": 2, "batch_size": 16}, "seeds": 2,
        "train_sizes": [20], "bootstrap": {"resamples": 200},
        "methods": ["baseline", {"name": "drop", "dropout": 0.3}]}
SRC = str(Path(__file__).resolve().parents[2] / "src")


def _strip(rows):
    return {(r["method"], r["seed"], r["train_size"]):
            {k: v for k, v in r.items() if k not in ("wall_time", "key")} for r in rows}


def _digit_folder(root: Path, per_class: int = 25) -> Path:
    ds = load("digits")
    for d in (0, 1):
        (root / str(d)).mkdir(parents=True)
        for i, img in enumerate(ds.x[ds.y == d][:per_class]):
            cv2.imwrite(str(root / str(d) / f"{i:02d}.png"), (img * 255).astype(np.uint8))
    return root


@pytest.mark.slow
def test_in_memory_data_and_a_report_from_the_store_alone(tmp_path):
    ds = load("digits").subset(np.arange(200))
    a = run(GRID, data=ds, out=tmp_path / "a", report=False)
    b = run(GRID, data=(ds.x, ds.y), out=tmp_path / "a", report=False)   # same content: reused
    assert a.n_run == 4 and b.n_run == 0 and _strip(a.rows) == _strip(b.rows)
    assert a.spec.to_canonical()["dataset"]["name"] == "data"
    assert a.spec.dataset["fingerprint"] == b.spec.dataset["fingerprint"]
    # the report is rebuilt from the store alone, in a fresh process that never saw the data
    done = subprocess.run([sys.executable, "-m", "augfit.cli", "report", str(tmp_path / "a")],
                          capture_output=True, text=True, env={"PYTHONPATH": SRC})
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "a" / "report.html").is_file()


def test_changing_one_image_trains_again_with_a_warning(tmp_path, monkeypatch, capsys):
    folder = _digit_folder(tmp_path / "project" / "images")
    spec_file = tmp_path / "project" / "specs" / "mine.yaml"
    spec_file.parent.mkdir()
    spec_file.write_text(yaml.safe_dump(
        dict(GRID, dataset={"name": "image_folder", "options": {"path": "../images"}})))
    monkeypatch.chdir(tmp_path)                 # the path resolves from the spec, not from here
    out = tmp_path / "run"
    first = run(spec_file, out=out, report=False)
    assert first.n_run == 4
    assert first.spec.dataset["options"]["path"] == str(folder)
    again = run(spec_file, out=out, report=False)
    assert again.n_run == 0 and again.n_skipped == 4 and _strip(again.rows) == _strip(first.rows)
    img = cv2.imread(str(folder / "1" / "03.png"), cv2.IMREAD_UNCHANGED)
    cv2.imwrite(str(folder / "1" / "03.png"), 255 - img)
    with pytest.warns(DataChangedWarning, match=r"the data changed since the last run .* none of "
                                                r"its 4 stored cells are reused"):
        changed = run(spec_file, out=out, report=False)
    assert changed.n_run == 4 and changed.n_skipped == 0
    old_fp = first.spec.to_canonical()["dataset"]["fingerprint"]
    new_fp = changed.spec.to_canonical()["dataset"]["fingerprint"]
    assert old_fp != new_fp
    # the store keeps both, and reports only the current data's cells
    spec, rows = load_results(out)
    assert spec.to_canonical()["dataset"]["fingerprint"] == new_fp
    assert _strip(rows) == _strip(changed.rows) and len(rows) == 4
    # the command line says it in one plain line
    from augfit.cli import main

    first = cv2.imread(str(folder / "0" / "00.png"), cv2.IMREAD_UNCHANGED)
    cv2.imwrite(str(folder / "0" / "00.png"), 255 - first)
    assert main(["run", str(spec_file), "--out", str(out), "--workers", "1", "--quiet",
                 "--no-report"]) == 0
    shown = capsys.readouterr()
    assert "augfit: warning: " in shown.err and "the data changed since the last run" in shown.err
    assert "DataChangedWarning" not in shown.err
    assert "4 cells run, 0 already stored" in shown.out
    # the same data moved elsewhere is the same data: its cells are reused
    folder.rename(tmp_path / "project" / "moved")
    spec_file.write_text(spec_file.read_text().replace("../images", "../moved"))
    moved = run(spec_file, out=out, report=False)
    assert moved.n_run == 0 and moved.n_skipped == 4


def test_csv_in_a_spec_and_a_dataframe_give_the_same_cells(tmp_path):
    import pandas as pd

    words = ["good", "great", "fine", "bad", "awful", "poor"]
    rows = [(f"{words[i % 6]} film number {i}", "pos" if i % 6 < 3 else "neg") for i in range(60)]
    f = tmp_path / "reviews.tsv"
    f.write_text("review\tsentiment\n" + "".join(f"{t}\t{s}\n" for t, s in rows))
    spec = dict(GRID, features={"type": "text_hashing", "n_features": 64},
                dataset={"name": "csv", "options": {"path": "reviews.tsv",
                                                    "text_column": "review",
                                                    "label_column": "sentiment"}})
    spec_file = tmp_path / "s.yaml"
    spec_file.write_text(yaml.safe_dump(spec))
    from_file = run(spec_file, out=tmp_path / "f", report=False)
    df = pd.DataFrame(rows, columns=["review", "sentiment"])
    mem = dict(spec, dataset={})
    from_df = run(mem, data=(df, {"text": "review", "label": "sentiment"}), out=tmp_path / "d",
                  report=False)
    assert from_file.n_run == from_df.n_run == 4
    assert _strip(from_file.rows) == _strip(from_df.rows)
    # the columns may instead be named in the spec; same data, same fingerprint, cells reused
    named = dict(spec, dataset={"columns": {"text": "review", "label": "sentiment"}})
    again = run(named, data=df, out=tmp_path / "d", report=False)
    assert again.n_run == 0 and again.n_skipped == 4
    with pytest.raises(ConfigError, match=r"dataset.columns: names the columns of a pandas "
                                          r"DataFrame passed as run\(spec, data=df\)"):
        parse_spec(dict(spec, dataset={"name": "digits", "columns": {"text": "a", "label": "b"}}))
    with pytest.raises(ConfigError, match=r"dataset.columns: expected exactly one of text, image, "
                                          r"audio"):
        run(dict(spec, dataset={"columns": {"label": "sentiment"}}), data=df, out=tmp_path / "e")


def test_dataset_section_errors_with_and_without_data(tmp_path):
    with pytest.raises(ConfigError, match=r"dataset.name: the data is passed in memory "
                                          r"\(data=...\); the spec's dataset section may only "
                                          r"give split \(and columns"):
        run(dict(GRID, dataset={"name": "digits"}), data=load("digits"), out=tmp_path)
    with pytest.raises(ConfigError, match=r'dataset.name: "data" stands for data passed in '
                                          r"memory; call augfit.experiments.run\(spec, data=...\)"):
        parse_spec(dict(GRID, dataset={"name": "data"}))
    with pytest.raises(ConfigError, match=r"dataset: required field is missing"):
        parse_spec(GRID)
    with pytest.raises(ConfigError, match=r"dataset.fingerprint: expected a SHA-256 in hex"):
        parse_spec(dict(GRID, dataset={"name": "digits", "fingerprint": "abc"}))


def _script(tmp_path: Path, body: str) -> subprocess.CompletedProcess:
    f = tmp_path / "script.py"
    f.write_text(textwrap.dedent(body))
    return subprocess.run([sys.executable, str(f)], capture_output=True, text=True, cwd=tmp_path,
                          env={"PYTHONPATH": SRC}, timeout=300)


PLAIN = """
    import augfit as af
    print("script body ran")
    ds = af.datasets.load("digits").subset(list(range(200)))
    spec = {GRID!r}
    a = af.experiments.run(spec, data=ds, out="procs", workers=2, report=False)
    b = af.experiments.run(spec, data=ds, out="dask", workers=2, scheduler="local", report=False)
    c = af.experiments.run(spec, data=ds, out="here", workers=1, report=False)
    def strip(rows):
        return sorted(str({k: v for k, v in r.items() if k != "wall_time"}) for r in rows)
    print("cells", a.n_run, b.n_run, c.n_run)
    print("same numbers", strip(a.rows) == strip(b.rows) == strip(c.rows))
"""


@pytest.mark.slow
def test_plain_script_without_main_guard_runs_workers_and_dask_with_equal_numbers(tmp_path):
    done = _script(tmp_path, PLAIN.replace("{GRID!r}", repr(GRID)))
    assert done.returncode == 0, done.stderr[-2000:]
    # workers never re-ran the script: its body ran exactly once
    assert done.stdout.count("script body ran") == 1 and "cells 4 4 4" in done.stdout
    assert "same numbers True" in done.stdout


CUSTOM = """
    import numpy as np
    import augfit as af
    from augfit.registry import TRANSFORMS
    from augfit.transforms.base import Transform

    @TRANSFORMS.register()
    class Invert(Transform):
        def sample(self, rng, batch):
            return {{}}

        def apply(self, batch, params):
            return 1.0 - batch

    spec = {GRID!r}
    spec["methods"] = ["baseline", {{"name": "inv", "augment": [{{"type": "Invert"}}]}}]
    {CALL}
"""


@pytest.mark.slow
def test_transform_defined_in_the_script_needs_the_guard(tmp_path):
    call = ('r = af.experiments.run(spec, data=af.datasets.load("digits"), out="o", workers=2, '
            'report=False)')
    body = CUSTOM.replace("{GRID!r}", repr(GRID)).replace("{{", "{").replace("}}", "}")
    done = _script(tmp_path, body.replace("{CALL}", call))
    assert done.returncode == 1 and "Traceback" in done.stderr
    msg = done.stderr.strip().splitlines()[-1]
    assert "transform 'Invert' is defined in your script (__main__)" in done.stderr, msg
    assert 'if __name__ == "__main__":' in done.stderr
    guarded = textwrap.dedent(body.replace("{CALL}", "")) + textwrap.dedent(f"""
        if __name__ == "__main__":
            {call}
            print("cells", r.n_run)
    """)
    done = _script(tmp_path, guarded)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "cells 4" in done.stdout


def test_every_spec_path_resolves_from_the_spec_folder(tmp_path, monkeypatch):
    from augfit.experiments.spec import load_spec

    (tmp_path / "specs").mkdir()
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "specs" / "aug.yaml").write_text(yaml.safe_dump([{"type": "Rotate", "limit": 7}]))
    (tmp_path / "elsewhere" / "aug.yaml").write_text(yaml.safe_dump([{"type": "Rotate",
                                                                      "limit": 30}]))
    (tmp_path / "elsewhere" / "only_here.yaml").write_text("[{type: HorizontalFlip}]")
    spec = dict(GRID, dataset={"name": "image_folder", "options": {"path": "imgs"}},
                methods=["baseline", {"name": "rot", "augment": "aug.yaml"}])
    f = tmp_path / "specs" / "s.yaml"
    f.write_text(yaml.safe_dump(spec))
    monkeypatch.chdir(tmp_path / "elsewhere")
    s = load_spec(f)
    assert s.dataset["options"]["path"] == str(tmp_path / "specs" / "imgs")
    assert "'limit': 7" in str(s.method("rot").augment)
    spec["methods"][1]["augment"] = "only_here.yaml"           # in the working folder only
    f.write_text(yaml.safe_dump(spec))
    with pytest.raises(ConfigError, match=r"augment file 'only_here.yaml' not found \(looked for "
                                          r".*specs/only_here\.yaml; relative paths in a spec"):
        load_spec(f)

