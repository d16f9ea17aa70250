"""Trainer: learning on digits, determinism, loaders, sparse input, callbacks, bad input."""
import numpy as np
import pytest
import scipy.sparse as sp

import augfit as af
from augfit.errors import AugfitError, ConfigError, ShapeError, TrainingError
from augfit.nn import MLP, SGD, Adam
from augfit.train.callbacks import Callback, EarlyStopping, ModelCheckpoint


def test_digits_64_128_10_relu_reaches_95_percent(digits):
    xtr, ytr, xva, yva, xte, yte = digits
    model = MLP(64, [128], 10, activation="relu", seed=0)
    es = EarlyStopping(monitor="val_loss", patience=10, restore_best_weights=True)
    trainer = af.Trainer(model, loss="cross_entropy", optimizer=Adam(lr=3e-3), callbacks=[es])
    history = trainer.fit(xtr, ytr, val=(xva, yva), epochs=100, batch_size=32, seed=0)
    assert trainer.evaluate(xte, yte)["accuracy"] >= 0.95
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert history.history["loss"][-1] < history.history["loss"][0]
    # restored weights are those of the best epoch: evaluating again gives its val_loss exactly
    assert trainer.evaluate(xva, yva)["loss"] == history.history["val_loss"][es.best_epoch]


def _train(digits, model_seed, fit_seed, epochs=3):
    xtr, ytr = digits[0][:400], digits[1][:400]
    model = MLP(64, [32], 10, dropout=0.3, seed=model_seed)
    af.Trainer(model, optimizer=Adam(lr=1e-2)).fit(xtr, ytr, epochs=epochs, batch_size=50,
                                                   seed=fit_seed)
    return b"".join(w.tobytes() for w in model.get_weights())


def test_same_seed_gives_byte_identical_weights_other_seed_differs(digits):
    a = _train(digits, 1, 2)
    assert a == _train(digits, 1, 2)
    assert a != _train(digits, 1, 3)  # other shuffling
    assert a != _train(digits, 4, 2)  # other init and dropout masks


def test_predict_and_predict_proba(digits):
    xtr, ytr, xva, yva = digits[:4]
    trainer = af.Trainer(MLP(64, [16], 10, seed=0))
    trainer.fit(xtr, ytr, epochs=2, seed=0)
    p = trainer.predict_proba(xva)
    assert p.shape == (len(xva), 10) and p.dtype == np.float32
    np.testing.assert_allclose(p.sum(axis=1), 1, rtol=1e-5)
    np.testing.assert_array_equal(trainer.predict(xva), p.argmax(axis=1))
    assert trainer.evaluate(xva, yva)["accuracy"] == np.mean(trainer.predict(xva) == yva)
    correct, loss = trainer.evaluate_per_example(xva, yva)
    np.testing.assert_array_equal(correct, trainer.predict(xva) == yva)
    np.testing.assert_allclose(loss, -np.log(p[np.arange(len(yva)), yva]), rtol=1e-4)
    assert loss.mean() == pytest.approx(trainer.evaluate(xva, yva)["loss"], rel=1e-5)


def test_one_sgd_step_uses_the_batch_mean_gradient():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((6, 3)), rng.integers(0, 2, 6)
    model = MLP(3, [4], 2, seed=0, dtype="float64")
    w0 = model.parameters()[0].copy()
    per_sample = []
    for i in range(6):
        model.backward(af.nn.cross_entropy(model.forward(x[i:i + 1], training=True), y[i:i + 1])[1])
        per_sample.append(model.gradients()[0].copy())
    af.Trainer(model, optimizer=SGD(lr=0.5)).fit(x, y, epochs=1, batch_size=6, shuffle=False)
    np.testing.assert_allclose(model.parameters()[0], w0 - 0.5 * np.mean(per_sample, axis=0),
                               rtol=1e-12)


