"""The train layer under hostile input: finite divergence and no learning are reported, a model
that cannot use cross-entropy is refused, and checkpoint paths are checked when built."""
from __future__ import annotations

import os
import warnings

import numpy as np
import pytest

import augfit as af
from augfit.errors import AugfitWarning, ConfigError
from augfit.nn.model import MLP
from augfit.nn.optim import SGD, Adam
from augfit.train.callbacks import ModelCheckpoint


def _fit(model, x, y, epochs, **kw):
    trainer = af.Trainer(model, **kw)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        trainer.fit(x, y, epochs=epochs, seed=0)
    return trainer, [str(w.message) for w in caught if issubclass(w.category, AugfitWarning)]


def test_finite_divergence_is_reported(digits):
    xtr, ytr = digits[:2]
    # features at 1e6 scale: the first epoch's loss is ~1e16, finite, then the net collapses
    trainer, caught = _fit(MLP(64, [8], 10, seed=0), xtr[:300] * 1e6, ytr[:300], 3,
                           optimizer=SGD(lr=0.01))
    assert any(m.startswith("training diverged: the loss reached") and "at epoch 0 (above 1e+06)"
               in m for m in caught)
    assert trainer.diagnostics == caught


def test_learning_nothing_is_reported_against_the_majority_class():
    x = np.zeros((40, 3), np.float32)  # no information: the best a model can do is the majority
    y = np.array([0] * 25 + [1] * 15)
    _trainer, caught = _fit(MLP(3, [4], 2, seed=0), x, y, 5, optimizer=Adam(lr=0.05))
    assert caught == [
        "the model learned nothing: after all 5 epochs the training accuracy (0.625) is no "
        "better than always predicting the most frequent class (0.625); check the labels, the "
        "features' scale and the learning rate"]


def test_a_healthy_run_reports_nothing(digits):
    xtr, ytr = digits[:2]
    trainer, caught = _fit(MLP(64, [16], 10, seed=0), xtr, ytr, 3)
    assert caught == [] and trainer.diagnostics == []


def test_cross_entropy_with_one_output_is_refused():
    with pytest.raises(ConfigError, match=r"out_features=1.*use out_features=2"):
        af.Trainer(MLP(4, [3], 1, seed=0), loss="cross_entropy")
    af.Trainer(MLP(4, [3], 1, seed=0), loss="mse")  # one output is fine for squared error


@pytest.mark.parametrize("template, message", [
    ("{tmp}/missing/best.npz", "folder .*missing does not exist"),
    ("{tmp}/afile/best.npz", "afile does not exist \\(or is not a folder\\)"),
    ("{tmp}", "is a folder; name a file inside it"),
    ("{tmp}/ck-{{epoch:03d}}-{{val_los:.2f}}.npz", "unknown field \\{val_los\\}"),
    ("{tmp}/ck-{{epoch:zz}}.npz", "not a valid format template"),
    ("{tmp}/ck-{{}}.npz", "unknown field \\{\\}"),
    ("", "the file path is empty"),
])
def test_checkpoint_path_problems_are_reported_when_built(tmp_path, template, message):
    (tmp_path / "afile").write_text("x")
    with pytest.raises(ConfigError, match=message):
        ModelCheckpoint(template.format(tmp=tmp_path))


def test_good_checkpoint_templates_still_work(tmp_path):
    ModelCheckpoint(tmp_path / "m-{epoch:02d}-{val_loss:.1f}.npz")
    ModelCheckpoint(tmp_path / "m-{accuracy:.3f}-{{literal}}.npz", monitor="accuracy", mode="max")


