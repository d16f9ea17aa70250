"""Strength sweeps: one method expands into one labelled method per value; bad sweeps are named."""
from __future__ import annotations

import copy

import pytest

from augfit.errors import ConfigError
from augfit.experiments.spec import parse_spec
from augfit.experiments.spec.sweep import parse_label

BASE = {
    "dataset": {"name": "digits"}, "seeds": 2, "train_sizes": [60],
    "methods": ["baseline",
                {"name": "rotate", "augment": [{"type": "Rotate", "limit": 15, "fill": 0.5}],
                 "sweep": {"param": "augment[0].limit", "values": [5, 10, 20, 40]}}],
}


def _spec(sweep=None, method=None):
    d = copy.deepcopy(BASE)
    if method is not None:
        d["methods"][1] = method
    elif sweep is not None:
        d["methods"][1]["sweep"] = sweep
    return parse_spec(d, source="pipelines/x.yaml")


def test_a_sweep_expands_into_one_labelled_method_per_value():
    spec = _spec()
    names = [m.name for m in spec.methods]
    assert names == ["baseline", "rotate[limit=5]", "rotate[limit=10]", "rotate[limit=20]",
                     "rotate[limit=40]"]
    limits = [m.augment["transforms"][0]["limit"] for m in spec.methods[1:]]
    fills = {m.augment["transforms"][0]["fill"] for m in spec.methods[1:]}
    assert limits == [5, 10, 20, 40] and fills == {0.5}           # only the swept value changes
    assert parse_label("rotate[limit=10]") == ("rotate", "limit", "10")
    assert parse_label("rotate") is None
    again = parse_spec(spec.to_canonical())                 # canonical = expanded methods
    assert [m.name for m in again.methods] == names and again.hash == spec.hash
    assert len({c.key for c in spec.cells()}) == len(spec.cells())


@pytest.mark.parametrize("method, names, check", [
    ({"name": "mixup", "augment": [{"type": "MixUp"}],             # an argument left at default
      "sweep": {"param": "augment[0].alpha", "values": [0.1, 0.2, 0.4]}},
     ["mixup[alpha=0.1]", "mixup[alpha=0.2]", "mixup[alpha=0.4]"],
     lambda m: m.augment["transforms"][0]["alpha"]),
    ({"name": "drop", "dropout": 0.1, "sweep": {"param": "dropout", "values": [0.2, 0.5]}},
     ["drop[dropout=0.2]", "drop[dropout=0.5]"], lambda m: m.dropout),
    ({"name": "ra", "augment": [{"type": "RandAugment", "num_ops": 2}],
      "sweep": {"param": "augment[0].magnitude", "values": [5, 9, 15]}},
     ["ra[magnitude=5]", "ra[magnitude=9]", "ra[magnitude=15]"],
     lambda m: m.augment["transforms"][0]["magnitude"]),
    ({"name": "fm", "mix": {"type": "MixUp"}, "sweep": {"param": "mix.alpha", "values": [1, 2]}},
     ["fm[alpha=1]", "fm[alpha=2]"], lambda m: m.mix["alpha"]),
    ({"name": "nest", "augment": [{"type": "OneOf", "transforms": [{"type": "Rotate"},
                                                                   {"type": "CutMix"}]}],
      "sweep": {"param": "augment[0].transforms[1].alpha", "values": [0.5, 1.0]}},
     ["nest[alpha=0.5]", "nest[alpha=1.0]"],
     lambda m: m.augment["transforms"][0]["transforms"][1]["alpha"]),
])
def test_sweepable_parameters(method, names, check):
    spec = _spec(method=method)
    assert [m.name for m in spec.methods[1:]] == names
    assert [check(m) for m in spec.methods[1:]] == [float(n.split("=")[1][:-1]) for n in names]


