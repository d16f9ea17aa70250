"""Back-translation (English -> pivot -> English) through apertium, batched and cached.

One apertium process per direction per batch translates every sentence not yet in the cache: the
sentences are split into their lines (at every line boundary ``str.splitlines`` knows, ``\r``
included, so a sentence keeps its separators), other control characters are sent as spaces, blank
lines are not sent, and the rest are sent as separate paragraphs (joined by blank lines, which makes
each translation independent of its neighbours), each preceded by a numbered sentinel paragraph
that must come back in place: a backend that drops, merges or reorders lines raises
:class:`~augfit.errors.ExternalProcessError` and nothing is cached. The process runs under a timeout
scaled to the batch (:mod:`augfit.external`). Other systems plug in through
:func:`register_translator` (any callable from a list of str to a list of str of the same length,
see :class:`Translator`). There is no neural backend.
"""
from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import ClassVar, Protocol

import numpy as np

from ...errors import ConfigError, ExternalProcessError, MissingResourceError
from ...external import run_command, scaled_timeout
from ...registry import TRANSFORMS
from ..base import Params
from ..constraints import Check, Table
from .core import TextTransform
from .translate_cache import get_cache


class Translator(Protocol):
    """A translation system: ``translator(texts) -> translations`` (same length, same order)."""

    def __call__(self, texts: list[str]) -> list[str]: ...


def _apertium_package(pair: str) -> str:
    a, _, b = pair.partition("-")
    if {a, b} == {"eng", "spa"}:
        return "apertium-eng-spa"
    return f"apertium-{a}-{b} (or apertium-{b}-{a})"


@cache
def _apertium_modes(executable: str) -> frozenset[str]:
    proc = run_command([executable, "-l"], timeout=scaled_timeout(30.0), what="BackTranslate")
    return frozenset(proc.stdout.decode("utf-8", "replace").split())


#: line boundaries (those of ``str.splitlines``): each line of a sentence is translated on its own
_LINE_BREAK = re.compile("(\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029])")
#: other control characters, sent to the translator as spaces
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
#: seconds allowed per character sent, on top of a base (apertium does ~50k chars/s here)
_BASE_TIMEOUT, _TIMEOUT_PER_CHAR = 60.0, 1e-3


def _sentinel(i: int) -> str:
    # a paragraph of its own before each line: apertium passes it through unchanged, so a
    # backend that drops, merges or reorders lines is caught instead of cached
    return f"\u00a7{i}\u00a7"


class ApertiumTranslator:
    """Translate with apertium's command line (``apertium -u PAIR``), one process per call.

    Parameters
    ----------
    source, target : str
        Apertium language codes (``"eng"``, ``"spa"``); the mode ``source-target`` must be
        installed (``apertium -l`` lists them).

    Each line of each text is sent as its own paragraph, preceded by a numbered sentinel paragraph
    that must come back in place; the process gets ``(60 s + 1 ms per character) x
    $AUGFIT_TIMEOUT_SCALE`` and is killed (with its pipeline) after that.
    """

    def __init__(self, source: str, target: str) -> None:
        self.pair = f"{source}-{target}"

    def _executable(self) -> str:
        exe = shutil.which("apertium")
        if exe is None:
            raise MissingResourceError(
                "BackTranslate(backend='apertium') needs the apertium command, which is not on "
                f"PATH; install it with `apt-get install apertium {_apertium_package(self.pair)}`"
            )
        if self.pair not in _apertium_modes(exe):
            raise MissingResourceError(
                f"apertium has no {self.pair!r} mode (installed: {sorted(_apertium_modes(exe))}); "
                f"install it with `apt-get install {_apertium_package(self.pair)}`"
            )
        return exe

    def __call__(self, texts: list[str]) -> list[str]:
        lines: list[str] = []
        # per text: its parts in order, each (index into `lines` or -1, the original part)
        pieces: list[list[tuple[int, str]]] = []
        for t in texts:
            row: list[tuple[int, str]] = []
            for k, part in enumerate(_LINE_BREAK.split(t)):
                clean = _CONTROL.sub(" ", part).strip() if k % 2 == 0 else ""
                if clean:
                    row.append((len(lines), part))
                    lines.append(clean)
                else:
                    row.append((-1, part))  # separators and blank lines stay as they are
            pieces.append(row)
        if not lines:
            return list(texts)
        # A blank line between sentences is a paragraph break for apertium: each sentence is then
        # translated exactly as it would be alone (with single newlines, the tagger reads across
        # lines and the output depends on the neighbours in the batch).
        text = "\n\n".join(f"{_sentinel(i)}\n\n{line}" for i, line in enumerate(lines)) + "\n"
        exe = self._executable()
        proc = run_command([exe, "-u", self.pair], input=text.encode("utf-8"),
                           timeout=scaled_timeout(_BASE_TIMEOUT, _TIMEOUT_PER_CHAR, len(text)),
                           what=f"BackTranslate (apertium {self.pair})")
        err = proc.stderr.decode("utf-8", "replace").strip()[:300]
        if proc.returncode != 0:
            raise ExternalProcessError(
                f"`apertium -u {self.pair}` failed (exit {proc.returncode}): {err}; check "
                f"`apertium -l` and the {_apertium_package(self.pair)} package")
        out = proc.stdout.decode("utf-8", "replace")
        got = out.removesuffix("\n").split("\n\n")
        bad = next((i for i in range(len(lines)) if 2 * i + 1 >= len(got)
                    or got[2 * i].strip() != _sentinel(i)), None)
        if bad is not None or len(got) != 2 * len(lines):
            where = f"line {bad}" if bad is not None else "the end"
            raise ExternalProcessError(
                f"`{exe} -u {self.pair}` returned output that does not line up with its input "
                f"({len(got)} paragraphs back for {2 * len(lines)} sent, first mismatch at "
                f"{where}); it dropped, merged or reordered lines, so nothing was cached. {err}")
        return ["".join(part if i < 0 else _same_margins(part, got[2 * i + 1]) for i, part in row)
                for row in pieces]


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