# -- found by make mutate (docs/testing.md, "Mutation testing") --
def test_soft_target_checks_by_hand():
    from augfit.errors import ConfigError, ShapeError
    from augfit.train.checks import check_soft_targets

    def message(y, loss, kind=ShapeError):
        with pytest.raises(kind) as e:
            check_soft_targets(y, "y", 2, 3, loss, np.float32)
        return str(e.value)

    third = np.full((2, 3), 1 / 3)
    assert message(third, "hinge", ConfigError) == (
        "y: soft targets of shape (2, 3) (from a label-mixing augment such as MixUp/CutMix) need "
        "a loss that accepts them (['cross_entropy', 'mse']), got loss 'hinge'")
    assert message(np.ones((2, 2)), "mse") == (
        "y as regression targets must be finite numbers of shape (2, 3), got shape (2, 2) dtype "
        "float64")
    assert message(np.ones((2, 2)), "cross_entropy") == (
        "y as soft targets must be finite numbers of shape (2, 3), got shape (2, 2) dtype float64")
    # each of the three conditions alone: shape, kind, finiteness
    assert "dtype <U1" in message(np.full((2, 3), "a"), "mse")
    assert "dtype complex128" in message(third.astype(complex), "mse")
    bad = third.copy()
    bad[0, 0] = np.nan
    assert "got shape (2, 3) dtype float64" in message(bad, "mse")
    assert message(np.full((2, 3), 0.5), "cross_entropy") == (
        "y as soft targets must be non-negative rows summing to 1 (class distributions), got "
        "values in [0.5, 0.5] and row sums in [1.5, 1.5]")
    # a negative entry in rows that sum to 1; rows off by 2e-4 (the tolerance is 1e-4)
    neg = np.array([[1.5, -0.5, 0.0], [0.0, 0.0, 1.0]])
    assert "got values in [-0.5, 1.5]" in message(neg, "cross_entropy")
    off = third + np.array([[2e-4 / 3] * 3, [0, 0, 0]])
    assert message(off, "cross_entropy").endswith("and row sums in [1, 1]")  # 4 digits shown
    close = third + np.array([[0.5e-4 / 3] * 3, [0, 0, 0]])
    # mse takes any finite numbers; both give float32, contiguous
    for y, loss in ((close, "cross_entropy"), (np.full((2, 3), 7.0), "mse"),
                    (neg, "mse")):
        out = check_soft_targets(y, "y", 2, 3, loss, np.float32)
        assert out.dtype == np.float32 and out.flags.c_contiguous
        np.testing.assert_array_equal(out, y.astype(np.float32))


def test_loader_batches_are_cast_to_the_model_dtype_and_their_labels_checked():
    import scipy.sparse as sp

    from augfit.errors import ShapeError
    t = af.Trainer(MLP(3, [4], 3, seed=0))  # float32
    y = np.array([0, 1, 2])
    x32 = np.arange(9, dtype=np.float32).reshape(3, 3)
    csr32 = sp.csr_matrix(x32)
    batches = [(x32, y), (x32.astype(np.float64), y), (csr32, y), (sp.coo_matrix(x32), y),
               (sp.csr_matrix(x32.astype(np.float64)), y), (x32.tolist(), y.tolist())]
    out = list(t._loader_batches(batches, 0))
    assert out[0][0] is x32 and out[2][0] is csr32 and out[0][1] is y  # nothing to convert
    for xb, yb in out:
        dense = xb.toarray() if sp.issparse(xb) else xb
        assert xb.dtype == np.float32 and (not sp.issparse(xb) or xb.format == "csr")
        np.testing.assert_array_equal(dense, x32)
        np.testing.assert_array_equal(yb, y)
    for bad, message in [
            (np.array([0, 1]), "has 2 labels but the features have 3 rows"),
            (np.array([[0], [1], [2]]), "as soft targets must be finite numbers of shape (3, 3)"),
            (np.array([0, -1, 2]), "must be in [0, 3) (the model's out_features), got range "
                                   "[-1, 2]"),
            (np.array([0, 1, 3]), "must be in [0, 3) (the model's out_features), got range "
                                  "[0, 3]")]:
        with pytest.raises(ShapeError) as e:
            list(t._loader_batches([(x32, y), (x32, bad)], 2))
        assert str(e.value).startswith(f"labels of loader batch 1 (epoch 2) {message}")


def test_array_batches_shuffle_into_one_reused_buffer_or_slice_views_in_order():
    import scipy.sparse as sp
    t = af.Trainer(MLP(2, [3], 2, seed=0))
    x = np.arange(14, dtype=np.float32).reshape(7, 2)
    y = np.arange(7) % 2
    plain = list(t._array_batches(x, y, 3, False, np.random.default_rng(0)))
    assert all(np.shares_memory(b[0], x) for b in plain)  # views, in order
    np.testing.assert_array_equal(np.concatenate([b[0] for b in plain]), x)
    order = np.random.default_rng(5).permutation(7)
    seen = []
    full = None
    for xb, yb in t._array_batches(x, y, 3, True, np.random.default_rng(5)):
        if len(xb) == 3:
            full = xb if full is None else full
            assert xb is full  # every full batch is written into one buffer
        seen.append((xb.copy(), yb.copy()))
    np.testing.assert_array_equal(np.concatenate([s[0] for s in seen]), x[order])
    np.testing.assert_array_equal(np.concatenate([s[1] for s in seen]), y[order])
    sparse = list(t._array_batches(sp.csr_matrix(x), y, 3, True, np.random.default_rng(5)))
    np.testing.assert_array_equal(np.concatenate([b[0].toarray() for b in sparse]), x[order])


