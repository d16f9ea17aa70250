"""pipelines/rotten_tomatoes_text.yaml parses, and its text pipelines run on sentences."""
from __future__ import annotations

from pathlib import Path

from augfit.experiments.spec import load_spec, spec_from_canonical
from augfit.transforms import Transform

SPEC = Path(__file__).resolve().parents[2] / "pipelines" / "rotten_tomatoes_text.yaml"


def test_spec_loads_with_the_studys_methods_and_sizes():
    spec = load_spec(SPEC)
    assert spec.dataset["name"] == "rotten_tomatoes"
    assert spec.train_sizes == [500, 2000]          # "all" dropped for cost (notes.design)
    from augfit.experiments.run.runner import check_sizes

    assert check_sizes(spec).train_sizes == [500, 2000]
    whole = dict(spec.to_canonical(), train_sizes=[500, "all"])
    # "all" is the whole 60% training split
    assert check_sizes(spec_from_canonical(whole)).train_sizes == [500, 7684]
    assert [m.name for m in spec.methods] == ["baseline", "synonyms", "back_translation", "eda",
                                              "dropout", "early_stopping", "eda_dropout_es"]
    assert spec.method("dropout").dropout == 0.5
    assert spec.method("early_stopping").early_stopping["patience"] == 5
    x = ["A remarkable, moving film about old friends.", "Dull and far too long."]
    for name in ("synonyms", "eda", "eda_dropout_es"):
        aug = Transform.from_dict(spec.method(name).augment)
        out = aug(x, rng=0)
        assert len(out) == 2 and all(isinstance(s, str) for s in out)
    bt = Transform.from_dict(spec.method("back_translation").augment)
    assert bt.to_dict()["transforms"][0]["type"] == "BackTranslate"
