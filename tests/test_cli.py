"""The augfit command: help with examples, list, one-line errors with status 2, run/report/preview,
quiet progress when not a terminal, and Ctrl-C saving every finished cell (status 130)."""
from __future__ import annotations

import contextlib
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from augfit.cli import main

AUGFIT = Path(sys.executable).parent / "augfit"
TINY = {"name": "cli_tiny", "dataset": {"name": "digits"}, "model": {"hidden": [16]},
        "training": {"epochs": 3, "lr": 0.01}, "seeds": 2, "train_sizes": [40],
        "bootstrap": {"resamples": 200},
        "methods": ["baseline", {"name": "flip", "augment": [{"type": "HorizontalFlip"}]}]}


def _spec(tmp_path, data=TINY, name="tiny.yaml"):
    p = tmp_path / name
    p.write_text(yaml.safe_dump(data))
    return p


def test_help_shows_examples(capsys):
    with pytest.raises(SystemExit) as e:
        main(["--help"])
    assert e.value.code == 0
    assert "augfit run pipelines/digits_overfitting.yaml" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    out = capsys.readouterr().out
    assert "--workers" in out and "--scheduler" in out and "examples:" in out


def test_list(capsys):
    assert main(["list", "transforms", "--names"]) == 0
    names = capsys.readouterr().out.split()
    assert {"Rotate", "HorizontalFlip", "Compose", "TimeMask"} <= set(names)
    assert main(["list", "datasets"]) == 0
    assert "digits" in capsys.readouterr().out.split()
    assert main(["list", "featurizers"]) == 0
    assert "image_flatten" in capsys.readouterr().out.split()


def test_list_transforms_gives_modality_description_and_parameters(capsys):
    from augfit.registry import TRANSFORMS

    assert main(["list", "transforms"]) == 0
    lines = capsys.readouterr().out.splitlines()
    first = {ln.split()[1]: (ln.split()[0], i) for i, ln in enumerate(lines)
             if not ln.startswith(" ")}
    assert set(first) == set(TRANSFORMS.available())       # every registered transform, once
    def block(name):          # the entry's text: description, then the parameters' line(s)
        i = first[name][1]
        rest = [ln.strip() for ln in lines[i + 1:i + 4] if ln.startswith(" ")]
        return " ".join([lines[i].split(None, 2)[2], *rest])

    assert first["HorizontalFlip"][0] == "image"
    assert block("HorizontalFlip") == ("Mirror images left-right (the width axis) with "
                                       "probability p (default 0.5). p=0.5")
    assert first["TimeMask"][0] == "audio" and "max_width=10, num_masks=2" in block("TimeMask")
    assert first["SynonymReplace"][0] == "text" and first["MixUp"][0] == "any"
    # grouped by modality: every image transform before every text one, text before audio
    order = [first[n][0] for n in sorted(first, key=lambda n: first[n][1])]
    assert order == sorted(order, key=["image", "text", "audio", "any"].index)


def test_version(capsys):
    from augfit.version import __version__

    with pytest.raises(SystemExit) as e:
        main(["--version"])
    assert e.value.code == 0
    assert capsys.readouterr().out == f"augfit {__version__}\n"
    import augfit

    assert augfit.__version__ == __version__ and __version__.count(".") == 2


