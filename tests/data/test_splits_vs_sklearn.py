"""Why ``data/splits.py`` is not scikit-learn's splitters (docs/DESIGN.md, "What augfit writes
itself, and why"): what augfit's splits do that ``StratifiedShuffleSplit`` / ``train_test_split``
(scikit-learn, a core dependency) cannot, each shown on the same labels. Moving would also redraw
every stored split (another random stream), which users' stores and the pinned cell keys forbid.
If a test here fails after a scikit-learn upgrade, the reason it names is gone: reconsider."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn.model_selection import StratifiedShuffleSplit, train_test_split

from augfit.data.splits import distinct_splits, repeated_splits, stratified_take
from augfit.errors import ConfigError


def test_a_class_of_one_sample_is_split_where_scikit_learn_refuses():
    y = np.array([0] * 5 + [1] * 5 + [2])                 # a class with one sample
    with pytest.raises(ValueError, match="least populated class"):
        next(StratifiedShuffleSplit(1, test_size=3, random_state=0).split(np.zeros(11), y))
    test, rest = stratified_take(y, [3], np.random.default_rng(0), 3)
    # largest remainder: 3 x (5, 5, 1) / 11 = (1.36, 1.36, 0.27), the tie to the lower class
    assert np.bincount(y[test], minlength=3).tolist() == [2, 1, 0]
    assert len(rest) == 8 and 10 in rest


def test_draws_come_from_a_numpy_generator_which_scikit_learn_refuses():
    # the house rule: every random draw comes from a numpy Generator passed in
    y = np.repeat([0, 1], 10)
    with pytest.raises(ValueError, match="random_state"):
        train_test_split(np.arange(20), test_size=4, stratify=y,
                         random_state=np.random.default_rng(0))
    a = stratified_take(y, [4], np.random.default_rng(0), 2)
    b = stratified_take(y, [4], np.random.default_rng(0), 2)
    assert all(np.array_equal(p, q) for p, q in zip(a, b, strict=True))
    assert np.bincount(y[a[0]]).tolist() == [2, 2]


def test_repeated_splits_differ_and_their_number_is_counted():
    # 3 + 3 samples, 1 test per class: 3 x 3 = 9 different test sets. scikit-learn's 20 draws
    # repeat some (and it cannot say how many different ones exist); augfit counts 9 and draws 9
    # different splits, and refuses a 10th naming the 9
    y = np.array([0, 0, 0, 1, 1, 1])
    sk = {tuple(te) for _, te in StratifiedShuffleSplit(20, test_size=2, random_state=0)
          .split(np.zeros(6), y)}
    assert len(sk) < 20
    assert distinct_splits(y, None, 0, 2, 2) == 9

    def draw(rng):
        test, train = stratified_take(y, [2], rng, 2)
        return train, np.array([], np.int64), test

    splits = repeated_splits(draw, 9, seed=0, maximum=9)
    assert len({tuple(te) for _, _, te in splits}) == 9
    with pytest.raises(ConfigError, match=r"found only 9 different splits .* at most 9"):
        repeated_splits(draw, 10, seed=0, maximum=9)
