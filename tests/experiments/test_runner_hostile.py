"""Hostile input, second round (issue 20), in the runner: a cap on the grid, keys made in linear
time with progress, and progress updates that do not scan the grid."""
from __future__ import annotations

import pytest

import augfit.experiments.spec as spec_module
from augfit.errors import ConfigError
from augfit.experiments.runner import run
from augfit.experiments.spec import Cell, parse_spec
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