@pytest.mark.parametrize("sweep, expected", [
    ({"param": "augment[0].limt", "values": [5, 10]},
     'methods[1].sweep.param: "augment[0].limt" does not exist: Rotate has no argument \'limt\''),
    ({"param": "augment[3].limit", "values": [5, 10]},
     'methods[1].sweep.param: "augment[3].limit" does not exist: the method has no augment[3]'),
    ({"param": "dropuot", "values": [0.1, 0.2]},
     'methods[1].sweep.param: "dropuot" does not exist'),
    ({"param": "augment[0]..limit", "values": [5, 10]},
     'methods[1].sweep.param: "augment[0]..limit" is not a parameter path'),
    ({"param": "augment[0].limit", "values": [10]},
     "methods[1].sweep.values: expected a list of at least 2 values to compare, got [10]"),
    ({"param": "augment[0].limit", "values": 10}, "methods[1].sweep.values: expected a list"),
    ({"param": "augment[0].limit", "values": [5, 5]}, "methods[1].sweep.values[1]: duplicate"),
    ({"param": "augment[0].limit", "values": [5, None]}, "methods[1].sweep.values[1]: expected a"),
    ({"param": "augment[0].limit"}, "methods[1].sweep.values: required field is missing"),
    ({"param": "augment[0].limit", "values": [5, 500]},
     "methods[1].augment[0].limit: Rotate(limit=...) must lie within [-180, 180], got 500"),
])
def test_bad_sweeps_are_config_errors_naming_the_field(sweep, expected):
    with pytest.raises(ConfigError) as ei:
        _spec(sweep=sweep)
    assert str(ei.value).startswith("pipelines/x.yaml: ") and expected in str(ei.value), ei.value


def test_sweep_groups_order_points_by_value_for_a_dose_response_plot():
    from augfit.experiments.spec.sweep import sweep_groups

    names = [m.name for m in _spec(sweep={"param": "augment[0].limit",
                                          "values": [40, 5, 20]}).methods]
    assert sweep_groups(names) == {"rotate": {"param": "limit", "points": [
        (5, "rotate[limit=5]"), (20, "rotate[limit=20]"), (40, "rotate[limit=40]")]}}
    assert sweep_groups(["baseline", "m[alpha=0.4]", "m[alpha=0.1]"])["m"]["points"] == [
        (0.1, "m[alpha=0.1]"), (0.4, "m[alpha=0.4]")]


# -- the shorthand: a list-valued dotted key ------------------------------------------------------
SHORT = {"name": "mixup", "augment": [{"type": "Rotate", "limit": 10}, {"type": "MixUp"}],
         "mixup.alpha": [0.1, 0.2, 0.4]}


@pytest.mark.parametrize("short, long", [
    (SHORT, dict({k: v for k, v in SHORT.items() if k != "mixup.alpha"},
                 sweep={"param": "augment[1].alpha", "values": [0.1, 0.2, 0.4]})),
    ({"name": "ra", "augment": [{"type": "RandAugment"}], "RandAugment.magnitude": [3, 9, 15]},
     {"name": "ra", "augment": [{"type": "RandAugment"}],
      "sweep": {"param": "augment[0].magnitude", "values": [3, 9, 15]}}),
    ({"name": "rot", "augment": [{"type": "Rotate"}], "augment[0].limit": [5, 10]},
     {"name": "rot", "augment": [{"type": "Rotate"}],
      "sweep": {"param": "augment[0].limit", "values": [5, 10]}}),
    ({"name": "fm", "mix": {"type": "MixUp"}, "mixup.alpha": [1, 2]},
     {"name": "fm", "mix": {"type": "MixUp"}, "sweep": {"param": "mix.alpha", "values": [1, 2]}}),
    ({"name": "nest", "augment": [{"type": "OneOf", "transforms": [{"type": "Rotate"},
                                                                   {"type": "CutMix"}]}],
      "cutmix.alpha": [0.5, 1.0]},
     {"name": "nest", "augment": [{"type": "OneOf", "transforms": [{"type": "Rotate"},
                                                                   {"type": "CutMix"}]}],
      "sweep": {"param": "augment[0].transforms[1].alpha", "values": [0.5, 1.0]}}),
])
def test_a_dotted_list_key_is_the_same_sweep_as_sweep_param_values(short, long):
    a, b = _spec(method=short), _spec(method=long)
    assert [m.name for m in a.methods] == [m.name for m in b.methods]
    assert a.to_canonical() == b.to_canonical() and a.hash == b.hash
    assert [c.key for c in a.cells()] == [c.key for c in b.cells()]


