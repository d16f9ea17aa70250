"""Hostile input, second round (issue 20), in the runner: a cap on the grid, keys made in linear
time with progress, and progress updates that do not scan the grid."""
from __future__ import annotations

import numpy as np
import pytest

from augfit.errors import ConfigError, ShapeError
from augfit.experiments.report import run
from augfit.experiments.spec import Cell, parse_spec
from augfit.experiments.spec import spec as spec_module
from augfit.hashing import json_digest

TINY = {"dataset": {"name": "digits"}, "model": {"hidden": [8]}, "training": {"epochs": 1},
        "seeds": 2, "train_sizes": [20], "bootstrap": {"resamples": 100},
        "methods": ["baseline", {"name": "drop", "dropout": 0.2}]}


def test_a_grid_over_the_cap_is_refused_at_load_stating_its_size(tmp_path, monkeypatch):
    huge = dict(TINY, seeds=10_000, train_sizes=list(range(10, 110)), splits=10)
    with pytest.raises(ConfigError, match=r"the grid has 20000000 cells \(100 train_sizes x 10 "
                                          r"splits x 10000 seeds x 2 methods\), more than the cap "
                                          r"of 100000 cells; .*--max-cells N"):
        run(huge, out=tmp_path / "o", progress=False)
    assert not (tmp_path / "o").exists()                 # refused before anything was written
    with pytest.raises(ConfigError, match=r"the grid has 4 cells .* cap of 3 cells"):
        run(TINY, out=tmp_path / "o", progress=False, max_cells=3)
    monkeypatch.setenv("AUGFIT_MAX_CELLS", "3")
    with pytest.raises(ConfigError, match=r"cap of 3 cells"):
        run(TINY, out=tmp_path / "o", progress=False)
    monkeypatch.setenv("AUGFIT_MAX_CELLS", "many")
    with pytest.raises(ConfigError, match=r"AUGFIT_MAX_CELLS must be a positive integer"):
        run(TINY, out=tmp_path / "o", progress=False)


def test_cell_keys_are_the_canonical_digest_and_report_progress():
    spec = parse_spec(dict(TINY, seeds=2500, train_sizes=[10, 20, 30, 40, 50]))
    seen: list[int] = []
    cells = spec.cells(seen.append)
    assert len(cells) == 25_000 and seen == [10_000, 20_000]
    for c in (cells[0], cells[12_345], cells[-1]):     # the definition, replayed
        method = spec.method(c.method)
        assert c.key == json_digest({"common": spec.common(), "method": method.config(),
                                     "split": c.split, "seed": c.seed,
                                     "train_size": c.train_size})
    assert spec.cells() == cells                       # made once, then reused


def test_a_progress_update_does_not_scan_the_grid(tmp_path, monkeypatch):
    """Each update compared the finished cell with every cell of the grid (a 20,000-cell run
    slowed from 147 to 27 cells/s). Identical cells (same key) still advance the bar together."""
    compared = []
    original = Cell.__eq__

    def counting_eq(self, other):
        compared.append(1)
        return original(self, other)

    monkeypatch.setattr(Cell, "__eq__", counting_eq)
    twin = dict(TINY, methods=["baseline", {"name": "drop", "dropout": 0.2},
                               {"name": "drop2", "dropout": 0.2}])
    result = run(twin, out=tmp_path / "o", progress=False, workers=1, report=False)
    assert result.n_run == 4 and result.n_skipped == 2 and len(result.rows) == 6
    assert compared == []
    assert spec_module.MAX_CELLS == 100_000


# -- data contracts, checked when the data are loaded ---------------------------------------------
def _digits_like(n: int = 40) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.random((n, 8, 8)).astype(np.float32), np.arange(n) % 2


