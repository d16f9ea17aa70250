"""``augfit plan``: the variance components and the minimum detectable effect by hand, the design
chosen, the pilot on splits the run never uses, and the planned spec."""
from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
import pytest
import yaml

from augfit.cli import main
from augfit.errors import ConfigError
from augfit.experiments.report import RunResult
from augfit.experiments.report.decide import run_until_decided
from augfit.experiments.report.document import fresh_splits, tuned_on
from augfit.experiments.report.plan import choose, components, mde, pilot_sds, pilot_spec, plan
from augfit.experiments.report.verdicts import warnings_for
from augfit.experiments.run.budget_check import still_rising, under_trained
from augfit.experiments.spec import load_spec, parse_spec

SPEC = {"name": "tiny_plan", "dataset": {"name": "digits"}, "model": {"hidden": [16]},
        "training": {"epochs": 20, "batch_size": 16, "lr": 0.01}, "splits": 3, "seeds": 2,
        "train_sizes": [40, 80], "bootstrap": {"resamples": 1000},
        "methods": ["baseline", {"name": "rotate", "augment": [{"type": "Rotate", "limit": 10}]},
                    {"name": "dropout", "dropout": 0.3}]}


def test_variance_components_by_hand():
    # splits 0: [1, 3], 1: [5, 7]; within = ((1-2)^2 + (3-2)^2 + (5-6)^2 + (7-6)^2) / 2 = 2;
    # split means 2, 6: variance 8, less within / 2 seeds: between^2 = 7
    between, within = components({(0, 0): 1.0, (0, 1): 3.0, (1, 0): 5.0, (1, 1): 7.0})
    assert between == pytest.approx(math.sqrt(7)) and within == pytest.approx(math.sqrt(2))
    assert components({(0, 0): 1.0, (0, 1): 1.0, (1, 0): 1.0, (1, 1): 1.0}) == (0.0, 0.0)


def test_minimum_detectable_effect_by_hand_and_the_design_chosen():
    # within sd 2 pp, 10 splits x 2 seeds: se = 0.02 / sqrt(20); t_9 quantiles 2.2622 + 0.8834
    assert mde(0.0, 0.02, 10, 2, 1, 0.05) == pytest.approx(3.1456 * 0.02 / math.sqrt(20),
                                                           rel=1e-4)
    # Holm's first step over 4 methods: alpha / 4, t_9 at 1 - 0.05 / 8 = 3.1110
    assert mde(0.0, 0.02, 10, 2, 4, 0.05) == pytest.approx(
        (3.1110 + 0.8834) * 0.02 / math.sqrt(20), rel=1e-3)
    # the fewest units reaching 1.5 pp: 9 x 2 gives 1.506 pp, 10 x 2 gives 1.407 pp; 3 or 4 seeds
    # at <= 20 units stay above 1.5 pp (6 x 3: 1.646, 5 x 4: 1.662)
    assert choose({"a": (0.0, 0.02)}, 0.015, 0.05, 30)[:2] == (10, 2)
    splits, seeds, e, reached = choose({"a": (0.0, 0.02)}, 0.001, 0.05, 12)
    assert (splits, seeds, reached) == (12, 2, False) and e > 0.001
    with pytest.raises(ConfigError, match="more splits than seeds"):
        choose({"a": (0.0, 0.02)}, 0.015, 0.05, 2)


def test_budget_check_by_hand():
    assert still_rising([0.5] * 18 + [0.6, 0.62])          # last 10%: 0.61 vs 0.5 before
    assert not still_rising([0.5] * 18 + [0.5, 0.502])
    rows = [{"method": "baseline", "train_accuracy": 1.0, "epochs_run": 20,
             "history": {"val_accuracy": [0.9] * 20}},
            {"method": "aug", "train_accuracy": 0.97, "epochs_run": 20,
             "history": {"val_accuracy": [0.9] * 20}},
            {"method": "slow", "train_accuracy": 1.0, "epochs_run": 20,
             "history": {"val_accuracy": [0.5] * 18 + [0.6, 0.62]}}]
    got = under_trained(rows, "baseline", 20)
    assert set(got) == {"aug", "slow"}
    assert got["aug"] == "clean train accuracy 97.0% while baseline's is 100%"
    assert got["slow"].startswith("val accuracy still rising over the last 10% of the budget")