def test_the_shorthand_sets_only_the_swept_argument():
    spec = _spec(method=SHORT)
    assert [m.name for m in spec.methods[1:]] == ["mixup[alpha=0.1]", "mixup[alpha=0.2]",
                                                  "mixup[alpha=0.4]"]
    steps = [m.augment["transforms"] for m in spec.methods[1:]]
    assert [s[1]["alpha"] for s in steps] == [0.1, 0.2, 0.4]
    assert steps[0][0]["type"] == "Rotate" and steps[0][0]["limit"] == 10
    assert all(s[0] == steps[0][0] for s in steps)              # the other step is untouched
    assert all("mixup.alpha" not in m.config() for m in spec.methods)


@pytest.mark.parametrize("method, expected", [
    (dict(SHORT, **{"augment[0].limit": [5, 10]}),
     "methods[1]: declares 2 sweeps (mixup.alpha, augment[0].limit); a method sweeps one "
     "parameter"),
    (dict(SHORT, sweep={"param": "augment[0].limit", "values": [5, 10]}),
     "methods[1]: declares 2 sweeps (sweep, mixup.alpha)"),
    (dict(SHORT, **{"mixup.alpha": [0.2]}),
     "methods[1].mixup.alpha: expected a list of at least 2 values to compare, got [0.2]"),
    (dict(SHORT, **{"mixup.alpha": 0.2}),
     "methods[1].mixup.alpha: expected a list of at least 2 values to compare (a dotted key "
     "declares a sweep"),
    (dict(SHORT, **{"mixup.alpha": [0.2, 0.2]}), "methods[1].mixup.alpha[1]: duplicate value"),
    ({k: v for k, v in SHORT.items() if k != "mixup.alpha"} | {"mixup.alpah": [0.1, 0.2]},
     "methods[1].mixup.alpah: \"mixup.alpah\" does not exist: MixUp has no argument 'alpah'"),
    ({k: v for k, v in SHORT.items() if k != "mixup.alpha"} | {"cutmix.alpha": [0.1, 0.2]},
     "methods[1].cutmix.alpha: \"cutmix.alpha\" does not exist: 'cutmix' is neither a field of "
     "the method nor the type of one of its transforms (its transforms: Rotate at augment[0], "
     "MixUp at augment[1])"),
    ({"name": "two", "augment": [{"type": "Rotate"}, {"type": "Rotate"}],
      "rotate.limit": [5, 10]},
     "methods[1].rotate.limit: \"rotate.limit\" is ambiguous: the method has 2 rotate transforms"),
    ({"name": "rot", "augment": [{"type": "Rotate"}], "augment[0].limit": [5, 500]},
     "methods[1].augment[0].limit: Rotate(limit=...) must lie within [-180, 180], got 500"),
])
def test_bad_shorthand_sweeps_are_config_errors_naming_the_key(method, expected):
    with pytest.raises(ConfigError) as ei:
        _spec(method=method)
    assert str(ei.value).startswith("pipelines/x.yaml: ") and expected in str(ei.value), ei.value


def test_the_shorthand_reads_from_yaml(tmp_path):
    from augfit.experiments.spec import load_spec

    path = tmp_path / "s.yaml"
    path.write_text("dataset: {name: digits}\nseeds: 2\ntrain_sizes: [60]\nmethods:\n"
                    "  - baseline\n  - name: mixup\n    augment: [{type: MixUp}]\n"
                    "    mixup.alpha: [0.1, 0.2, 0.4]\n")
    assert [m.name for m in load_spec(path).methods][1:] == [
        "mixup[alpha=0.1]", "mixup[alpha=0.2]", "mixup[alpha=0.4]"]
