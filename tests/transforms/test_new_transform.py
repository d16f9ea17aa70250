"""Adding a transform is local: ONE class with a constraint table and nothing else (no fixture, no
formatter, no hand-written bad arguments), and the registry, the contract test, the preview card
and the gallery all pick it up. The class is registered for the test only."""
from __future__ import annotations

import importlib.util
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest
import test_contract as contract

from augfit.errors import ConfigError
from augfit.registry import TRANSFORMS
from augfit.transforms import Transform, available, catalog
from augfit.transforms.constraints import Integer, Range, Table
from augfit.transforms.image import ImageTransform
from augfit.viz.explain import explain

REPO = Path(__file__).resolve().parents[2]


class Tint(ImageTransform):
    """Brighten one colour channel by a share of the maximum drawn per image from ``amount``."""

    _parameter_constraints: ClassVar[Table] = {"amount": Range(0.0, 1.0), "channel": Integer(0, 2)}

    def __init__(self, amount: tuple[float, float] = (0.2, 0.5), channel: int = 0,
                 p: float = 1.0) -> None:
        del amount, channel  # checked and kept by the constraint table (Transform.check_arguments)
        super().__init__(p)

    def sample_params(self, rng: np.random.Generator, batch: Any, n: int) -> dict[str, Any]:
        del batch
        return {"amount": rng.uniform(*self.bounds("amount"), size=n)}

    def apply_params(self, batch: Any, params: dict[str, Any]) -> Any:
        out = batch.astype(np.float32)
        peak = 255.0 if batch.dtype == np.uint8 else 1.0
        add = np.asarray(params["amount"], np.float32)[:, None, None] * peak
        if out.ndim == 4:
            out[..., self.channel] += add
        else:
            out += add
        return np.clip(out, 0, peak).astype(batch.dtype)


@pytest.fixture
def tint() -> Iterator[str]:
    """Tint registered for one test, then removed again."""
    TRANSFORMS.register()(Tint)
    try:
        yield "Tint"
    finally:
        TRANSFORMS.unregister("Tint")


def test_the_registry_and_the_catalog_know_it(tint):
    assert tint in available()
    e = catalog.entry(tint)
    assert (e.modality, e.params) == ("image", "amount=(0.2, 0.5), channel=0, p=1.0")
    t = Transform.from_dict({"type": "Tint", "amount": [0.1, 0.3], "channel": 2})
    assert t.to_dict() == {"type": "Tint", "amount": [0.1, 0.3], "channel": 2, "p": 1.0}
    assert t.bounds("amount") == (0.1, 0.3)


@pytest.mark.usefixtures("tint")
def test_its_arguments_are_checked_from_the_table_alone():
    with pytest.raises(ConfigError, match=r"Tint\(channel=\.\.\.\) must be an int in \[0, 2\], "
                                          r"got 3"):
        Tint(channel=3)
    with pytest.raises(ConfigError, match=r"Tint\(amount=\.\.\.\): low cannot be greater than "
                                          r"high, got \[0.5, 0.1\]"):
        Tint(amount=[0.5, 0.1])


@pytest.mark.parametrize("check", [
    contract.test_keeps_shape_and_dtype_and_does_not_modify_input,
    contract.test_p0_is_identity_and_p1_changes,
    contract.test_same_seed_same_bytes_and_replay,
    contract.test_serialization_round_trip,
    contract.test_pickles_for_worker_processes,
    contract.test_invalid_arguments_raise_augfit_errors_naming_them,
    contract.test_labels_sum_to_one_and_are_unchanged_at_p0,
], ids=lambda f: f.__name__)
def test_the_contract_test_checks_it(tint, check):
    check(tint)


def test_the_contract_generates_its_bad_arguments():
    from transform_examples import invalid_cases

    assert invalid_cases(Tint) == [
        ("p", -0.1), ("p", 1.5), ("p", "x"),
        ("amount", [0.75, 0.25]), ("amount", "x"), ("amount", [0.25, math.nan]),
        ("amount", 0.75), ("amount", [-1.0, 0.75]), ("amount", [0.25, 2.0]),
        ("channel", -1), ("channel", 3), ("channel", 1.5), ("channel", "x")]


@pytest.mark.usefixtures("tint")
def test_its_preview_card_comes_from_its_record():
    t = Tint(amount=(0.25, 0.25), p=1.0)
    x = np.zeros((2, 8, 8, 3), np.uint8)
    _, record = t(x, rng=0, return_params=True)
    (drawn,), _ = explain(t, record, 2)
    assert (drawn.transform, drawn.text) == ("Tint", "Tint amount=0.25")


def _gallery() -> Any:
    spec = importlib.util.spec_from_file_location("docs_gallery", REPO / "scripts/docs_gallery.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_gallery_draws_it(tint, tmp_path):
    lines = _gallery().section(catalog.entry(tint), tmp_path)
    assert lines[0] == "### Tint"
    assert "![Tint: the original, then three versions](gallery/Tint.png)" in lines
    assert (tmp_path / "Tint.png").read_bytes()[:4] == b"\x89PNG"
    assert any(line.startswith("| label ") and "Tint amount=" in line for line in lines)
