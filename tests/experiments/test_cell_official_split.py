"""``dataset.split.test: official``: the dataset's own test set (``meta["official_test"]``), with
val taken from the official-train part; checked on the real FSDD recordings (two speakers, short
clips)."""
from __future__ import annotations

import copy
import json

import numpy as np
import pytest

from augfit.data.datasets import load
from augfit.errors import ConfigError
from augfit.experiments.run.cell import splits
from augfit.experiments.run.runner import check_sizes
from augfit.experiments.spec import parse_spec, spec_from_canonical

SPEAKERS = ["theo", "lucas"]


def _spec(split, name="fsdd", options=None, path="fsdd", source="pipelines/official.yaml"):
    """A spec; ``path`` is read only by the tests that load data (they pass ``fsdd_path``)."""
    opts = {"path": str(path), "speakers": SPEAKERS, "length": 800} if options is None else options
    d = {"dataset": {"name": name, "options": opts, "split": split},
         "train_sizes": [20], "seeds": 2, "methods": ["baseline"]}
    return parse_spec(d, source=source)


def test_official_is_valid_canonical_json_and_hashes_stably():
    s = _spec({"test": "official", "val": 0.9})       # val is a share of the official-train part
    assert s.dataset["split"] == {"val": 0.9, "test": "official", "seed": 0, "stratify": True,
                                  "by_group": False}
    assert json.loads(json.dumps(s.to_canonical())) == s.to_canonical()
    again = spec_from_canonical(copy.deepcopy(s.to_canonical()))
    assert again.hash == s.hash and again.cells()[0].key == s.cells()[0].key
    assert _spec({"test": 0.2, "val": 0.2}).hash != s.hash


@pytest.mark.parametrize("split, expected", [
    ({"test": "offical"}, 'pipelines/official.yaml: dataset.split.test: expected a number in '
                          '(0, 1) or "official" (the dataset\'s own test set), got "offical"'),
    ({"test": 1.0}, "dataset.split.test: expected a number in (0, 1), got 1.0"),
    ({"test": "official", "val": 1.0}, "dataset.split.val: expected a number in (0, 1), got 1.0"),
    ({"test": "official", "val": "official"}, 'dataset.split.val: expected a number in (0, 1), '
                                              'got "official"'),
])
def test_bad_split_values_are_named(split, expected):
    with pytest.raises(ConfigError) as e:
        _spec(split)
    assert expected in str(e.value)


def test_dataset_without_official_test_fails_when_the_run_starts():
    spec = _spec({"test": "official", "val": 0.2}, name="digits", options={})
    with pytest.raises(ConfigError) as e:
        check_sizes(spec)
    msg = str(e.value)
    assert msg.startswith('pipelines/official.yaml: dataset.split.test: "official": dataset '
                          "'digits' with options {}")
    assert "no official test set" in msg and "use a fraction such as 0.2" in msg


def test_only_official_train_loaded_is_an_error(fsdd_path):
    spec = _spec({"test": "official"}, options={"path": str(fsdd_path), "speakers": ["theo"],
                                                "length": 800, "split": "train"})
    with pytest.raises(ConfigError, match=r"dataset.split.test: .*marks 0 of its 450 samples"):
        splits(spec)


def _ids(ds):
    return {(str(g), int(y), int(i))
            for g, y, i in zip(ds.groups, ds.y, ds.meta["index"], strict=True)}


def test_official_test_is_exactly_index_0_to_4_stratified_val(fsdd_path):
    full = load("fsdd", path=fsdd_path, speakers=SPEAKERS, length=800)
    train, val, test = splits(_spec({"test": "official", "val": 0.2, "seed": 3}, path=fsdd_path))
    official = full.meta["index"] < 5
    np.testing.assert_array_equal(test.x, full.x[official])
    assert _ids(test) == _ids(full.subset(official)) and len(test) == 100
    assert (len(val), len(train)) == (180, 720)                  # 20% of the 900 official-train
    assert np.bincount(val.y).tolist() == [18] * 10              # stratified
    assert not (_ids(train) & _ids(val)) and not ((_ids(train) | _ids(val)) & _ids(test))
    assert _ids(train) | _ids(val) == _ids(full.subset(~official))
    assert train.meta["index"].min() >= 5 and val.meta["index"].min() >= 5


def test_official_test_with_val_by_speaker(fsdd_path):
    train, val, test = splits(_spec({"test": "official", "val": 0.5, "by_group": True},
                                       path=fsdd_path))
    assert len(test) == 100 and set(test.groups) == set(SPEAKERS)
    assert len(set(val.groups)) == 1 and set(val.groups).isdisjoint(set(train.groups))
    assert len(val) == len(train) == 450 and test.meta["index"].max() == 4


def test_the_report_treats_the_official_test_set_as_shared_by_every_split():
    # with test: official every split is scored on the same test set, so the report resamples its
    # examples once for all splits (stats.example_level); with a fraction, each split has its own
    from augfit.experiments.report import shared_test
    from augfit.experiments.stats import CellResult
    from augfit.experiments.stats.stats import example_level

    assert shared_test(_spec({"test": "official", "val": 0.9}))
    assert not shared_test(_spec({"test": 0.2, "val": 0.2}))
    rows = [CellResult("m", s, 0, 10) for s in (0, 1)]
    assert example_level(rows, shared_test=True) and not example_level(rows)
    assert example_level(rows[:1])
