"""The report on a hand-made result table: known numbers in the Markdown, and the HTML rendered by
headless Chromium showing every plot (each image decodes) with no broken link."""
from __future__ import annotations

import base64
import io
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from augfit.experiments.report import Report, comparison_table, write_report
from augfit.experiments.spec import parse_spec

SPEC = {"name": "handmade", "dataset": {"name": "digits"}, "train_sizes": [10, 20], "seeds": 3,
        "methods": ["baseline", {"name": "drop", "dropout": 0.5}], "bootstrap": {"resamples": 1000}}
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def _rows():
    rows = []
    for size in (10, 20):
        for seed in range(3):
            for method, acc, gap in (("baseline", 0.70 + seed / 100, 0.30),
                                     ("drop", 0.75 + seed / 100, 0.15)):
                n = 5 if method == "drop" else 6
                tr = list(np.linspace(0.5, 1.0, n))
                va = [t - gap * k / (n - 1) for k, t in enumerate(tr)]
                rows.append({"method": method, "split": 0, "seed": seed, "train_size": size,
                             "test_accuracy": acc, "gap_accuracy": gap, "train_accuracy": 1.0,
                             "val_accuracy": 1.0 - gap, "val_gap_accuracy_best": gap / 2,
                             "val_gap_accuracy_area": 1.0, "epochs_run": n, "wall_time": 0.1,
                             "history": {"train_accuracy": tr, "val_accuracy": va}})
    return rows


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    rep = Report.build(parse_spec(SPEC), _rows())
    return rep, write_report(out, rep)


def test_markdown_table_has_the_known_numbers(written):
    rep, paths = written
    table = comparison_table(rep)
    lines = table.splitlines()
    assert lines[0].startswith("| method | pairs | test acc |")
    base = next(l for l in lines if l.startswith("| baseline"))
    drop = next(l for l in lines if l.startswith("| drop"))
    assert "| 6 | 71.0% |" in base and "| 30.0% |" in base
    # every pair: +5 pp accuracy, -15 pp gap, reduction (0.30 - 0.15) / 0.30 = 50%
    assert "+5.0 pp [+5.0, +5.0]" in drop and "-15.0 pp [-15.0, -15.0]" in drop
    assert "50% [50%, 50%]" in drop and "6/6" in drop
    md = paths["markdown"].read_text()
    assert table in md and "### Training size 10" in md
    for link in re.findall(r"\]\((plots/[^)]+)\)", md):
        assert (paths["markdown"].parent / link).stat().st_size > 1000
    assert paths["csv"].read_text().splitlines()[0].startswith("method,split,seed,train_size,")
    assert len(paths["csv"].read_text().splitlines()) == 13


def test_html_images_decode_and_are_all_there(written):
    import matplotlib.image as mpimg

    _, paths = written
    html = paths["html"].read_text()
    srcs = re.findall(r'<img [^>]*src="data:image/png;base64,([^"]+)"', html)
    assert len(srcs) == 4          # differences, gap by size, curves for each of the 2 methods
    for s in srcs:
        img = mpimg.imread(io.BytesIO(base64.b64decode(s)), format="png")
        assert img.shape[0] > 100 and img.shape[1] > 100 and img.std() > 0.01
    assert "http://" not in html and "https://" not in html     # self-contained


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed")
def test_html_renders_in_chromium(written, tmp_path):
    _, paths = written
    probe = tmp_path / "probe.html"
    script = ("<script>window.addEventListener('load',()=>{const im=[...document.images];"
              "const ok=im.filter(i=>i.complete&&i.naturalWidth>0).length;"
              "const bad=[...document.querySelectorAll('a[href]')]"
              ".filter(a=>{const h=a.getAttribute('href');"
              "return !(h.startsWith('#')&&document.getElementById(h.slice(1)))}).length;"
              "document.body.setAttribute('data-probe',ok+'/'+im.length+'/'+bad)});</script>")
    probe.write_text(paths["html"].read_text().replace("</body>", script + "</body>"))
    flags = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=5000"]
    dom = subprocess.run(flags + ["--dump-dom", probe.as_uri()], capture_output=True, text=True,
                         timeout=90).stdout
    m = re.search(r'data-probe="(\d+)/(\d+)/(\d+)"', dom)
    assert m, dom[:500]
    ok, total, bad_links = map(int, m.groups())
    assert total == 4 and ok == 4 and bad_links == 0
    assert "augfit report: handmade" in dom
    shot = tmp_path / "shot.png"
    subprocess.run(flags + [f"--screenshot={shot}", "--window-size=1200,2400",
                            paths["html"].as_uri()], capture_output=True, timeout=90)
    import matplotlib.image as mpimg

    img = mpimg.imread(shot)
    assert img.shape[:2] == (2400, 1200) and img[..., :3].std() > 0.05   # not a blank page
