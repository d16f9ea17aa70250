"""A core install (no matplotlib: the ``report`` extra missing) still gives the answer: ``augfit
run`` prints the verdict sentences and the table, writes report.md / report.html without figures,
says which extra draws them, and exits 0."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

# matplotlib made unimportable, as in an environment that never installed it
WITHOUT_MATPLOTLIB = ("import sys; sys.modules['matplotlib'] = None; from augfit.cli import main; "
                      "sys.exit(main(sys.argv[1:]))")
SPEC = """name: core
dataset: {name: digits}
model: {hidden: [16]}
training: {epochs: 5, batch_size: 32}
splits: 2
seeds: 1
train_sizes: [60]
bootstrap: {resamples: 200}
methods:
  - baseline
  - {name: flips, augment: [{type: HorizontalFlip, p: 0.5}]}
"""


@pytest.mark.slow
def test_run_without_matplotlib_prints_the_answer_and_names_the_extra(tmp_path: Path) -> None:
    spec = tmp_path / "core.yaml"
    spec.write_text(SPEC)
    out = tmp_path / "out"
    r = subprocess.run([sys.executable, "-c", WITHOUT_MATPLOTLIB, "run", str(spec), "--out",
                        str(out), "--workers", "1", "--quiet"],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    assert "flips " in r.stdout and "at n = 60" in r.stdout         # the verdict sentence
    assert "| method |" in r.stdout                                  # the table
    assert "Traceback" not in r.stderr
    assert ("figures not drawn: the figures (and spectrogram cards) need matplotlib, which is not "
            "installed: pip install 'augfit[report]'") in r.stderr
    md = (out / "report.md").read_text()
    assert "Figures: not drawn; the figures" in md and "flips" in md
    assert not list((out / "plots").glob("*.png"))
    assert "Not drawn; the figures" in (out / "report.html").read_text()
