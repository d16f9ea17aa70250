"""The README's "More regularizers" examples run as written and print what their comments show.

Each ```python block of the section runs on its own in a fresh process; the ``# `` comment lines
right after a line with ``print(`` must equal what that print wrote.
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
HEADING = "## More regularizers: MixUp, CutMix, label smoothing, weight decay"


def _blocks() -> list[str]:
    text = README.read_text()
    start = text.index(HEADING)
    end = text.index("\n## ", start + len(HEADING))
    return re.findall(r"```python\n(.*?)```", text[start:end], flags=re.DOTALL)


def _expected(code: str) -> list[str]:
    out, lines = [], code.splitlines()
    for i, line in enumerate(lines):
        if "print(" in line:
            j = i + 1
            while j < len(lines) and lines[j].startswith("# "):
                out.append(lines[j][2:])
                j += 1
    return out


def test_the_section_has_its_three_examples():
    blocks = _blocks()
    assert len(blocks) == 3 and all(_expected(b) for b in blocks)


@pytest.mark.slow
@pytest.mark.parametrize("index", [0, 1, 2])
def test_example_runs_and_prints_what_it_shows(index, tmp_path):
    code = _blocks()[index]
    script = tmp_path / f"example_{index}.py"
    script.write_text(code)
    proc = subprocess.run([sys.executable, str(script)], check=False, cwd=tmp_path,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.splitlines() == _expected(code)
