"""Label-mixing transforms (MixUp, CutMix): batch-level steps that change the labels too.

Each applied sample ``i`` is combined with a partner ``partner[i]`` of the same batch (a seeded
permutation, so a sample may be its own partner), with its own ``λ ~ Beta(α, α)``. The labels
follow as soft targets: ``t'[i] = w[i]·t[i] + (1 - w[i])·t[partner[i]]``, where ``w`` is the share
of sample ``i`` that was kept (``λ`` for MixUp; the area outside the pasted box, after clipping,
for CutMix).

Sample, then apply, as for every transform: ``sample`` records ``lam``, ``partner``, ``weight`` (and
the box of CutMix) and ``applied``; :meth:`LabelMixing.apply` mixes the inputs and
:meth:`~augfit.transforms.base.Transform.apply_targets` the targets ``(N, K)`` from the same record,
so a replay gives the same bytes and the same soft labels. ``λ`` is drawn on a grid of 1/256 (the
exact weight of the integer uint8 kernel), so pixels and labels use the same number.

The :class:`~augfit.data.loader.DataLoader` turns the labels into soft targets ``(N, K)`` whenever
its ``augment`` (or ``mix``) step mixes labels.

Example
-------
>>> import numpy as np
>>> from augfit.transforms.mixing import MixUp
>>> x = np.stack([np.zeros((2, 2), np.float32), np.ones((2, 2), np.float32)])
>>> out, rec = MixUp(alpha=0.4)(x, rng=1, return_params=True)
>>> t = MixUp(alpha=0.4).apply_targets(np.eye(2), rec)     # rows sum to 1
"""
from __future__ import annotations

from collections.abc import Sized
from typing import Any, ClassVar

import numpy as np
import scipy.sparse as sp

from ..checks import in_bounds, is_number, show
from ..errors import ConfigError, ShapeError
from ..registry import TRANSFORMS
from ..rng import SeedLike
from .base import Params, Transform, applied_mask, batch_len
from .constraints import Check, Table
from .parallel import per_chunk

LAMBDA_STEPS = 256
"""λ is drawn on the grid ``k / 256`` (see the module docstring)."""
def check_alpha(alpha: object, owner: str) -> float:
    """A Beta concentration ``α > 0`` as float (ConfigError naming the field otherwise)."""
    if not is_number(alpha) or not in_bounds(float(alpha), 0, 1000, lo_open=True):
        # beyond 1000, λ is 0.5 to within 1%: a cap, not a loss
        raise ConfigError(f"{owner}(alpha=...) must be a number > 0 and at most 1000 (λ ~ Beta(α, "
                          f"α); 0.2 is usual for MixUp, 1.0 for CutMix), got {show(alpha)}")
    return float(alpha)


