"""CHANGELOG.md keeps the shape of Keep a Changelog 1.1.0: Unreleased first, then versions with
ISO dates, newest first, each with only the six kinds of change, each kind at most once."""
from __future__ import annotations

import re
from pathlib import Path

CHANGELOG = Path(__file__).resolve().parents[1] / "CHANGELOG.md"
KINDS = {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}
VERSION = re.compile(r"## \[(Unreleased|\d+\.\d+\.\d+)\](?: - (\d{4}-\d{2}-\d{2}))?$")


def sections(text: str) -> list[tuple[str, str | None, list[str]]]:
    """(version, date, kinds in order) for each ``## [...]`` heading."""
    out: list[tuple[str, str | None, list[str]]] = []
    for line in text.splitlines():
        if line.startswith("## "):
            m = VERSION.match(line)
            assert m, f"not a version heading: {line!r}"
            out.append((m.group(1), m.group(2), []))
        elif line.startswith("### "):
            assert out, f"{line!r} before any version"
            out[-1][2].append(line[4:].strip())
    return out


def test_the_changelog_keeps_the_format():
    text = CHANGELOG.read_text(encoding="utf-8")
    assert text.startswith("# Changelog\n") and "keepachangelog.com/en/1.1.0" in text
    found = sections(text)
    assert found[0][:2] == ("Unreleased", None)
    dates = []
    for version, date, _ in found[1:]:
        assert date, f"version {version} has no date"
        dates.append(date)
    assert dates == sorted(dates, reverse=True)
    for version, _, kinds in found:
        assert set(kinds) <= KINDS, (version, set(kinds) - KINDS)
        assert len(kinds) == len(set(kinds)), f"{version} repeats a kind of change"


def test_the_checker_refuses_what_the_format_forbids():
    bad = "# Changelog\n## [Unreleased]\n### Improved\n## [0.1.0]\n"
    found = sections(bad)
    assert found[0][2] == ["Improved"] and not set(found[0][2]) <= KINDS
    assert found[1][1] is None                                  # a version without its date
