"""Data: datasets and their loaders (:mod:`.datasets`), featurizers (:mod:`.features`) and the
DataLoader that batches, augments and featurizes every epoch (:mod:`.loader`)."""
