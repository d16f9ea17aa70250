"""Overfitting experiments: specs, the resumable runner, paired statistics and reports.

>>> import augfit as af
>>> spec = af.experiments.parse_spec({       # or load_spec("pipelines/digits_overfitting.yaml")
...     "dataset": {"name": "digits"}, "train_sizes": [50, 100], "seeds": 3,
...     "methods": ["baseline", {"name": "flip", "augment": [{"type": "HorizontalFlip"}]}]})
>>> len(spec.cells())                        # method x seed x size, validated on parse
12

``run(spec, out=...)`` trains the cells and writes the report (see
:mod:`augfit.experiments.report.study`).

The package has four rooms, each a package whose ``__init__`` is its public face:
:mod:`.spec` < :mod:`.stats` < :mod:`.run` < :mod:`.report` (a room imports only the faces of the
rooms below it; ``tests/test_layering.py`` checks it). The flat module paths of release 0.x
(``augfit.experiments.runner``, ``augfit.experiments.verdicts``, ...) still import, with a
:class:`DeprecationWarning` naming the new path, for one release (:data:`MOVED`).
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import warnings
from collections.abc import Callable, Sequence
from types import ModuleType

from .report import (
    Report,
    RunResult,
    comparison_table,
    report,
    run,
    verdict_table,
    write_report,
)
from .run import Store, load_results
from .spec import Cell, Method, Spec, load_spec, parse_spec
from .stats import Comparison, compare, summarize

#: each flat module of release 0.x -> the room it moved to (its file name is kept, except
#: ``report.py``, now ``report/document.py``)
_ROOMS = {
    "spec": ("spec", "spec_dataset", "spec_methods", "checker", "augment_spec", "sweep"),
    "stats": ("stats", "example_draws", "pairing", "bootstrap", "intervals", "pooled", "power",
              "sequential"),
    "run": ("runner", "cell", "executors", "_workers", "store", "progress", "tracking", "tasks",
            "data_source", "cost", "contracts", "budget_check"),
    "report": ("report_files", "verdicts", "answer", "plots", "gallery", "dose", "export",
               "budgets", "decide", "plan"),
}
#: old module path -> new module path
MOVED = {f"{__name__}.{old}": f"{__name__}.{room}.{old}"
         for room, olds in _ROOMS.items() for old in olds}
MOVED[f"{__name__}.report"] = f"{__name__}.report.document"
#: names that left their old module: old module path -> {name: new module path}
LEFT = {f"{__name__}.runner": dict.fromkeys(("run", "report", "RunResult"),
                                            f"{__name__}.report.study")
        | dict.fromkeys(("load_results", "load_results_and_failures"), f"{__name__}.run.store")}


def _moved(old: str, new: str) -> None:
    warnings.warn(f"{old} moved to {new}; the old path is deprecated and will be removed in the "
                  "next release", DeprecationWarning, stacklevel=3)


class _OldPaths(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports an old flat module path as the very module object at its new path, with a
    DeprecationWarning. (An old path that is now a room, such as ``augfit.experiments.stats``,
    imports the room; its old names are reached through :func:`_forwarder`.)"""

    def __init__(self) -> None:
        self.specs: dict[str, importlib.machinery.ModuleSpec | None] = {}

    def find_spec(self, fullname: str, path: Sequence[str] | None = None,
                  target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        del path, target  # MetaPathFinder's signature; only the name decides
        if fullname in MOVED and fullname.rpartition(".")[2] not in _ROOMS:
            return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        _moved(spec.name, MOVED[spec.name])
        module = importlib.import_module(MOVED[spec.name])
        self.specs[module.__name__] = module.__spec__
        return module

    def exec_module(self, module: ModuleType) -> None:
        """Nothing to run (the module was imported at its new path), but the import machinery
        gave it the old path's spec: it gets its own back."""
        module.__spec__ = self.specs[module.__name__]


def _forwarder(module: ModuleType, old: str, names: dict[str, str]) -> Callable[[str], object]:
    """A module ``__getattr__`` for ``module``: a name the old module ``old`` had is fetched
    from the module that holds it now (``names``, else ``MOVED[old]``), with a warning."""

    def __getattr__(name: str) -> object:
        new = names.get(name, MOVED.get(old, ""))
        if name.startswith("__") or not new or new == module.__name__:
            raise AttributeError(f"module {module.__name__!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(new), name, _MISSING)
        if value is _MISSING:
            raise AttributeError(f"module {module.__name__!r} has no attribute {name!r}")
        _moved(f"{old}.{name}", f"{new}.{name}")
        return value

    return __getattr__


_MISSING = object()


def __getattr__(name: str) -> ModuleType:
    """``augfit.experiments.cell`` and the like: an old flat module, from its new place."""
    old = f"{__name__}.{name}"
    if old not in MOVED:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    _moved(old, MOVED[old])
    return importlib.import_module(MOVED[old])


def _install() -> None:
    if not any(isinstance(f, _OldPaths) for f in sys.meta_path):
        sys.meta_path.append(_OldPaths())
    for room in _ROOMS:                       # old module -> room of the same name
        old = f"{__name__}.{room}"
        if old in MOVED:
            sys.modules[old].__dict__["__getattr__"] = _forwarder(sys.modules[old], old, {})
    for old, names in LEFT.items():           # names that left a moved module
        module = importlib.import_module(MOVED[old])
        module.__dict__["__getattr__"] = _forwarder(module, old, names)


_install()

__all__ = [
    "Cell",
    "Comparison",
    "Method",
    "Report",
    "RunResult",
    "Spec",
    "Store",
    "compare",
    "comparison_table",
    "load_results",
    "load_spec",
    "parse_spec",
    "report",
    "run",
    "summarize",
    "verdict_table",
    "write_report",
]
