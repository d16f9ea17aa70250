"""The report on a hand-made result table: known numbers in the Markdown, and the HTML rendered by
headless Chromium showing every plot (each image decodes) with no broken link."""
from __future__ import annotations

import base64
import dataclasses
import io
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from augfit.experiments.report import Report, comparison_table, verdict_table
from augfit.experiments.report.document import table_rows
from augfit.experiments.report.report_files import write_report
from augfit.experiments.spec import parse_spec
from augfit.experiments.stats import CellResult

SPEC = {"name": "handmade", "dataset": {"name": "digits"}, "train_sizes": [10, 20], "seeds": 3,
        "methods": ["baseline", {"name": "drop", "dropout": 0.5}],
        "bootstrap": {"resamples": 1000, "confidence": 0.9}}
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def _rows():
    """Contract rows: 3 seeds of one split, drop +5 pp test and 15 pp less gap."""
    rows = []
    for size in (10, 20):
        for seed in range(3):
            for method, acc, gap in (("baseline", 0.70 + seed / 100, 0.30),
                                     ("drop", 0.75 + seed / 100 + (seed == 1) / 1000, 0.15)):
                n = 5 if method == "drop" else 6
                tr = list(np.linspace(0.5, 1.0, n))
                va = [t - gap * k / (n - 1) for k, t in enumerate(tr)]
                trl = list(np.linspace(1.0, 0.1, n))
                val = [t + gap * k / (n - 1) for k, t in enumerate(trl)]
                rows.append({"method": method, "split": 0, "seed": seed, "train_size": size,
                             "test_accuracy": acc, "train_accuracy": acc + gap,
                             "gap_accuracy": gap, "val_accuracy": acc, "test_loss": 0.5,
                             "train_loss": 0.2, "best_epoch": n - 1, "epochs_run": n,
                             "wall_time": 0.1,
                             "history": {"train_accuracy": tr, "val_accuracy": va,
                                         "train_loss": trl, "val_loss": val}})
    return [CellResult(**r) for r in rows]


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    rep = Report.build(parse_spec(SPEC), _rows(), n_classes=10)
    return rep, write_report(out, rep)


def test_markdown_leads_with_the_answer_and_has_the_known_numbers(written):
    rep, paths = written
    md = paths["markdown"].read_text()
    # warnings first (3 units < 5), then the sentences, the Holm line, the figures, tables, spec
    # the headline first, then warnings (3 units < 5), the answer, the Holm line, the figures,
    # the tables (the answer's, then the exploratory per-size one), the spec
    assert md.splitlines()[2] == "**drop helps (+5.0 pp)**"
    order = [md.index(k) for k in ("**drop helps (+5.0 pp)**", "## Warnings",
                                   "Fewer than 5 independent", "## Answer",
                                   "- drop helps: +5.0 pp [", "Multiplicity: the answer is a "
                                   "confirmatory family of 1 primary result,",
                                   "plots/effects.png",
                                   "plots/multiplier.png", "plots/overlay.png",
                                   "plots/curves_drop.png", "## Verdicts per method (the answer)",
                                   "## Exploratory: per method and size",
                                   "## Spec (canonical form)", "<details>")]
    assert order == sorted(order)
    table = verdict_table(rep)
    assert table_rows(rep)[0] == [                      # the endpoint columns, from STATISTICS
        "method", "n", "units", "test acc", "baseline", "Δ test acc [90% CI]", "p",
        "Δ gap [90% CI]", "Δ train acc [90% CI]", "Δ test loss [90% CI]", "Δ loss gap [90% CI]",
        "wins", "examples resampled"]
    with pytest.warns(DeprecationWarning, match="returns the verdict table; call verdict_table"):
        assert comparison_table(rep) == table            # the old name, deprecated
    drop = next(line for line in table.splitlines() if line.startswith("| drop | all (10-20) |"))
    # every pair: +5 pp test accuracy (+0.1 pp on one seed), -15 pp gap, R = 1 - .15/.30 = 50%,
    # clean train accuracy 10 pp lower (train = test + gap); one method: Holm's level is 90%
    assert drop.startswith("| drop | all (10-20) | 3 | 90% | +5.0 pp [") and "| helps |" in drop
    assert "| -15.0 pp [" in drop and "| narrows the gap | -10.0 pp [" in drop
    assert "| 50% [" in drop
    per_size = md.split("## Exploratory: per method and size")[1]
    assert "| drop | 10 | 3 | +5.0 pp [" in per_size and "| above 0 |" in per_size
    # the confidence comes from the spec (0.9), never a hard-coded 95%
    assert "Δ test acc [90% CI]" in md and "95% CI" not in md
    assert "unadjusted 90% intervals" in md
    assert "## Exploratory: per method and size (unadjusted 90% intervals, not part of the " \
           "answer; about 1 in 10 of them misses by chance alone)" in md
    assert "## All endpoints per method and size (unadjusted 90% intervals)" in md
    for link in re.findall(r"\]\((plots/[^)]+)\)", md):
        assert (paths["markdown"].parent / link).stat().st_size > 1000
    assert paths["csv"].read_text().splitlines()[0].startswith("method,split,seed,train_size,")
    assert len(paths["csv"].read_text().splitlines()) == 13


