"""The answer in words: one sentence per method's primary result, the headline sentence for the
whole study, the multiplicity line, the legend and the warnings about the design
(STATISTICS.md §5, §7). The numbers come from :mod:`.verdicts`; nothing here computes statistics.

The headline reads, e.g., ``crop_scale and rotate help (+2.9 and +1.6 pp); dropout is negligible;
flips hurts (-1.1 pp); mixup and cutout are inconclusive (would need about 40 units)``.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

from ..stats import MAX_UNITS
from .verdicts import (
    GAP_NONE,
    GAP_UNJUDGED,
    HELPS,
    HURTS,
    INCONCLUSIVE,
    NARROWS,
    NEGLIGIBLE,
    NOT_COMPARABLE,
    UNDERFITS,
    WIDENS,
    Verdict,
    interval_text,
    pp,
)

#: what each word of the answer means (the HTML report shows it below the headline)
LEGEND = {
    "helps / hurts": "the method's Δ test accuracy (method - baseline, pooled over the training "
                     "sizes) has its whole interval above / below 0, at the level Holm's "
                     "procedure over the methods gives it.",
    "negligible": "the whole interval lies within ± the smallest effect that matters "
                  "(answer.smallest_effect in the spec): whatever the effect is, it is smaller "
                  "than that.",
    "inconclusive": "neither: the interval is too wide to tell a useful effect from none. The row "
                    "gives the smallest effect this design detects at 80% power and about how "
                    "many (split, seed) units would decide it.",
    "not comparable (both at chance)": "the baseline's test accuracy is at chance (1/K) and the "
                                       "method does no better: there is nothing to compare.",
    "worth 1.4x the data": "at training size n, the method's test accuracy equals the baseline's "
                           "at 1.4 x n (read off the baseline's curve over the grid's sizes; in "
                           "the exploratory per-size table).",
}


def level_text(level: float) -> str:
    """``97.5%``: a confidence level as a label."""
    return f"{100 * level:.4g}%"


def _names(names: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _where(v: Verdict) -> str:
    if not v.sizes:
        return f"at n = {v.train_size}"
    left = (f"; n = {', '.join(map(str, v.left_out))} left out: not every split has a pair there"
            if v.left_out else "")
    return f"over n = {', '.join(map(str, v.sizes))} (size-stratified{left})"


def units_text(units: int | None) -> str:
    return f"about {units} units" if units is not None else f"more than {MAX_UNITS:,} units"


def _gap(v: Verdict) -> str:
    if v.gap_tag == GAP_UNJUDGED:
        return ""
    train = f"clean train accuracy {pp(v.d_train)} pp"
    if v.gap_tag == NARROWS:
        return f"; narrows the gap ({interval_text(v.d_gap, v.d_gap_ci)}; {train})"
    if v.gap_tag == UNDERFITS:
        return (f"; narrows the gap by underfitting (clean train accuracy "
                f"{interval_text(v.d_train, v.d_train_ci)}): not a reduction of overfitting")
    if v.gap_tag == WIDENS:
        return f"; widens the gap ({interval_text(v.d_gap, v.d_gap_ci)}; {train})"
    return f"; {GAP_NONE} ({interval_text(v.d_gap, v.d_gap_ci)})"


def primary_sentence(v: Verdict) -> str:
    """One method's primary result in words, e.g. ``crop helps: +2.1 pp [+1.6, +2.6] over
    n = 100, 400 (size-stratified), 97.5% interval (Holm); narrows the gap (...).``"""
    at = f"{_where(v)}, {level_text(v.level)} interval (Holm)"
    delta = interval_text(v.d_test, v.d_test_ci)
    if v.effect == NOT_COMPARABLE:
        return (f"{v.method} is {NOT_COMPARABLE}: test accuracy {100 * v.test_accuracy:.1f}% "
                f"and the baseline's {100 * v.baseline_test_accuracy:.1f}% {_where(v)}.")
    if v.effect in (HELPS, HURTS):
        return f"{v.method} {v.effect}: {delta} {at}{_gap(v)}."
    bound = f"±{pp(v.smallest_effect, False)} pp"
    if v.effect == NEGLIGIBLE:
        return f"{v.method} is negligible: {delta} {at}, within {bound}."
    head = (f"{v.method} is inconclusive: {delta} {at}, neither above 0 nor within {bound}; "
            f"this design detects about {pp(v.mde, False)} pp at 80% power")
    if v.units_needed is not None and v.units_needed <= v.n_units:
        return (f"{head}, less than {bound}: the effect is probably smaller than that but not "
                "shown to be; more units would decide it.")
    return f"{head}, and {units_text(v.units_needed)} (now {v.n_units}) would decide {bound}."


def _amounts(vs: Sequence[Verdict]) -> str:
    return _names([pp(v.d_test) for v in vs]) + " pp"


def _would_need(vs: Sequence[Verdict]) -> str:
    """``would need about 40 units``: the most any of ``vs`` needs to decide, or ``more units``
    when each design already detects the smallest effect (the results sit near its bound)."""
    need = [v.units_needed for v in vs]
    if None in need:
        return f"would need {units_text(None)}"
    most = max(n for n in need if n is not None)
    if all(n is not None and n <= v.n_units for n, v in zip(need, vs, strict=True)):
        return "would need more units"
    return f"would need {units_text(most)}"


def headline(primary: Sequence[Verdict], methods: Sequence[str] = (), baseline: str = "") -> str:
    """One sentence for the whole study, from the primary verdicts (in ``methods`` order)."""
    if methods and not [m for m in methods if m != baseline]:
        return f"Nothing is compared: the spec has only the baseline ({baseline})."
    if not primary:
        return "No result yet: no method has a primary result (pairs with the baseline)."
    by = {c: [v for v in primary if v.effect == c] for c in
          (HELPS, NEGLIGIBLE, HURTS, INCONCLUSIVE, NOT_COMPARABLE)}
    parts = []
    for effect, one, many in ((HELPS, "helps", "help"), (HURTS, "hurts", "hurt")):
        vs = by[effect]
        if vs:
            verb = one if len(vs) == 1 else many
            parts.append(f"{_names([v.method for v in vs])} {verb} ({_amounts(vs)})")
        if effect == HELPS and by[NEGLIGIBLE]:
            vs = by[NEGLIGIBLE]
            parts.append(f"{_names([v.method for v in vs])} {'is' if len(vs) == 1 else 'are'} "
                         "negligible")
    vs = by[INCONCLUSIVE]
    if vs:
        who = _names([v.method for v in vs]) if len(vs) <= 3 else f"{len(vs)} methods"
        parts.append(f"{who} {'is' if len(vs) == 1 else 'are'} inconclusive "
                     f"({_would_need(vs)})")
    vs = by[NOT_COMPARABLE]
    if vs:
        parts.append(f"{_names([v.method for v in vs])} {'is' if len(vs) == 1 else 'are'} not "
                     "comparable (both at chance)")
    return "; ".join(parts)


def holm_line(n_primary: int, confidence: float, smallest_effect: float,
              sizes: Sequence[int] = ()) -> str:
    """The one line saying which family the answer is and how it was corrected."""
    over = (f"pooled over n = {', '.join(map(str, sizes))}, every size weighted equally"
            if len(sizes) > 1 else "at the grid's one size")
    family = f"{n_primary} primary result" + ("" if n_primary == 1 else "s")
    return (f"Multiplicity: the answer is a confirmatory family of {family}, "
            f"one per method (Δ test accuracy {over}), declared before the run; Holm (1979) over "
            f"the methods at alpha = {1 - confidence:.3g} gives each its level, and every "
            "interval on its row is at that level. helps / hurts: the interval excludes 0; "
            f"negligible: it lies within ±{pp(smallest_effect, False)} pp "
            "(answer.smallest_effect; two one-sided tests); inconclusive: neither. Gap tags are "
            "judged only for a method that helps or hurts. Per-size results are exploratory "
            f"(unadjusted {level_text(confidence)} intervals) and not part of the answer.")


def answer_warnings(primary: Sequence[Verdict], methods: Sequence[str], baseline: str,
                    smallest_effect: float, sequential: bool = False) -> list[str]:
    """Warnings about what the answer can say (STATISTICS.md §7): nothing compared, and a design
    that cannot detect the smallest effect of interest (with what would). ``sequential``: the
    verdicts were judged at the looks of ``--until-decided`` (their MDE at the looks' levels)."""
    if not [m for m in methods if m != baseline]:
        return [f"The spec has only the baseline ({baseline}): nothing is compared. Add the "
                "methods to compare with it under methods:."]
    weak = [v for v in primary if v.effect != NOT_COMPARABLE and not v.mde <= smallest_effect]
    if not weak:
        return []
    weak.sort(key=lambda v: v.mde if math.isfinite(v.mde) else math.inf)
    span = (f"{pp(weak[0].mde, False)} pp ({weak[0].method})" if len(weak) == 1 else
            f"{pp(weak[0].mde, False)} pp ({weak[0].method}) to {pp(weak[-1].mde, False)} pp "
            f"({weak[-1].method})")
    need = [v.units_needed for v in weak]
    most = None if None in need else max(n for n in need if n is not None)
    bound = f"{pp(smallest_effect, False)} pp"
    how = (f"`augfit plan SPEC --smallest-effect {100 * smallest_effect:g}` sizes such a "
           "design on pilot splits" if not sequential else
           "a larger --max-splits lets --until-decided add them")
    at = " at the levels of the looks" if sequential else ""
    return [f"The design cannot detect the smallest effect of interest ({bound}, "
            f"answer.smallest_effect): at 80% power{at} it detects about {span}. "
            f"{units_text(most)[0].upper() + units_text(most)[1:]} (now {weak[-1].n_units}) "
            f"would reach {bound}; {how}."]


__all__ = ["LEGEND", "answer_warnings", "headline", "holm_line", "level_text",
           "primary_sentence", "units_text"]