def lerp(a: np.ndarray, b: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """``lam·a + (1 - lam)·b`` per sample (``lam`` shape ``(N,)`` on the 1/256 grid).

    uint8: exact integer arithmetic ``(a·w + b·(256 - w) + 128) >> 8`` with ``w = 256·lam``;
    floats: computed in the input dtype. Shape and dtype are kept.
    """
    n = a.shape[0]
    a2, b2 = a.reshape(n, -1), b.reshape(n, -1)   # long inner loops: one row per sample
    out = np.empty_like(a2)
    if a.dtype == np.uint8:
        w = np.rint(lam * LAMBDA_STEPS).astype(np.uint16)[:, None]

        def part(s: slice) -> None:
            acc = np.multiply(a2[s], w[s], dtype=np.uint16)
            acc += np.multiply(b2[s], LAMBDA_STEPS - w[s], dtype=np.uint16)
            acc += LAMBDA_STEPS // 2
            np.right_shift(acc, 8, out=acc)
            out[s] = acc
    else:
        lw = lam.astype(a.dtype)[:, None]

        def part(s: slice) -> None:
            np.subtract(a2[s], b2[s], out=out[s])
            out[s] *= lw[s]
            out[s] += b2[s]
    per_chunk(part, n, a.size)
    return out.reshape(a.shape)


def beta_draws(rng: np.random.Generator, alpha: float, n: int) -> np.ndarray:
    """``rng.beta(alpha, alpha, size=n)``: the same numbers, and ``rng`` left in the same state.

    For ``alpha = 1`` (CutMix's usual value) it is computed in a few array operations instead of
    NumPy's loop, at half the time: NumPy draws Beta(a, b) with ``a, b <= 1`` by Jöhnk's method,
    pairs ``(U, V)`` of ``rng.random()`` until ``X + Y <= 1`` with ``X = U**(1/a)``,
    ``Y = V**(1/b)`` (for ``a = b = 1`` exactly ``U`` and ``V``), returning ``X / (X + Y)``. Here
    a block of pairs is drawn, the first ``n`` accepted ones kept, and the generator rewound and
    moved on by exactly the values they used (``rng.random(k)`` consumes ``k`` values, as the
    loop's draws do).

    >>> a, b = np.random.default_rng(3), np.random.default_rng(3)
    >>> fast, numpy = beta_draws(a, 1.0, 5), b.beta(1.0, 1.0, size=5)
    >>> fast.tobytes() == numpy.tobytes(), a.random() == b.random()
    (True, True)
    """
    if alpha != 1.0 or n == 0:
        return rng.beta(alpha, alpha, size=n)
    bitgen = rng.bit_generator
    start = bitgen.state
    uv = rng.random(2 * (2 * n + 4 * int(np.sqrt(n)) + 16))   # about twice the pairs needed
    u, v = uv[0::2], uv[1::2]
    s = u + v
    kept = np.nonzero(s <= 1.0)[0][:n]
    bitgen.state = start
    sk = s[kept]
    # too few accepted in the block, or a pair (0, 0) the loop rejects (both rare): NumPy's loop
    if kept.size < n or np.count_nonzero(sk) < n:
        return rng.beta(alpha, alpha, size=n)
    rng.random(2 * (int(kept[-1]) + 1))                       # the values the loop would use
    result: np.ndarray = u[kept] / sk
    return result


class LabelMixing(Transform[np.ndarray]):
    """Base of MixUp/CutMix: draws ``lam``, ``partner`` and ``weight``; mixes the soft targets.

    Subclasses implement ``draw(rng, batch, lam) -> (extra params, weight)`` (``weight``: the kept
    share per sample, default ``lam``) and ``mix(a, b, params) -> out`` for the applied samples
    ``a`` and their partners ``b`` (``params`` restricted to them).
    """

    mixes_labels: ClassVar[bool] = True
    family = "mixing"
    alpha: float
    _parameter_constraints: ClassVar[Table] = {
        "alpha": Check(lambda v, _name, owner, _seen: check_alpha(v, owner),
                       bad=(0, -1.0, "big", float("inf"), 1001))}

    def __init__(self, alpha: float = 0.2, p: float = 1.0) -> None:
        del alpha  # checked and kept by the constraint table (Transform.check_arguments)
        super().__init__(p)

    # -- subclass hooks ---------------------------------------------------------------------------
    def draw(self, rng: np.random.Generator, batch: np.ndarray, lam: np.ndarray
             ) -> tuple[Params, np.ndarray]:
        del rng, batch
        return {}, lam

    def mix(self, a: np.ndarray, b: np.ndarray, params: Params) -> np.ndarray:
        raise NotImplementedError

    def mix_partners(self, batch: np.ndarray, partner: np.ndarray, params: Params) -> np.ndarray:
        """``mix(batch, batch[partner], params)`` for a fully applied batch; a subclass may
        gather the partners block by block instead."""
        return self.mix(batch, batch[partner], params)

    # -- the contract -----------------------------------------------------------------------------
    def sample_params(self, rng: np.random.Generator, batch: np.ndarray, n: int) -> Params:
        lam = beta_draws(rng, self.alpha, n)
        lam *= LAMBDA_STEPS                  # in place: rint(λ·256) / 256
        np.rint(lam, out=lam)
        lam /= LAMBDA_STEPS
        partner = rng.permutation(n).astype(np.int64, copy=False)
        extra, weight = self.draw(rng, batch, lam)
        return {"lam": lam, "partner": partner, "weight": np.asarray(weight, float), **extra}

    def _record(self, params: Params, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        owner = type(self).__name__
        drawn = params.get("applied")
        applied = np.ones(n, bool) if drawn is None else applied_mask(drawn, n, owner)
        partner = np.asarray(params.get("partner"))
        weight = np.asarray(params.get("weight"), float)
        if partner.shape != (n,) or weight.shape != (n,) or \
                (n and (np.minimum.reduce(partner) < 0 or np.maximum.reduce(partner) >= n)):
            raise ShapeError(f"{owner}.apply: the record's partner/weight do not fit a batch of "
                             f"{n}; replay a record on the batch it was drawn for")
        return applied, partner, weight

    def sample_apply(self, rng: np.random.Generator, batch: np.ndarray
                     ) -> tuple[np.ndarray, Params]:
        """:meth:`sample` then :meth:`apply`, without checking again the batch and the record
        just drawn for it."""
        params = self.sample(rng, batch)
        n = batch_len(batch)
        if n and np.count_nonzero(params["applied"]) == n:
            return self.mix_partners(batch, params["partner"], params), params
        return self.apply(batch, params), params

    def apply(self, batch: np.ndarray, params: Params) -> np.ndarray:
        """Mix each applied sample with its partner from the *input* batch (pure)."""
        self.check_batch(batch)
        n = batch_len(batch)
        applied, partner, _ = self._record(params, n)
        count = np.count_nonzero(applied)
        if count == n:  # the usual case: no gather of the batch itself
            return self.mix_partners(batch, partner, params) if n else batch
        if count == 0:
            return batch
        idx = np.flatnonzero(applied)
        sub = {k: (np.asarray(v)[idx] if isinstance(v, np.ndarray) and v.ndim >= 1
                   and v.shape[0] == n else v) for k, v in params.items()}
        if sp.issparse(batch):
            mixed = self.mix(batch[idx], batch[partner[idx]], sub)
            keep = np.ones(n, float)
            keep[idx] = 0
            rows = sp.csr_matrix((np.ones(idx.size), (idx, np.arange(idx.size))),
                                 shape=(n, idx.size))
            result: np.ndarray = (sp.diags(keep) @ batch + rows @ mixed).tocsr().astype(batch.dtype)
            return result
        mixed = self.mix(batch[idx], batch[partner[idx]], sub)
        out: np.ndarray = batch.copy()
        out[idx] = mixed
        return out

    def apply_targets(self, targets: np.ndarray, params: Params) -> np.ndarray:
        """Soft targets ``(N, K)`` after mixing: ``w·t + (1 - w)·t[partner]`` on applied rows."""
        targets = check_targets(targets, type(self).__name__)
        n = targets.shape[0]
        applied, partner, weight = self._record(params, n)
        w = (weight if np.count_nonzero(applied) == n else np.where(applied, weight, 1.0))[:, None]
        result: np.ndarray = np.multiply(w, targets)
        result += np.multiply(1.0 - w, targets.take(partner, axis=0))
        return result

    def __call__(self, batch: object = None, rng: SeedLike = None, return_params: bool = False,
                 *, layout: str | None = None, **targets: object) -> Any:
        if "image" in targets or (isinstance(batch, Sized) and batch_len(batch) == 1):
            raise ConfigError(f"{type(self).__name__} on a batch of 1: a sample needs a partner "
                              f"in its batch; use batch_size >= 2")
        return super().__call__(batch, rng=rng, return_params=return_params, layout=layout,
                                **targets)


def check_targets(targets: object, owner: str) -> np.ndarray:
    """Soft targets as a float array ``(N, K)`` (ShapeError otherwise)."""
    t = np.asarray(targets)
    if t.ndim != 2 or t.dtype.kind not in "biuf":
        raise ShapeError(f"{owner}.apply_targets: expected targets of shape (N, K) (one row of "
                         f"class weights per sample, e.g. np.eye(K)[y]), got shape {t.shape}")
    return t.astype(np.float64, copy=False) if t.dtype.kind != "f" else t


def check_mixable(batch: object, owner: str) -> None:
    """A numeric batch MixUp can average: an array (N, ...) or a CSR matrix (featurized text)."""
    if isinstance(batch, list):
        raise ConfigError(f"{owner} does not apply to raw text (a list of str): mix the "
                          f"featurized vectors instead (DataLoader(mix=...), or the method field "
                          f"mix: {{type: {owner}}} in a spec)")
    if sp.issparse(batch):
        return
    if not isinstance(batch, np.ndarray) or batch.ndim < 2:
        raise ShapeError(f"{owner}: expected a batch array (N, ...) with a sample axis first, got "
                         f"{getattr(batch, 'shape', type(batch).__name__)}")
    if batch.dtype != np.uint8 and batch.dtype.kind != "f":
        raise ShapeError(f"{owner}: expected uint8 or float samples, got dtype {batch.dtype}; "
                         f"convert with x.astype(np.float32)")


@TRANSFORMS.register()
class MixUp(LabelMixing):
    """MixUp (Zhang et al. 2018): ``x' = λ·x + (1 - λ)·x[partner]``, labels mixed by ``λ``.

    Works on any numeric batch: images ``(N, H, W[, C])`` (uint8 or float), spectrograms
    ``(N, F, T)``, waveforms, and featurized vectors ``(N, D)`` dense or CSR (text). Shape and dtype
    are kept.

    Parameters
    ----------
    alpha : float
        ``λ ~ Beta(α, α)`` per sample, ``α > 0`` (small α: mostly near-0/1 λ, mild mixing).
    p : float
        Probability per sample (unapplied samples and their labels are unchanged).
    """

    def __init__(self, alpha: float = 0.2, p: float = 1.0) -> None:
        super().__init__(alpha, p)

    def check_batch(self, batch: object) -> None:
        check_mixable(batch, type(self).__name__)

    def mix(self, a: np.ndarray, b: np.ndarray, params: Params) -> np.ndarray:
        lam = np.asarray(params["lam"], float)
        if sp.issparse(a):
            mixed: np.ndarray = (sp.diags(lam) @ a + sp.diags(1.0 - lam) @ b).tocsr()
            return mixed.astype(a.dtype)
        return lerp(a, b, lam)


__all__ = ["LAMBDA_STEPS", "LabelMixing", "MixUp", "beta_draws", "check_alpha", "check_mixable",
           "check_targets", "lerp"]
