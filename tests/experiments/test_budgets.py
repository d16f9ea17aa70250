"""The under-trained-at-the-cap warning and the best-epoch table, on hand-made rows of stored
cells (the check itself is augfit.experiments.run.budget_check.under_trained, shared with plan)."""
from dataclasses import replace

from augfit.experiments.report.budgets import best_epoch_table, under_trained_warnings
from augfit.experiments.report.verdicts import warnings_for
from augfit.experiments.stats import CellResult

FLAT = [0.9] * 20
RISING = [0.5] * 18 + [0.6, 0.62]        # the last 10% (0.61) beats the 10% before (0.5)


def _row(method, n, train=1.0, curve=FLAT, best=5, run=20, stopped=False, seed=0):
    return CellResult(method, 0, seed, n, train_accuracy=train, test_accuracy=0.9,
                      gap_accuracy=train - 0.9, test_loss=0.3, best_epoch=best, epochs_run=run,
                      stopped_early=stopped, history={"val_accuracy": list(curve)})


def test_still_rising_in_most_units_warns_and_names_the_method_and_size():
    rows = [_row("baseline", 50, seed=s) for s in range(4)]
    rows += [_row("crop", 50, curve=RISING if s < 3 else FLAT, seed=s) for s in range(4)]
    rows += [_row("baseline", 200, seed=s) for s in range(4)]
    rows += [_row("crop", 200, seed=s) for s in range(4)]                  # fine at n = 200
    [w] = under_trained_warnings(rows, "baseline")
    assert "crop at n = 50 (val accuracy still rising over the last 10% of the budget in 3 of " \
           "4 cells)" in w
    assert w.startswith("Under-trained at the cap (not underfitting") and "n = 200" not in w
    rows[2 + 4].history["val_accuracy"] = FLAT                      # 2 of 4 is not most
    assert under_trained_warnings(rows, "baseline") == []


def test_cells_that_stopped_early_are_not_judged_on_their_curve():
    rows = [_row("es", 50, curve=RISING, stopped=True, seed=s) for s in range(4)]
    assert under_trained_warnings(rows, "baseline") == []


def test_clean_train_below_99_while_the_baseline_fits_everything():
    rows = [_row("baseline", 400, seed=s) for s in range(2)]
    rows += [_row("combined", 400, train=t, seed=s) for s, t in enumerate((0.95, 0.94))]
    [w] = under_trained_warnings(rows, "baseline")
    assert "combined at n = 400 (clean train accuracy 94.5% while baseline's is 100%)" in w
    rows[0] = replace(rows[0], train_accuracy=0.99)    # the baseline does not fit everything
    assert under_trained_warnings(rows, "baseline") == []


def test_rows_without_a_history_are_not_judged():
    rows = [replace(_row("baseline", 400), history={}), replace(_row("c", 400, train=0.5),
                                                               history={})]
    assert under_trained_warnings(rows, "baseline") == []


def test_the_warning_reaches_warnings_for_and_is_not_underfitting():
    rows = [_row("baseline", 400, seed=s) for s in range(2)]
    rows += [_row("combined", 400, train=0.95, seed=s) for s in range(2)]
    out = warnings_for(rows, [], ["baseline", "combined"], "baseline", [400], 2)
    assert any(w.startswith("Under-trained at the cap") for w in out)
    assert not any("underfits" in w for w in out)


def test_best_epoch_table_median_and_range():
    rows = [_row("baseline", 50, best=b, run=r, seed=i)
            for i, (b, r) in enumerate([(3, 20), (9, 20), (5, 16)])]
    rows.append(_row("es", 50, best=2, run=12, curve=RISING, seed=0))
    table = best_epoch_table(rows, ["baseline", "es", "absent"], [50])
    assert table[1] == ["baseline", "50", "3", "5 [3, 9]", "20", "0 of 3"]
    assert table[2] == ["es", "50", "1", "2 [2, 2]", "12", "1 of 1"]
    assert len(table) == 3
