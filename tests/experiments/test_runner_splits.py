"""The split as a grid axis, selection-free endpoints and the per-example store (issue 10,
part A)."""
from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from augfit.data.datasets import load
from augfit.data.splits import distinct_splits, repeated_splits
from augfit.errors import ConfigError
from augfit.experiments import run
from augfit.experiments.report import report
from augfit.experiments.run.cell import carried_area, max_splits, splits, training_subset
from augfit.experiments.run.runner import check_splits
from augfit.experiments.run.store import Store, pack_examples, unpack_examples
from augfit.experiments.spec import parse_spec

GRID = {"name": "grid", "dataset": {"name": "digits"}, "model": {"hidden": [8]},
        "training": {"epochs": 3, "batch_size": 32, "lr": 0.01}, "splits": 2, "seeds": 1,
        "train_sizes": [40], "bootstrap": {"resamples": 200},
        "methods": ["baseline", {"name": "drop", "dropout": 0.5}]}


# -- spec fields ---------------------------------------------------------------------------------
@pytest.mark.parametrize("fields, expected", [
    ({"splits": 1, "seeds": 1}, "splits: splits x seeds = 1 x 1 gives one pair per comparison; the "
                                "intervals need at least 2 independent (split, seed) units"),
    ({"splits": 1, "seeds": [7]}, "set seeds: 5 (or more), or splits: 3"),
    ({"splits": 0}, "splits: expected an integer in [1, 10000], got 0"),
    ({"splits": 2.5}, "splits: expected an integer in [1, 10000], got 2.5"),
    ({"bootstrap": {"confidence": 0.5}}, "bootstrap.confidence: expected a number in (0.5, 1), "
                                         "got 0.5"),
    ({"bootstrap": {"confidence": 1.0}}, "bootstrap.confidence: expected a number in (0.5, 1)"),
    ({"notes": {"tuned_on": 3}}, "notes.tuned_on: expected a string or a list of strings, got 3"),
    ({"notes": "pilot"}, "notes: expected a mapping"),
])
def test_bad_grid_fields_are_named(fields, expected):
    with pytest.raises(ConfigError) as e:
        parse_spec(dict(GRID, **fields), source="pipelines/g.yaml")
    assert str(e.value).startswith("pipelines/g.yaml: ") and expected in str(e.value)


def test_cells_are_keyed_by_split_and_notes_do_not_change_keys():
    spec = parse_spec(dict(GRID, splits=3, seeds=2))
    cells = spec.cells()
    assert len(cells) == 3 * 2 * 2 and len({c.key for c in cells}) == 12
    assert [(c.split, c.seed, c.method) for c in cells[:5]] == [
        (0, 0, "baseline"), (0, 0, "drop"), (0, 1, "baseline"), (0, 1, "drop"), (1, 0, "baseline")]
    noted = parse_spec(dict(GRID, splits=3, seeds=2, notes={"tuned_on": ["split 0", "seeds 0-1"]}))
    assert noted.notes == {"tuned_on": ["split 0", "seeds 0-1"]}
    assert noted.to_canonical()["notes"] == noted.notes and noted.to_canonical()["splits"] == 3
    assert [c.key for c in noted.cells()] == [c.key for c in cells]      # results are reused
    assert parse_spec(dict(GRID, seeds=2)).splits == 2 and parse_spec(
        {k: v for k, v in GRID.items() if k != "splits"} | {"seeds": 2}).splits == 1


# -- repeated splits -----------------------------------------------------------------------------
def test_distinct_split_counts_by_hand():
    y = np.array([0, 0, 0, 1, 1, 1])
    # stratified, 1 test + 1 val per class: each class deals 3 samples 3!/(1!1!1!) = 6 ways
    assert distinct_splits(y, None, 2, 2, 2) == 36
    # not stratified: 6!/(2!2!2!) = 90
    assert distinct_splits(y, None, 2, 2, 2, stratify=False) == 90
    # six equal groups, one for test and one for val: 6!/(1!1!4!) = 30
    assert distinct_splits(y, np.arange(6), 1, 1, 2, by_group=True) == 30
    # an official (fixed) test set: only val varies, 3 per class choose 1 -> 9
    assert distinct_splits(y, None, 2, 0, 2, fixed_test=True) == 9
    with pytest.raises(ConfigError, match=r"fixed_test=True\): the test set is given.*pass "
                       r"n_test=0, got 2"):
        distinct_splits(y, None, 2, 2, 2, fixed_test=True)
    assert distinct_splits(np.zeros(10**5, int), None, 10**4, 10**4, 1) == 10**9      # capped