def test_report_states_the_budget_and_the_best_epochs(written):
    _, paths = written
    md, html = paths["markdown"].read_text(), paths["html"].read_text()
    assert "up to 100 epochs, val and the clean training subsample evaluated after every " \
           "epoch" in md
    # best epoch (1-based, as stored) n - 1: 5 for the baseline, 4 for drop, over 3 units
    assert "| baseline | 10 | 3 | 5 [5, 5] | 6 |" in md and "| drop | 20 | 3 | 4 [4, 4] | 5 |" in md
    assert md.index("## Best epochs and the training budget") < md.index("## Spec (canonical")
    assert "Best epochs and the training budget</h2>" in html


def test_html_images_decode_and_are_all_there(written):
    import matplotlib.image as mpimg

    _, paths = written
    html = paths["html"].read_text()
    srcs = re.findall(r'<img [^>]*src="data:image/png;base64,([^"]+)"', html)
    assert len(srcs) == 5          # effects, multiplier, overlay, curves of the 2 methods
    for s in srcs:
        img = mpimg.imread(io.BytesIO(base64.b64decode(s)), format="png")
        assert img.shape[0] > 100 and img.shape[1] > 100 and img.std() > 0.01
    assert "http://" not in html and "https://" not in html     # self-contained
    # the headline first, then one coloured verdict row per method and the legend
    body = html.split("<body>")[1]
    assert body.startswith('<h1>augfit report: handmade</h1><p class="headline">drop helps')
    order = [body.index(k) for k in ('<p class="headline">drop helps (+5.0 pp)</p>',
                                     '<div class="verdicts"', '<dl class="legend">',
                                     'id="warnings"')]
    assert order == sorted(order)
    # one row per method: name, coloured verdict, Δ test with its interval, the forest plot;
    # the per-size results fold out of the row
    assert re.search(r'<details class="vrow"><summary class="vgrid"><span class="m">drop</span>'
                     r'<span class="v-helps" title="the method&#39;s Δ test accuracy [^"]*">'
                     r'helps</span>'
                     r'<span>\+5\.0 pp \[[^<]*</span>'
                     r'<svg class="forest"', html)
    sizes = html.split('<details class="vrow">')[1].split("</details>")[0].split("</summary>")[1]
    assert sizes.count("<tr><td>") == 2 and '<tr><td>10</td><td class="v-helps">above 0</td>' \
        '<td>+5.0 pp [' in sizes and sizes.count('<svg class="forest"') == 2
    for word in ("inconclusive", "negligible", "worth 1.4x the data"):
        assert f"<dt>{word}</dt>" in html
    assert html.index('class="warn"') < html.index('id="fig-effects"') < html.index("<table>")
    assert "<details>" in html
    # no raw Markdown: code spans of the prose are <code>, outside the spec's <pre> no backtick
    assert "`" not in re.sub(r"<pre>.*?</pre>", "", html, flags=re.S)