def test_a_pilot_on_the_runs_splits_is_refused():
    spec = parse_spec(SPEC)
    p = pilot_spec(spec, 2, 2, None, 10)
    assert (p.first_split, p.splits, p.seeds) == (10, 2, [0, 1])
    assert sorted({c.split for c in p.cells()}) == [10, 11]
    # the run's own rule (runner.check_pilot_overlap), with plan's advice
    with pytest.raises(ConfigError, match=r"this run's splits 0-9 overlap the splits 5-6 a pilot "
                                          r"already looked at .* pass --pilot-first-split 10 "
                                          r"\(or more\) to augfit plan"):
        pilot_spec(spec, 2, 2, 5, 10)
    assert pilot_spec(spec, 2, 2, 10, 10).first_split == 10          # just past the run's
    with pytest.raises(ConfigError, match=r"--pilot-splits must be an int >= 2 \(the "
                                          r"between-split variance needs 2\), got 1"):
        pilot_spec(spec, 1, 2, None, 10)
    with pytest.raises(ConfigError, match="--pilot-seeds 3 is more than the spec's 2 seeds"):
        pilot_spec(spec, 2, 3, None, 10)


def test_plan_runs_a_pilot_and_writes_the_design(tmp_path, capsys):
    src = tmp_path / "tiny.yaml"
    src.write_text(yaml.safe_dump(SPEC, sort_keys=False))
    res = plan(src, smallest=2.0, out=tmp_path / "pilot", max_splits=20, progress=False)
    assert res.pilot_cells == 3 * 2 * 2 * 2
    assert res.path == tmp_path / "tiny.planned.yaml"
    written = load_spec(res.path)
    assert (written.splits, len(written.seeds), written.first_split) == (res.splits,
                                                                          res.seeds, 0)
    assert written.notes["pilot_splits"] == "20-21"
    # the design was sized for ±2 pp: the confirmatory run judges negligible at 2 pp too
    assert written.answer == {"smallest_effect": 2.0} and written.smallest_effect == 0.02
    assert res.spec.answer == {"smallest_effect": 2.0}
    # its splits are disjoint from the pilot's: the report says so instead of "optimistic"
    assert fresh_splits(written) == f"20-21, disjoint from this run's splits 0-{res.splits - 1}"
    assert written.notes["tuned_on"].startswith("augfit plan pilot: splits 20-21 x seeds [0, 1]")
    assert res.reached == (res.mde <= 2.0) and res.splits > res.seeds
    text = res.text().splitlines()
    assert text[0].startswith("pilot: splits 20-21 x 2 seeds, 24 cells")
    assert any(t.startswith(f"design: {res.splits} splits x {res.seeds} seeds") for t in text)
    # the planned spec cannot be run past the pilot's splits
    with pytest.raises(ConfigError, match="overlap the splits 20-21 a pilot already looked at"):
        run_until_decided(res.path, out=tmp_path / "r", max_splits=25)
    # the CLI: the same pilot is stored, so only the estimates run again
    assert main(["plan", str(src), "--smallest-effect", "2", "--out", str(tmp_path / "pilot"),
                 "--max-splits", "20", "--quiet", "--workers", "1"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == text[0]
    assert main(["plan", str(src), "--pilot-first-split", "3", "--quiet"]) == 2
    assert "--pilot-first-split 30" in capsys.readouterr().err


def _pilot(rows):
    spec = parse_spec(dict(SPEC, methods=["baseline", "rotate"], train_sizes=[40]))
    return RunResult(spec, Path("."), rows, None)


def _row(method, split, seed, acc):
    return {"method": method, "split": split, "seed": seed, "train_size": 40,
            "test_accuracy": acc}


def test_a_pilot_without_two_splits_of_paired_units_or_with_failures_is_refused():
    # splits 0: Δ 0.1, 0.3; 1: Δ 0.5, 0.7 (test_variance_components_by_hand's numbers)
    rows = [r for s, sd, d in [(0, 0, .1), (0, 1, .3), (1, 0, .5), (1, 1, .7)]
            for r in (_row("baseline", s, sd, 0.1), _row("rotate", s, sd, 0.1 + d))]
    sd, by_size = pilot_sds(_pilot(rows))
    assert sd["rotate"] == pytest.approx((math.sqrt(0.07), math.sqrt(0.02)))
    assert by_size[("rotate", 40)] == pytest.approx(np.std([.1, .3, .5, .7], ddof=1))
    # one split (or none) of paired units: no between-split sd, so no design
    for kept in ([r for r in rows if r["split"] == 0],
                 [r for r in rows if r["method"] == "baseline" or r["split"] == 1]):
        with pytest.raises(ConfigError, match=r"paired units of rotate and baseline on 1 "
                                              r"split\(s\).*--pilot-splits 2 or more"):
            pilot_sds(_pilot(kept))
    with pytest.raises(ConfigError, match=r"on 0 split\(s\)"):
        pilot_sds(_pilot([r for r in rows if r["method"] == "baseline"]))
    failed = _pilot(rows)
    failed.failed = [{"method": "rotate", "split": 1, "seed": 0, "train_size": 40, "key": "k",
                      "error": "diverged"}]
    with pytest.raises(ConfigError, match=r"the pilot did not finish: .*fix the failed cells and "
                                          r"rerun augfit plan"):
        pilot_sds(failed)


def test_pilot_splits_disjoint_from_the_runs_by_the_one_rule():
    spec = parse_spec(dict(SPEC, notes={"pilot_splits": "20-21"}))      # splits 0-2
    assert spec.pilot_range() == (20, 21) and not spec.meets_pilot(2) and spec.meets_pilot(20)
    assert fresh_splits(spec) == "20-21, disjoint from this run's splits 0-2"
    assert fresh_splits(parse_spec(SPEC)) == ""                          # no pilot named
    moved = parse_spec(dict(SPEC, first_split=19, notes={"pilot_splits": "20-21"}))
    assert moved.meets_pilot(21) and fresh_splits(moved) == ""           # 19-21 meets 20-21
    with pytest.raises(ConfigError, match=r"notes\.pilot_splits: 'x' is not a range"):
        parse_spec(dict(SPEC, notes={"pilot_splits": "x"})).pilot_range()


def _pilot_lines(spec):
    """The report's warning (or statement) about the pilot, as Report.build makes it."""
    warns = warnings_for([], [], ["baseline"], "baseline", [40], 6, tuned_on=tuned_on(spec),
                         fresh=fresh_splits(spec))
    return [w for w in warns if w.startswith("Settings were")]


def test_a_pilot_on_another_split_seed_is_disjoint_and_not_warned_about():
    tuned = {"tuned_on": "the budget, on a pilot of split seed 99"}
    other = parse_spec(dict(SPEC, notes=dict(tuned, pilot_split_seed="99")))
    assert other.pilot_elsewhere() and not other.meets_pilot(2)
    assert fresh_splits(other) == "drawn with split seed 99, not this run's split seed 0"
    assert _pilot_lines(other) == [
        "Settings were chosen on a pilot (the budget, on a pilot of split seed 99) on splits "
        "drawn with split seed 99, not this run's split seed 0: these results are not optimistic "
        "from that choice."]
    # the same split seed, or none named: the pilot may have looked at these splits, so it warns
    for notes in (dict(tuned, pilot_split_seed="0"), tuned):
        same = parse_spec(dict(SPEC, notes=notes))
        assert fresh_splits(same) == "" and not same.pilot_elsewhere()
        assert _pilot_lines(same) == [
            "Settings were tuned on a pilot (the budget, on a pilot of split seed 99); results on "
            "the same splits or seeds are optimistic for the tuned methods."]
    # with pilot_splits too: another split seed makes even the same indices fresh
    both = parse_spec(dict(SPEC, notes=dict(tuned, pilot_split_seed="99", pilot_splits="0-1")))
    assert not both.meets_pilot(2) and fresh_splits(both).startswith("drawn with split seed 99")
    with pytest.raises(ConfigError, match=r"notes\.pilot_split_seed: 'x' is not a split seed"):
        parse_spec(dict(SPEC, notes={"pilot_split_seed": "x"})).pilot_elsewhere()


def test_the_demo_spec_says_its_pilot_split_seed():
    """The demo's budget pilot ran on split seed 99 (its notes.budget): its report says the run's
    splits are fresh instead of warning that its results are optimistic."""
    demo = load_spec(Path(__file__).resolve().parents[2] / "pipelines" / "digits_overfitting.yaml")
    assert demo.pilot_split_seed() == 99 and fresh_splits(demo).startswith("drawn with split seed")


def test_plan_writes_durations_as_the_progress_lines_do():
    """One clock format: plan's estimate reads like the run's progress line and ETA."""
    from augfit.experiments.report.plan import Plan
    from augfit.experiments.run.progress import LineProgress

    spec = parse_spec(SPEC)
    p = Plan(spec, spec, Path("p"), 0, 1.0, {}, {}, {}, {}, 10, 2, 1.0, True,
             {"1 process": 3725.0, "2 processes (this machine)": 187.4})
    assert "estimated wall time: 1h02m05s on 1 process, 3m07s on 2 processes (this machine)" \
        in p.text().splitlines()
    now = [0.0]
    bar = LineProgress(10, file=io.StringIO(), clock=lambda: now[0])
    now[0] = 3725.0
    assert bar.line() == "augfit run: 0/10 cells (0%), 1h02m05s elapsed"


def test_plan_keeps_the_tuning_history_it_replaces(tmp_path):
    """``augfit plan --write`` replaces notes.tuned_on and pilot_splits; what they said before
    moves, dated, into notes.history (after an earlier string history), and the written YAML
    keeps it."""
    from augfit.experiments.report.plan import _planned, write_spec

    notes = {"tuned_on": "1-seed pilots looked at test: mask_value band_mean",
             "pilot_splits": "20-21", "history": "an earlier 5-seed study looked at split 0",
             "budget": "1500 steps"}
    src = tmp_path / "s.yaml"
    src.write_text(yaml.safe_dump(dict(SPEC, notes=notes), sort_keys=False))
    base = load_spec(src)
    pilot = pilot_spec(base, 2, 2, 30, 10)
    planned = _planned(base, 10, 1, 1.0, pilot, Path("runs/p"), today="2026-12-07")
    new = ("augfit plan pilot: splits 30-31 x seeds [0, 1] (runs/p): unit variance, budget "
           "check and cell costs chose 10 splits x 1 seeds for ±1 pp at 80% power")
    assert planned.notes == {
        "tuned_on": new, "pilot_splits": "30-31", "budget": "1500 steps",
        "history": ["an earlier 5-seed study looked at split 0",
                    "2026-12-07, replaced by augfit plan: notes.tuned_on was: 1-seed pilots "
                    "looked at test: mask_value band_mean; notes.pilot_splits was: 20-21"]}
    written = load_spec(write_spec(src, planned, None, tmp_path))
    assert written.notes == planned.notes
    # planned again with the same pilot: nothing new to keep; no earlier notes: no history
    assert _planned(written, 10, 1, 1.0, pilot, Path("runs/p"), today="2027-01-01").notes == \
        planned.notes
    fresh = _planned(parse_spec(dict(SPEC, notes={"budget": "b", "tuned_on": ["a", "b"]})), 10,
                     1, 1.0, pilot, Path("runs/p"), today="2026-12-07")
    assert fresh.notes["history"] == ["2026-12-07, replaced by augfit plan: notes.tuned_on was: "
                                      "a / b"]
    assert "history" not in _planned(parse_spec(SPEC), 10, 1, 1.0, pilot, Path("runs/p")).notes


def test_a_pilot_on_the_official_test_set_is_not_called_fresh():
    """With ``test: official`` every split, the pilot's too, is scored on one test set: disjoint
    pilot splits share this run's test examples, so the report says that only a choice of the
    design's size is not optimistic."""
    official = dict(SPEC["dataset"], split={"test": "official", "val": 0.15, "seed": 0})
    tuned = {"tuned_on": "augfit plan pilot: splits 20-21"}
    spec = parse_spec(dict(SPEC, dataset=official, notes=dict(tuned, pilot_splits="20-21")))
    assert fresh_splits(spec) == (
        "20-21, disjoint from this run's splits 0-2; only their val draws and training "
        "subsamples differ: every split, the pilot's too, shares the official test set")
    # the report built from the spec (Report.build passes test: official on)
    from test_report import _rows

    from augfit.experiments.report import Report
    spec = parse_spec(dict(SPEC, dataset=official, train_sizes=[10, 20],
                           methods=["baseline", {"name": "drop", "dropout": 0.5}],
                           notes=dict(tuned, pilot_splits="20-21")))
    warns = Report.build(spec, _rows(), n_classes=10).warnings
    assert [w for w in warns if w.startswith("Settings were")] == [
        "Settings were chosen on a pilot (augfit plan pilot: splits 20-21) on splits 20-21, "
        "disjoint from this run's splits 0-2; only their val draws and training subsamples "
        "differ: every split, the pilot's too, shares the official test set: these results are "
        "not optimistic from a choice of the design's size (splits, seeds, sizes), but are "
        "optimistic for any setting chosen after looking at the pilot's test results, which are "
        "this run's test examples."]
    other = parse_spec(dict(SPEC, dataset=official, notes=dict(tuned, pilot_split_seed="99")))
    assert fresh_splits(other).startswith("drawn with split seed 99, not this run's split seed "
                                          "0; only their val draws and training subsamples")
    # no fresh splits named: any split is optimistic, since all share the test set
    warns = warnings_for([], [], ["baseline"], "baseline", [40], 6, tuned_on="lr on split 0",
                         shared_test=True)
    assert [w for w in warns if w.startswith("Settings were")] == [
        "Settings were tuned on a pilot (lr on split 0); every split is scored on the same "
        "official test set, so results on any split are optimistic for the tuned methods where "
        "the tuning looked at test results."]


def test_the_report_states_the_tuning_history_plan_kept():
    """What ``augfit plan`` moved into notes.history is not silently dropped from the report: the
    fresh pilot's line says only that the pilot's choice is not optimistic, and the earlier tuning
    gets its own warning (naming the shared official test set where there is one)."""
    from test_report import _rows

    from augfit.experiments.report import Report
    from augfit.experiments.report.plan import _planned

    notes = {"tuned_on": "lr on split 0"}
    base = parse_spec(dict(SPEC, train_sizes=[10, 20], notes=notes,
                           methods=["baseline", {"name": "drop", "dropout": 0.5}]))
    planned = _planned(base, 1, 3, 1.0, pilot_spec(base, 2, 2, 30, 10), Path("runs/p"),
                       today="2026-12-07")
    warns = Report.build(planned, _rows(), n_classes=10).warnings
    said = [w for w in warns if w.startswith(("Settings were", "Earlier tuning"))]
    assert said[1] == ("Earlier tuning (notes.history): 2026-12-07, replaced by augfit plan: "
                       "notes.tuned_on was: lr on split 0. Where it looked at this run's splits, "
                       "results are optimistic for the methods it tuned.")
    assert said[0].startswith("Settings were chosen on a pilot (augfit plan pilot: splits 30-31")
    official = planned.with_fields(dataset=dict(planned.dataset, split={
        "test": "official", "val": 0.15, "seed": 0}))
    warns = Report.build(official, _rows(), n_classes=10).warnings
    assert [w for w in warns if w.startswith("Earlier tuning")] == [
        "Earlier tuning (notes.history): 2026-12-07, replaced by augfit plan: notes.tuned_on was: "
        "lr on split 0. Where it looked at this run's splits, or the official test set every "
        "split shares, results are optimistic for the methods it tuned."]
