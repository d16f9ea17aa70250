"""Overfitting experiments: specs, the resumable runner, paired statistics and reports.

>>> import augfit as af
>>> spec = af.experiments.parse_spec({       # or load_spec("pipelines/digits_overfitting.yaml")
...     "dataset": {"name": "digits"}, "train_sizes": [50, 100], "seeds": 3,
...     "methods": ["baseline", {"name": "flip", "augment": [{"type": "HorizontalFlip"}]}]})
>>> len(spec.cells())                        # method x seed x size, validated on parse
12

``run(spec, out=...)`` trains the cells and writes the report (see :mod:`.runner`).
"""
from __future__ import annotations

from .report import Report, comparison_table
from .report_files import write_report
from .runner import RunResult, load_results, report, run
from .spec import Cell, Method, Spec, load_spec, parse_spec
from .stats import Comparison, compare, summarize
from .store import Store

__all__ = ["run", "report", "load_results", "RunResult", "load_spec", "parse_spec", "Spec",
           "Method", "Cell", "Store", "compare", "summarize", "Comparison", "Report",
           "write_report", "comparison_table"]
