"""The under-trained-at-the-cap warning and the best-epoch table, on hand-made rows."""
import pytest

from augfit.experiments.budgets import best_epoch_table, late_gain, under_trained_warnings
from augfit.experiments.verdicts import warnings_for


def _row(method, n, train=1.0, late=-0.01, best=5, run=50, stopped=False, seed=0):
    return {"method": method, "train_size": n, "seed": seed, "split": 0, "train_accuracy": train,
            "test_accuracy": 0.9, "gap_accuracy": train - 0.9, "test_loss": 0.3,
            "val_accuracy_late_gain": late, "best_epoch": best, "epochs_run": run,
            "stopped_early": stopped}


def test_late_gain_is_the_last_tenth_against_the_rest():
    assert late_gain([0.1] * 18 + [0.2, 0.3]) == 0.3 - 0.1         # last 2 of 20
    assert late_gain([0.3, 0.2]) == pytest.approx(-0.1)
    assert late_gain([0.5]) == 0.0


def test_still_rising_in_most_units_warns_and_names_the_method_and_size():
    rows = [_row("baseline", 50, seed=s) for s in range(4)]
    rows += [_row("crop", 50, late=0.02 if s < 3 else -0.01, seed=s) for s in range(4)]
    [w] = under_trained_warnings(rows, "baseline")
    assert "crop at n = 50 (val accuracy still rose in the last 10% of the budget in 3 of 4 " \
           "units)" in w
    assert w.startswith("Under-trained at the cap (not underfitting") and "baseline" not in w
    # half the units is not most of them
    rows[-2]["val_accuracy_late_gain"] = -0.01
    assert under_trained_warnings(rows, "baseline") == []


def test_cells_that_stopped_early_do_not_count_as_rising():
    rows = [_row("es", 50, late=0.02, stopped=True, seed=s) for s in range(4)]
    assert under_trained_warnings(rows, "baseline") == []


def test_clean_train_below_99_while_the_baseline_fits_everything():
    rows = [_row("baseline", 400, seed=s) for s in range(2)]
    rows += [_row("combined", 400, train=t, seed=s) for s, t in enumerate((0.95, 0.94))]
    [w] = under_trained_warnings(rows, "baseline")
    assert "combined at n = 400 (clean train accuracy 94.5% while the baseline's is 100%)" in w
    rows[0]["train_accuracy"] = 0.995          # the baseline does not fit everything either
    assert under_trained_warnings(rows, "baseline") == []


def test_the_warning_reaches_warnings_for_and_is_not_underfitting():
    rows = [_row("baseline", 400, seed=s) for s in range(2)]
    rows += [_row("combined", 400, train=0.95, seed=s) for s in range(2)]
    out = warnings_for(rows, [], ["baseline", "combined"], "baseline", [400], 2)
    assert any(w.startswith("Under-trained at the cap") for w in out)
    assert not any("underfits" in w for w in out)


def test_best_epoch_table_median_and_range():
    rows = [_row("baseline", 50, best=b, run=r, seed=i)
            for i, (b, r) in enumerate([(3, 50), (9, 50), (5, 40)])]
    rows.append(_row("es", 50, best=2, run=12, late=0.1, seed=0))
    table = best_epoch_table(rows, ["baseline", "es", "absent"], [50])
    assert table[1] == ["baseline", "50", "3", "5 [3, 9]", "50", "0 of 3"]
    assert table[2] == ["es", "50", "1", "2 [2, 2]", "12", "1 of 1"]
    assert len(table) == 3