def test_bad_spec_is_one_line_with_status_2(tmp_path, capsys):
    bad = _spec(tmp_path, dict(TINY, training={"lr": "fast"}), "bad.yaml")
    assert main(["run", str(bad), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(f"augfit: error: {bad}: training.lr: "
                          'expected a number in (0, 10], got "fast"')
    assert main(["report", str(tmp_path / "nothing")]) == 2
    assert "no results.sqlite here" in capsys.readouterr().err


def test_run_report_and_preview(tmp_path, capsys):
    spec = _spec(tmp_path)
    out = tmp_path / "run"
    assert main(["run", str(spec), "--out", str(out), "--quiet", "--workers", "1"]) == 0
    text = capsys.readouterr().out
    assert "cli_tiny: 4 cells run, 0 already stored" in text
    assert "| flip | 40 | 2 |" in text and (out / "report.html").stat().st_size > 10000
    # the answer first: the headline, the warnings (2 units < 5), one sentence per method's
    # primary result (one size: its comparison there), then the Holm line
    answer = text.split("\n\n")[1].splitlines()
    # (3 epochs leave a model at chance on some seeds: "not comparable" is a possible answer)
    verdict = (r"flip (helps|hurts|is negligible|is inconclusive|"
               r"is not comparable \(both at chance\))")
    assert re.fullmatch(verdict + r"( \(.*\))?", answer[0]), answer[0]
    warn = text.index("WARNING: Fewer than 5 independent (split, seed) units")
    assert warn < text.index("\nflip ", warn) < text.index(
        "Multiplicity: the answer is a confirmatory family of 1 primary result")
    assert re.search(r"\n" + verdict + r": .* at n = 40\b", text)
    assert main(["run", str(spec), "--out", str(out), "--quiet", "--workers", "1"]) == 0
    assert "0 cells run, 4 already stored" in capsys.readouterr().out
    (out / "report.md").unlink()
    assert main(["report", str(out)]) == 0
    text = capsys.readouterr().out
    assert "| flip | 40 | 2 |" in text and "WARNING: Fewer than 5" in text
    assert (out / "report.md").exists()
    assert main(["preview", "--pipeline", str(spec), "--method", "flip", "--dataset", "digits",
                 "--n", "2", "--versions", "3", "--out", str(tmp_path / "pv")]) == 0
    assert "8 panels (image)" in capsys.readouterr().out
    page = (tmp_path / "pv" / "index.html").read_text()
    assert page.count('<figure class="card') == 8 and "horizontal flip" in page


def _like_a_terminal() -> None:
    """In the child: Ctrl-C's default action, as in a terminal. A shell's background job (``cmd &``
    without job control, e.g. a CI script) starts with SIGINT ignored, and a child inherits that."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.slow
def test_console_script_quiet_when_piped_and_ctrl_c_keeps_finished_cells(tmp_path):
    training = {"epochs": 300, "batch_size": 8, "lr": 0.01}   # about 0.5 s per cell: the signal
    spec = _spec(tmp_path, dict(TINY, seeds=20, training=training, train_sizes=[80]))  # comes early
    out = tmp_path / "run"
    db = out / "results.sqlite"
    proc = subprocess.Popen([str(AUGFIT), "run", str(spec), "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=_like_a_terminal)
    deadline, done = time.time() + 60, 0
    while time.time() < deadline and proc.poll() is None and done < 1:
        if db.exists():
            with contextlib.suppress(sqlite3.OperationalError):
                con = sqlite3.connect(db, timeout=5)     # wait out the writer's lock
                done = con.execute("SELECT COUNT(*) FROM cells").fetchone()[0]
        time.sleep(0.01)
    proc.send_signal(signal.SIGINT)
    _stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "interrupted; every finished cell is saved" in stderr
    assert "%|" not in stderr and "cells/s" not in stderr       # no progress bar into a pipe
    kept = sqlite3.connect(db).execute("SELECT COUNT(*) FROM cells").fetchone()[0]
    assert 1 <= kept < 40
    assert main(["report", str(out)]) == 0                     # a partial run can be reported
    assert f"{kept}/40 cells finished" in (out / "report.md").read_text()


def test_preview_audio_with_dataset_option(tmp_path, capsys, fsdd_path):
    pipe = tmp_path / "specaug.yaml"
    pipe.write_text("- {type: MelSpectrogram, sample_rate: 8000}\n"
                    "- {type: TimeMask, max_width: 10}\n")
    assert main(["preview", "--pipeline", str(pipe), "--dataset", "fsdd", "--dataset-option",
                 f"path={fsdd_path}", "--n", "2", "--versions", "2",
                 "--out", str(tmp_path / "pv")]) == 0
    assert "6 panels (audio)" in capsys.readouterr().out
    # per clip: the original, the original through the mel inversion, and 2 inverted versions
    assert len(list((tmp_path / "pv" / "wav").glob("*.wav"))) == 2 * 4
    assert main(["preview", "--pipeline", str(pipe), "--dataset", "fsdd",
                 "--dataset-option", "path"]) == 2
    assert "--dataset-option must be KEY=VALUE, got 'path'" in capsys.readouterr().err