def test_input_messages_name_x_and_y_and_predict_gives_int64():
    from augfit.errors import ShapeError
    t = af.Trainer(MLP(3, [4], 3, seed=0))
    wide = np.ones((2, 4))
    for call in (lambda: t.predict(wide), lambda: t.predict_proba(wide),
                 lambda: t.evaluate_per_example(wide, [0, 1])):
        with pytest.raises(ShapeError) as e:
            call()
        assert str(e.value) == ("x must have 3 features per row (the model's in_features), got "
                                "shape (2, 4)")
    with pytest.raises(ShapeError) as e:
        t.evaluate_per_example(np.ones((2, 3)), [0, 1, 2])
    assert str(e.value) == "y has 3 labels but the features have 2 rows; pass one label per sample"
    assert t.predict(np.ones((2, 3))).dtype == np.int64


def test_checkpoint_path_and_gap_messages_in_full(tmp_path):
    from augfit.train.callbacks import EarlyStopping, ModelCheckpoint, WeightAveraging
    from augfit.train.metrics import gap_curve, train_val_gap

    def message(call):
        with pytest.raises(ConfigError) as e:
            call()
        return str(e.value)

    assert message(lambda: ModelCheckpoint(str(tmp_path))) == (
        f"ModelCheckpoint(filepath={str(tmp_path)!r}): {tmp_path} is a folder; name a file "
        f"inside it, e.g. {str(tmp_path / 'best.npz')!r}")
    assert message(lambda: ModelCheckpoint("{foo}.npz")) == (
        "ModelCheckpoint(filepath='{foo}.npz'): the name uses the unknown field {foo}; use "
        "{epoch} or a logged value (accuracy, epoch, loss, val_accuracy, val_loss), or double "
        "the braces for a literal one")
    assert message(lambda: train_val_gap({"accuracy": [], "val_accuracy": []})) == (
        "train_val_gap(history=...): history has no epochs; train first")
    h = {"accuracy": [0.5, 0.75], "val_accuracy": [0.25, 0.5]}
    assert train_val_gap(h, epoch=-2) == 0.25 and train_val_gap(h) == 0.25
    assert train_val_gap({"accuracy": [0.5], "val_accuracy": [0.25]}) == 0.25  # one epoch
    assert message(lambda: train_val_gap(h, epoch=-3)) == (
        "train_val_gap(epoch=...) must be in [0, 2), got -3")
    for partial in ({"accuracy": [0.5]}, {"val_accuracy": [0.5]}):
        assert message(lambda p=partial: gap_curve(p)) == (
            f"gap_curve(metric='accuracy'): history needs 'accuracy' and 'val_accuracy', it has "
            f"{sorted(partial)}; train with val=... to record them")
    # integer histories are read as floats: the gap of ints is not an integer division
    curve = gap_curve({"loss": [1, 2], "val_loss": [2, 5]}, "loss")
    assert curve.dtype == np.float64 and curve.tolist() == [1.0, 3.0]
    t = af.Trainer(MLP(2, [3], 2, seed=0), callbacks=[
        WeightAveraging(), EarlyStopping(restore_best_weights=True)])
    assert message(lambda: t.fit(np.ones((4, 2)), np.array([0, 1, 0, 1]), epochs=1,
                                 val=(np.ones((2, 2)), np.array([0, 1])))) == (
        "WeightAveraging and EarlyStopping(restore_best_weights=True) both set the final "
        "weights; use one of them (e.g. restore_best_weights=False)")


