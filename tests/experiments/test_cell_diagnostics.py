"""Cells name themselves in training diagnostics and failures, in-process as with workers."""
from __future__ import annotations

import warnings

import pytest

from augfit.errors import AugfitWarning, ConfigError
from augfit.experiments.run.cell import run_cell
from augfit.experiments.run.executors import execute
from augfit.experiments.spec import parse_spec

# SGD at the highest learning rate a spec allows: the net ends no better than the majority class
WILD = {"name": "wild", "dataset": {"name": "digits"}, "model": {"hidden": [16]},
        "training": {"epochs": 3, "batch_size": 32, "lr": 10.0, "optimizer": "sgd"},
        "seeds": 2, "train_sizes": [60], "methods": ["baseline"]}


def test_a_cell_that_learned_nothing_is_named_in_process():
    spec = parse_spec(WILD)
    cell = spec.cells()[0]
    assert cell.seed == 0
    assert run_cell(spec, cell).warnings[0].startswith("the model learned nothing: after all 3")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        results = list(execute(spec.to_canonical(), [cell]))
    assert len(results) == 1  # the result is kept: a warning, not a failure
    messages = [str(w.message) for w in caught if issubclass(w.category, AugfitWarning)]
    assert len(messages) == 1
    assert messages[0].startswith("cell method=baseline seed=0 train_size=60: the model learned "
                                  "nothing")


def test_a_failing_cell_is_named_in_process():
    spec = parse_spec({**WILD, "training": {"epochs": 1}, "train_sizes": [5000]})
    with pytest.raises(ConfigError, match=r"^cell method=baseline seed=0 train_size=5000 failed: "
                                          r"subsample\(n=\.\.\.\)"):
        list(execute(spec.to_canonical(), spec.cells()))
