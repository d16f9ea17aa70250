"""The report room: verdicts and their wording, the Report and its files, figures, the sample
gallery, dose-response, tidy exports, and the entry points that end in a report.

Top of the four rooms (spec < stats < run < report). Its modules: :mod:`.study` (``run``:
train the grid and write the report; ``report``: rebuild it; RunResult), :mod:`.decide`
(``run --until-decided``), :mod:`.plan` (``augfit plan``), :mod:`.verdicts` (verdicts from
comparisons), :mod:`.answer` (the answer in words), :mod:`.budgets` (the training budget in a
report), :mod:`.document` (the Report), :mod:`.report_files` (report.md, report.html, cells.csv),
:mod:`.plots`, :mod:`.dose`, :mod:`.gallery` and :mod:`.export`. The CLI imports the names below.
"""
from __future__ import annotations

from .decide import run_until_decided
from .document import Report, answer_text, comparison_table, shared_test, verdict_table
from .export import export, frame
from .plan import plan
from .report_files import write_report
from .study import RunResult, report, run

__all__ = [
           "Report",
           "RunResult",
           "answer_text",
           "comparison_table",
           "export",
           "frame",
           "plan",
           "report",
           "run",
           "run_until_decided",
           "shared_test",
           "verdict_table",
           "write_report",
]
