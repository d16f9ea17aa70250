"""The types of the arrays that travel between data, train and the interop modules.

One definition for the whole package (issue 22, beside :mod:`augfit.jsontypes`): a loader yields
:data:`Batch` es of :data:`Features`, a Dataset holds :data:`Inputs`, and what a user hands in
before it is checked is numpy's ``ArrayLike`` (re-exported here).

scipy ships no type information, so to mypy a CSR matrix is an unchecked type; the dense half of
:data:`Features` is checked, and code that needs the sparse half tests ``sp.issparse`` as before.

>>> import numpy as np
>>> batch: Batch = (np.zeros((2, 3), np.float32), np.array([0, 1]))
>>> [a.shape for a in batch]
[(2, 3), (2,)]
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import TypeAlias, TypeGuard

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike

#: what a model trains on: dense features ``(N, D)`` or a CSR matrix (a text featurizer's output)
Features: TypeAlias = np.ndarray | sp.csr_matrix
#: a dataset's raw inputs: an array (images ``(N, H, W[, C])``, audio ``(N, T)``, tabular
#: ``(N, D)``) or texts
Inputs: TypeAlias = np.ndarray | Sequence[str]
#: one mini-batch: features and their labels ``(N,)`` (or soft targets ``(N, K)``)
Batch: TypeAlias = tuple[Features, np.ndarray]



def is_sparse(x: object) -> TypeGuard[sp.spmatrix | sp.sparray]:
    """``scipy.sparse.issparse`` as a type guard: a SciPy sparse matrix or array."""
    return bool(sp.issparse(x))


__all__ = ["ArrayLike", "Batch", "Features", "Inputs", "is_sparse"]