def test_evaluation_of_an_overflowing_model_is_silent_and_soft_targets_score_by_argmax():
    import scipy.sparse as sp

    from augfit.errors import ShapeError
    m = MLP(2, [], 2, dtype="float64", seed=0)
    m.set_weights([np.array([[1e300, -1e300], [1e300, 1e300]]), np.zeros(2)])
    t = af.Trainer(m)
    x = np.array([[1e10, 1e10], [1.0, 2.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # overflow and inf - inf stay inside the evaluation
        correct, loss = t.evaluate_per_example(x, [0, 1])
        t.evaluate(x, [0, 1])
        t.predict(x)
    assert not correct[1] and loss.shape == (2,)  # row 1: outputs 3e300 > 1e300, label 1
    with pytest.raises(ShapeError) as e:
        t.evaluate(np.ones((2, 3)), [0, 1])
    assert str(e.value).startswith("x must have 2 features per row")
    with pytest.raises(ShapeError) as e:
        t.evaluate(np.ones((2, 2)), [0, 1, 1])
    assert str(e.value).startswith("y has 3 labels but the features have 2 rows")
    reg = af.Trainer(MLP(2, [], 2, dtype="float64", seed=0), loss="mse")
    targets = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]])
    out = reg.predict_proba(np.eye(3, 2))
    correct, _ = reg.evaluate_per_example(np.eye(3, 2), targets)
    np.testing.assert_array_equal(correct, out.argmax(axis=1) == targets.argmax(axis=1))
    err = t._diverged(float("nan"), 2, 5, sp.csr_matrix(np.array([[np.nan, 1.0]])))
    assert str(err) == ("loss became nan at epoch 2, batch 5 (counting from 0): the input batch "
                        "holds NaN or inf values; clean the features (e.g. np.nan_to_num) before "
                        "training")


def test_feature_and_label_checks_by_hand():
    import scipy.sparse as sp

    from augfit.errors import ShapeError
    from augfit.train.checks import check_features, check_labels

    def message(call):
        with pytest.raises((ShapeError, ConfigError)) as e:
            call()
        return str(e.value)

    f32 = np.dtype(np.float32)
    assert message(lambda: check_features([[1, 2], [3]], "x", 2, f32)).startswith(
        "x must be a 2-D numeric array (N, 2); could not convert it: setting an array element")
    assert message(lambda: check_features(np.ones((2, 2, 2)), "x", 2, f32)) == (
        "x must be 2-D (N, 2), got shape (2, 2, 2); flatten images with x.reshape(len(x), -1)")
    assert message(lambda: check_features(np.ones(2), "x", 2, f32)) == (
        "x must be 2-D (N, 2), got shape (2,)")
    assert message(lambda: check_features(np.array([[np.inf, -np.inf], [np.nan, 1.0]]), "x", 2,
                                          f32)) == (
        "x contains 3 non-finite values (NaN or inf); clean or impute them first, e.g. "
        "np.nan_to_num(x)")
    assert message(lambda: check_features(sp.csr_matrix(np.array([[np.nan, 1.0]])), "x", 2,
                                          f32)).startswith("x contains 1 non-finite values")
    out = check_features(sp.coo_matrix(np.ones((2, 2))), "x", 2, f32)
    assert out.format == "csr" and out.dtype == np.float32
    assert check_features(np.ones((2, 2)), "x", 2, f32).dtype == np.float32
    n = 3
    assert message(lambda: check_labels(None, "y", n, 2, "cross_entropy", f32)) == (
        "y is missing: pass labels y of shape (3,) with the features")
    assert message(lambda: check_labels(np.ones((2, 2, 2)), "y", n, 2, "cross_entropy",
                                        f32)) == (
        "y must be class labels of shape (N,), got shape (2, 2, 2)")
    for floats in ([0.5, 1, 0], [np.nan, 1, 0]):
        assert message(lambda v=floats: check_labels(np.array(v), "y", n, 2, "cross_entropy",
                                                     f32)) == (
            "y must be integer class labels, got non-integer floats")
    assert message(lambda: check_labels(np.array(["a", "b", "c"]), "y", n, 3, "cross_entropy",
                                        f32)) == (
        "y must be integer class labels 0..2, got dtype <U1; encode them first (e.g. sklearn "
        "LabelEncoder)")
    whole = check_labels(np.array([1.0, 0.0, 1.0]), "y", n, 2, "cross_entropy", f32)
    assert whole.dtype == np.int64 and whole.tolist() == [1, 0, 1]
    soft = check_labels(np.full((3, 2), 0.5), "y", n, 2, "cross_entropy", f32)
    assert soft.dtype == np.float32
    assert message(lambda: check_labels(np.ones((3, 3)) / 3, "y", n, 2, "cross_entropy",
                                        f32)).startswith("y as soft targets must be finite")
    t = af.Trainer(MLP(2, [], 2, seed=0))
    x2, y2 = np.ones((2, 2)), [0, 1]
    assert message(lambda: t.fit(x2, y2, epochs=1, val=5)) == (
        "fit(val=...) must be (x, y) or a Dataset with .x/.y, got int")
    assert message(lambda: t.fit(x2, y2, epochs=1, val=(x2, [0, 1, 1]))) == (
        "val y has 3 labels but the features have 2 rows; pass one label per sample")
    assert message(lambda: t.fit(x2, y2, epochs=1, val=(x2, y2, y2))).startswith(
        "fit(val=...) must be (x, y)")


