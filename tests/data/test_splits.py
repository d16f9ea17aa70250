"""Property tests of the split arithmetic: exact sizes, disjoint, each class near its share."""
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from augfit.data.container import from_arrays
from augfit.data.splits import (
    allocate,
    group_take,
    official_split,
    official_test_problem,
    stratified_take,
)


@settings(max_examples=60, deadline=None)
@given(counts=st.lists(st.integers(0, 40), min_size=1, max_size=6).filter(lambda c: sum(c) >= 3),
       data=st.data())
def test_stratified_take_exact_disjoint_and_proportional(counts, data):
    y = np.concatenate([np.full(c, k) for k, c in enumerate(counts)]).astype(np.int64)
    n = len(y)
    a = data.draw(st.integers(0, n - 1))
    b = data.draw(st.integers(0, n - 1 - a))
    rng = np.random.default_rng(data.draw(st.integers(0, 9)))
    parts = stratified_take(y, [a, b], rng, len(counts))
    assert [len(p) for p in parts] == [a, b, n - a - b]
    assert sorted(np.concatenate(parts).tolist()) == list(range(n))
    per = np.bincount(y[parts[0]], minlength=len(counts))
    ideal = a * np.array(counts) / n
    assert (np.abs(per - ideal) < 1.0).all()  # the first split is within one sample of its share


@settings(max_examples=60, deadline=None)
@given(counts=st.lists(st.integers(0, 30), min_size=1, max_size=6).filter(lambda c: sum(c) > 0),
       data=st.data())
def test_allocate_sums_exactly_and_respects_caps(counts, data):
    counts = np.array(counts)
    cap = np.array([data.draw(st.integers(0, c)) for c in counts])
    total = data.draw(st.integers(0, int(cap.sum())))
    out = allocate(total, counts, cap)
    assert out.sum() == total and (out <= cap).all() and (out >= 0).all()


def test_group_take_whole_groups():
    groups = np.repeat(np.array(["a", "b", "c", "d", "e"]), [10, 20, 5, 5, 10])
    test, val, train = group_take(groups, [10, 10], np.random.default_rng(0))
    sets = [set(groups[p]) for p in (test, val, train)]
    assert sum(len(p) for p in (test, val, train)) == 50
    assert all(sets[i].isdisjoint(sets[j]) for i in range(3) for j in range(i + 1, 3))
    for p in (test, val, train):  # whole groups only
        for g in set(groups[p]):
            assert (groups[p] == g).sum() == (groups == g).sum()


def test_official_test_problem_names_a_missing_an_empty_or_a_full_test_set():
    ds = from_arrays(np.arange(12.0).reshape(3, 2, 2), [0, 1, 0], modality="image")
    assert official_test_problem(ds) == ("has no official test set (its loader gives no "
                                         "meta['official_test'])")
    ds.meta["official_test"] = np.array([0, 1, 0])               # not boolean
    assert official_test_problem(ds).startswith("has no official test set")
    ds.meta["official_test"] = np.zeros(3, bool)
    assert official_test_problem(ds) == "marks 0 of its 3 samples as official test"
    ds.meta["official_test"] = np.ones(3, bool)
    assert official_test_problem(ds) == "marks 3 of its 3 samples as official test"
    ds.meta["official_test"] = np.array([False, True, False])
    assert official_test_problem(ds) is None
    train, test = official_split(ds)
    assert train.x[:, 0, 0].tolist() == [0.0, 8.0] and test.x[:, 0, 0].tolist() == [4.0]
