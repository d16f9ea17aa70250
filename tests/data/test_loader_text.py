"""Text transforms inside the DataLoader: labels and batch sizes kept, epochs re-drawn,
replayable."""
from __future__ import annotations

import numpy as np

import augfit as af
from augfit.transforms.text import RandomDeletion, RandomInsertion, RandomSwap, SynonymReplace

TEXTS = ["a good movie with great actors", "a bad film and a boring story",
         "happy people, big house", "the plot was slow but the music was fine", "", "...!?"] * 5


def test_labels_and_batches_survive_text_augmentation():
    y = np.arange(len(TEXTS)) % 3
    ds = af.datasets.from_arrays(list(TEXTS), y)
    aug = af.Compose([af.OneOf([SynonymReplace(rate=0.2), RandomInsertion(), RandomSwap(),
                                RandomDeletion(alpha=0.2)])], seed=0)
    loader = af.DataLoader(ds, batch_size=8, shuffle=False, augment=aug, features="text_hashing",
                           seed=0)
    epoch0 = list(loader.epoch_batches(0))
    assert [len(yb) for _, yb in epoch0] == [8, 8, 8, 6]
    assert np.array_equal(np.concatenate([yb for _, yb in epoch0]), y)
    clean = loader.featurize(list(TEXTS))
    aug_rows = np.vstack([xb.toarray() for xb, _ in epoch0])
    assert aug_rows.shape == clean.shape
    assert not np.array_equal(aug_rows, clean.toarray())  # the text really was augmented
    again = np.vstack([xb.toarray() for xb, _ in loader.epoch_batches(0)])
    assert np.array_equal(again, aug_rows)  # an epoch is a function of (seed, epoch)
    epoch1 = np.vstack([xb.toarray() for xb, _ in loader.epoch_batches(1)])
    assert not np.array_equal(epoch1, aug_rows)  # and re-drawn every epoch
