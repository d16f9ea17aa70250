"""training.steps, training.schedule and training.averaging in specs: validation, canonical form,
and cells that train with them exactly as the Trainer does by hand."""
from __future__ import annotations

import copy

import pytest

from augfit.data.loader import DataLoader
from augfit.errors import ConfigError
from augfit.experiments.run.cell import (
    LOADER,
    make_model,
    make_optimizer,
    run_cell,
    splits,
    training_subset,
)
from augfit.experiments.spec import parse_spec
from augfit.rng import derive, seed_from
from augfit.train.callbacks import WeightAveraging
from augfit.train.schedules import CosineSchedule
from augfit.train.trainer import Trainer

TINY = {
    "name": "tiny", "dataset": {"name": "digits"}, "model": {"hidden": [16]},
    "training": {"steps": 12, "batch_size": 32, "lr": 0.01,
                 "schedule": {"type": "cosine", "warmup": 0.25},
                 "averaging": {"type": "ema", "decay": 0.9}},
    "seeds": 2, "train_sizes": [40, 100], "bootstrap": {"resamples": 200},
    "methods": ["baseline"],
}


def _with(**training):
    d = copy.deepcopy(TINY)
    d["training"].update(training)
    return d


def test_canonical_form_with_steps_has_no_epochs_and_filled_options():
    t = parse_spec(TINY).to_canonical()["training"]
    assert "epochs" not in t and t["steps"] == 12
    assert t["schedule"] == {"type": "cosine", "warmup": 0.25, "final": 0.0}
    assert t["averaging"] == {"type": "ema", "decay": 0.9}
    plain = parse_spec(dict(TINY, training={"batch_size": 32})).to_canonical()["training"]
    assert set(plain) == {"optimizer", "lr", "weight_decay", "batch_size", "epochs", "loss"}


@pytest.mark.parametrize("training, message", [
    ({"epochs": 5}, r"training.steps: 12 together with training.epochs 5.*remove one of them"),
    ({"steps": 0}, r"training.steps: expected an integer"),
    ({"schedule": {"type": "linear"}}, r"training.schedule: schedule type must be one of cosine"),
    ({"schedule": "cosine"}, r"training.schedule: expected a mapping such as \{type: cosine"),
    ({"schedule": {"type": "cosine", "warmup": 1.5}},
     r"training.schedule: CosineSchedule\(warmup=...\) must"),
    ({"schedule": {"type": "step"}}, r"needs every"),
    ({"schedule": {"type": "plateau", "monitor": "test_accuracy"}}, r"monitor must be one of"),
    ({"averaging": {"type": "swa", "decay": 0.9}}, r"averaging 'swa' has no argument 'decay'"),
    ({"averaging": {"type": "ema", "decay": 1.0}}, r"WeightAveraging\(decay=...\)"),
])
def test_bad_training_options_name_the_field_and_fix(training, message):
    with pytest.raises(ConfigError, match=message):
        parse_spec(_with(**training))


def test_averaging_with_restored_best_weights_names_both_settings():
    d = copy.deepcopy(TINY)
    d["methods"] = ["baseline", {"name": "es", "early_stopping": {"patience": 3}}]
    with pytest.raises(ConfigError, match=r"training.averaging: ema and methods\[1\]\.early_"
                                          r"stopping.restore_best_weights.*set restore_best"):
        parse_spec(d)


def test_the_step_budget_is_equal_at_every_size():
    spec = parse_spec(TINY)
    runs = {c.train_size: run_cell(spec, c) for c in spec.cells() if c.seed == 0}
    # 40 samples = 2 batches per epoch: 6 epochs; 100 = 4 batches: 3 epochs
    assert (runs[40]["epochs_run"], runs[100]["epochs_run"]) == (6, 3)


def test_a_cell_trains_exactly_like_the_trainer_by_hand():
    spec = parse_spec(TINY)
    cell = next(c for c in spec.cells() if c.train_size == 100 and c.seed == 1)
    r = run_cell(spec, cell)
    train, val, test = splits(spec, cell.split)
    sub = training_subset(spec, train, cell)
    loader = DataLoader(sub, batch_size=32, shuffle=True, features="auto",
                        seed=seed_from(derive(cell.seed, LOADER, cell.split, cell.train_size)))
    model = make_model(spec, spec.method("baseline"), cell, loader.n_features, 10)
    trainer = Trainer(model, optimizer=make_optimizer(spec), schedule=CosineSchedule(0.25),
                      callbacks=[WeightAveraging("ema", decay=0.9)])
    trainer.fit(loader, val=val, steps=12)
    acc = trainer.evaluate(loader.featurize(test.x), test.y)["accuracy"]
    assert r["test_accuracy"] == acc
    assert trainer.step_count == 12


@pytest.mark.parametrize("training, methods, message", [
    ({"eval_every": 0}, [], r"training.eval_every: expected an integer"),
    ({"eval_every": 13}, [], r"training.eval_every: 13 is more than training.steps 12"),
    ({"eval_every": 4}, [{"name": "es", "early_stopping": {"patience": 3}}],
     r"training.eval_every: 4 with methods\[1\]\.early_stopping.patience \(method 'es'\) 3.*"
     r"could never stop early; lower eval_every or the patience"),
    ({"eval_every": 4, "schedule": {"type": "plateau", "patience": 5}}, [],
     r"training.eval_every: 4 with training.schedule.patience 5"),
])
def test_eval_every_that_rules_out_early_stopping_names_both(training, methods, message):
    d = _with(**training)
    d["training"].pop("averaging")
    d["methods"] += methods
    with pytest.raises(ConfigError, match=message):
        parse_spec(d)


def test_eval_every_gives_the_same_number_of_evaluations_at_every_size():
    spec = parse_spec(_with(eval_every=5))
    runs = {c.train_size: run_cell(spec, c) for c in spec.cells() if c.seed == 0}
    for r in runs.values():                   # 12 steps in periods of 5, 5, 2
        assert r["epochs_run"] == 3 and len(r["history"]["train_accuracy"]) == 3
    plain = parse_spec(TINY)
    same = next(c for c in plain.cells() if c.seed == 0 and c.train_size == 40)
    # the same steps on the same batches: the final model (and its endpoints) are unchanged
    assert run_cell(plain, same)["test_accuracy"] == \
        runs[40]["test_accuracy"]


def test_derived_early_stopping_is_bit_identical_under_steps_schedule_and_eval_every():
    from augfit.experiments.run.cell import run_cells
    from augfit.experiments.run.tasks import early_stopping_siblings

    d = _with(eval_every=2)
    d["training"].pop("averaging")
    d["methods"] = ["baseline", {"name": "es", "early_stopping": {
        "patience": 1, "monitor": "val_accuracy", "min_delta": 0.05}}]
    spec = parse_spec(d)
    assert early_stopping_siblings(spec) == {"es": "baseline"}
    by = {(c.method, c.train_size): c for c in spec.cells() if c.seed == 0}
    _, (_, derived) = run_cells(spec, by[("baseline", 40)], [by[("es", 40)]])
    direct = run_cell(spec, by[("es", 40)])
    assert derived.metrics() == direct.metrics() and derived.history == direct.history
    assert derived["stopped_early"] and derived["epochs_run"] < 6
    # with weight averaging a stopped run's average is not the longer run's: nothing is derived
    d["methods"][1]["early_stopping"]["restore_best_weights"] = False
    assert early_stopping_siblings(parse_spec(dict(d, training=dict(
        d["training"], averaging={"type": "ema"})))) == {}