def _language(value: object, name: str, owner: str) -> str:
    if not isinstance(value, str) or not value.isalpha():
        raise ConfigError(f"{owner}({name}=...) must be a language code like 'spa', "
                          f"got {value!r}")
    return value


def _backend(value: object, name: str, owner: str) -> str:
    if not isinstance(value, str) or value not in _BACKENDS:
        raise ConfigError(f"{owner}({name}=...) must be one of {sorted(_BACKENDS)} (add "
                          f"others with register_translator), got {value!r}")
    return value


def _cache(value: object, name: str, owner: str) -> bool | str:
    if not isinstance(value, (bool, str, Path)):
        raise ConfigError(f"{owner}({name}=...) must be True, False or a file path, "
                          f"got {value!r}")
    return str(value) if isinstance(value, Path) else value


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

    Deterministic for a given sentence (the only random draw is ``p``). Empty and blank sentences
    are returned as they are. Only the sentences drawn for augmentation are translated.
    """

    deterministic: ClassVar[bool] = False
    pivot: str
    source: str
    backend: str
    cache: bool | str
    _parameter_constraints: ClassVar[Table] = {
        "pivot": Check(lambda v, name, owner, _seen: _language(v, name, owner),
                       bad=(3, "es-ES", "")),
        "source": Check(lambda v, name, owner, _seen: _language(v, name, owner), bad=(3, "en_GB")),
        "backend": Check(lambda v, name, owner, _seen: _backend(v, name, owner),
                         bad=("google", 3, ["apertium"])),
        "cache": Check(lambda v, name, owner, _seen: _cache(v, name, owner), bad=(1.5, None))}

    def __init__(self, pivot: str = "spa", source: str = "eng", backend: str = "apertium",
                 cache: bool | str = True, p: float = 1.0) -> None:
        # checked and kept by the constraint table (Transform.check_arguments)
        del pivot, source, backend, cache
        super().__init__(p)
        self._forward = _BACKENDS[self.backend](self.source, self.pivot)
        self._backward = _BACKENDS[self.backend](self.pivot, self.source)

    def _translate(self, translator: Translator, pair: str, texts: list[str]) -> list[str]:
        if self.cache is False:
            return _checked(translator(list(texts)), texts, pair)
        store = get_cache(None if self.cache is True else self.cache)
        found = store.get_many(self.backend, pair, texts)
        todo = list(dict.fromkeys(t for t in texts if t not in found))
        if todo:
            new = dict(zip(todo, _checked(translator(todo), todo, pair), strict=True))
            store.put_many(self.backend, pair, new)
            found.update(new)
        return [found[t] for t in texts]

    def translate_round_trip(self, texts: list[str]) -> list[str]:
        """``texts`` translated to the pivot and back (no random draw)."""
        pivot = self._translate(self._forward, f"{self.source}-{self.pivot}", texts)
        return self._translate(self._backward, f"{self.pivot}-{self.source}", pivot)

    def sample_params(self, rng: np.random.Generator, batch: list[str], n: int) -> Params:
        del rng, batch, n
        return {}

    def apply_params(self, batch: list[str], params: Params) -> list[str]:
        del params
        return self.translate_round_trip(list(batch))


def _checked(out: object, texts: list[str], pair: str) -> list[str]:
    if not isinstance(out, list) or len(out) != len(texts) or \
            not all(isinstance(s, str) for s in out):
        raise ConfigError(f"the {pair} translator must return a list of {len(texts)} str, "
                          f"got {out!r:.200}")
    return out


__all__ = ["ApertiumTranslator", "BackTranslate", "Translator", "register_translator"]
