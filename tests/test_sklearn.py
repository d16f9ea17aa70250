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

from augfit.errors import AugfitError, ConfigError
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


# -- scikit-learn's own parameter names: swapping the import is enough -----------------------------
SKLEARN_KWARGS = dict(hidden_layer_sizes=(32,), activation="relu", solver="adam", alpha=1e-4,
                      batch_size="auto", learning_rate="constant", learning_rate_init=3e-3,
                      max_iter=40, shuffle=True, random_state=0, tol=1e-4, verbose=False,
                      early_stopping=True, validation_fraction=0.1, n_iter_no_change=5)


def test_sklearns_mlpclassifier_keywords_work_unchanged():
    import warnings

    from sklearn.datasets import load_digits
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier as SkMLP

    x, y = load_digits(return_X_y=True)
    x = x / 16.0
    xtr, ytr, xte, yte = x[:1200], y[:1200], x[1200:], y[1200:]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        sk = SkMLP(**SKLEARN_KWARGS).fit(xtr, ytr)
    ours = MLPClassifier(**SKLEARN_KWARGS).fit(xtr, ytr)
    assert ours.get_params()["learning_rate_init"] == 3e-3
    assert ours.trainer_.optimizer.lr == 3e-3 and type(ours.trainer_.optimizer).__name__ == "Adam"
    assert ours.trainer_.optimizer.weight_decay == 1e-4
    # batch_size="auto" is min(200, n) on the 90% left after the validation share, as in sklearn
    assert ours.trainer_.params["batch_size"] == 200
    assert ours.best_epoch_ is not None and ours.n_iter_ <= 40
    # the same task learned to the same standard (both well above chance, 10 classes)
    assert ours.score(xte, yte) > 0.85 and sk.score(xte, yte) > 0.85


def test_logistic_is_sklearns_name_for_sigmoid():
    x = np.random.default_rng(0).normal(size=(40, 3))
    y = (x[:, 0] > 0).astype(int)
    clf = MLPClassifier(hidden_layer_sizes=(4,), activation="logistic", max_iter=30,
                        learning_rate_init=0.05, random_state=0).fit(x, y)
    assert clf.model_.layers[1].name == "sigmoid"


@pytest.mark.parametrize("kwargs, message", [
    (dict(learning_rate=1e-2, learning_rate_init=1e-3),
     r"got the step size twice: learning_rate=0\.01 and learning_rate_init=0\.001; pass "
     r"learning_rate_init= alone"),
    (dict(learning_rate="adaptive"), r"learning_rate='adaptive'\) is a scikit-learn schedule"),
    (dict(learning_rate="linear"), r"learning_rate=\.\.\.\) must be one of \['constant', "
                                   r"'invscaling', 'adaptive'\]"),
    (dict(solver="lbfgs"), r"solver=\.\.\.\) must be one of \['adam', 'sgd'\]"),
    (dict(solver="sgd", optimizer="momentum"), r"got solver='sgd' and optimizer='momentum'"),
    (dict(batch_size="big"), r"batch_size=\.\.\.\) must be one of \['auto'\]"),
    (dict(learning_rate_init=0.0), r"learning_rate_init=\.\.\.\) must be a number > 0"),
])
def test_sklearn_names_refuse_conflicts_and_unsupported_values(kwargs, message):
    x, y = np.zeros((6, 2)), np.array([0, 1] * 3)
    with pytest.raises(ConfigError, match=message):
        MLPClassifier(max_iter=1, **kwargs).fit(x, y)


def test_sgd_solver_is_augfits_sgd_optimizer():
    x = np.random.default_rng(0).normal(size=(40, 3))
    y = (x[:, 0] > 0).astype(int)
    clf = MLPClassifier(hidden_layer_sizes=(4,), solver="sgd", learning_rate_init=0.05,
                        max_iter=30, random_state=0).fit(x, y)
    assert type(clf.trainer_.optimizer).__name__ == "SGD" and clf.trainer_.optimizer.lr == 0.05
