"""Back-translation (English -> pivot -> English) through apertium, batched and cached.

One apertium process per direction per batch translates every sentence not yet in the cache: the
sentences are split into their lines (so a sentence holding newlines keeps them), blank lines are
not sent, the rest are sent as separate paragraphs (joined by blank lines, which makes each
translation independent of its neighbours) and the count of paragraphs back is checked, so the
order is preserved. Other systems plug in through :func:`register_translator` (any callable from a list of
str to a list of str of the same length, see :class:`Translator`). There is no neural backend.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, ClassVar, Protocol

import numpy as np

from ...errors import ConfigError, MissingResourceError
from ...registry import TRANSFORMS
from ..base import Params
from .common import TextTransform
from .translate_cache import get_cache


class Translator(Protocol):
    """A translation system: ``translator(texts) -> translations`` (same length, same order)."""

    def __call__(self, texts: list[str]) -> list[str]: ...


def _apertium_package(pair: str) -> str:
    a, _, b = pair.partition("-")
    return "apertium-eng-spa" if {a, b} == {"eng", "spa"} else f"apertium-{a}-{b} (or apertium-{b}-{a})"


@lru_cache(maxsize=None)
def _apertium_modes(executable: str) -> frozenset[str]:
    out = subprocess.run([executable, "-l"], capture_output=True, text=True, check=False)
    return frozenset(out.stdout.split())


class ApertiumTranslator:
    """Translate with apertium's command line (``apertium -u PAIR``), one process per call.

    Parameters
    ----------
    source, target : str
        Apertium language codes (``"eng"``, ``"spa"``); the mode ``source-target`` must be
        installed (``apertium -l`` lists them).
    """

    def __init__(self, source: str, target: str) -> None:
        self.pair = f"{source}-{target}"

    def _executable(self) -> str:
        exe = shutil.which("apertium")
        if exe is None:
            raise MissingResourceError(
                "BackTranslate(backend='apertium') needs the apertium command, which is not on PATH; "
                f"install it with `apt-get install apertium {_apertium_package(self.pair)}`"
            )
        if self.pair not in _apertium_modes(exe):
            raise MissingResourceError(
                f"apertium has no {self.pair!r} mode (installed: {sorted(_apertium_modes(exe))}); "
                f"install it with `apt-get install {_apertium_package(self.pair)}`"
            )
        return exe

    def __call__(self, texts: list[str]) -> list[str]:
        lines: list[str] = []
        shape: list[list[int | None]] = []  # per text: index into `lines` of each of its lines
        for t in texts:
            row: list[int | None] = []
            for line in t.split("\n"):
                if line.strip():
                    row.append(len(lines))
                    lines.append(line.strip())
                else:
                    row.append(None)  # blank lines stay as they are
            shape.append(row)
        if not lines:
            return list(texts)
        # A blank line between sentences is a paragraph break for apertium: each sentence is then
        # translated exactly as it would be alone (with single newlines, the tagger reads across
        # lines and the output depends on the neighbours in the batch).
        proc = subprocess.run([self._executable(), "-u", self.pair], input="\n\n".join(lines) + "\n",
                              capture_output=True, text=True, encoding="utf-8", check=False)
        out = proc.stdout[:-1] if proc.stdout.endswith("\n") else proc.stdout
        got = out.split("\n\n")
        if proc.returncode != 0 or len(got) != len(lines):
            raise MissingResourceError(
                f"apertium {self.pair} failed (exit {proc.returncode}, {len(got)} lines back for "
                f"{len(lines)} sent): {proc.stderr.strip()[:300]}; check `apertium -l` and the "
                f"{_apertium_package(self.pair)} package"
            )
        return ["\n".join(line if i is None else _same_margins(line, got[i])
                          for i, line in zip(row, t.split("\n"))) for row, t in zip(shape, texts)]


def _same_margins(original: str, translated: str) -> str:
    """``translated`` with the leading and trailing whitespace of ``original`` (not apertium's).

    Runs of spaces inside the translation (left where apertium drops a word) become one space.
    """
    core = original.strip()
    lead = original[: len(original) - len(original.lstrip())]
    return lead + _SPACES.sub(" ", translated.strip()) + original[len(lead) + len(core):]


_SPACES = re.compile(r" {2,}")


TranslatorFactory = Callable[[str, str], Translator]
_BACKENDS: dict[str, TranslatorFactory] = {"apertium": ApertiumTranslator}


def register_translator(name: str, factory: TranslatorFactory) -> None:
    """Make ``BackTranslate(backend=name)`` use ``factory(source, target) -> Translator``."""
    if not isinstance(name, str) or not name or not callable(factory):
        raise ConfigError(f"register_translator needs a name and a callable factory, got {name!r}, "
                          f"{factory!r}")
    _BACKENDS[name] = factory


@TRANSFORMS.register()
class BackTranslate(TextTransform):
    """Translate to a pivot language and back (``source -> pivot -> source``).

    Parameters
    ----------
    pivot : str
        Pivot language code (apertium: ``"spa"``).
    source : str
        Language of the text (``"eng"``).
    backend : str
        ``"apertium"`` (Debian ``apertium-eng-spa``) or a name given to :func:`register_translator`.
    cache : bool or path
        True: the persistent cache in ``$AUGFIT_CACHE`` (or ``~/.cache/augfit``); a path: that
        SQLite file; False: translate every call.
    p : float
        Probability per sentence.

    Deterministic for a given sentence (the only random draw is ``p``). Empty and blank sentences are
    returned as they are. Only the sentences drawn for augmentation are translated.
    """

    deterministic: ClassVar[bool] = False

    def __init__(self, pivot: str = "spa", source: str = "eng", backend: str = "apertium",
                 cache: bool | str = True, p: float = 1.0) -> None:
        super().__init__(p)
        for name, v in (("pivot", pivot), ("source", source)):
            if not isinstance(v, str) or not v.isalpha():
                raise ConfigError(f"BackTranslate({name}=...) must be a language code like 'spa', got {v!r}")
        if backend not in _BACKENDS:
            raise ConfigError(f"BackTranslate(backend=...) must be one of {sorted(_BACKENDS)} (add "
                              f"others with register_translator), got {backend!r}")
        if not isinstance(cache, (bool, str, Path)):
            raise ConfigError(f"BackTranslate(cache=...) must be True, False or a file path, got {cache!r}")
        self.pivot, self.source, self.backend = pivot, source, backend
        self.cache = str(cache) if isinstance(cache, Path) else cache
        self._forward = _BACKENDS[backend](source, pivot)
        self._backward = _BACKENDS[backend](pivot, source)

    def _translate(self, translator: Translator, pair: str, texts: list[str]) -> list[str]:
        if self.cache is False:
            return _checked(translator(list(texts)), texts, pair)
        store = get_cache(None if self.cache is True else self.cache)
        found = store.get_many(self.backend, pair, texts)
        todo = list(dict.fromkeys(t for t in texts if t not in found))
        if todo:
            new = dict(zip(todo, _checked(translator(todo), todo, pair)))
            store.put_many(self.backend, pair, new)
            found.update(new)
        return [found[t] for t in texts]

    def translate_round_trip(self, texts: list[str]) -> list[str]:
        """``texts`` translated to the pivot and back (no random draw)."""
        pivot = self._translate(self._forward, f"{self.source}-{self.pivot}", texts)
        return self._translate(self._backward, f"{self.pivot}-{self.source}", pivot)

    def sample_params(self, rng: np.random.Generator, batch: list[str], n: int) -> Params:
        return {}

    def apply_params(self, batch: list[str], params: Params) -> list[str]:
        return self.translate_round_trip(list(batch))

    @classmethod
    def example_args(cls) -> dict[str, Any]:
        return {"cache": False}  # the contract test must not write into the user's cache

    @classmethod
    def invalid_args(cls) -> list[dict[str, Any]]:
        return super().invalid_args() + [{"pivot": 3}, {"pivot": "es-ES"}, {"backend": "google"},
                                         {"cache": 1.5}]


def _checked(out: Any, texts: list[str], pair: str) -> list[str]:
    if not isinstance(out, list) or len(out) != len(texts) or not all(isinstance(s, str) for s in out):
        raise ConfigError(f"the {pair} translator must return a list of {len(texts)} str, got {out!r:.200}")
    return out


__all__ = ["BackTranslate", "Translator", "ApertiumTranslator", "register_translator"]
