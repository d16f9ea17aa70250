"""NlpaugAugmenter: real nlpaug augmenters, seeded from augfit, global random state restored."""
from __future__ import annotations

import random
from collections import Counter

import numpy as np
import pytest

from augfit.errors import ConfigError
from augfit.transforms import Transform
from augfit.transforms.text import NlpaugAugmenter

SWAP = "nlpaug.augmenter.word.RandomWordAug"


def test_same_seed_same_output_and_global_state_untouched(awkward):
    random.seed(123)
    np.random.seed(123)  # the caller's global streams, which the adapter must leave as they were
    py_before, np_before = random.random(), np.random.random()
    random.seed(123)
    np.random.seed(123)
    t = NlpaugAugmenter(SWAP, {"action": "swap"})
    x = ["the quick brown fox jumps over the lazy dog"] * 3 + awkward
    a = t(x, rng=0)
    assert random.random() == py_before and np.random.random() == np_before
    assert a == NlpaugAugmenter(SWAP, {"action": "swap"})(x, rng=0)
    assert a != t(x, rng=1)
    assert len(a) == len(x) and all(isinstance(s, str) for s in a)
    assert len(set(a[:3])) > 1  # each sentence has its own seed
    assert Counter(a[0].split()) == Counter(x[0].split())  # a swap keeps the words


def test_replay_of_a_subset_matches():
    t = NlpaugAugmenter(SWAP, {"action": "swap"}, p=0.5)
    x = [f"one two three four five six {i}" for i in range(8)]
    out, params = t(x, rng=3, return_params=True)
    assert t.replay(x, params) == out
    assert all(o == s for o, s, a in zip(out, x, params["applied"], strict=True) if not a)


def test_instances_work_but_do_not_serialize():
    import nlpaug.augmenter.word as naw

    t = NlpaugAugmenter(naw.RandomWordAug(action="delete"))
    out = t(["alpha beta gamma delta epsilon zeta"], rng=0)[0]
    assert len(out.split()) < 6
    with pytest.raises(ConfigError, match="cannot be serialized"):
        t.to_dict()
    d = NlpaugAugmenter(SWAP, {"action": "swap"}).to_dict()
    assert Transform.from_dict(d).to_dict() == d


def test_bad_arguments():
    with pytest.raises(ConfigError, match="nlpaug class path"):
        NlpaugAugmenter("os.system")
    with pytest.raises(ConfigError, match="has no"):
        NlpaugAugmenter("nlpaug.augmenter.word.NoSuchAug")