def test_html_text_shows_code_spans_as_code_and_escapes_the_rest():
    from augfit.experiments.report.report_files import html_text

    assert html_text("run `augfit plan SPEC` <now> & `x`") == \
        "run <code>augfit plan SPEC</code> &lt;now&gt; &amp; <code>x</code>"


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed")
@pytest.mark.slow
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
    res = subprocess.run([*flags, "--enable-logging=stderr", "--v=0", "--dump-dom",
                          probe.as_uri()], capture_output=True, text=True, timeout=90)
    dom = res.stdout
    assert "Uncaught" not in res.stderr and ":ERROR:CONSOLE" not in res.stderr
    m = re.search(r'data-probe="(\d+)/(\d+)/(\d+)"', dom)
    assert m, dom[:500]
    ok, total, bad_links = map(int, m.groups())
    assert total == 5 and ok == 5 and bad_links == 0
    assert "augfit report: handmade" in dom
    shot = tmp_path / "shot.png"
    subprocess.run([*flags, f"--screenshot={shot}", "--window-size=1200,2400",
                    paths["html"].as_uri()], capture_output=True, timeout=90)
    import matplotlib.image as mpimg

    img = mpimg.imread(shot)
    assert img.shape[:2] == (2400, 1200) and img[..., :3].std() > 0.05   # not a blank page


def test_markdown_escapes_what_users_wrote_as_the_html_does(tmp_path):
    """Class names and notes went into report.md as raw HTML, a pipe split the first table column,
    and a description holding ``` closed the spec's YAML fence."""
    from augfit.data.container import from_arrays

    hostile = dict(SPEC, description="ok\n```\n<script>alert(1)</script>\n# Injected heading",
                   notes={"tuned_on": "<img src=x onerror=alert(1)> | seeds 0-4"},
                   methods=["baseline", {"name": "drop", "dropout": 0.5},
                            {"name": "flip", "augment": [{"type": "HorizontalFlip"}]}])
    rows = _rows() + [dataclasses.replace(r, method="flip") for r in _rows() if r.method == "drop"]
    rep = Report.build(parse_spec(hostile), rows, n_classes=2)
    data = from_arrays(np.zeros((8, 8, 8), np.float32), ["<b>cat|dog</b>", "x"] * 4)
    lines = write_report(tmp_path, rep, data=data)["markdown"].read_text().splitlines()
    start = lines.index("````yaml")                       # longer than the ``` inside
    end = lines.index("````", start + 1)
    assert any("# Injected heading" in ln for ln in lines[start:end])   # literal, in the fence
    assert lines[end + 2] == "</details>"
    md = "\n".join(lines[:start] + lines[end + 1:])
    assert "<script>" not in md and "<img src=x" not in md and "<b>cat" not in md
    assert "&lt;img src=x onerror=alert(1)&gt; \\| seeds 0-4" in md
    assert "label &lt;b&gt;cat\\|dog&lt;/b&gt;" in md
    width, tables = None, 0
    for line, nxt in zip(lines, [*lines[1:], ""], strict=True):   # no pipe splits a cell
        pipes = len(re.findall(r"(?<!\\)\|", line))
        if line.startswith("|") and nxt.startswith("|---"):
            width, tables = pipes, tables + 1
        elif line.startswith("|") and not line.startswith("|---"):
            assert pipes == width, line
    assert tables >= 4


def test_every_statistic_is_a_column_of_the_endpoint_table_or_shown_elsewhere():
    """The endpoint table's columns come from stats.STATISTICS: a new statistic fails here until
    its column (heading, format) or its other place is declared."""
    from augfit.experiments.report.document import ENDPOINT_COLUMNS, NOT_ENDPOINT_COLUMNS
    from augfit.experiments.stats import STATISTICS

    assert set(STATISTICS) == set(ENDPOINT_COLUMNS) | set(NOT_ENDPOINT_COLUMNS)
    assert not set(ENDPOINT_COLUMNS) & set(NOT_ENDPOINT_COLUMNS)


