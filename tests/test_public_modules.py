"""Every public module name of ``augfit`` imports as a module, as users of NumPy or torch expect:
``import augfit.datasets`` works where ``af.datasets`` does, and both are the same object."""
import importlib
import subprocess
import sys

import pytest

import augfit

MODULES = [name for name, (_, attr) in augfit._LAZY.items() if attr is None]


def test_the_module_names_are_the_ones_users_meet():
    assert {"datasets", "features", "optim", "callbacks", "metrics", "nn", "transforms",
            "experiments"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_public_module_imports_and_is_the_attribute(name):
    mod = importlib.import_module(f"augfit.{name}")
    assert getattr(augfit, name) is mod
    for public in getattr(mod, "__all__", []):
        assert hasattr(mod, public), f"augfit.{name} lacks {public}"


def test_from_imports_in_a_fresh_interpreter():
    code = ("from augfit.datasets import load; from augfit.callbacks import EarlyStopping; "
            "from augfit.optim import Adam; from augfit.metrics import accuracy; "
            "from augfit.features import make_featurizer; import augfit.datasets as d; "
            "print(load('digits').x.shape, EarlyStopping.__name__, Adam(lr=0.1).lr, "
            "d.load is load)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "(1797, 8, 8) EarlyStopping 0.1 True"
