"""Method fields label_smoothing, weight_decay (+ decay_bias) and mix: validation, cell keys, and
that a cell really trains with them."""
from __future__ import annotations

import copy

import numpy as np
import pytest

from augfit.errors import ConfigError
from augfit.experiments.run.cell import make_optimizer, run_cell
from augfit.experiments.spec import parse_spec

BASE = {
    "dataset": {"name": "digits"}, "model": {"hidden": [16]},
    "training": {"epochs": 3, "batch_size": 32, "lr": 0.01}, "seeds": 2, "train_sizes": [60],
    "bootstrap": {"resamples": 200},
    "methods": ["baseline",
                {"name": "mixup", "augment": [{"type": "MixUp", "alpha": 0.4}]},
                {"name": "cutmix", "augment": [{"type": "CutMix", "alpha": 1.0}]},
                {"name": "smooth", "label_smoothing": 0.1},
                {"name": "wd", "weight_decay": 5e-4},
                {"name": "wd_all", "weight_decay": 5e-4, "decay_bias": True},
                {"name": "feat_mixup", "mix": {"type": "MixUp", "alpha": 0.2}}],
}


def _bad(method_index, field, value):
    d = copy.deepcopy(BASE)
    d["methods"][method_index][field] = value
    return d


@pytest.mark.parametrize("idx, field, value, expected", [
    (3, "label_smoothing", 1.0,
     "methods[3].label_smoothing: label_smoothing must be a number in [0, 1)"),
    (3, "label_smoothing", -0.1, "methods[3].label_smoothing"),
    (4, "weight_decay", -1, "methods[4].weight_decay: expected a number in [0, 1], got -1"),
    (5, "decay_bias", "yes", "methods[5].decay_bias: expected true or false"),
    (3, "decay_bias", True,
     "methods[3].decay_bias: only applies with the method's own weight_decay"),
    (6, "mix", {"type": "Rotate", "limit": 10}, "methods[6].mix: must be a label-mixing transform"),
    (1, "augment", [{"type": "MixUp", "alpha": 0}],
     "methods[1].augment[0].alpha: MixUp(alpha=...) must be a number > 0"),
    (2, "augment", [{"type": "CutMix", "alpha": -2}], "methods[2].augment[0].alpha: CutMix"),
])
def test_bad_method_fields_are_named(idx, field, value, expected):
    with pytest.raises(ConfigError) as ei:
        parse_spec(_bad(idx, field, value), source="pipelines/x.yaml")
    assert str(ei.value).startswith("pipelines/x.yaml: ") and expected in str(ei.value), ei.value


def test_mixing_with_batch_size_one_is_named():
    d = copy.deepcopy(BASE)
    d["training"]["batch_size"] = 1
    with pytest.raises(ConfigError, match=r"training.batch_size: is 1 but method 'mixup' "
                                          r"\(methods\[1\]\) mixes labels"):
        parse_spec(d)


def test_new_fields_leave_old_cell_keys_alone():
    old = {k: v for k, v in BASE.items() if k != "methods"}
    old["methods"] = ["baseline", {"name": "drop", "dropout": 0.2}]
    spec = parse_spec(old)
    # the method config of a method without the new fields is exactly the earlier one
    assert spec.method("drop").config() == {"augment": None, "dropout": 0.2,
                                            "early_stopping": None}
    keys = {c.method: c.key for c in parse_spec(BASE).cells()}
    assert keys["baseline"] == {c.method: c.key for c in spec.cells()}["baseline"]
    assert len(set(keys.values())) == len(keys)
    again = parse_spec(parse_spec(BASE).to_canonical())   # canonical round-trip keeps every field
    assert again.hash == parse_spec(BASE).hash


def test_weight_decay_fields_reach_the_optimizer():
    spec = parse_spec(BASE)
    wd, wd_all, base = (make_optimizer(spec, spec.method(n)) for n in ("wd", "wd_all", "baseline"))
    assert (wd.weight_decay, wd.decay_bias) == (5e-4, False)
    assert (wd_all.weight_decay, wd_all.decay_bias) == (5e-4, True)
    assert (base.weight_decay, base.decay_bias) == (0.0, True)   # training.weight_decay: as before


def test_cells_train_with_each_regularizer_and_differ_from_baseline():
    spec = parse_spec(BASE)
    cells = {c.method: c for c in spec.cells()}
    res = {m: run_cell(spec, cells[m]) for m in cells}
    for m in cells:
        assert 0 <= res[m]["test_accuracy"] <= 1 and np.isfinite(res[m]["test_loss"])
        if m != "baseline":
            assert res[m]["train_loss"] != res["baseline"]["train_loss"], m


@pytest.mark.parametrize("method, expected", [
    ({"name": "m", "augment": [{"type": "TimeCutMix"}]},
     ("methods[1].augment: TimeCutMix is a transform for audio data but dataset 'digits' holds "
      "image data")),
    ({"name": "m", "augment": [{"type": "OneOf", "transforms": [
        {"type": "Rotate"}, {"type": "TimeMask"}]}]},
     "methods[1].augment: TimeMask is a transform"),
    ({"name": "m", "mix": {"type": "CutMix"}},
     "methods[1].mix: CutMix works on image data, not on feature vectors"),
    ({"name": "m", "augment": [{"type": "TrivialAugmentWide", "ops": ["Rotate", "TimeMask"]}]},
     ("methods[1].augment[0].ops: TrivialAugmentWide(ops=...): operation 'TimeMask' does not "
      "apply to images")),
])
def test_a_transform_for_another_modality_fails_before_training(tmp_path, method, expected):
    from augfit.experiments import run

    d = copy.deepcopy(BASE)
    d["methods"] = ["baseline", method]
    with pytest.raises(ConfigError) as ei:
        run(d, out=tmp_path / "run", report=False)
    assert expected in str(ei.value), ei.value
    assert not (tmp_path / "run" / "results.sqlite").exists()
