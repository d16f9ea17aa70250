"""The flat module paths of experiments before the four rooms still import, for one release, as
the very module objects at their new paths, with a DeprecationWarning naming the new path."""
from __future__ import annotations

import importlib
import sys

import pytest

import augfit.experiments as E
from augfit.experiments.report import study
from augfit.experiments.run import cell, runner
from augfit.experiments.stats import stats


@pytest.mark.parametrize("old", sorted(E.MOVED))
def test_every_old_path_imports_the_new_module_and_warns(old: str) -> None:
    new = E.MOVED[old]
    if old.rpartition(".")[2] in ("spec", "stats", "report"):   # now the room of that name
        module, room = importlib.import_module(new), importlib.import_module(old)
        name = next(n for n in sorted(vars(module)) if n[0] != "_" and n not in vars(room))
        with pytest.warns(DeprecationWarning, match=rf"{old}\.{name} moved to {new}\.{name}"):
            assert getattr(room, name) is getattr(module, name)
    else:
        sys.modules.pop(old, None)                    # imported afresh through the old path
        with pytest.warns(DeprecationWarning, match=rf"{old} moved to {new}"):
            assert importlib.import_module(old) is importlib.import_module(new)


def test_an_old_import_statement_gets_the_same_objects() -> None:
    for name in ("augfit.experiments.cell", "augfit.experiments.runner"):
        sys.modules.pop(name, None)
    with pytest.warns(DeprecationWarning, match="augfit.experiments.cell moved to "
                                                "augfit.experiments.run.cell"):
        import augfit.experiments.cell as old_cell
    assert old_cell is cell
    assert old_cell.__spec__ is not None and old_cell.__spec__.name == "augfit.experiments.run.cell"
    with pytest.warns(DeprecationWarning) as record:
        from augfit.experiments.runner import RunResult, check_sizes
    assert [str(w.message).split(";")[0] for w in record] == [
        "augfit.experiments.runner moved to augfit.experiments.run.runner",
        "augfit.experiments.runner.RunResult moved to augfit.experiments.report.study.RunResult"]
    assert RunResult is study.RunResult and check_sizes is runner.check_sizes
    with pytest.warns(DeprecationWarning, match="augfit.experiments.stats.bca_interval moved to "
                                                "augfit.experiments.stats.stats.bca_interval"):
        from augfit.experiments.stats import bca_interval
    assert bca_interval is stats.bca_interval
    vars(E).pop("verdicts", None)     # an old-path import binds it (to the same module), silently
    with pytest.warns(DeprecationWarning, match="augfit.experiments.verdicts moved"):
        assert E.verdicts is importlib.import_module("augfit.experiments.report.verdicts")


def test_unknown_names_still_fail() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        E.nothing  # noqa: B018
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        importlib.import_module("augfit.experiments.stats").nothing  # noqa: B018
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("augfit.experiments.nothing")
