"""``--until-decided``: rounds of splits until every primary comparison is decided, replayed from
the store; and the bad input (no maximum, splits a pilot already looked at)."""
from __future__ import annotations

import pytest
import yaml

from augfit.cli import main
from augfit.errors import ConfigError
from augfit.experiments import load_results
from augfit.experiments.report import run
from augfit.experiments.report.answer import units_text
from augfit.experiments.report.decide import look_splits, primary_intervals, run_until_decided
from augfit.experiments.report.verdicts import pp
from augfit.experiments.stats import power
from augfit.experiments.stats.sequential import holm_look

SPEC = {"name": "tiny_seq", "dataset": {"name": "digits"}, "model": {"hidden": [16]},
        "training": {"epochs": 8, "batch_size": 16, "lr": 0.01}, "splits": 2, "seeds": 2,
        "train_sizes": [40, 80], "bootstrap": {"resamples": 1000},
        "methods": ["baseline",
                    {"name": "same", "weight_decay": 0.0},         # the baseline's numbers
                    {"name": "upside_down", "augment": [{"type": "VerticalFlip"}]}]}


def test_rounds_until_decided_replayed_from_the_store(tmp_path):
    out = tmp_path / "r"
    res = run_until_decided(SPEC, out=out, max_splits=6, round_splits=2, workers=1,
                            progress=False)
    # round 1: 2 splits, round 2: 4 splits; "same" is exactly the baseline (negligible) and
    # upside-down digits hurt; both decided at look 2, so the third round never ran
    assert res.sequential[0].startswith(
        "2 round(s) ran of at most 3: looks at 4, 8 (split, seed) units of a declared maximum of "
        "12 (6 splits x 2 seeds). Stopped because every primary comparison was decided at look 2")
    assert res.n_run == 3 * 2 * 4 * 2 and len(res.rows) == 48
    assert sorted({r["split"] for r in res.rows}) == [0, 1, 2, 3]
    assert res.sequential[2].startswith("same: negligible, Δ test +0.0 pp, interval [+0.0, +0.0]")
    assert res.sequential[3].startswith("upside_down: hurts")
    # the looks replayed by hand from the stored cells: the same decisions at the same levels
    spec, rows = load_results(out)
    looks = None
    for n in (2, 4):
        sub = [r for r in rows if r["split"] < n]
        est = primary_intervals(spec, sub)
        looks = holm_look({m: e.interval for m, e in est.items()}, [2 / 6, n / 6][: n // 2],
                          0.05, 0.01, looks)
    assert {m: d.category for m, d in looks.items()} == {"same": "negligible",
                                                         "upside_down": "hurts"}
    assert f"at the nominal level {looks['upside_down'].level:.4g}" in res.sequential[3]
    md = (out / "report.md").read_text()
    assert "## Sequential design (--until-decided)" in md and res.sequential[0] in md
    # the report's answer is the looks' decisions: categories, intervals and levels of the looks
    primary = {v.method: v for v in res.report.primary}
    for m, d in looks.items():
        assert (primary[m].effect, primary[m].d_test_ci) == (d.category, d.interval)
        assert primary[m].level == pytest.approx(1 - d.level)
    assert res.report.sentences[1].startswith(
        f"upside_down hurts: {100 * primary['upside_down'].d_test:+.1f} pp")
    # the minimum detectable effect is the power of the test each look made (at its nominal
    # level), not the fixed design's Holm level; the "cannot detect" warning says so
    est = primary_intervals(spec, rows)
    for m, d in looks.items():
        assert primary[m].mde == pytest.approx(power.mde(est[m].se, est[m].df, d.level))
        assert primary[m].units_needed == power.units_needed(est[m].se, est[m].df, 8, 0.01,
                                                             d.level)
    weak, one = pp(primary["upside_down"].mde, False), pp(0.01, False)
    assert [w for w in res.report.warnings if "cannot detect" in w] == [
        f"The design cannot detect the smallest effect of interest ({one} pp, "
        "answer.smallest_effect): "
        f"at 80% power at the levels of the looks it detects about {weak} pp (upside_down). "
        f"{units_text(primary['upside_down'].units_needed).capitalize()} (now 8) would reach "
        f"{one} pp; a larger --max-splits lets --until-decided add them."]
    assert f"{100 * (1 - looks['upside_down'].level):.4g}% interval (Holm)" in md
    assert res.report.headline.startswith("same is negligible; upside_down hurts (")
    # the same command again trains nothing and takes the same decisions
    again = run_until_decided(SPEC, out=out, max_splits=6, round_splits=2, workers=1,
                              progress=False, report=False)
    assert again.n_run == 0 and again.sequential == res.sequential
    # --smallest-effect reaches the report: its verdicts judge negligible at ±2.5 pp, as the looks
    wide = run_until_decided(SPEC, out=out, max_splits=6, round_splits=2, workers=1,
                             progress=False, smallest=2.5)
    assert wide.n_run == 0 and wide.spec.answer == {"smallest_effect": 2.5}
    assert "negligible = within ±2.5 pp" in wide.sequential[1]
    assert {v.smallest_effect for v in wide.report.verdicts} == {0.025}
    assert "within ±2.5 pp" in (out / "report.md").read_text()


def test_until_decided_needs_a_declared_maximum(tmp_path, capsys):
    with pytest.raises(ConfigError, match="--until-decided needs a declared maximum: pass "
                                          "--max-splits N"):
        look_splits(3, None, None)
    assert look_splits(3, 10, None) == [3, 6, 9, 10]
    with pytest.raises(ConfigError, match="--max-splits 2 is below the spec's splits"):
        look_splits(3, 2, None)
    # the Python API's arguments are checked like any other (no bare TypeError / ValueError)
    for bad, match in [((2, 12.5, None), r"max_splits must be a positive int \(--max-splits\), "
                                         r"got 12\.5"),
                       ((2, "10", None), "max_splits must be a positive int"),
                       ((2, 10, 0), r"round_splits must be a positive int \(--round-splits"),
                       ((2, 10, 1.5), "round_splits must be a positive int")]:
        with pytest.raises(ConfigError, match=match):
            look_splits(*bad)
    for bad in ("x", 0, 51, float("nan"), True):
        with pytest.raises(ConfigError, match=r"--smallest-effect must be a number in \(0, 50\]"):
            run_until_decided(SPEC, out=tmp_path / "none", max_splits=6, smallest=bad)
    spec = tmp_path / "s.yaml"
    spec.write_text(yaml.safe_dump(SPEC))
    assert main(["run", str(spec), "--until-decided", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "--until-decided needs a declared maximum" in err and "Traceback" not in err
    assert main(["run", str(spec), "--max-splits", "6", "--out", str(tmp_path / "o")]) == 2
    assert "--max-splits only applies with --until-decided" in capsys.readouterr().err
    assert not (tmp_path / "o" / "results.sqlite").exists()


def test_a_run_on_splits_a_pilot_looked_at_is_refused(tmp_path):
    spec = dict(SPEC, notes={"pilot_splits": "4-5"})
    with pytest.raises(ConfigError, match=r"this run's splits 0-5 overlap the splits 4-5 a pilot "
                                          r"already looked at .*lower the maximum to 4 splits"):
        run_until_decided(spec, out=tmp_path / "r", max_splits=6)
    with pytest.raises(ConfigError, match="set first_split: 6"):
        run(dict(spec, splits=5), out=tmp_path / "r")
    assert not (tmp_path / "r" / "results.sqlite").exists()


def test_first_split_moves_the_split_indices_and_is_absent_from_the_canonical_form_at_0():
    from augfit.experiments.spec import parse_spec

    plain = parse_spec(SPEC)
    moved = parse_spec(dict(SPEC, first_split=3))
    assert "first_split" not in plain.to_canonical() and moved.to_canonical()["first_split"] == 3
    assert sorted({c.split for c in moved.cells()}) == [3, 4]
    # split 3 of the moved spec is split 3 of any spec: the same cell key
    wider = parse_spec(dict(SPEC, splits=5))
    assert {c.key for c in moved.cells()} <= {c.key for c in wider.cells()}
    with pytest.raises(ConfigError, match="first_split"):
        parse_spec(dict(SPEC, first_split=-1))
