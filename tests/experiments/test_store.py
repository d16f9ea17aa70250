"""The SQLite store: one row per finished cell, spec canonical form + hash, reopen and read back."""
from __future__ import annotations

import json
import sqlite3

import pytest

from augfit.errors import ConfigError
from augfit.experiments.run.store import Store
from augfit.experiments.spec import parse_spec
from augfit.experiments.stats import CellResult

SPEC = {"dataset": {"name": "digits"}, "train_sizes": [20, 40], "seeds": 2,
        "methods": ["baseline", {"name": "drop", "dropout": 0.5}]}


def _result(i):
    return CellResult("m", 0, 0, 10, test_accuracy=0.5 + i / 100, gap_accuracy=0.1,
                      history={"val_loss": [1.0, 0.5 + i]}, wall_time=0.25 * i)


def test_put_reopen_and_rows(tmp_path):
    spec = parse_spec(SPEC)
    cells = spec.cells()
    with Store(tmp_path / "run") as st:
        st.record_spec(spec)
        for i, c in enumerate(cells[:3]):
            st.put(c, spec.hash, _result(i))
    with Store(tmp_path / "run") as st:               # a new connection sees every committed cell
        assert st.finished_keys() == {c.key for c in cells[:3]}
        rows = st.rows(cells)
        assert [(r["method"], r["seed"], r["train_size"]) for r in rows] == \
            [(c.method, c.seed, c.train_size) for c in cells[:3]]
        assert rows[2]["test_accuracy"] == pytest.approx(0.52)
        assert rows[2]["history"] == {"val_loss": [1.0, 2.5]}
        assert rows[2]["wall_time"] == pytest.approx(0.5)
        assert st.latest_spec() == spec.to_canonical()
    con = sqlite3.connect(tmp_path / "run" / "results.sqlite")
    (h, canon), = con.execute("SELECT spec_hash, canonical FROM runs").fetchall()
    assert h == spec.hash and json.loads(canon) == spec.to_canonical()
    assert con.execute("SELECT COUNT(*) FROM cells").fetchone() == (3,)


def test_rewriting_a_cell_keeps_one_row_and_empty_store_errors(tmp_path):
    spec = parse_spec(SPEC)
    c = spec.cells()[0]
    with Store(tmp_path / "r.sqlite") as st:
        with pytest.raises(ConfigError, match="holds no run"):
            st.latest_spec()
        st.put(c, spec.hash, _result(1))
        st.put(c, spec.hash, _result(2))
        assert len(st.rows([c])) == 1
        assert st.get(c.key)["metrics"]["test_accuracy"] == pytest.approx(0.52)
        assert st.get("nope") is None
