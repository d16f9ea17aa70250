"""Spec validation: every error path names the file, the field path, the bad value and what is
allowed."""
from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
import yaml

from augfit.errors import ConfigError
from augfit.experiments.spec import load_spec, parse_spec

GOOD = {
    "dataset": {"name": "digits"},
    "train_sizes": [50, 100],
    "seeds": 2,
    "methods": ["baseline",
                {"name": "rotate", "augment": [{"type": "Rotate", "limit": 15}]},
                {"name": "dropout", "dropout": 0.3},
                {"name": "es", "early_stopping": {"patience": 5}}],
}


def _with(path, value):
    d = copy.deepcopy(GOOD)
    *parents, last = path
    node = d
    for k in parents:
        node = node[k]
    if value is _DEL:
        del node[last]
    else:
        node[last] = value
    return d


_DEL = object()

CASES = [
    # (field path to change, new value, expected message fragment)
    (("colour",), 1, 'colour: unknown field'),
    (("dataset",), _DEL, "dataset: required field is missing"),
    (("methods",), _DEL, "methods: required field is missing"),
    (("dataset", "name"), "digitz", 'dataset.name: expected one of audio_folder, csv, digits'),
    (("dataset", "split"), {"val": 1.5}, "dataset.split.val: expected a number in (0, 1), got 1.5"),
    (("dataset", "split"), {"val": 0.5, "test": 0.5}, "dataset.split: val + test must be < 1"),
    (("dataset", "split"), {"shuffle": True}, "dataset.split.shuffle: unknown field"),
    (("dataset", "options"), [1], "dataset.options: expected a mapping"),
    (("model",), {"hidden": [64, 0]}, "model.hidden[1]: expected an integer >= 1, got 0"),
    (("model",), {"activation": "gelu"},
     'model.activation: expected one of "relu", "sigmoid", "tanh", got "gelu"'),
    (("training",), {"lr": "fast"}, 'training.lr: expected a number in (0, 10], got "fast"'),
    (("training",), {"epochs": 0}, "training.epochs: expected an integer in [1, 100000], got 0"),
    (("training",), {"batch_size": 3.5}, "training.batch_size: expected an integer >= 1, got 3.5"),
    (("training",), {"optimizer": "rmsprop"},
     'training.optimizer: expected one of "sgd", "momentum", "adam"'),
    (("training",), {"lr_decay": 0.1}, "training.lr_decay: unknown field"),
    (("seeds",), 0, "seeds: expected an integer in [1, 10000], got 0"),
    (("seeds",), True,
     "seeds: expected a count (e.g. 5) or a list of non-negative integers, got true"),
    (("seeds",), [1, 2, 1], "seeds[2]: duplicate value 1"),
    (("seeds",), [1, -2], "seeds[1]: expected an integer >= 0, got -2"),
    (("train_sizes",), [],
     'train_sizes: expected a non-empty list of positive integers or "all", got []'),
    (("train_sizes",), [50, "100"], 'train_sizes[1]: expected an integer >= 1, got "100"'),
    (("train_size_unit",), "percent", 'train_size_unit: expected one of "samples", "per_class"'),
    (("baseline",), "control", 'baseline: "control" is not one of the methods'),
    (("bootstrap",), {"resamples": 10},
     "bootstrap.resamples: expected an integer in [100, 10000000], got 10"),
    (("bootstrap",), {"confidence": 95},
     "bootstrap.confidence: expected a number in (0.5, 1), got 95"),
    (("features",), "pixels", "features: unknown featurizer 'pixels'"),
    (("answer",), {"smallest_effect": 0},
     "answer.smallest_effect: must be a number of percentage points of test accuracy in (0, 50], "
     "got 0; set the smallest change that matters to you, e.g. answer: {smallest_effect: 1.0}"),
    (("answer",), {"smallest_effect": 75}, "answer.smallest_effect: must be a number of "
     "percentage points of test accuracy in (0, 50], got 75"),
    (("answer",), {"smallest": 1}, "answer.smallest: unknown field; did you mean "
     "'smallest_effect'?"),
    (("methods",), [], "methods: expected a non-empty list of methods, got []"),
    (("methods", 1, "name"), "rot ate",
     'methods[1].name: expected a name of letters, digits and _ . + - (1 to 100, starting with '
     'a letter, digit or _), got "rot ate"'),
    (("methods", 2, "name"), "rotate", 'methods[2].name: duplicate method name "rotate"'),
    (("methods", 2, "dropuot"), 0.2, "methods[2].dropuot: unknown field; did you mean 'dropout'?"),
    (("methods", 2, "dropout"), 1.0, "methods[2].dropout: expected a number in [0, 1), got 1.0"),
    (("methods", 3, "early_stopping"), {"patience": -1},
     "methods[3].early_stopping.patience: expected an integer >= 0, got -1"),
    (("methods", 3, "early_stopping"), {"monitor": "loss"},
     'methods[3].early_stopping.monitor: expected one of "val_loss", "val_accuracy", got "loss"'),
    (("methods", 3, "early_stopping"), {"patiense": 3},
     "methods[3].early_stopping.patiense: unknown field; did you mean 'patience'?"),
    (("methods", 1, "augment"), 3, "methods[1].augment: expected a list of transforms"),
    (("methods", 1, "augment"), [],
     "methods[1].augment: expected a non-empty list of transforms, got []"),
    (("methods", 1, "augment", 0), {"limit": 15},
     "methods[1].augment[0]: expected a transform dict {type: Name, ...args}"),
    (("methods", 1, "augment", 0, "type"), "Rotat",
     "methods[1].augment[0].type: unknown transform 'Rotat'; did you mean 'Rotate'"),
    (("methods", 1, "augment", 0, "limit"), "15deg",
     "methods[1].augment[0].limit: Rotate(limit=...)"),
    (("methods", 1, "augment", 0, "limit"), 200, "methods[1].augment[0].limit: Rotate(limit=...)"),
    (("methods", 1, "augment", 0, "limt"), 3,
     "methods[1].augment[0].limt: unknown argument of Rotate; did you mean 'limit'? allowed: "
     "limit, fill, p"),
    (("methods", 1, "augment"), "no/such/file.yaml",
     "methods[1].augment: augment file 'no/such/file.yaml' not found"),
]