_FIRST_SCREEN = """<script>window.addEventListener('load', () => {
const q = s => document.querySelector(s), box = s => q(s).getBoundingClientRect();
const cell = q('.verdicts summary .v-helps');
const r = {headline: box('p.headline').bottom, table: box('div.verdicts').bottom,
           text: q('p.headline').textContent, verdict: cell.textContent,
           background: getComputedStyle(cell).backgroundColor,
           forests: document.querySelectorAll('.verdicts summary svg.forest').length,
           folded: [...document.querySelectorAll('.verdicts details')].filter(d => !d.open)
                   .length, sizes: q('table.sizes').checkVisibility(),
           width: document.documentElement.scrollWidth};
document.body.setAttribute('data-probe', JSON.stringify(r));});</script>"""


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed")
@pytest.mark.slow
def test_first_screen_shows_the_headline_and_the_coloured_verdicts(written, tmp_path):
    """A reader sees the answer without scrolling: in a 1400 x 900 window the headline and the
    whole verdict table (its row coloured, with a forest plot and the per-size results folded)
    are on the first screen, and the page is small."""
    import json

    import matplotlib.image as mpimg

    _, paths = written
    assert paths["html"].stat().st_size < 1_000_000
    probe = tmp_path / "first.html"
    probe.write_text(paths["html"].read_text().replace("</body>", _FIRST_SCREEN + "</body>"))
    flags = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=5000",
             "--window-size=1400,900", "--hide-scrollbars"]
    dom = subprocess.run([*flags, "--dump-dom", probe.as_uri()], capture_output=True, text=True,
                         timeout=90).stdout
    m = re.search(r'data-probe="([^"]+)"', dom)
    assert m, dom[:500]
    r = json.loads(m.group(1).replace("&quot;", '"'))
    assert r["text"] == "drop helps (+5.0 pp)" and r["verdict"] == "helps"
    assert 0 < r["headline"] < r["table"] <= 900
    assert r["background"] == "rgb(200, 230, 201)"        # the helps green (#c8e6c9)
    assert r["forests"] == 1 and r["folded"] == 1 and r["sizes"] is False   # folded: not shown
    assert r["width"] <= 1400
    shot = tmp_path / "first.png"
    subprocess.run([*flags, f"--screenshot={shot}", paths["html"].as_uri()], capture_output=True,
                   timeout=90)
    img = (mpimg.imread(shot)[..., :3] * 255).round().astype(int)
    assert img.shape[:2] == (900, 1400)

    def pixels(rgb):
        return int((np.abs(img - np.array(rgb)).max(axis=-1) <= 2).sum())

    assert pixels((200, 230, 201)) > 500       # the coloured verdict cell
    assert pixels((46, 125, 50)) > 20          # the forest plot's interval and dot (#2e7d32)


def test_forest_plot_puts_the_estimate_and_interval_on_the_shared_axis_by_hand():
    """Axis [-2, +2] pp on 220 px with 8 px margins: x(v) = 8 + 204 (v + r) / 2r, so 0 -> 110,
    +1 pp -> 161; an end beyond the axis stops at 212 with an arrow head; no interval, no line."""
    from augfit.experiments.report.plots import forest_axis_svg, forest_range, forest_svg

    assert forest_range([(0.01, 0.005, 0.015)], 0.01) == pytest.approx(0.02)   # 2 x smallest
    # an end beyond 3x the largest estimate (or smallest effect) does not widen the axis
    assert forest_range([(0.01, -0.5, 0.015)], 0.01) == pytest.approx(0.03)
    svg = forest_svg(0.01, (0.005, 0.015), 0.02, 0.01, "helps", "tip <b>")
    assert '<circle cx="161.0" cy="10.0" r="4" fill="#2e7d32"/>' in svg
    assert '<line x1="135.5" y1="10.0" x2="186.5" y2="10.0" stroke="#2e7d32"' in svg
    assert '<rect x="59.0" y="0" width="102.0"' in svg        # ±1 pp: the negligible band
    assert "<title>tip &lt;b&gt;</title>" in svg and "polygon" not in svg
    clipped = forest_svg(0.01, (0.005, 0.05), 0.02, 0.01, "helps")
    assert 'x2="212.0"' in clipped and clipped.count("<polygon") == 1
    bare = forest_svg(0.01, (float("nan"), float("nan")), 0.02, 0.01, "inconclusive")
    assert "<line x1" not in bare.replace('<line x1="110.0"', "") and "<circle" in bare
    axis = forest_axis_svg(0.02, 0.01)
    assert [t for t in re.findall(r">([^<]+)</text>", axis)] == ["-2", "-1", "0", "+1", "+2 pp"]
