"""The statistics room: paired (split, seed, n) comparisons of stored cells, their intervals, the
pooled comparison and data multiplier, power, the decision rule and the group-sequential looks.

Above the spec room, below run and report (spec < stats < run < report). Its modules:
:mod:`.stats` (the endpoints, Comparison, compare, summarize), :mod:`.pairing` (the paired
units), :mod:`.bootstrap` (splits, then seeds within a split), :mod:`.intervals` (BCa united with
the units' t-interval, p-values, Holm), :mod:`.example_draws` (the example level), :mod:`.pooled`
(pooled over sizes; the multiplier's interval), :mod:`.power` (minimum detectable effect),
:mod:`.decision` (helps / hurts / negligible / inconclusive), :mod:`.sequential` (Lan-DeMets
looks). The other rooms and the CLI import the names below, never a module of this room.
"""
from __future__ import annotations

from . import power
from .decision import (
    CATEGORIES,
    HELPS,
    HURTS,
    INCONCLUSIVE,
    NEGLIGIBLE,
    NOT_COMPARABLE,
    classify,
    decide,
)
from .pooled import compare_all_pooled, multiplier_interval
from .power import MAX_UNITS
from .results import CellResult
from .sequential import Look, holm_look, stop_reason
from .stats import (
    FEW_SPLITS,
    STATISTICS,
    Comparison,
    Estimate,
    SummaryRow,
    compare,
    design_warning,
    holm,
    holm_levels,
    study_draws,
    summarize,
)

__all__ = [
    "CATEGORIES",
    "FEW_SPLITS",
    "HELPS",
    "HURTS",
    "INCONCLUSIVE",
    "MAX_UNITS",
    "NEGLIGIBLE",
    "NOT_COMPARABLE",
    "STATISTICS",
    "CellResult",
    "Comparison",
    "Estimate",
    "Look",
    "SummaryRow",
    "classify",
    "compare",
    "compare_all_pooled",
    "decide",
    "design_warning",
    "holm",
    "holm_levels",
    "holm_look",
    "multiplier_interval",
    "power",
    "stop_reason",
    "study_draws",
    "summarize",
]