def test_float64_features_beyond_float32_range_are_refused_by_name_not_cast_to_inf():
    # issue 20 item 2: finiteness was checked before the cast, so 1e300 became inf in float32
    # with only a RuntimeWarning
    import scipy.sparse as sp

    from augfit.errors import ShapeError
    from augfit.train.checks import check_features
    x = np.ones((4, 3))
    x[0, 0], x[2, 1] = 1e300, -1e300
    expected = ("x has 2 finite values beyond the range of the model's dtype float32 (which holds "
                "magnitudes up to 3.4e+38) and would become inf; scale the features first, e.g. "
                "standardize them: (x - x.mean(0)) / x.std(0)")
    t = af.Trainer(MLP(3, [4], 2, seed=0))  # float32
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning from the cast on the way
        for call in (lambda: t.fit(x, [0, 1, 0, 1], epochs=1, seed=0), lambda: t.predict(x),
                     lambda: check_features(sp.csr_matrix(x), "x", 3, np.dtype(np.float32))):
            with pytest.raises(ShapeError) as e:
                call()
            assert str(e.value) == expected
        x[1, 1] = np.nan  # a NaN already there as well: the overflow is named first
        with pytest.raises(ShapeError, match=r"^x has 2 finite values beyond"):
            t.predict(x)
        x[1, 1] = 1.0
        out = check_features(x, "x", 3, np.dtype(np.float64))  # float64 holds them: accepted
    assert out.dtype == np.float64 and out[0, 0] == 1e300



def test_per_example_loss_of_logits_a_float_range_apart_overflows_silently_to_inf():
    m = MLP(2, [], 2, dtype="float64", seed=0)
    m.set_weights([np.array([[1e308, -1e308], [0.0, 1.0]]), np.zeros(2)])
    t = af.Trainer(m)
    x = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])   # logits (1e308, -1e308) twice, (0, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # -1e308 - 1e308 overflows inside the evaluation only
        correct, loss = t.evaluate_per_example(x, [0, 1, 1])
        ev = t.evaluate(x, [0, 1, 1])
    assert ev == {"loss": np.inf, "accuracy": 2 / 3}
    assert correct.tolist() == [True, False, True]
    assert loss.tolist() == [0.0, np.inf, pytest.approx(np.log1p(np.exp(-1.0)))]


def test_divergence_advice_without_a_float_learning_rate():
    class NoLr:
        def step(self, params, grads, decay_mask=None):
            del params, grads, decay_mask

    class IntLr(NoLr):
        lr = 1

    x = np.array([[np.inf, 1.0]], np.float32)
    for opt in (NoLr(), IntLr()):
        err = af.Trainer(MLP(2, [], 2, seed=0), optimizer=opt)._diverged(
            float("inf"), 1, 3, np.ones((1, 2), np.float32))
        assert str(err) == ("loss became inf at epoch 1, batch 3 (counting from 0): training "
                            "diverged; lower the learning rate")
    err = af.Trainer(MLP(2, [], 2, seed=0), optimizer=SGD(lr=0.5))._diverged(
        float("nan"), 0, 0, np.ones((1, 2), np.float32))
    assert str(err) == ("loss became nan at epoch 0, batch 0 (counting from 0): training "
                        "diverged; lower the learning rate (now 0.5; try 0.05)")
    err = af.Trainer(MLP(2, [], 2, seed=0), optimizer=NoLr())._diverged(float("nan"), 0, 0, x)
    assert str(err).endswith("the input batch holds NaN or inf values; clean the features (e.g. "
                             "np.nan_to_num) before training")


