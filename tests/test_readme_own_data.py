"""The README's "Run the comparison on your own data" examples run as written and print what the
README shows (a ``# ...`` comment line right after a ``print(...)`` line is its expected output;
``...`` in it matches anything)."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEADING = "## Run the comparison on your own data"


def section_blocks() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index(HEADING)
    nxt = re.search(r"^## ", text[start + len(HEADING):], re.M)
    body = text[start:start + len(HEADING) + nxt.start()] if nxt else text[start:]
    return re.findall(r"```python\n(.*?)```", body, re.S)


def expected_output(code: str) -> list[str]:
    out, after_print = [], False
    for line in code.splitlines():
        if line.startswith("# ") and after_print:
            out.append(line[2:])
            continue
        after_print = line.lstrip().startswith("print(") or (
            "print(" in line and not line.lstrip().startswith("#"))
    return out


def _matches(pattern: str, line: str) -> bool:
    return re.fullmatch(".*".join(map(re.escape, pattern.split("..."))), line) is not None


BLOCKS = section_blocks()


def test_the_section_has_the_required_examples():
    joined = "\n".join(BLOCKS)
    assert len(BLOCKS) >= 3
    for needle in ('"image_folder"', '"csv"', "pd.read_csv", "data=(df,"):
        assert needle in joined, needle


@pytest.mark.slow
@pytest.mark.parametrize("i", range(len(BLOCKS)))
def test_readme_example_runs_and_prints_what_it_shows(i, tmp_path):
    (tmp_path / "datasets").symlink_to(ROOT / "datasets")
    (tmp_path / "runs").mkdir()
    code = BLOCKS[i]
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                          text=True, timeout=600, env={"PYTHONPATH": str(ROOT / "src"),
                                                       "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr[-3000:]
    want = expected_output(code)
    got = done.stdout.splitlines()
    assert want, "each example shows its output"
    assert len(got) == len(want) and all(_matches(w, g) for w, g in zip(want, got)), (want, got)
