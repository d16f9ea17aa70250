"""Print the score of the last `mutmut run` (make mutate), per module, from mutants/**/*.meta.

A mutant is killed when a selected test failed on it (or it timed out), survived when every test
passed, "no tests" when no selected test calls the mutated function. Survivors named (in
backticks) in docs/testing.md's list of equivalent mutants are mutants no input can tell apart
from the original; they are counted apart and left out of the score's denominator. The score is
killed / (total - equivalent). Every other survivor and "no tests" mutant is listed.

Usage (from the repository root, after `python scripts/mutate.py`): python scripts/mutate_score.py
"""
from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

KILLED = {1, 3, 24, -24, 36, 152, 255}  # a test failed, pytest errored, or it timed out
SURVIVED = {0}
NO_TESTS = {5, 33}


def equivalents(path: Path) -> set[str]:
    """The mutant names in backticks in ``path`` (docs/testing.md)."""
    return set(re.findall(r"`([\w.ǁ]+__mutmut_\d+)`", path.read_text("utf-8")))


def main(root: Path) -> int:
    metas = sorted((root / "mutants").rglob("*.py.meta"))
    if not metas:
        print("no mutmut results under mutants/: run `make mutate` first", file=sys.stderr)
        return 1
    known = equivalents(root / "docs" / "testing.md")
    total = Counter[str]()
    open_survivors: list[str] = []
    print(f"{'module':48} {'mutants':>7} {'killed':>6} {'equiv':>5} {'surv':>4} "
          f"{'notest':>6} {'other':>5} {'score':>6}")
    for meta in metas:
        codes = json.loads(meta.read_text("utf-8"))["exit_code_by_key"]
        c = Counter[str]()
        for name, code in codes.items():
            if code in KILLED:
                c["killed"] += 1
            elif name in known and code in SURVIVED | NO_TESTS:
                c["equiv"] += 1
            elif code in SURVIVED:
                c["surv"] += 1
                open_survivors.append(name)
            elif code in NO_TESTS:
                c["notest"] += 1
                open_survivors.append(name)
            else:
                c["other"] += 1
                open_survivors.append(f"{name} (exit code {code})")
        c["mutants"] = len(codes)
        total.update(c)
        # mutants/GROUP/mutants/src/augfit/x.py.meta (scripts/mutate.py) -> augfit/x.py
        module = str(meta.relative_to(root / "mutants"))[: -len(".meta")].split("/src/", 1)[-1]
        print(_row(module, c))
    print(_row("total", total))
    for name in open_survivors:
        print("open:", name)
    return 0


def _row(label: str, c: Counter[str]) -> str:
    scored = c["mutants"] - c["equiv"]
    score = 100.0 * c["killed"] / scored if scored else 100.0
    return (f"{label:48} {c['mutants']:7} {c['killed']:6} {c['equiv']:5} {c['surv']:4} "
            f"{c['notest']:6} {c['other']:5} {score:5.1f}%")


if __name__ == "__main__":
    sys.exit(main(Path.cwd()))