def test_checkpoint_names_are_checked_as_the_first_save_would_write_them(tmp_path):
    # the example name has epoch 0 and 0.0 for each logged value: a folder there is refused
    (tmp_path / "ck-0").mkdir()
    (tmp_path / "m-0.00.npz").mkdir()
    for template, name in (("ck-{epoch}", "ck-0"), ("m-{val_loss:.2f}.npz", "m-0.00.npz"),
                           ("m-{loss:.2f}.npz", "m-0.00.npz")):
        with pytest.raises(ConfigError) as e:
            ModelCheckpoint(str(tmp_path / template))
        assert str(e.value) == (f"ModelCheckpoint(filepath={str(tmp_path / template)!r}): "
                                f"{tmp_path / name} is a folder; name a file inside it, e.g. "
                                f"{str(tmp_path / template / 'best.npz')!r}")
    ModelCheckpoint(str(tmp_path / "ck-{epoch:02d}"))         # ck-00 is free


@pytest.mark.skipif(not os.path.isdir("/proc/1"), reason="needs Linux's /proc")
def test_a_checkpoint_folder_that_cannot_be_written_is_refused_in_full():
    # /proc/1 refuses new files even to root (a chmod'ed folder would not stop root)
    with pytest.raises(ConfigError) as e:
        ModelCheckpoint("/proc/1/best.npz")
    assert str(e.value) == ("ModelCheckpoint(filepath='/proc/1/best.npz'): the folder /proc/1 is "
                            "not writable; choose another path")


def test_loader_labels_take_the_full_check_only_when_the_quick_one_fails():
    from augfit.errors import ShapeError
    t = af.Trainer(MLP(3, [4], 3, seed=0))
    x = np.arange(12, dtype=np.float32).reshape(4, 3)
    # valid int labels of any width pass as given (no int64 copy), 0 and the top class included
    for y in (np.array([0, 1, 2, 0], np.int32), np.array([2, 1, 2, 0], np.uint8)):
        (_, yb), = t._loader_batches([(x, y)], 0)
        assert yb is y
    # integer-valued float labels are checked and become int64
    (_, yb), = t._loader_batches([(x, np.array([0.0, 1.0, 2.0, 1.0]))], 0)
    assert yb.dtype == np.int64 and yb.tolist() == [0, 1, 2, 1]
    # 3 labels for 4 rows of 3 features: refused by the row count, not by the width
    for bad, message in [(np.array([0, 1, 2]), "has 3 labels but the features have 4 rows; "
                                               "pass one label per sample"),
                         (np.array([0.0, 0.5, 1.0, 2.0]), "must be integer class labels, got "
                                                          "non-integer floats")]:
        with pytest.raises(ShapeError) as e:
            list(t._loader_batches([(x, bad)], 1))
        assert str(e.value) == f"labels of loader batch 0 (epoch 1) {message}"


def test_evaluation_whose_hidden_layer_overflows_gives_nan_silently_in_evaluation_mode():
    seen = []

    class Spy(MLP):
        def forward(self, x, training=True):           # a default unlike MLP's
            seen.append(training)
            return super().forward(x, training)

    m = Spy(2, [2], 2, dtype="float64", dropout=0.5, seed=0)
    m.set_weights([np.array([[1e300, 1e300], [0.0, 0.0]]), np.zeros(2),
                   np.array([[1.0, 0.0], [-1.0, 0.0]]), np.zeros(2)])
    t = af.Trainer(m)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # hidden inf (overflow), then inf - inf and inf x 0 (NaN)
        proba = t.predict_proba(np.array([[1e10, 0.0]]))
    assert np.isnan(proba).all() and seen == [False]
    # evaluation mode: dropout off, so every pass gives the same outputs
    m.set_weights([np.eye(2), np.zeros(2), np.eye(2), np.zeros(2)])
    x = np.array([[1.0, 2.0], [3.0, 0.5]])
    outs = [t.predict_proba(x) for _ in range(3)]
    assert all(np.array_equal(o, outs[0]) for o in outs) and set(seen) == {False}
    np.testing.assert_allclose(outs[0][0], [1 / (1 + np.e), np.e / (1 + np.e)])