def test_repeated_splits_reach_exactly_the_maximum():
    def draw(rng):                     # 4 samples, 1 test, 1 val: 4 * 3 = 12 different splits
        p = rng.permutation(4)
        return np.sort(p[2:]), p[1:2], p[:1]

    assert distinct_splits(np.zeros(4, int), None, 1, 1, 1, stratify=False) == 12
    got = repeated_splits(draw, 12, seed=5, maximum=12)
    assert len({(int(v[0]), int(t[0])) for _, v, t in got}) == 12
    assert repeated_splits(draw, 3, seed=5, maximum=12)[2][1] == got[2][1]    # prefix-stable
    with pytest.raises(ConfigError, match=r"found only 12 different splits .* at most 12"):
        repeated_splits(draw, 13, seed=5, maximum=12)


def test_split_zero_is_the_seeds_split_and_others_differ_stratified():
    spec = parse_spec(dict(GRID, splits=3, dataset={"name": "digits", "split": {"seed": 4}}))
    ds = load("digits")
    train0, val0, test0 = splits(spec, 0)
    ref = ds.split(val=0.2, test=0.2, seed=4)
    assert all(np.array_equal(a.x, b.x) for a, b in zip((train0, val0, test0), ref, strict=True))
    tests = [splits(spec, k)[2] for k in range(3)]
    for k in range(3):
        tr, va, te = splits(spec, k)
        assert (len(tr), len(va), len(te)) == (1079, 359, 359)
        # stratified the same way in every split (exact per-class counts)
        assert np.array_equal(np.bincount(te.y), np.bincount(test0.y))
    rows = [{t.x[i].tobytes() for i in range(len(t))} for t in tests]
    assert rows[0] != rows[1] and rows[1] != rows[2] and rows[0] != rows[2]
    assert max_splits(spec) == 10**9


def test_pairs_share_split_subsample_and_test_set_splits_do_not():
    spec = parse_spec(GRID)
    cells = {(c.method, c.split): c for c in spec.cells()}
    tr0, _, _ = splits(spec, 0)
    tr1, _, _ = splits(spec, 1)
    a = training_subset(spec, tr0, cells[("baseline", 0)])
    b = training_subset(spec, tr0, cells[("drop", 0)])
    c = training_subset(spec, tr1, cells[("baseline", 1)])
    assert np.array_equal(a.x, b.x) and not np.array_equal(a.x, c.x)


def test_official_test_stays_fixed_val_varies_and_too_many_splits_is_an_error(fsdd_path):
    opts = {"path": str(fsdd_path), "speakers": ["theo", "lucas"], "length": 800}
    spec = parse_spec(dict(GRID, splits=2, dataset={
        "name": "fsdd", "options": opts, "split": {"test": "official", "val": 0.2}}))
    (_, va0, te0), (_, va1, te1) = splits(spec, 0), splits(spec, 1)
    assert np.array_equal(te0.x, te1.x) and len(te0) == 100
    assert not np.array_equal(va0.x, va1.x) and len(va0) == len(va1) == 180
    # three speakers, one for test and one for val: 3!/(1!1!1!) = 6 different splits
    opts3 = dict(opts, speakers=["theo", "lucas", "jackson"])
    grouped = {"name": "fsdd", "options": opts3,
               "split": {"test": 0.33, "val": 0.33, "by_group": True}}
    spec7 = parse_spec(dict(GRID, splits=7, dataset=grouped), source="pipelines/s.yaml")
    assert max_splits(spec7) == 6
    with pytest.raises(ConfigError) as e:
        check_splits(spec7)
    assert str(e.value) == ("pipelines/s.yaml: splits: 7 is more than the 6 different splits that "
                            "these data and dataset.split allow; set splits: 6 or less (or make "
                            "val/test larger)")
    spec6 = parse_spec(dict(GRID, splits=6, dataset=grouped))
    tests = {tuple(sorted(set(splits(spec6, k)[2].groups))) for k in range(6)}
    vals = {(tuple(sorted(set(splits(spec6, k)[1].groups))),
             tuple(sorted(set(splits(spec6, k)[2].groups)))) for k in range(6)}
    assert len(vals) == 6 and len(tests) == 3


