"""The dose-response figure and table of a real (small) swept run: one point per swept value and
size, at the exploratory per-size table's values and interval bounds, one optimistic "best" mark
per size."""
from __future__ import annotations

import base64
import io
import re

import numpy as np
import pytest

from augfit.experiments import run
from augfit.experiments.report.document import answer_text, exploratory_rows
from augfit.experiments.report.dose import BEST_WARNING, dose_curves, dose_figure

VALUES = [5, 20, 45]
SPEC = {
    "name": "dose", "dataset": {"name": "digits"}, "model": {"hidden": [16]},
    "training": {"epochs": 25, "batch_size": 16, "lr": 0.01}, "seeds": 3,
    "train_sizes": [40, 80], "bootstrap": {"resamples": 500},
    "methods": ["baseline", {"name": "drop", "dropout": 0.2},
                {"name": "rot", "augment": [{"type": "Rotate"}], "rotate.limit": VALUES}],
}
NAMES = [f"rot[limit={v}]" for v in VALUES]
NUM = r"([+-]\d+\.\d)"


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    return run(SPEC, out=tmp_path_factory.mktemp("dose"), workers=1, progress=False)


def _table_bounds(rows, method, size):
    """(value, lo, hi) in pp from the exploratory table's Δ test and Δ gap columns."""
    head = rows[0]
    row = next(r for r in rows[1:] if r[0] == method and r[1] == str(size))
    out = []
    for col in ("Δ test acc [95% CI]", "Δ gap [95% CI]"):
        m = re.match(rf"{NUM} pp \[{NUM}, {NUM}\]", row[head.index(col)])
        assert m, row[head.index(col)]
        out.append(tuple(float(g) for g in m.groups()))
    return out


def test_the_figure_has_one_point_per_value_with_the_tables_intervals(result):
    rep = result.report
    names = [m.name for m in rep.spec.methods]
    assert names[2:] == NAMES
    (curve,) = dose_curves(rep.verdicts, names)        # drop is not a sweep
    assert (curve.group, curve.param, curve.values) == ("rot", "limit", VALUES)
    fig = dose_figure(curve, rep.spec.baseline)
    ax_test, ax_gap = fig.axes
    rows = exploratory_rows(rep)
    for ax, which in ((ax_test, 0), (ax_gap, 1)):
        bars = ax.containers                           # one errorbar per (size, value), in order
        assert len(bars) == 2 * len(VALUES)
        for k, (size, name) in enumerate((s, n) for s in (40, 80) for n in NAMES):
            line, _, (segments,) = bars[k].lines
            (x, y), = line.get_xydata()
            (_, lo), (_, hi) = segments.get_segments()[0]
            assert round(x) == NAMES.index(name)       # at the value's position
            value, t_lo, t_hi = _table_bounds(rows, name, size)[which]
            assert (round(y, 1), round(lo, 1), round(hi, 1)) == pytest.approx(
                (value, t_lo, t_hi), abs=0.051)
    assert [t.get_text() for t in ax_test.get_xticklabels()] == [str(v) for v in VALUES]
    # one star per size, on the value with the highest Δ test accuracy
    stars = [ln for ln in ax_test.lines if ln.get_marker() == "*"]
    assert len(stars) == 2
    for size, star in zip((40, 80), stars, strict=True):
        pts = curve.at(size)
        best = int(np.argmax([p.d_test for p in pts]))
        assert [p.best for p in pts].count(True) == 1 and pts[best].best
        assert star.get_xydata()[0][1] == pytest.approx(100 * pts[best].d_test)


def test_the_report_shows_the_figure_the_table_and_the_warning(result):
    md = result.paths["markdown"].read_text()
    html = result.paths["html"].read_text()
    assert "plots/dose_rot.png" in md and (result.out / "plots" / "dose_rot.png").stat().st_size
    assert "## Dose-response per sweep, size and value" in md and BEST_WARNING in md
    table = md.split("## Dose-response per sweep, size and value")[1].split("\n\n")[1]
    assert len(table.splitlines()) == 2 + 2 * len(VALUES)
    assert sum("★ (optimistic)" in line for line in table.splitlines()) == 2
    assert "val-based selection is not implemented" in md
    # the answer names the best value per size and says it is optimistic; so does the CLI text
    assert re.search(r"rot \(dose-response in limit\): best on test at n = 40, limit=\d+ "
                     rf"\({NUM} pp \[{NUM}, {NUM}\]\); at n = 80, limit=\d+ ", md)
    assert "rot (dose-response in limit): best on test" in answer_text(result.report)
    # the HTML embeds the figure (it decodes) with the answer, before the tables
    import matplotlib.image as mpimg

    m = re.search(r'<figure id="fig-dose_rot"><img alt="[^"]*" src="data:image/png;base64,'
                  r'([^"]+)"', html)
    assert m and html.index('id="fig-dose_rot"') < html.index('id="tables"')
    assert mpimg.imread(io.BytesIO(base64.b64decode(m[1])), format="png").shape[0] > 100


def test_no_sweep_no_dose_section(result):
    from augfit.experiments.report import Report
    from augfit.experiments.spec import parse_spec

    plain = parse_spec({**SPEC, "methods": SPEC["methods"][:2]})
    other = Report.build(plain, [r for r in result.rows if not r["method"].startswith("rot[")])
    assert other.verdicts and dose_curves(other.verdicts, ["baseline", "drop"]) == []
    assert "best on test" not in answer_text(other)
    # one method whose name looks like a sweep label is not a dose-response curve
    lone = [v for v in result.report.verdicts if v.method == "rot[limit=5]"]
    assert dose_curves(lone, ["baseline", "rot[limit=5]"]) == []
