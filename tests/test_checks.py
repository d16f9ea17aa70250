"""augfit.checks: the one set of argument checks. Exact messages, edges of every bound, and the
rule that a quoted value never exceeds SHOW_MAX characters."""
import math

import numpy as np
import pytest

from augfit.checks import (
    SHOW_MAX,
    check_choice,
    check_int,
    check_ndim,
    check_number,
    check_probability,
    check_range,
    describe,
    kind,
    show,
)
from augfit.errors import ConfigError, ShapeError
from augfit.experiments.spec.checker import Checker


@pytest.mark.parametrize("value, low, high, message", [
    (0, 1, None, "Cutout(holes=...) must be a positive int, got 0"),
    (-1, 0, None, "Cutout(holes=...) must be a non-negative int, got -1"),
    (1, 2, None, "Cutout(holes=...) must be an int >= 2, got 1"),
    (11, 1, 10, "Cutout(holes=...) must be an int in [1, 10], got 11"),
    (2.0, 1, None, "Cutout(holes=...) must be a positive int, got 2.0"),
    (True, 1, None, "Cutout(holes=...) must be a positive int, got True"),
    ("3", 1, None, "Cutout(holes=...) must be a positive int, got '3'"),
    (None, 1, None, "Cutout(holes=...) must be a positive int, got None"),
])
def test_check_int_messages(value, low, high, message):
    with pytest.raises(ConfigError) as e:
        check_int(value, "holes", "Cutout", low, high)
    assert str(e.value) == message


def test_check_int_accepts_the_bounds_and_numpy_ints():
    assert check_int(1, "n", "f", 1, 10) == 1 and check_int(10, "n", "f", 1, 10) == 10
    out = check_int(np.int64(5), "n", "f", 1, 10)
    assert out == 5 and type(out) is int
    assert check_int(None, "n", "f", 1, 10, allow_none=True) is None
    assert check_int(2**70, "n", low=0) == 2**70          # no upper bound given: none applied
    with pytest.raises(ConfigError, match=r"^n must be None or an int in \[1, 10\] \(words\), "
                                          r"got 0$"):
        check_int(0, "n", low=1, high=10, allow_none=True, hint=" (words)")


@pytest.mark.parametrize("value, kwargs, message", [
    (0, dict(low=0, low_open=True), "SGD(lr=...) must be a number > 0, got 0"),
    (1.0, dict(low=0, high=1, high_open=True), "SGD(lr=...) must be a number in [0, 1), got 1.0"),
    (-0.5, dict(low=0, high=0.5), "SGD(lr=...) must be a number in [0, 0.5], got -0.5"),
    (float("inf"), dict(low=0), "SGD(lr=...) must be a number >= 0, got inf"),
    (float("nan"), dict(), "SGD(lr=...) must be a number, got nan"),
    (10**400, dict(), "SGD(lr=...) must be a number, got an integer of 401 digits"),
    (False, dict(), "SGD(lr=...) must be a number, got False"),
    ("fast", dict(high=10), "SGD(lr=...) must be a number <= 10, got 'fast'"),
])
def test_check_number_messages(value, kwargs, message):
    with pytest.raises(ConfigError) as e:
        check_number(value, "lr", "SGD", **kwargs)
    assert str(e.value) == message


def test_check_number_edges_and_types():
    assert check_number(0, "x", low=0) == 0.0
    assert check_number(np.float32(0.5), "x", low=0, high=1, high_open=True) == 0.5
    assert type(check_number(np.int16(3), "x")) is float
    assert check_number(1e-300, "x", low=0, low_open=True) == 1e-300
    with pytest.raises(ConfigError, match=r"^eps must be a number in \(0, 1\] \(tiny\), got 0$"):
        check_number(0, "eps", low=0, high=1, low_open=True, hint=" (tiny)")


def test_check_probability():
    assert check_probability(0) == 0.0 and check_probability(1) == 1.0
    for bad in (-0.01, 1.01, "x", None, True, float("nan")):
        with pytest.raises(ConfigError, match=r"^Flip\(p=\.\.\.\) must be a number in \[0, 1\], "):
            check_probability(bad, owner="Flip")


def test_check_range():
    assert check_range((0.8, 1.0), "scale", "Crop", 1e-6, 1.0) == (0.8, 1.0)
    assert check_range(15, "limit", "Rotate", -180, 180, symmetric=True) == (-15.0, 15.0)
    assert check_range([np.int8(2), 2], "r") == (2.0, 2.0)
    cases = [(5, {}, "Rotate(limit=...) must be a (low, high) pair, got 5"),
             (-5, {"symmetric": True}, "Rotate(limit=...) must be >= 0 when given as one number, "
                                       "got -5"),
             ((1, 2, 3), {}, "Rotate(limit=...) must be a number or a (low, high) pair of numbers, "
                             "got (1, 2, 3)"),
             ((0, math.inf), {}, "Rotate(limit=...) must be finite, got (0, inf)"),
             ((2, 1), {}, "Rotate(limit=...): low cannot be greater than high, got (2, 1)"),
             ((-200, 10), {"lo": -180, "hi": 180}, "Rotate(limit=...) must lie within [-180, 180], "
                                                   "got (-200, 10)")]
    for value, kw, message in cases:
        with pytest.raises(ConfigError) as e:
            check_range(value, "limit", "Rotate", **kw)
        assert str(e.value) == message