# -- endpoints -----------------------------------------------------------------------------------
def test_carried_area_by_hand():
    assert carried_area(np.array([0.1, 0.3]), 4) == pytest.approx(0.1 + 0.3 * 3)
    assert carried_area(np.array([0.1, 0.3, 0.2]), 3) == pytest.approx(0.6)
    assert carried_area(np.array([0.5]), 1) == 0.5


# -- the store -----------------------------------------------------------------------------------
@pytest.mark.parametrize("n", [1, 7, 8, 13])
def test_examples_pack_roundtrip(n):
    rng = np.random.default_rng(n)
    correct, loss = rng.random(n) < 0.5, rng.random(n).astype(np.float32) * 3
    size, bits, raw = pack_examples(correct, loss)
    assert size == n and len(bits) == (n + 7) // 8 and len(raw) == 4 * n
    back = unpack_examples(size, bits, raw)
    assert np.array_equal(back["test_correct"], correct) and back["test_correct"].dtype == bool
    assert np.array_equal(back["test_loss_per_example"], loss)


def test_old_schema_store_is_refused_naming_the_file_and_the_fix(tmp_path):
    db = tmp_path / "results.sqlite"
    con = sqlite3.connect(db)                    # what augfit wrote before splits existed
    con.executescript("CREATE TABLE runs (spec_hash TEXT PRIMARY KEY, name TEXT NOT NULL, "
                      "source TEXT, canonical TEXT NOT NULL, created REAL, updated REAL);"
                      "CREATE TABLE cells (key TEXT PRIMARY KEY, spec_hash TEXT, method TEXT, "
                      "seed INTEGER, train_size INTEGER, metrics TEXT, history TEXT, "
                      "wall_time REAL, finished REAL);")
    con.close()
    with pytest.raises(ConfigError) as e:
        Store(tmp_path)
    msg = str(e.value)
    assert msg.startswith(f"{db} holds results of an older augfit (results schema 1")
    assert "rename it to results.sqlite.v1) or pass another --out folder" in msg
    with pytest.raises(ConfigError, match="older augfit"):
        run(GRID, out=tmp_path, report=False)
    con = sqlite3.connect(db)
    con.execute("PRAGMA user_version = 9")
    con.close()
    with pytest.raises(ConfigError, match=r"newer augfit \(results schema 9"):
        Store(db)


def test_run_stores_aligned_examples_and_reports_partial_runs(tmp_path):
    res = run(GRID, out=tmp_path, report=False)
    assert res.n_run == 4 and res.n_missing == 0
    assert sorted((r["method"], r["split"]) for r in res.rows) == [
        ("baseline", 0), ("baseline", 1), ("drop", 0), ("drop", 1)]
    ex = res.examples()
    for r, e in zip(res.rows, ex, strict=True):
        test = splits(res.spec, r["split"])[2]
        assert e["test_correct"].shape == (len(test),)
        assert r["test_accuracy"] == pytest.approx(e["test_correct"].mean())
        assert r["gap_accuracy"] == pytest.approx(r["train_accuracy"] - r["test_accuracy"])
    with Store(tmp_path) as st:
        assert [e["test_correct"].tolist() for e in st.examples([r["key"] for r in res.rows])] \
            == [e["test_correct"].tolist() for e in ex]
        with pytest.raises(ConfigError, match="no per-example test results for cell"):
            st.examples(["0" * 64])
        # a bigger spec recorded but not run: the report counts what is missing
        bigger = parse_spec(dict(GRID, seeds=3)).with_fingerprint(
            res.spec.to_canonical()["dataset"]["fingerprint"])       # run() records the data's too
        st.record_spec(bigger)
    rep = report(tmp_path)
    assert len(rep.rows) == 4 and rep.n_missing == len(bigger.cells()) - 4 == 8
