"""augfit.sklearn.MLPClassifier(augment=..., features=...): raw images, texts and waveforms,
fresh augmentation every epoch, Pipeline and GridSearchCV over augmentation strength."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from augfit.errors import ConfigError, ShapeError
from augfit.sklearn import MLPClassifier
from augfit.transforms.base import Transform
from augfit.transforms.compose import Compose
from augfit.transforms.image import GaussianNoise, HorizontalFlip, Rotate


def _left_right(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Class 0 has a bright left half, class 1 a bright right half (plus noise)."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    x = rng.uniform(0.0, 0.3, (n, 6, 6)).astype(np.float32)
    x[y == 0, :, :3] += 0.6
    x[y == 1, :, 3:] += 0.6
    return x, y


def _clf(**kw) -> MLPClassifier:
    return MLPClassifier(hidden_layer_sizes=(16,), max_iter=15, learning_rate=1e-2,
                         random_state=0, **kw)


def test_grid_search_reaches_the_strength_of_a_step_through_clone():
    """Planted effect: flipping every training image swaps the classes' halves, so a grid over
    the flip probability must find p=0 (cv accuracy ~1) far better than p=1 (~0)."""
    x, y = _left_right(120, 0)
    base = _clf(augment=Compose([HorizontalFlip(p=0.5), GaussianNoise(std=(0.0, 0.01))]))
    gs = GridSearchCV(base, {"augment__horizontalflip__p": [0.0, 1.0]}, cv=3)
    gs.fit(x, y)
    scores = gs.cv_results_["mean_test_score"]
    assert gs.best_params_ == {"augment__horizontalflip__p": 0.0}
    assert scores[0] > 0.95 and scores[1] < 0.05
    assert base.augment.transforms[0].p == 0.5  # the search worked on clones


def test_grid_over_whole_pipelines_given_as_dicts():
    x, y = _left_right(90, 1)
    grid = {"augment": [{"type": "HorizontalFlip", "p": 1.0}, [{"type": "Rotate", "limit": 5}]]}
    gs = GridSearchCV(_clf(augment={"type": "Rotate", "limit": 0}), grid, cv=3).fit(x, y)
    assert gs.best_params_["augment"] == [{"type": "Rotate", "limit": 5}]
    assert gs.cv_results_["mean_test_score"][0] < 0.05


class _Draws(Transform):
    """Test transform: records one number drawn per call (per batch), changes nothing."""

    modality = "image"

    def __init__(self, p: float = 1.0) -> None:
        super().__init__(p)
        self.seen: list[float] = []

    def sample_params(self, rng, batch, n):
        del batch, n
        self.seen.append(float(rng.random()))
        return {}

    def apply_params(self, batch, params):
        del params
        return batch


def test_augmentation_is_redrawn_every_epoch_and_reproducible():
    x, y = _left_right(40, 2)
    clf = _clf(augment=_Draws(), batch_size=40)  # one batch per epoch
    clf.fit(x, y)
    assert len(clf.augment.seen) == 15 and len(set(clf.augment.seen)) == 15
    again = _clf(augment=_Draws(), batch_size=40).fit(x, y)
    assert again.augment.seen == clf.augment.seen
    np.testing.assert_array_equal(again.predict_proba(x), clf.predict_proba(x))


def test_augmentation_never_touches_predict_or_the_validation_share():
    x, y = _left_right(60, 3)
    clf = _clf(augment=_Draws(), early_stopping=True, batch_size=60).fit(x, y)
    n_calls = len(clf.augment.seen)
    assert n_calls == clf.n_iter_  # training batches only
    clf.predict(x)
    assert len(clf.augment.seen) == n_calls
    assert clf.featurizer_.n_features_ == 36


def test_texts_with_the_default_hashing_and_in_a_pipeline():
    words = {0: "good great fine happy", 1: "bad awful poor sad"}
    rng = np.random.default_rng(0)
    y = np.arange(60) % 2
    texts = [" ".join(rng.permutation(words[int(k)].split())) for k in y]
    clf = _clf(augment=[{"type": "RandomSwap", "n": 1}])
    pipe = make_pipeline(FunctionTransformer(lambda t: [s.lower() for s in t]), clf)
    pipe.fit(texts, y)
    assert pipe.score(["GOOD fine", "sad poor"], [0, 1]) == 1.0


def test_waveforms_with_a_named_featurizer():
    rng = np.random.default_rng(0)
    t = np.arange(2000) / 8000.0
    y = np.arange(40) % 2
    freq = np.where(y == 0, 300.0, 1500.0)[:, None]
    waves = (0.5 * np.sin(2 * np.pi * freq * t) + 0.01 * rng.standard_normal((40, 2000)))
    clf = _clf(augment={"type": "Gain", "db": [-6, 6]},
               features={"type": "audio_logmel", "sample_rate": 8000})
    clf.fit(waves.astype(np.float32), y)
    assert clf.score(waves.astype(np.float32), y) == 1.0


def test_raw_images_without_augment_and_clone_keeps_the_transform_separate():
    x, y = _left_right(60, 4)
    clf = _clf().fit(x, y)  # 3-D input: flattened by the default featurizer
    assert clf.score(x, y) == 1.0 and not hasattr(clf, "n_features_in_")
    aug = Compose([Rotate(limit=10)], seed=1)
    c = clone(_clf(augment=aug))
    assert c.augment is not aug and c.augment.to_dict() == aug.to_dict()


def test_bad_input_names_the_fix():
    x, y = _left_right(20, 5)
    with pytest.raises(ShapeError, match="raw samples"):
        _clf(augment=Rotate(limit=5)).fit({"a": 1}, y)
    with pytest.raises(ShapeError, match="one label per sample"):
        _clf(augment=Rotate(limit=5)).fit(x, y[:5])
    with pytest.raises(ConfigError, match=r"MLPClassifier\(augment=...\)"):
        _clf(augment=3).fit(x, y)
    with pytest.raises(ConfigError, match="no parameter 'rotat__limit'"):
        _clf(augment=Compose([Rotate(limit=5)])).set_params(augment__rotat__limit=3)
