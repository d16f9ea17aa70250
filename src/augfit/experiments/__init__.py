"""Overfitting experiments: specs, the resumable runner, paired statistics and reports.

>>> import augfit as af
>>> spec = af.experiments.load_spec("pipelines/digits_overfitting.yaml")   # validated on load
>>> result = af.experiments.run(spec, out="runs/digits", workers=2)
>>> print(result.table)
"""
from __future__ import annotations

from .report import Report, comparison_table, write_report
from .runner import RunResult, load_results, report, run
from .spec import Cell, Method, Spec, load_spec, parse_spec
from .stats import Comparison, compare, summarize
from .store import Store

__all__ = ["run", "report", "load_results", "RunResult", "load_spec", "parse_spec", "Spec",
           "Method", "Cell", "Store", "compare", "summarize", "Comparison", "Report",
           "write_report", "comparison_table"]