IDS = [".".join(map(str, c[0])) + f"={c[1]!r}"[:30] for c in CASES]


@pytest.mark.parametrize("path,value,expected", CASES, ids=IDS)
def test_each_bad_field_is_named(path, value, expected):
    with pytest.raises(ConfigError) as ei:
        parse_spec(_with(path, value), source="pipelines/x.yaml")
    msg = str(ei.value)
    assert msg.startswith("pipelines/x.yaml: "), msg
    assert expected in msg, msg


def test_bad_rotation_limit_message_shows_value_and_range():
    with pytest.raises(ConfigError) as ei:
        parse_spec(_with(("methods", 1, "augment", 0, "limit"), "15deg"), source="pipelines/x.yaml")
    msg = str(ei.value)
    assert re.search(r"methods\[1\]\.augment\[0\]\.limit: .*15deg", msg), msg
    with pytest.raises(ConfigError) as ei:
        parse_spec(_with(("methods", 1, "augment", 0, "limit"), 200), source="pipelines/x.yaml")
    assert re.search(r"methods\[1\]\.augment\[0\]\.limit: .*180.*200", str(ei.value)), str(ei.value)


def test_file_errors(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_spec(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("dataset: [unclosed\n")
    with pytest.raises(ConfigError, match=r"bad.yaml: not valid YAML"):
        load_spec(bad)
    top = tmp_path / "list.yaml"
    top.write_text("- 1\n- 2\n")
    with pytest.raises(ConfigError, match=r"list.yaml: expected a mapping"):
        load_spec(top)


def test_augment_file_is_inlined_and_its_errors_name_the_file(tmp_path):
    aug = tmp_path / "aug" / "rot.yaml"
    aug.parent.mkdir()
    aug.write_text(yaml.safe_dump([{"type": "Rotate", "limit": 15}]))
    spec_file = tmp_path / "s.yaml"
    spec_file.write_text(yaml.safe_dump(_with(("methods", 1, "augment"), "aug/rot.yaml")))
    from_file = load_spec(spec_file)
    inline = parse_spec(copy.deepcopy(GOOD))
    assert from_file.method("rotate") == inline.method("rotate")
    assert from_file.name == "s"
    aug.write_text(yaml.safe_dump([{"type": "Rotate", "limit": "15deg"}]))
    with pytest.raises(ConfigError) as ei:
        load_spec(spec_file)
    msg = str(ei.value)
    assert "s.yaml: methods[1].augment (from " in msg, msg
    assert "rot.yaml): [0].limit: Rotate(limit=...)" in msg, msg


def test_defaults_canonical_form_and_hash():
    s = parse_spec(copy.deepcopy(GOOD))
    assert s.seeds == [0, 1]
    assert s.training == {"optimizer": "adam", "lr": 0.001, "weight_decay": 0.0, "batch_size": 32,
                          "epochs": 100, "loss": "cross_entropy"}
    assert s.dataset["split"] == {"val": 0.2, "test": 0.2, "seed": 0, "stratify": True,
                                  "by_group": False}
    assert s.method("es").early_stopping == {"patience": 5, "monitor": "val_loss", "min_delta": 0.0,
                                             "restore_best_weights": True, "start_from_epoch": 0}
    assert s.method("rotate").augment["type"] == "Compose"
    assert s.to_canonical()["methods"][0] == {"name": "baseline", "augment": None,
                                              "dropout": 0.0, "early_stopping": None}
    assert parse_spec(_with(("model",), {"hidden": [64, 64]})).model["hidden"] == [64, 64]
    again = parse_spec(copy.deepcopy(s.to_canonical()))
    assert again.hash == s.hash and len(s.hash) == 64
    assert parse_spec(_with(("seeds",), 3)).hash != s.hash


def test_smallest_effect_judges_only():
    s = parse_spec(copy.deepcopy(GOOD))
    assert s.smallest_effect == 0.01 and "answer" not in s.to_canonical()    # absent: the default
    t = parse_spec(_with(("answer",), {"smallest_effect": 2.5}))
    assert t.smallest_effect == 0.025 and t.to_canonical()["answer"] == {"smallest_effect": 2.5}
    assert [c.key for c in t.cells()] == [c.key for c in s.cells()]     # never in a cell key
    assert parse_spec(copy.deepcopy(t.to_canonical())).smallest_effect == 0.025


def test_cells_grid_and_keys():
    s = parse_spec(copy.deepcopy(GOOD))
    cells = s.cells()
    assert len(cells) == 4 * 2 * 2
    assert len({c.key for c in cells}) == len(cells)
    # a cell's key depends on what the method does, not on its name or on the other methods
    renamed = _with(("methods", 2, "name"), "drop30")
    renamed["methods"].append({"name": "extra", "dropout": 0.5})
    keys2 = {(c.method, c.seed, c.train_size): c.key for c in parse_spec(renamed).cells()}
    keys1 = {(c.method, c.seed, c.train_size): c.key for c in cells}
    assert keys2[("drop30", 1, 100)] == keys1[("dropout", 1, 100)]
    assert keys2[("baseline", 0, 50)] == keys1[("baseline", 0, 50)]
    # anything shared (here the epochs) changes every key
    longer = parse_spec(_with(("training",), {"epochs": 7}))
    assert not {c.key for c in longer.cells()} & {c.key for c in cells}


PIPELINES = sorted(Path(__file__).resolve().parents[2].joinpath("pipelines").glob("*.yaml"))


@pytest.mark.parametrize("path", PIPELINES, ids=lambda p: p.name)
def test_shipped_specs_validate(path):
    spec = load_spec(path)
    sizes = [s for s in spec.train_sizes if s != "all"]
    # "all" needs the data; any number will do
    spec = spec.resolve_sizes(max(sizes, default=0) + 1)
    assert spec.baseline in [m.name for m in spec.methods] and spec.cells()


def test_the_canonical_form_is_derived_from_the_spec():
    """Spec is the one source: to_canonical() reads its fields (a replaced field shows), an answer
    section given with the default value stays in the form (its hash as before), and the old
    attribute still answers, deprecated."""
    import dataclasses
    import warnings

    s = parse_spec(copy.deepcopy(GOOD))
    noted = dataclasses.replace(s, notes={"tuned_on": "pilot"})
    assert noted.to_canonical()["notes"] == {"tuned_on": "pilot"}
    assert s.to_canonical()["notes"] == {}
    given = parse_spec(_with(("answer",), {"smallest_effect": 1.0}))
    assert given.smallest_effect == s.smallest_effect and given.hash != s.hash
    assert given.to_canonical()["answer"] == {"smallest_effect": 1.0}
    assert parse_spec(given.to_canonical()).hash == given.hash
    assert s.with_fields(splits=3).to_canonical()["splits"] == 3 and s.splits == 1
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert s.canonical == s.to_canonical()
    assert "call Spec.to_canonical()" in str(caught[0].message)


def test_a_cards_split_with_an_unknown_key_is_refused_at_load(tmp_path):
    card = tmp_path / "card.yaml"
    text = ("name: x\nmodality: image\nsource: {loader: digits}\ncolumns: {x: pixels, y: digit}\n"
            "license: MIT\ncitation: me\nsplit: {val: 0.2, %s: 0.2}\n")
    card.write_text(text % "test")
    spec = parse_spec({"dataset": {"card": "card.yaml"}, "train_sizes": [10],
                       "methods": ["baseline"]}, base_dir=tmp_path)
    assert spec.dataset["split"] == {"val": 0.2, "test": 0.2, "seed": 0, "stratify": True,
                                     "by_group": False}
    card.write_text(text % "tset")                # it failed in the first cell, as a TypeError
    with pytest.raises(ConfigError, match=r"<dict>: dataset\.card\.split\.tset: unknown field; "
                                          r"did you mean 'test'\?"):
        parse_spec({"dataset": {"card": "card.yaml"}, "train_sizes": [10],
                    "methods": ["baseline"]}, base_dir=tmp_path)
