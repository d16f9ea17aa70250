"""The report's sample grids: per augmenting method the same training samples with seeded draws,
labels and drawn parameters equal to what the pipeline records; a sentence for methods without
augmentation; reproducible; every image decodes in headless Chromium."""
from __future__ import annotations

import re

import pytest

from augfit.experiments.report import Report
from augfit.experiments.report.gallery import DRAWS, SAMPLES, build, samples_html
from augfit.experiments.report.report_files import write_report
from augfit.experiments.run.cell import splits
from augfit.experiments.spec import parse_spec
from augfit.experiments.stats import CellResult
from augfit.rng import derive
from augfit.transforms.base import Transform
from augfit.viz.gallery import pick_samples

SPEC = {"name": "grids", "dataset": {"name": "digits"}, "train_sizes": [10], "seeds": [5, 6],
        "bootstrap": {"resamples": 200},
        "methods": ["baseline", {"name": "drop", "dropout": 0.5},
                    {"name": "stop", "early_stopping": {"patience": 3}},
                    {"name": "rotate", "augment": [{"type": "Rotate", "limit": 30}]},
                    {"name": "trivial", "augment": [{"type": "TrivialAugmentWide"}]},
                    {"name": "mixup", "mix": {"type": "MixUp", "alpha": 0.4}}]}
AUGMENTING = ("rotate", "trivial", "mixup")


def _rows(methods):
    rows = []
    for seed in (5, 6):
        for k, m in enumerate(methods):
            acc = 0.7 + k / 100 + seed / 1000
            rows.append({"method": m, "split": 0, "seed": seed, "train_size": 10,
                         "test_accuracy": acc, "train_accuracy": acc + 0.2, "gap_accuracy": 0.2,
                         "val_accuracy": acc, "test_loss": 0.5, "train_loss": 0.2, "best_epoch": 2,
                         "epochs_run": 3, "wall_time": 0.1})
    return [CellResult(**r) for r in rows]


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    spec = parse_spec(SPEC)
    rep = Report.build(spec, _rows([m.name for m in spec.methods]), n_classes=10)
    return rep, write_report(tmp_path_factory.mktemp("report"), rep)


def test_each_augmenting_method_shows_the_same_samples_with_their_draws(written):
    rep, _ = written
    spec = rep.spec
    train = splits(spec, 0)[0]
    idx = pick_samples(train.y, SAMPLES, 5)                # the spec's first seed
    x, y = train.subset(idx).x, train.y[idx]
    assert len(set(y.tolist())) == SAMPLES                 # one per class first
    by_name = {m.method: m for m in rep.samples.methods}
    for name in AUGMENTING:
        m = by_name[name]
        assert len(m.rows) == SAMPLES and all(len(r) == 1 + DRAWS for r in m.rows)
        assert [row[0].label for row in m.rows] == [train.classes[c] for c in y]
    # the words under each card are the parameters the pipeline draws for that sample (drawn
    # again here from derive(seed, k + 1), independently of the report)
    rot = Transform.from_dict(spec.method("rotate").augment)        # Compose([Rotate])
    for k in range(DRAWS):
        _, rec = rot(x, rng=derive(5, k + 1), return_params=True)
        angles = rec["inner"][0]["angle"]
        for i in range(SAMPLES):
            assert by_name["rotate"].rows[i][k + 1].lines == [f"rotate {angles[i]:+.1f}°"]
    ta = Transform.from_dict(spec.method("trivial").augment)
    _, rec = ta(x, rng=derive(5, 1), return_params=True)
    for i, ops in enumerate(ta.transforms[0].op_names(rec["inner"][0])):
        assert by_name["trivial"].rows[i][1].lines[0].startswith(ops[0])
    mix = Transform.from_dict(spec.method("mixup").mix)
    _, rec = mix(x, rng=derive(5, 2), return_params=True)
    for i in range(SAMPLES):
        j, w = int(rec["partner"][i]), rec["weight"][i]
        card = by_name["mixup"].rows[i][2]
        assert f"λ={rec['lam'][i]:.2f}" in card.lines[0] and f"#{j}" in card.lines[0]
        if j != i and 0.005 < w < 0.995:                    # a mixed label, as weights
            assert train.classes[y[i]] in card.label and train.classes[y[j]] in card.label
            assert " × " in card.label


def test_methods_without_augmentation_say_what_they_do_and_files_are_written(written):
    rep, paths = written
    page, md = paths["html"].read_text(), paths["markdown"].read_text()
    for text in ("no data augmentation and no regularizer: the baseline",
                 "no data augmentation (dropout 0.5)",
                 "no data augmentation (early stopping (patience 3, val_loss))",
                 "Rotate(limit=30)", "TrivialAugmentWide(num_magnitude_bins=31)",
                 "MixUp(alpha=0.4)"):
        assert text in page and text in md
    assert page.index('id="samples"') < page.index('id="method"')
    assert page.count('<figure class="card') == len(AUGMENTING) * SAMPLES * (1 + DRAWS)
    links = re.findall(r"\]\((plots/samples/[^)]+\.png)\)", md)
    assert len(links) == len(AUGMENTING) * SAMPLES * (1 + DRAWS)
    assert all((paths["markdown"].parent / p).stat().st_size > 100 for p in links)
    # reproducible: built again from the spec, the same bytes
    assert samples_html(build(rep.spec)) == samples_html(rep.samples)


def test_no_grid_when_the_data_cannot_be_loaded(tmp_path):
    spec = parse_spec({**SPEC, "dataset": {"name": "fsdd", "options": {"path": str(tmp_path)}}})
    s = build(spec)
    assert s.methods == [] and "could not be loaded here" in s.reason
    assert "No sample grid: the data could not be loaded here" in samples_html(s)


@pytest.mark.slow
def test_report_with_grids_renders_in_chromium(written, tmp_path, browser_probe):
    _, paths = written
    seen = browser_probe(paths["html"], tmp_path)
    cards = len(AUGMENTING) * SAMPLES * (1 + DRAWS)
    assert seen["images"] == cards + 1 and seen["decoded"] == cards + 1   # + the effects figure
    assert seen["minWidth"] > 100 and seen["errors"] == [] and seen["console"] == []
