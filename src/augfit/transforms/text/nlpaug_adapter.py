"""Wrap any nlpaug augmenter as an augfit transform, reproducibly seeded from augfit's Generator.

nlpaug draws from Python's ``random`` module and NumPy's legacy global generator. That is the one
place augfit touches global random state: for each sentence the adapter saves both states, seeds
them with an integer drawn from the augfit Generator in ``sample_params``, runs the augmenter, and
restores the saved states, so the same seed gives the same output and the caller's global streams
are left as they were. (Not thread-safe with other code using those global streams at the same time.)
"""
from __future__ import annotations

import importlib
import random
from typing import Any

import numpy as np

from ...errors import ConfigError, MissingResourceError
from ...registry import TRANSFORMS
from ..base import Params
from .common import TextTransform


def _load_class(path: str) -> type:
    module, _, name = path.rpartition(".")
    try:
        return getattr(importlib.import_module(module), name)
    except ModuleNotFoundError as e:
        raise MissingResourceError(
            f"NlpaugAugmenter(augmenter={path!r}) needs nlpaug: `pip install augfit[text]` ({e})"
        ) from e
    except AttributeError as e:
        raise ConfigError(f"NlpaugAugmenter(augmenter=...): {module} has no {name!r}") from e


@TRANSFORMS.register()
class NlpaugAugmenter(TextTransform):
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
    >>> aug(["the quick brown fox jumps"], rng=0)  # doctest: +SKIP
    """

    def __init__(self, augmenter: Any, args: dict[str, Any] | None = None, p: float = 1.0) -> None:
        super().__init__(p)
        if args is not None and not isinstance(args, dict):
            raise ConfigError(f"NlpaugAugmenter(args=...) must be a dict or None, got {args!r}")
        if isinstance(augmenter, str):
            if not augmenter.startswith("nlpaug."):
                raise ConfigError(f"NlpaugAugmenter(augmenter=...) must be an nlpaug class path like "
                                  f"'nlpaug.augmenter.word.RandomWordAug', got {augmenter!r}")
            self._aug = _load_class(augmenter)(**(args or {}))
        elif callable(getattr(augmenter, "augment", None)):
            if args:
                raise ConfigError("NlpaugAugmenter: args= is only used with a class path, not an instance")
            self._aug = augmenter
        else:
            raise ConfigError(f"NlpaugAugmenter(augmenter=...) must be a class path or an nlpaug "
                              f"augmenter (with .augment), got {augmenter!r}")
        self.augmenter = augmenter
        self.args = dict(args) if args else None

    def get_config(self) -> dict[str, Any]:
        if not isinstance(self.augmenter, str):
            raise ConfigError("NlpaugAugmenter built from an instance cannot be serialized; build it "
                              "from a class path and args: NlpaugAugmenter('nlpaug.augmenter.word."
                              "RandomWordAug', {'action': 'swap'})")
        return {"augmenter": self.augmenter, "args": self.args, "p": self.p}

    def sample_params(self, rng: np.random.Generator, batch: list[str], n: int) -> Params:
        return {"seed": rng.integers(0, 2**32, size=n, dtype=np.uint64)}

    def apply_params(self, batch: list[str], params: Params) -> list[str]:
        py_state, np_state = random.getstate(), np.random.get_state()
        try:
            out = []
            for text, seed in zip(batch, params["seed"]):
                random.seed(int(seed))
                np.random.seed(int(seed))  # the documented exception: nlpaug reads the global stream
                res = self._aug.augment(text)
                if isinstance(res, list):  # nlpaug >= 1.1.11 returns a list, [] for empty input
                    res = res[0] if res else None
                out.append(text if res is None else str(res))
            return out
        finally:
            random.setstate(py_state)
            np.random.set_state(np_state)

    @classmethod
    def example_args(cls) -> dict[str, Any]:
        return {"augmenter": "nlpaug.augmenter.word.RandomWordAug", "args": {"action": "swap"}}

    @classmethod
    def invalid_args(cls) -> list[dict[str, Any]]:
        return super().invalid_args() + [{"augmenter": "os.system"}, {"augmenter": 3},
                                         {"args": "x"}]


__all__ = ["NlpaugAugmenter"]