def test_check_choice_lists_a_name_table_sorted():
    table = {"tanh": 1, "relu": 2, "sigmoid": 3}
    assert check_choice("relu", "activation", table, "MLP") == "relu"
    with pytest.raises(ConfigError) as e:
        check_choice("gelu", "activation", table, "MLP")
    assert str(e.value) == ("MLP(activation=...) must be one of ['relu', 'sigmoid', 'tanh'], "
                            "got 'gelu'")
    with pytest.raises(ConfigError, match=r"^mode must be one of \['min', 'max'\] \(no guess\), "
                                          r"got \[1\]$"):
        check_choice([1], "mode", ["min", "max"], hint=" (no guess)")   # unhashable: refused


def test_check_ndim():
    x = np.zeros((2, 3))
    assert check_ndim(x, (2, 3), "waveforms", "Gain", "(N, T)") is x
    with pytest.raises(ShapeError) as e:
        check_ndim(np.zeros(5), 3, "spectrograms", "TimeMask", "(N, F, T)", "; pass x[None]")
    assert str(e.value) == ("TimeMask: expected spectrograms of shape (N, F, T), got shape (5,); "
                            "pass x[None]")
    with pytest.raises(ShapeError) as e:
        check_ndim([[0.0]], 2, "waveforms", "Gain", "(N, T)")
    assert str(e.value) == "Gain: expected waveforms as a numpy array of shape (N, T), got list"


@pytest.mark.parametrize("check", [
    lambda v: check_int(v, "n", "f"), lambda v: check_number(v, "x", "f", 0, 1),
    lambda v: check_probability(v), lambda v: check_range(v, "r", "f"),
    lambda v: check_choice(v, "c", ["a", "b"]),
])
@pytest.mark.parametrize("value", [list(range(5000)), [0.5] * 1000])
def test_a_quoted_value_is_cut(check, value):
    with pytest.raises(ConfigError) as e:
        check(value)
    quoted = str(e.value).split(", got ", 1)[1]
    assert len(quoted) <= SHOW_MAX + 20 and quoted.endswith("characters)")
    assert quoted.startswith(repr(value)[:SHOW_MAX - 15])


SECRET = "root:$6$rounds=5000$x9$Zq"


@pytest.mark.parametrize("check", [
    lambda v: check_int(v, "n", "f"), lambda v: check_number(v, "x", "f", 0, 1),
    lambda v: check_probability(v), lambda v: check_range(v, "r", "f"),
    lambda v: check_choice(v, "c", ["a", "b"]),
])
@pytest.mark.parametrize("value, kind", [
    ("x" * 10_000, "a string of 10000 characters"), (SECRET, "a string of 25 characters"),
    ({"k": "v" * 500}, "a mapping of 1 key"), (["a", SECRET], "a list of 2 items")])
def test_a_string_that_is_not_an_identifier_is_named_by_its_kind(check, value, kind):
    """A line of a file (a password hash, a sentence) is never quoted: only its kind is named."""
    with pytest.raises(ConfigError) as e:
        check(value)
    assert str(e.value).endswith(f", got {kind}") and SECRET not in str(e.value)


def test_show_styles():
    assert show("a") == "'a'" and show("a", json_style=True) == '"a"'
    assert show("augment/rot-15.yaml") == "'augment/rot-15.yaml'"
    assert show({"type": "Rotate", "limit": 200}) == "{'type': 'Rotate', 'limit': 200}"
    assert show("a b:c") == "a string of 5 characters" and show("x" * 41) == kind("x" * 41)
    assert show(-10**30) == "an integer of 31 digits"
    assert show(object, json_style=True) == repr(object)   # not JSON: falls back to repr


def test_the_spec_checker_words_the_same_rules():
    """Checker (spec files) and check_number (Python arguments) share bounds and their wording."""
    ck = Checker("spec.yaml")
    for lo, hi, lo_open, hi_open, bad in [(0, 10, True, False, 0), (0.5, 1, True, True, 1.0),
                                          (1, math.inf, False, False, 0)]:
        with pytest.raises(ConfigError) as spec_error:
            ck.number(bad, "lr", lo, hi, lo_open, hi_open)
        with pytest.raises(ConfigError) as arg_error:
            check_number(bad, "lr", "", lo, hi, lo_open, hi_open)
        what = describe("a number", lo, hi, lo_open, hi_open, lambda x: f"{x:g}")
        assert str(spec_error.value) == f"spec.yaml: lr: expected {what}, got {show(bad, True)}"
        assert what in str(arg_error.value)
    assert ck.number(10, "lr", 0, 10, lo_open=True) == 10


def test_did_you_mean_names_the_closest_options():
    from augfit.checks import did_you_mean

    assert did_you_mean("rleu", ["relu", "sigmoid", "tanh"]) == "did you mean 'relu'?"
    assert did_you_mean("zzz", ["relu", "sigmoid"]) == ""
    assert did_you_mean("rotate", ["Rotate", "rotat", "rotates"], n=2) == \
        "did you mean 'rotates', 'rotat'?"                      # closest first
