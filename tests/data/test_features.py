"""Featurizers: image_flatten, text_hashing, text_tfidf against scikit-learn; state round trips."""
import numpy as np
import pytest
import scipy.sparse as sp

from augfit.data.features import make_featurizer
from augfit.errors import ConfigError, ShapeError
from augfit.registry import FEATURIZERS


def test_image_flatten_scales_uint8_and_keeps_float():
    f = make_featurizer("image_flatten")
    x = np.array([[[0, 255], [51, 102]]], np.uint8)
    out = f.fit_transform(x)
    assert out.dtype == np.float32 and out.shape == (1, 4) and f.n_features_ == 4
    np.testing.assert_allclose(out, [[0.0, 1.0, 0.2, 0.4]], rtol=1e-6)
    xf = np.full((2, 2, 2), 0.25, np.float32)
    np.testing.assert_array_equal(f.transform(xf), np.full((2, 4), 0.25, np.float32))
    with pytest.raises(ShapeError, match="fitted on images of 4 values"):
        f.transform(np.zeros((1, 3, 3), np.uint8))
    with pytest.raises(ShapeError, match="dtype int32"):
        f.transform(np.zeros((1, 2, 2), np.int32))


def test_image_flatten_standardize_uses_training_stats_only():
    # pixel 0: mean .5, std .5; pixel 1: constant
    train = np.array([[[0.0, 0.5]], [[1.0, 0.5]]], np.float32)
    f = make_featurizer({"type": "image_flatten", "standardize": True}).fit(train)
    np.testing.assert_allclose(f.mean_, [0.5, 0.5])
    np.testing.assert_allclose(f.std_, [0.5, 1.0])  # constant feature keeps scale 1
    np.testing.assert_allclose(f.transform(np.array([[[0.75, 0.25]]], np.float32)), [[0.5, -0.25]])
    g = make_featurizer({"type": "image_flatten", "standardize": True})
    g.set_state(f.to_dict(state=True)["state"])
    x = np.random.default_rng(0).random((3, 1, 2)).astype(np.float32)
    np.testing.assert_array_equal(g.transform(x), f.transform(x))


def test_text_hashing_matches_sklearn_and_is_fixed_width():
    from sklearn.feature_extraction.text import HashingVectorizer

    f = make_featurizer({"type": "text_hashing", "n_features": 1024})
    texts = ["the cat sat", "a dog", "the cat and the dog"]
    out = f.fit(texts[:1]).transform(texts)
    ref = HashingVectorizer(n_features=1024, ngram_range=(1, 2), alternate_sign=False)
    ref = ref.transform(texts)
    assert sp.isspmatrix_csr(out) and out.dtype == np.float32 and out.shape == (3, 1024)
    np.testing.assert_allclose(out.toarray(), ref.toarray(), rtol=1e-6)
    with pytest.raises(ShapeError, match="list of str"):
        f.transform("one string")


def test_text_tfidf_fitted_on_train_only_and_state_round_trip():
    from sklearn.feature_extraction.text import TfidfVectorizer

    train = ["good movie", "bad movie", "good good plot"]
    f = make_featurizer("text_tfidf").fit(train)
    assert f.vocabulary_ == ["bad", "good", "movie", "plot"] and f.n_features_ == 4
    ref = TfidfVectorizer(max_features=20000, sublinear_tf=True).fit(train)
    test = ["good unseen words", "movie plot"]
    got, want = f.transform(test).toarray(), ref.transform(test).toarray()
    np.testing.assert_allclose(got, want, rtol=1e-6)
    g = make_featurizer({**f.to_dict(), "state": f.to_dict(state=True)["state"]})
    assert (g.transform(test) != f.transform(test)).nnz == 0


def test_make_featurizer_errors_and_registry():
    assert {"image_flatten", "text_hashing", "text_tfidf"} <= set(FEATURIZERS.available())
    with pytest.raises(ConfigError, match="did you mean 'image_flatten'"):
        make_featurizer("image_flaten")
    with pytest.raises(ConfigError, match="'type' key"):
        make_featurizer(42)
    with pytest.raises(ConfigError, match="not fitted"):
        make_featurizer("text_tfidf").transform(["x"])
