"""augfit.sklearn.MLPClassifier: sklearn's own estimator checks, Pipeline, cross_val_score."""
import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from augfit.errors import AugfitError
from augfit.sklearn import MLPClassifier


# Every check of sklearn's suite runs; the only one sklearn itself skips is
# check_array_api_input, which needs SCIPY_ARRAY_API=1 and an array-API library (augfit computes
# in NumPy only, so it does not claim array-API support).
@parametrize_with_checks([MLPClassifier()])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


@pytest.fixture(scope="module")
def digits():
    x, y = load_digits(return_X_y=True)
    return x, y


def test_pipeline_and_cross_val_score(digits):
    x, y = digits
    pipe = make_pipeline(MinMaxScaler(), MLPClassifier(hidden_layer_sizes=(64,), max_iter=30,
                                                       learning_rate=3e-3, random_state=0))
    scores = cross_val_score(pipe, x, y, cv=3)
    assert scores.shape == (3,) and scores.min() > 0.88


def test_early_stopping_dropout_and_params(digits):
    x, y = digits
    clf = MLPClassifier(hidden_layer_sizes=(32,), dropout=0.2, early_stopping=True,
                        n_iter_no_change=3, max_iter=300, learning_rate=1e-2, random_state=0)
    clf.fit(x / 16, y)
    assert clf.n_iter_ < 300 and clf.best_epoch_ == int(np.argmin(clf.history_["val_loss"]))
    assert clf.get_params()["dropout"] == 0.2
    assert clone(clf).set_params(dropout=0.5).get_params()["dropout"] == 0.5
    assert clf.model_.config["dropout"] == 0.2


def test_string_labels_sparse_input_and_determinism():
    rng = np.random.default_rng(0)
    x = rng.random((60, 5))
    y = np.where(x[:, 0] > 0.5, "big", "small")
    a = MLPClassifier(hidden_layer_sizes=(8,), max_iter=100, batch_size=16, learning_rate=1e-2,
                      random_state=3)
    b = clone(a)
    pa = a.fit(x, y).predict_proba(x)
    pb = b.fit(sp.csr_matrix(x), y).predict_proba(x)
    np.testing.assert_allclose(pa, pb, rtol=1e-4, atol=1e-6)
    assert set(a.predict(x)) <= {"big", "small"} and a.score(x, y) > 0.9
    assert clone(a).fit(x, y).predict_proba(x).tobytes() == pa.tobytes()


def test_bad_parameters_are_reported_at_fit():
    with pytest.raises(AugfitError, match=r"optimizer=...\) must be one of"):
        MLPClassifier(optimizer="lbfgs").fit([[0.0], [1.0]], [0, 1])
    with pytest.raises(AugfitError, match="at least 2 classes"):
        MLPClassifier().fit([[0.0], [1.0]], [1, 1])
