"""The CLI reference page (docs/cli.md), generated from ``augfit.cli``'s argparse parser.

Each command's arguments, defaults and help come from the parser itself, so the page cannot drift
from ``augfit --help`` (tests/test_docs.py fails when docs/cli.md is stale)."""
from __future__ import annotations

import argparse
from typing import Any

from augfit import cli


def _subparsers(p: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for a in p._actions:
        if isinstance(a, argparse._SubParsersAction):
            return dict(a.choices)
    return {}


def _helps(p: argparse.ArgumentParser) -> dict[str, str]:
    for a in p._actions:
        if isinstance(a, argparse._SubParsersAction):
            return {c.dest: c.help or "" for c in a._choices_actions}
    return {}


def _name(a: argparse.Action) -> str:
    if not a.option_strings:
        return a.metavar if isinstance(a.metavar, str) else a.dest.upper()
    if a.nargs == 0:
        return ", ".join(a.option_strings)
    meta = a.metavar if isinstance(a.metavar, str) else a.dest.upper()
    return ", ".join(f"{o} {meta}" for o in a.option_strings)


def _default(a: argparse.Action) -> str:
    if a.required or (not a.option_strings and a.nargs is None):
        return "required"
    if a.nargs == 0 or a.default in (None, [], argparse.SUPPRESS):
        return ""
    return f"`{a.default}`"


def _row(a: argparse.Action) -> str:
    text = (a.help or "").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")
    if a.choices and not isinstance(a, argparse._SubParsersAction):
        text = f"{text}; one of {', '.join(f'`{c}`' for c in a.choices)}".lstrip("; ")
    if isinstance(a, argparse._AppendAction):
        text += " Repeatable."
    return f"| `{_name(a)}` | {_default(a)} | {text} |"


def _command(name: str, p: argparse.ArgumentParser, summary: str) -> list[str]:
    rows = [_row(a) for a in p._actions if not isinstance(a, argparse._HelpAction)]
    out = [f"## `augfit {name}`", "", summary[:1].upper() + summary[1:] + ".", "",
           "| argument | default | what it does |", "|---|---|---|", *rows, ""]
    if p.epilog:
        out += ["```", p.epilog.strip(), "```", ""]
    return out


def page(_: Any = None) -> str:
    p = cli._parser()
    lines = ["# The command line", "", f"`augfit`: {p.description}", "",
             "Every command prints `augfit COMMAND --help`. A mistake in an argument or a spec is "
             "one line on stderr naming what was wrong and how to fix it, never a traceback: "
             "status 2 for a usage error, 1 when the data, the results store or the machine fails, "
             "130 after Ctrl-C and 143 after SIGTERM (every finished cell is saved, and a rerun "
             "resumes).", "",
             "This page is generated from the parser by `scripts/build_docs.py`.", ""]
    top = [a for a in p._actions
           if not isinstance(a, argparse._HelpAction | argparse._SubParsersAction)]
    if top:
        lines += ["| option | default | what it does |", "|---|---|---|",
                  *[_row(a) for a in top], ""]
    if p.epilog:
        lines += ["```", p.epilog.strip(), "```", ""]
    helps = _helps(p)
    for name, sp in _subparsers(p).items():
        lines += _command(name, sp, helps.get(name, ""))
    return "\n".join(lines).rstrip() + "\n"
