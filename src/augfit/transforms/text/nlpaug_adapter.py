"""Wrap any nlpaug augmenter as an augfit transform, reproducibly seeded from augfit's Generator.

nlpaug draws from Python's ``random`` module and NumPy's legacy global generator. That is the one
place augfit touches global random state: the shared
:class:`~augfit.transforms.adapters.PerSampleAdapter` draws one integer seed per sentence from the
augfit Generator in ``sample_params``; for each sentence the adapter saves both global states, seeds
them with that integer, runs the augmenter and restores the saved states (under a lock), so the same
seed gives the same output and the caller's global streams are left as they were. Other threads
using those global streams at the same time would still see the seeded values.
"""
from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import ClassVar

from ...errors import ConfigError, MissingResourceError
from ...jsontypes import JSONDict, JSONValue
from ...registry import TRANSFORMS
from ..adapter_base import PerSampleAdapter, call_seeded
from ..constraints import Check, Table
from .core import check_text_batch


def _load_class(path: str) -> type:
    module, _, name = path.rpartition(".")
    try:
        result: type = getattr(importlib.import_module(module), name)
        return result
    except ModuleNotFoundError as e:
        raise MissingResourceError(
            f"NlpaugAugmenter(augmenter={path!r}) needs nlpaug: `pip install augfit[text]` ({e})"
        ) from e
    except AttributeError as e:
        raise ConfigError(f"NlpaugAugmenter(augmenter=...): {module} has no {name!r}") from e


def _check_args(args: object, name: str, owner: str) -> dict[str, JSONValue] | None:
    if args is not None and not isinstance(args, dict):
        raise ConfigError(f"{owner}({name}=...) must be a dict or None, got {args!r}")
    return dict(args) if args else None


def _check_augmenter(augmenter: object, name: str, owner: str) -> object:
    if isinstance(augmenter, str):
        if not augmenter.startswith("nlpaug."):
            raise ConfigError(f"{owner}({name}=...) must be an nlpaug class path "
                              f"like 'nlpaug.augmenter.word.RandomWordAug', got {augmenter!r}")
    elif not callable(getattr(augmenter, "augment", None)):
        raise ConfigError(f"{owner}({name}=...) must be a class path or an nlpaug "
                          f"augmenter (with .augment), got {augmenter!r}")
    return augmenter


@TRANSFORMS.register()
class NlpaugAugmenter(PerSampleAdapter[list[str]]):
    """An nlpaug augmenter as a seeded, replayable augfit transform.

    Parameters
    ----------
    augmenter : str or nlpaug augmenter
        Dotted class path (``"nlpaug.augmenter.word.RandomWordAug"``), built with ``args``; or an
        augmenter instance (works, but then ``to_dict`` cannot describe it and raises).
    args : dict, optional
        Constructor keyword arguments when ``augmenter`` is a class path.
    p : float
        Probability per sentence.

    Example
    -------
    >>> aug = NlpaugAugmenter("nlpaug.augmenter.word.RandomWordAug", {"action": "swap"})
    >>> aug(["the quick brown fox jumps"], rng=0)
    ['the brown fox quick jumps']
    """

    modality = "text"
    augmenter: object  # a class path (str), or an nlpaug augmenter (which does not serialize)
    args: dict[str, JSONValue] | None
    _parameter_constraints: ClassVar[Table] = {
        "args": Check(lambda v, name, owner, _seen: _check_args(v, name, owner), bad=("x", 3)),
        "augmenter": Check(lambda v, name, owner, _seen: _check_augmenter(v, name, owner),
                           bad=("os.system", 3), keep="given")}

    def __init__(self, augmenter: object, args: Mapping[str, JSONValue] | None = None,
                 p: float = 1.0) -> None:
        del args  # checked and kept by the constraint table (Transform.check_arguments)
        super().__init__(p)
        if isinstance(augmenter, str):
            self._aug = _load_class(augmenter)(**(self.args or {}))
        else:
            if self.args:
                raise ConfigError("NlpaugAugmenter: args= is only used with a class path, not an "
                                  "instance")
            self._aug = augmenter

    def get_config(self) -> JSONDict:
        if not isinstance(self.augmenter, str):
            raise ConfigError("NlpaugAugmenter built from an instance cannot be serialized; build "
                              "it from a class path and args: NlpaugAugmenter("
                              "'nlpaug.augmenter.word.RandomWordAug', {'action': 'swap'})")
        return {"augmenter": self.augmenter, "args": self.args, "p": self.p}

    def check_batch(self, batch: object) -> None:
        check_text_batch(batch, type(self).__name__)

    def apply_one(self, sample: str, seed: int) -> str:
        res = call_seeded(lambda: self._aug.augment(sample), seed)
        if isinstance(res, list):  # nlpaug >= 1.1.11 returns a list, [] for empty input
            res = res[0] if res else None
        return sample if res is None else str(res)


__all__ = ["NlpaugAugmenter"]