def test_evaluate_scores_soft_targets_by_their_argmax():
    m = MLP(2, [], 2, dtype="float64", seed=0)
    m.set_weights([np.eye(2), np.zeros(2)])                  # outputs = inputs
    t = af.Trainer(m, loss="mse")
    x = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
    targets = np.array([[0.9, 0.1], [0.2, 0.8], [0.3, 0.7]])  # classes 0, 1, 1 as predicted
    ev = t.evaluate(x, targets)
    assert ev["accuracy"] == 1.0
    assert ev["loss"] == pytest.approx(t.evaluate_per_example(x, targets)[1].mean())


def test_features_whose_sum_overflows_are_finite_and_pass_silently():
    from augfit.train.checks import check_features
    x = np.array([[1e308, 1e308], [1e308, -1.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the quick sum overflows; the exact check finds no inf
        out = check_features(x, "x", 2, np.dtype(np.float64))
    assert out is x


def test_checked_features_are_c_contiguous_and_a_csr_of_the_dtype_is_not_copied():
    import scipy.sparse as sp

    from augfit.train.checks import check_features
    x = np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3))
    out = check_features(x, "x", 3, np.dtype(np.float32))
    assert out.flags.c_contiguous and out.tolist() == x.tolist()
    view = np.arange(12, dtype=np.float32).reshape(2, 6)[:, ::2]
    assert check_features(view, "x", 3, np.dtype(np.float32)).flags.c_contiguous
    csr = sp.csr_matrix(x)
    out = check_features(csr, "x", 3, np.dtype(np.float32))
    assert np.shares_memory(out.data, csr.data) and out.format == "csr"
    out = check_features(csr, "x", 3, np.dtype(np.float64))
    assert out.dtype == np.float64 and out.toarray().tolist() == x.tolist()


def test_soft_targets_are_cast_to_the_models_dtype():
    t = af.Trainer(MLP(2, [], 2, seed=0))                            # float32
    targets = t._y(np.array([[0.25, 0.75], [1.0, 0.0]]), "y", 2)      # float64 given
    assert targets.dtype == np.float32 and targets.tolist() == [[0.25, 0.75], [1.0, 0.0]]
    reg = af.Trainer(MLP(2, [], 2, dtype="float64", seed=0), loss="mse")
    assert reg._y(np.array([[1, 2]], np.int32), "y", 1).dtype == np.float64


def test_diagnose_by_hand():
    t = af.Trainer(MLP(2, [], 2, seed=0))
    t._label_counts = np.array([1, 1])                        # chance: 0.5
    assert t.diagnose({}, 3) == []
    assert t.diagnose({"loss": [1.0, 1e6]}, 2) == []          # the limit itself is not divergence
    assert t.diagnose({"loss": [1.0, 5e6, 2e6]}, 3) == [
        "training diverged: the loss reached 5e+06 at epoch 1 (above 1e+06) though it stayed "
        "finite; lower the learning rate or scale the features"]
    nothing = ("the model learned nothing: after all {} epochs the training accuracy ({}) is no "
               "better than always predicting the most frequent class (0.500); check the labels, "
               "the features' scale and the learning rate")
    assert t.diagnose({"accuracy": [0.1, 0.2, 0.3]}, 3) == [nothing.format(3, "0.300")]
    assert t.diagnose({"accuracy": [0.2, 0.9, 0.5]}, 3) == [nothing.format(3, "0.500")]
    assert t.diagnose({"accuracy": [0.2, 0.5, 0.6]}, 3) == []
    assert t.diagnose({"accuracy": [0.1, 0.2]}, 2) == [nothing.format(2, "0.200")]
    assert t.diagnose({"accuracy": [0.1]}, 1) == []           # one epoch: too early to tell
    assert t.diagnose({"accuracy": [0.1, 0.2]}, 3) == []      # stopped early
    t._label_counts = np.array([1, 0])                        # one sample: chance 1.0
    assert t.diagnose({"accuracy": [1.0, 1.0]}, 2) == [
        nothing.format(2, "1.000").replace("(0.500)", "(1.000)")]
    t._label_counts = np.array([0, 0])                        # no labels counted: no check
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert t.diagnose({"accuracy": [0.0, 0.0]}, 2) == []


def test_learning_nothing_is_reported_for_a_step_budget_over_an_unsized_loader():
    x, y = np.ones((4, 2), np.float32), np.array([0, 1, 0, 1])

    class Unsized:
        def __iter__(self):
            return iter([(x, y)])

    trainer = af.Trainer(MLP(2, [], 2, seed=0))          # identical rows: nothing to learn
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        trainer.fit(Unsized(), steps=3)
    assert trainer.params["epochs"] is None and len(trainer.history.epoch) == 3
    assert [str(w.message)[:46] for w in caught] == [
        "the model learned nothing: after all 3 epochs "]
    # the warning points at fit's caller, never into the trainer (with mutmut's trampolines in
    # between, the caller's frame is theirs, so only the module file is compared)
    from augfit.train import trainer as trainer_module
    assert os.path.basename(caught[0].filename) != os.path.basename(trainer_module.__file__)


def test_an_optimizer_whose_lr_is_not_a_number_trains_without_a_schedule():
    class NamedLr:
        lr = "adaptive"                                       # read only by schedules

        def step(self, params, grads, decay_mask=None):
            del decay_mask
            for p, g in zip(params, grads, strict=True):
                p -= 0.1 * g

    x, y = np.eye(4, 2, dtype=np.float32), np.array([0, 1, 0, 1])
    h = af.Trainer(MLP(2, [], 2, seed=0), optimizer=NamedLr()).fit(x, y, epochs=1, seed=0)
    assert len(h.epoch) == 1


def test_the_step_gets_the_bias_mask_only_when_biases_are_not_decayed():
    from types import SimpleNamespace

    def noop(params, grads, decay_mask=None):
        del params, grads, decay_mask

    def opt(**attrs):
        return SimpleNamespace(step=noop, **attrs)

    model = MLP(2, [], 2, seed=0)
    for attrs in (dict(decay_bias=True, weight_decay=0.1), dict(weight_decay=0.1),
                  dict(decay_bias=False), dict(decay_bias=False, weight_decay=0.0)):
        o = opt(**attrs)
        t = af.Trainer(model, optimizer=o)
        assert t._step() is o.step, attrs
    o = opt(decay_bias=False, weight_decay=0.1)
    step = af.Trainer(model, optimizer=o)._step()
    assert step.func is o.step and [m.tolist() for m in step.keywords["decay_mask"]] == [
        m.tolist() for m in model.decay_mask()]

    class Bare:                                      # a model without decay_mask()
        in_features = out_features = 2

    with pytest.raises(ConfigError) as e:
        af.Trainer(Bare(), optimizer=o)._step()
    assert str(e.value) == ("optimizer SimpleNamespace(decay_bias=False) needs a model with "
                            "decay_mask() (which entries are biases); Bare has none: use "
                            "decay_bias=True")


def test_callbacks_get_the_documented_logs():
    from augfit.train.callbacks import Callback

    class Record(Callback):
        def __init__(self):
            self.seen = []

        def on_train_begin(self, logs=None):
            self.seen.append(("begin", logs))

        def on_batch_end(self, batch, logs=None):
            self.seen.append((batch, sorted(logs), logs["size"]))

    rec = Record()
    x, y = np.eye(3, 2, dtype=np.float32), np.array([0, 1, 0])
    af.Trainer(MLP(2, [], 2, seed=0), callbacks=[rec]).fit(x, y, epochs=1, batch_size=2,
                                                           shuffle=False)
    assert rec.seen == [("begin", {}), (0, ["loss", "size"], 2), (1, ["loss", "size"], 1)]


def test_an_empty_loader_batch_is_refused_by_name_before_any_step():
    # A duck loader yielding a batch of 0 rows: fit used to die in the loss with
    # ZeroDivisionError; now a ShapeError names the batch and the epoch, and no step was taken.
    from augfit.errors import ShapeError
    model = MLP(4, [3], 2, seed=0)
    before = [p.copy() for p in model.parameters()]

    class Loader:
        def __iter__(self):
            yield np.ones((0, 4), np.float32), np.array([], np.int64)

    with pytest.raises(ShapeError) as e:
        af.Trainer(model).fit(Loader(), epochs=1)
    assert str(e.value) == ("loader batch 0 (epoch 0) has 0 rows; a loader must yield batches "
                            "of at least one sample (skip or drop empty ones)")
    assert all(np.array_equal(a, b) for a, b in zip(before, model.parameters(), strict=True))
