"""BackTranslate through the real apertium (Debian apertium-eng-spa): outputs, batching, cache."""
from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Callable

import pytest

from augfit.errors import ConfigError, MissingResourceError
from augfit.transforms.text import BackTranslate, register_translator
from augfit.transforms.text.translate_cache import get_cache

_no_apertium = pytest.mark.skipif(shutil.which("apertium") is None,
                                  reason="needs apertium (apt-get install apertium-eng-spa)")


def needs_apertium(test: Callable[..., None]) -> Callable[..., None]:
    """Skipped without apertium; marked slow, since it starts apertium processes."""
    return pytest.mark.slow(_no_apertium(test))


KNOWN = "The movie was surprisingly good, and the actors were great."
SENTENCES = [KNOWN, "", "she walked to the small house near the old river",
             "First line of a review.\n\n  Second line after a blank one.  ", "   ",
             "Café naïve résumé", "the old man the boat"]


@pytest.fixture
def counted_apertium(tmp_path, monkeypatch):
    """Put a wrapper named apertium first on PATH that logs each start, then runs the real one."""
    real = shutil.which("apertium")
    if real is None:
        pytest.skip("needs apertium")
    bindir = tmp_path / "bin"
    bindir.mkdir()
    log = tmp_path / "starts.log"
    wrapper = bindir / "apertium"
    wrapper.write_text(f'#!/bin/sh\necho "$@" >> "{log}"\nexec "{real}" "$@"\n')
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")

    def starts() -> list[str]:  # translation processes only (not the `apertium -l` mode check)
        return [ln for ln in log.read_text().splitlines() if ln != "-l"] if log.exists() else []

    return starts


@needs_apertium
def test_known_sentence_gives_apertiums_known_output(tmp_path):
    t = BackTranslate(pivot="spa", cache=str(tmp_path / "c.sqlite"))
    assert t.translate_round_trip([KNOWN]) == [
        "The film was surprisingly well, and the actors were utmost."]
    assert t._forward([KNOWN]) == [
        "La película era sorprendentemente bien, y los actores eran sumos."]


@needs_apertium
def test_batched_equals_one_by_one_and_keeps_order_blank_and_newlines():
    t = BackTranslate(cache=False)
    batched = t(SENTENCES, rng=0)
    for i in (0, 2, 3, 6):  # each sentence is translated as it would be alone
        assert batched[i] == t([SENTENCES[i]], rng=0)[0]
    assert batched[1] == "" and batched[4] == "   "
    assert batched[3].count("\n") == 2 and batched[3].startswith("First line")
    assert batched[3].endswith("  ") and "\n\n  " in batched[3]  # the original margins are kept
    assert batched[2] == "It walked to the small house approaches the old river"


@needs_apertium
def test_one_process_per_direction_and_cache_hits(tmp_path, counted_apertium):
    path = tmp_path / "cache.sqlite"
    t = BackTranslate(cache=str(path))
    first = t(SENTENCES, rng=0)
    assert counted_apertium() == ["-u eng-spa", "-u spa-eng"]  # one per direction for the batch
    assert BackTranslate(cache=str(path))(SENTENCES, rng=1) == first  # another epoch
    get_cache(path).clear_memory()  # a rerun: only the SQLite file is left
    assert BackTranslate(cache=str(path))(SENTENCES[::-1], rng=2) == first[::-1]
    assert len(counted_apertium()) == 2  # no process started for cached sentences
    t([*SENTENCES, "A new sentence about films."], rng=3)
    assert len(counted_apertium()) == 4  # only the new sentence is translated


@needs_apertium
def test_only_drawn_sentences_are_translated(tmp_path):
    path = tmp_path / "p.sqlite"
    x = ["good film", "bad film", "great actors", "old river"]
    out, params = BackTranslate(cache=str(path), p=0.5)(x, rng=1, return_params=True)
    applied = list(params["applied"])
    assert 0 < sum(applied) < 4
    assert [o == s for o, s in zip(out, x, strict=True)] == [not a for a in applied]
    assert len(get_cache(path)) == 2 * sum(applied)  # both directions of the drawn ones


def test_missing_apertium_names_the_package(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(MissingResourceError, match="apt-get install apertium apertium-eng-spa"):
        BackTranslate(cache=False)(["hello"], rng=0)


@needs_apertium
def test_missing_language_pair_names_the_package():
    with pytest.raises(MissingResourceError, match="apertium-eng-xyz"):
        BackTranslate(pivot="xyz", cache=False)(["hello"], rng=0)


def test_plugged_translator_and_its_cache(tmp_path):
    calls = []

    def factory(source: str, target: str):
        def translate(texts: list[str]) -> list[str]:
            calls.append((source, target, list(texts)))
            return [s[::-1] + ("~" if target == "xx" else "") for s in texts]
        return translate

    register_translator("reverser", factory)
    t = BackTranslate(pivot="xx", backend="reverser", cache=str(tmp_path / "r.sqlite"))
    assert t(["abc", "de"], rng=0) == ["~abc", "~de"]  # "abc" -> "cba~" -> "~abc"
    assert t(["abc"], rng=0) == ["~abc"] and len(calls) == 2
    assert t.to_dict()["backend"] == "reverser"

    register_translator("broken", lambda _s, _t: (lambda texts: texts[:-1]))
    with pytest.raises(ConfigError, match="must return a list of 2 str"):
        BackTranslate(pivot="xx", backend="broken", cache=False)(["a", "b"], rng=0)
    with pytest.raises(ConfigError, match="register_translator"):
        BackTranslate(backend="nope")


def test_margins_of_the_original_and_single_spaces():
    from augfit.transforms.text.backtranslate import _same_margins

    assert _same_margins("  Although it's fine. ", " Aunque  es bien.") == "  Aunque es bien. "
    assert _same_margins("x", "y") == "y"


@needs_apertium
def test_awkward_batch_very_long_line_and_non_ascii(awkward):
    out = BackTranslate(cache=False)(awkward, rng=0)
    assert len(out) == len(awkward) and all(isinstance(s, str) for s in out)
    assert out[:3] == ["", "   ", "...!?"]
    assert out[4] == awkward[4]  # Japanese is unknown to eng-spa: passed through unchanged
    assert out[5].count("\n") == 3
    assert out[6].startswith("The good film was an utmost film the good film")
    assert len(out[6].split()) == 2800
