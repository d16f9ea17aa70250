"""Run mutmut group by group, each group with its own tests (make mutate; docs/testing.md).

mutmut 3 reads one ``[tool.mutmut]`` table, so one run would give every mutated module the same
test selection: a statistics mutant would load the cell tests, and the trainer's tests would run
for a layer. The groups are the tables ``[tool.augfit-mutate.GROUP]`` in pyproject.toml
(``only_mutate``: the modules; ``tests``: the pytest selection, files or node ids). For each group
this script makes ``mutants/GROUP/`` holding links to ``src`` and ``tests`` and a copy of
pyproject.toml whose ``[tool.mutmut]`` gets the group's two lists, then runs ``mutmut run`` there
(mutmut still runs, per mutant, only the selected tests that call the mutated function). The
results land in ``mutants/GROUP/mutants/``; ``scripts/mutate_score.py`` reads them all.
``mutmut show NAME`` and ``mutmut run NAME`` work from ``mutants/GROUP/``.

Usage (from the repository root): python scripts/mutate.py [--max-children N] [GROUP ...]
(no GROUP: every group, in the table's order). An existing ``mutants/GROUP/`` is removed first:
mutmut keeps cached results when only the tests changed, which would report a stale score.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # mutmut needs the toml package on Python 3.10, and reads pyproject.toml with it too
    import toml as tomllib

TABLE = "augfit-mutate"


def groups(root: Path) -> dict[str, dict[str, list[str]]]:
    """The groups of pyproject.toml, in file order: name -> {only_mutate, tests}."""
    data = tomllib.loads((root / "pyproject.toml").read_text("utf-8"))
    out: dict[str, dict[str, list[str]]] = data["tool"][TABLE]
    return out


def group_pyproject(text: str, group: dict[str, list[str]]) -> str:
    """pyproject.toml's text with the group's modules and tests added to ``[tool.mutmut]``."""
    head = "[tool.mutmut]\n"
    if text.count(head) != 1:
        raise SystemExit("pyproject.toml must have exactly one [tool.mutmut] table")
    lines = (f"only_mutate = {json.dumps(group['only_mutate'])}\n"
             f"pytest_add_cli_args_test_selection = {json.dumps(group['tests'])}\n")
    return text.replace(head, head + lines)


def prepare(root: Path, name: str, group: dict[str, list[str]]) -> Path:
    """A fresh ``mutants/NAME/`` with links to src and tests and the group's pyproject.toml."""
    work = root / "mutants" / name
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    for part in ("src", "tests"):
        (work / part).symlink_to(root / part, target_is_directory=True)
    text = (root / "pyproject.toml").read_text("utf-8")
    (work / "pyproject.toml").write_text(group_pyproject(text, group), "utf-8")
    return work


def main(argv: list[str]) -> int:
    root = Path.cwd()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-children", type=int, default=2)
    parser.add_argument("group", nargs="*", help="group names (default: all)")
    args = parser.parse_args(argv)
    table = groups(root)
    unknown = [g for g in args.group if g not in table]
    if unknown:
        raise SystemExit(f"unknown group(s) {unknown}; the groups are {list(table)}")
    mutmut = Path(sys.executable).with_name("mutmut")
    for name in args.group or list(table):
        work = prepare(root, name, table[name])
        print(f"== group {name}: {', '.join(table[name]['only_mutate'])}", flush=True)
        code = subprocess.call([str(mutmut), "run", "--max-children", str(args.max_children)],
                               cwd=work)
        if code != 0:
            print(f"mutmut failed in group {name} (exit code {code})", file=sys.stderr)
            return code
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