def test_sparse_csr_training_matches_dense(digits):
    xtr, ytr = digits[0][:300].astype(np.float64), digits[1][:300]
    dense = MLP(64, [16], 10, seed=0, dtype="float64")
    sparse = MLP(64, [16], 10, seed=0, dtype="float64")
    af.Trainer(dense).fit(xtr, ytr, epochs=2, batch_size=32, seed=0)
    af.Trainer(sparse).fit(sp.csr_matrix(xtr), ytr, epochs=2, batch_size=32, seed=0)
    for a, b in zip(dense.get_weights(), sparse.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


class ImageLoader:
    """A DataLoader-like iterable: raw 8x8 images in, flattened features out, one epoch per iter."""

    def __init__(self, images, labels, batch_size=64):
        self.images, self.labels, self.batch_size = images, labels, batch_size
        self.epochs_started = 0

    def featurize(self, x):
        return np.asarray(x, np.float32).reshape(len(x), -1)

    def __len__(self):
        return -(-len(self.labels) // self.batch_size)

    def __iter__(self):
        self.epochs_started += 1
        for s in range(0, len(self.labels), self.batch_size):
            sl = slice(s, s + self.batch_size)
            yield self.featurize(self.images[sl]), self.labels[sl]


def test_fit_on_a_loader_iterates_once_per_epoch_and_featurizes_val(digits):
    xtr, ytr, xva, yva = digits[:4]
    loader = ImageLoader(xtr.reshape(-1, 8, 8), ytr)
    trainer = af.Trainer(MLP(64, [32], 10, seed=0), optimizer=Adam(lr=1e-2))
    h = trainer.fit(loader, val=(xva.reshape(-1, 8, 8), yva), epochs=4)
    assert loader.epochs_started == 4 and trainer.params["steps"] == len(loader)
    assert h.history["val_accuracy"][-1] == trainer.evaluate(xva, yva)["accuracy"] > 0.8


def test_fit_on_augfit_dataloader(digits):
    data = pytest.importorskip("augfit.data.loader")
    datasets = pytest.importorskip("augfit.data.datasets")
    xtr, ytr, xva, yva = digits[:4]
    train = datasets.from_arrays(xtr.reshape(-1, 8, 8), ytr, modality="image")
    loader = data.DataLoader(train, batch_size=64, seed=0)
    trainer = af.Trainer(MLP(64, [32], 10, seed=0), optimizer=Adam(lr=1e-2))
    h = trainer.fit(loader, val=(xva.reshape(-1, 8, 8), yva), epochs=3)
    assert h.history["val_accuracy"][-1] > 0.8


def test_callback_hooks_are_called_in_order():
    calls = []

    class Spy(Callback):
        def on_train_begin(self, logs=None):
            del logs
            calls.append("train_begin")

        def on_epoch_begin(self, epoch, logs=None):
            del logs
            calls.append(f"epoch_begin {epoch}")

        def on_batch_end(self, batch, logs=None):
            calls.append(f"batch {batch} size {logs['size']}")

        def on_epoch_end(self, epoch, logs=None):
            calls.append(f"epoch_end {epoch} {sorted(logs)}")

        def on_train_end(self, logs=None):
            del logs
            calls.append("train_end")

    x, y = np.zeros((5, 2), np.float32), np.array([0, 1, 0, 1, 0])
    af.Trainer(MLP(2, [], 2, seed=0), callbacks=[Spy()]).fit(x, y, epochs=2, batch_size=3, seed=0)
    assert calls == ["train_begin", "epoch_begin 0", "batch 0 size 3", "batch 1 size 2",
                     "epoch_end 0 ['accuracy', 'loss']", "epoch_begin 1", "batch 0 size 3",
                     "batch 1 size 2", "epoch_end 1 ['accuracy', 'loss']", "train_end"]


def test_early_stopping_stops_the_trainer(digits):
    xtr, ytr = digits[:2]
    es = EarlyStopping(monitor="loss", patience=0, min_delta=10.0)  # nothing counts as improving
    h = af.Trainer(MLP(64, [8], 10, seed=0), callbacks=[es]).fit(xtr, ytr, epochs=50, seed=0)
    assert es.stopped_epoch == 1 and h.epoch == [0, 1]


def test_model_checkpoint_saves_the_best_epoch(digits, tmp_path):
    xtr, ytr, xva, yva = digits[:4]
    ck = ModelCheckpoint(tmp_path / "best-{epoch}.npz", monitor="val_accuracy", mode="max")
    trainer = af.Trainer(MLP(64, [16], 10, seed=0), callbacks=[ck])
    h = trainer.fit(xtr, ytr, val=(xva, yva), epochs=4, seed=0)
    assert ck.best == max(h.history["val_accuracy"])
    assert ck.saved[-1].endswith(f"best-{ck.best_epoch}.npz")
    best = af.Trainer(MLP.load(ck.saved[-1]))
    assert best.evaluate(xva, yva)["accuracy"] == ck.best


def test_nan_loss_names_epoch_and_batch_and_suggests_lower_lr(digits):
    xtr, ytr = digits[:2]
    trainer = af.Trainer(MLP(64, [64], 10, seed=0), optimizer=SGD(lr=1e10))
    with pytest.raises(TrainingError, match=r"became (nan|inf) at epoch 0, batch \d+ .*lower the "
                                             r"learning rate \(now 1e\+10; try 1e\+09\)"):
        trainer.fit(xtr, ytr, epochs=3, seed=0)


def test_nan_input_from_a_loader_is_named():
    x = np.ones((4, 3), np.float32)
    x[2, 1] = np.nan

    class Loader:
        def __iter__(self):
            yield x, np.array([0, 1, 0, 1])

    with pytest.raises(TrainingError, match=r"epoch 0, batch 0 .*NaN or inf"):
        af.Trainer(MLP(3, [2], 2, seed=0)).fit(Loader(), epochs=1)


GOOD_X, GOOD_Y = np.zeros((4, 3), np.float32), np.array([0, 1, 2, 0])


@pytest.mark.parametrize("x, y, match", [
    (np.zeros(3), GOOD_Y, r"x must be 2-D \(N, 3\), got shape \(3,\)"),
    (np.zeros((4, 3, 1)), GOOD_Y, r"flatten images with x.reshape\(len\(x\), -1\)"),
    (np.zeros((4, 5)), GOOD_Y, r"3 features per row .*got shape \(4, 5\)"),
    (np.full((4, 3), np.inf), GOOD_Y, r"x contains 12 non-finite values"),
    (GOOD_X, GOOD_Y[:3], r"y has 3 labels but the features have 4 rows"),
    (GOOD_X, np.array([0, 1, 3, 0]), r"y must be in \[0, 3\) .*got range \[0, 3\]"),
    (GOOD_X, np.array([0, -1, 2, 0]), r"y must be in \[0, 3\)"),
    (GOOD_X, np.array([0.5, 1, 2, 0]), r"y must be integer class labels"),
    (GOOD_X, np.array(["a", "b", "c", "a"]), r"encode them first"),
    (np.zeros((0, 3)), np.zeros(0, int), r"x is empty"),
    (np.array([["a", "b", "c"]] * 4), GOOD_Y, r"featurize text"),
    (GOOD_X, None, r"without y"),
])
def test_bad_input_raises_augfit_errors_with_clear_messages(x, y, match):
    trainer = af.Trainer(MLP(3, [2], 3, seed=0))
    with pytest.raises(AugfitError, match=match) as info:
        trainer.fit(x, y, epochs=1)
    assert isinstance(info.value, ValueError)


def test_bad_val_and_arguments():
    trainer = af.Trainer(MLP(3, [2], 3, seed=0))
    with pytest.raises(ShapeError, match=r"val x must have 3 features"):
        trainer.fit(GOOD_X, GOOD_Y, val=(np.zeros((2, 4)), [0, 1]))
    with pytest.raises(ConfigError, match=r"fit\(epochs=...\) must be a positive int, got 0"):
        trainer.fit(GOOD_X, GOOD_Y, epochs=0)
    with pytest.raises(ConfigError, match=r"loss must be one of"):
        af.Trainer(MLP(3, [2], 3), loss="nll")
    with pytest.raises(ShapeError, match=r"no batches in epoch 0"):
        trainer.fit(iter([]), epochs=1)


def test_the_notes_sigmoid_network_with_squared_error_learns_digits(digits):
    xtr, ytr, _xva, _yva, xte, yte = digits
    model = MLP(64, [32], 10, activation="sigmoid", output_activation="sigmoid", seed=0,
                dtype="float64")
    trainer = af.Trainer(model, loss="mse", optimizer=Adam(lr=1e-2))
    trainer.fit(xtr, ytr, epochs=30, batch_size=32, seed=0)
    assert trainer.evaluate(xte, yte)["accuracy"] >= 0.93
    p = trainer.predict_proba(xte[:5])
    np.testing.assert_allclose(p.sum(axis=1), 1, rtol=1e-12)
    assert p.dtype == np.float64


def test_verbose_writes_one_line_per_epoch_when_stderr_is_not_a_terminal(capsys):
    """Keras's verbose: no bar into a log file, but one line per epoch; 0 is silent."""
    x, y = np.zeros((8, 2), np.float32), np.array([0, 1] * 4)
    af.Trainer(MLP(2, [3], 2, seed=0)).fit(x, y, epochs=3, seed=0, verbose=True)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert [line.split(":")[0] for line in captured.err.splitlines()] == ["epoch 1", "epoch 2",
                                                                         "epoch 3"]
    assert "loss 0.69" in captured.err.splitlines()[0]  # two balanced classes: ln 2 at the start
    af.Trainer(MLP(2, [3], 2, seed=0)).fit(x, y, epochs=2, seed=0, verbose=0)
    assert capsys.readouterr().err == ""
    with pytest.raises(ConfigError, match=r"fit\(verbose=...\) must be one of \[0, 1, 2\]"):
        af.Trainer(MLP(2, [3], 2, seed=0)).fit(x, y, epochs=1, verbose=3)


def test_loader_with_sparse_float64_batches_trains_a_float32_model(digits):
    xtr, ytr = digits[:2]

    class SparseLoader:
        def __iter__(self):
            for s in range(0, 640, 64):
                yield sp.csc_matrix(xtr[s:s + 64].astype(np.float64)), ytr[s:s + 64]

    model = MLP(64, [16], 10, seed=0)
    h = af.Trainer(model, optimizer=Adam(lr=1e-2)).fit(SparseLoader(), epochs=5)
    assert h.history["loss"][-1] < h.history["loss"][0]
    assert all(w.dtype == np.float32 for w in model.get_weights())


# -- soft targets, label smoothing, weight decay without biases ----------------------------------
def _digits_dataset():
    from augfit.data.datasets import load

    return load("digits").split(val=0.2, test=0.2, seed=0)


def test_fit_on_mixup_batches_uses_soft_targets_and_hard_labels_for_evaluation():
    from augfit.data.loader import DataLoader
    from augfit.nn import MLP
    from augfit.train.trainer import Trainer
    from augfit.transforms.mixing import MixUp

    train, val, _ = _digits_dataset()
    loader = DataLoader(train, batch_size=64, augment=MixUp(alpha=0.4), seed=0)
    trainer = Trainer(MLP(64, [32], 10, seed=0))
    h = trainer.fit(loader, val=val, epochs=15).history
    assert h["loss"][-1] < h["loss"][0] and h["val_accuracy"][-1] > 0.85
    clean = trainer.evaluate(loader.featurize(train.x), train.y)   # hard labels
    assert clean["accuracy"] > h["accuracy"][-1] - 0.2 and 0 < clean["loss"] < h["loss"][-1]


def test_soft_targets_with_a_hard_label_only_loss_are_a_config_error(monkeypatch):
    from augfit.data.loader import DataLoader
    from augfit.nn import MLP, losses
    from augfit.train.trainer import Trainer
    from augfit.transforms.mixing import MixUp

    def hinge(out, y):  # multiclass hinge: defined for hard labels only
        n = out.shape[0]
        margins = np.maximum(0, out - out[np.arange(n), y][:, None] + 1)
        margins[np.arange(n), y] = 0
        grad = (margins > 0).astype(out.dtype)
        grad[np.arange(n), y] = -grad.sum(axis=1)
        return float(margins.sum() / n), grad / n

    monkeypatch.setitem(losses.LOSSES, "hinge", hinge)
    train, _, _ = _digits_dataset()
    loader = DataLoader(train, batch_size=32, augment=MixUp(), seed=0)
    with pytest.raises(ConfigError, match="'hinge' takes hard labels only"):
        Trainer(MLP(64, [8], 10, seed=0), loss="hinge").fit(loader, epochs=1)
    with pytest.raises(ConfigError, match=r"label_smoothing=0\.1 needs a loss that takes soft"):
        Trainer(MLP(64, [8], 10, seed=0), loss="hinge", label_smoothing=0.1)


def test_label_smoothing_trains_on_smoothed_targets_and_evaluates_plainly(digits):
    from augfit.nn import MLP
    from augfit.nn.losses import cross_entropy
    from augfit.nn.optim import Adam
    from augfit.train.trainer import Trainer

    xtr, ytr, *_ = digits

    a = Trainer(MLP(64, [32], 10, seed=0), optimizer=Adam(lr=0.01), label_smoothing=0.3)
    a.fit(xtr, ytr, epochs=40, seed=0)
    out = a.model.forward(xtr, training=False)
    assert a.evaluate(xtr, ytr)["loss"] == pytest.approx(cross_entropy(out, ytr)[0], rel=1e-6)
    # smoothing caps the confidence at its target 1 - 0.3 + 0.3/10 = 0.73; plain training does not
    b = Trainer(MLP(64, [32], 10, seed=0), optimizer=Adam(lr=0.01))
    b.fit(xtr, ytr, epochs=40, seed=0)
    top_a = a.predict_proba(xtr).max(axis=1).mean()
    top_b = b.predict_proba(xtr).max(axis=1).mean()
    assert top_a < 0.76 and top_b > 0.95, (top_a, top_b)
    with pytest.raises(ConfigError, match=r"Trainer\(label_smoothing=\.\.\.\) must be a number"):
        Trainer(MLP(64, [8], 10, seed=0), label_smoothing=1.0)


def test_trainer_hands_the_bias_mask_to_an_optimizer_that_skips_biases(digits):
    from augfit.nn import MLP
    from augfit.nn.optim import SGD
    from augfit.train.trainer import Trainer

    xtr, ytr, *_ = digits
    runs = {}
    for decay_bias in (True, False):
        model = MLP(64, [16], 10, seed=0)
        Trainer(model, optimizer=SGD(lr=0.05, weight_decay=0.5, decay_bias=decay_bias)).fit(
            xtr, ytr, epochs=3, seed=0)
        runs[decay_bias] = model.get_weights()
    # strong decay shrinks biases toward 0 only when biases are decayed
    b_all, b_weights_only = runs[True][1], runs[False][1]
    assert np.abs(b_all).sum() < np.abs(b_weights_only).sum()
