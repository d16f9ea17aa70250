"""The README's "Safety and limits" examples run on their own and print exactly the ``# ...`` lines
that close each block."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEADING = "## Safety and limits"


def _blocks() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index(HEADING)
    nxt = re.search(r"^## ", text[start + len(HEADING):], re.M)
    body = text[start:start + len(HEADING) + nxt.start()] if nxt else text[start:]
    return re.findall(r"```python\n(.*?)```", body, re.S)


BLOCKS = _blocks()


def test_the_section_has_its_examples():
    assert len(BLOCKS) == 2


@pytest.mark.parametrize("i", range(len(BLOCKS)))
def test_safety_example_prints_what_the_readme_shows(i, tmp_path):
    code = BLOCKS[i]
    lines = code.rstrip("\n").splitlines()
    tail = []
    while lines and lines[-1].startswith("# "):
        tail.insert(0, lines.pop()[2:])
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    assert tail and done.stdout.splitlines() == tail
