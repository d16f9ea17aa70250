"""The README's "Your stack" examples run as written and print what their comments show.

Each ```python block under the section is taken by position, run on its own in a fresh process (in
a temporary folder), and every run of ``# `` comment lines right after a line with ``print(`` must
equal what that print wrote.
"""
from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
HEADING = "## Your stack: PyTorch, scikit-learn, tables, MLflow, progress"


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


def _usable(module: str) -> bool:
    if importlib.util.find_spec(module) is None:
        return False
    try:
        __import__(module)
    except ImportError:  # e.g. a torch build whose native libraries are missing
        return False
    return True


NEEDS = {0: [], 1: ["torch"], 2: [], 3: ["mlflow", "pandas"]}


def test_the_section_has_the_four_examples():
    blocks = _blocks()
    assert len(blocks) == 4
    assert all(_expected(b) for b in blocks)


@pytest.mark.slow
@pytest.mark.parametrize("index", sorted(NEEDS))
def test_example_runs_and_prints_what_it_shows(index, tmp_path):
    missing = [m for m in NEEDS[index] if not _usable(m)]
    if missing:
        pytest.skip(f"README example {index} needs {', '.join(missing)} (an optional extra)")
    code = _blocks()[index]
    script = tmp_path / f"example_{index}.py"
    script.write_text(code)
    proc = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.splitlines() == _expected(code)
