"""Dataset cards: one per built-in dataset, every card valid, example data small and loadable, and
specs that name a card (paths resolved from the spec's and the card's folders)."""
from __future__ import annotations

from pathlib import Path

import pytest

from augfit.data.cards import load_card
from augfit.data.sources import FILE_FORMATS
from augfit.errors import ConfigError
from augfit.experiments.spec import load_spec, parse_spec
from augfit.registry import DATASETS

ROOT = Path(__file__).resolve().parents[2]
CARDS = sorted((ROOT / "datasets").glob("*.yaml"))
EXAMPLES = {"example_digits_png": ("image", 200, 10), "example_sentences": ("text", 120, 3),
            "example_spoken_words": ("audio", 48, 4)}


def test_every_builtin_dataset_has_a_card():
    builtin = [n for n in DATASETS.available() if n not in FILE_FORMATS]
    have = {load_card(c).loader for c in CARDS}
    assert set(builtin) <= have, f"no card for {sorted(set(builtin) - have)}"
    assert {"digits", "fashion_mnist", "fsdd", "rotten_tomatoes", "spoken_digits_tts"} <= have


@pytest.mark.parametrize("card", CARDS, ids=lambda p: p.name)
def test_card_is_valid_and_usable_in_a_spec(card):
    c = load_card(card)
    assert c.name == card.stem and c.license and c.citation and c.columns
    spec = parse_spec({"dataset": {"card": f"../datasets/{card.name}"}, "train_sizes": [10],
                       "methods": ["baseline"]}, base_dir=ROOT / "pipelines")
    assert spec.dataset["name"] == c.loader
    assert spec.dataset["split"]["test"] == c.split["test"] and spec.features == c.featurizer
    if "path" in c.options:                  # resolved from the card's folder, not the spec's
        assert Path(spec.dataset["options"]["path"]).parent.parent == ROOT / "datasets"


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_datasets_are_small_and_load(name):
    c = load_card(ROOT / "datasets" / f"{name}.yaml")
    path = Path(c.options["path"])
    size = path.stat().st_size if path.is_file() else sum(
        f.stat().st_size for f in path.rglob("*") if f.is_file())
    assert size < 2 * 1024 * 1024
    ds = c.load()
    modality, n, k = EXAMPLES[name]
    assert (ds.modality, len(ds), ds.n_classes) == (modality, n, k)
    assert ds.class_counts().min() == ds.class_counts().max()        # balanced


def test_spec_overrides_and_bad_cards(tmp_path):
    spec = load_spec(ROOT / "pipelines" / "example_images_own_data.yaml")
    assert spec.dataset["options"]["path"] == str(ROOT / "datasets" / "examples" / "digits_png")
    s = parse_spec({"dataset": {"card": str(ROOT / "datasets" / "example_sentences.yaml"),
                                "split": {"val": 0.3}}, "features": "text_tfidf",
                    "train_sizes": [10], "methods": ["baseline"]})
    assert s.dataset["split"]["val"] == 0.3 and s.dataset["split"]["test"] == 0.2
    assert s.features == "text_tfidf"
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nmodality: image\nsource: {loader: nope}\ncolumns: {x: y}\n"
                   "license: MIT\ncitation: me\nsplit: {}\n")
    with pytest.raises(ConfigError, match=r"bad\.yaml: source\.loader: expected one of "
                                          r"audio_folder, csv"):
        load_card(bad)
    bad.write_text("name: x\nmodality: video\n")
    with pytest.raises(ConfigError, match=r"bad\.yaml: source: required field is missing"):
        load_card(bad)
    with pytest.raises(ConfigError, match=r"<dict>: dataset.card: .*missing\.yaml does not "
                                          r"exist"):
        parse_spec({"dataset": {"card": "missing.yaml"}, "train_sizes": [1],
                    "methods": ["baseline"]}, base_dir=tmp_path)
    with pytest.raises(ConfigError, match="give either card or name, not both"):
        parse_spec({"dataset": {"card": "a.yaml", "name": "digits"}, "train_sizes": [1],
                    "methods": ["baseline"]})