@pytest.mark.parametrize("make, message", [
    (lambda x: x * 255, r"float images must lie in \[0, 1\], got values in \[.*\]; divide by 255"),
    (lambda x: (x * 255).astype(np.int64), r"expected uint8 images .* got dtype int64"),
    (lambda x: x.astype(np.complex64), r"expected uint8 images .* got dtype complex64"),
])
def test_image_dtype_and_range_fail_at_load_not_in_the_first_cell(tmp_path, make, message):
    x, y = _digits_like()
    with pytest.raises(ShapeError, match=r"<dict>: dataset: images: " + message):
        run(dict(TINY, dataset={"split": {"val": 0.2, "test": 0.2}}), data=(make(x), y),
            out=tmp_path / "o", progress=False, workers=1)
    assert not (tmp_path / "o" / "results.sqlite").exists()


@pytest.mark.parametrize("method, message", [
    ({"name": "crop", "augment": [{"type": "RandomCrop", "size": 16}]},
     r"methods\[1\] \(crop\): the augment pipeline fails on this dataset's samples \(shape "
     r"\(8, 8\)\)"),
    ({"name": "huge", "augment": [{"type": "RandomResizedCrop", "size": [30000, 30000]}]},
     r"methods\[1\] \(huge\): RandomResizedCrop makes 30000x30000 images, more than 50000000 "
     r"pixels each"),
])
def test_a_crop_that_cannot_apply_fails_at_load(tmp_path, method, message):
    with pytest.raises(ConfigError, match=message):
        run(dict(TINY, methods=["baseline", method]), out=tmp_path / "o", progress=False)
    assert not (tmp_path / "o" / "results.sqlite").exists()


def test_a_model_over_the_parameter_cap_and_empty_data_fail_at_load(tmp_path):
    with pytest.raises(ConfigError, match=r"model: MLP\(in_features=64, hidden=\[30000, 30000\], "
                                          r"out_features=10\) would have .* more than the cap"):
        run(dict(TINY, model={"hidden": [30000, 30000]}), out=tmp_path / "o", progress=False)
    assert not (tmp_path / "o" / "results.sqlite").exists()
    with pytest.raises(ConfigError, match=r"the dataset holds no samples"):
        run(dict(TINY, dataset={"split": {"val": 0.2, "test": 0.2}}),
            data=(np.zeros((0, 8, 8), np.float32), np.zeros(0, np.int64)), out=tmp_path / "o",
            progress=False)


# -- late errors made early: the output folder, the cache, MLflow ---------------------------------
def test_an_output_folder_that_cannot_hold_results_fails_before_anything_runs(tmp_path):
    with pytest.raises(ConfigError, match=r"--out .*x.sqlite: the results folder .* not a "
                                          r"database file; pass a folder, e.g. --out .*/x"):
        run(TINY, out=tmp_path / "x.sqlite", progress=False)
    assert not (tmp_path / "x.sqlite").exists()
    (tmp_path / "f").write_text("")
    with pytest.raises(ConfigError, match=r"--out .*/f is a file, not a folder"):
        run(TINY, out=tmp_path / "f", progress=False)


def test_an_unusable_cache_folder_fails_before_the_first_cell(tmp_path, monkeypatch):
    (tmp_path / "cachefile").write_text("")
    monkeypatch.setenv("AUGFIT_CACHE", str(tmp_path / "cachefile"))
    with pytest.raises(ConfigError, match=r"the cache folder .*cachefile cannot be made .*set "
                                          r"AUGFIT_CACHE to a writable folder"):
        run(TINY, out=tmp_path / "o", progress=False)
    assert not (tmp_path / "o" / "results.sqlite").exists()


def test_an_unreachable_mlflow_server_fails_at_once(tmp_path):
    pytest.importorskip("mlflow")
    import socket

    with socket.socket() as s:                     # a port that was free a moment ago
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(ConfigError, match=rf"mlflow: cannot reach the tracking server "
                                          rf"http://127.0.0.1:{port}/ \(Connection refused\)"):
        run(TINY, out=tmp_path / "o", progress=False, mlflow=f"http://127.0.0.1:{port}/")
    assert not (tmp_path / "o" / "results.sqlite").exists()
    with pytest.raises(ConfigError, match=r"mlflow: the tracking URI file:///.*cannot be used "
                                          r"\(MlflowException"):
        run(TINY, out=tmp_path / "o", progress=False, mlflow=(tmp_path / "mlruns").as_uri())
