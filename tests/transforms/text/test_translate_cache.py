"""The SQLite translation cache: persistence across instances, keys, chunked lookups."""
from __future__ import annotations

import sqlite3

from augfit.transforms.text.translate_cache import TranslationCache, default_cache_path, get_cache


def test_round_trip_persists_and_keys_by_backend_and_pair(tmp_path):
    path = tmp_path / "sub" / "t.sqlite"
    c = TranslationCache(path)
    c.put_many("apertium", "eng-spa", {"good film": "buena película", "": ""})
    assert c.get_many("apertium", "eng-spa", ["good film", "other"]) == {"good film": "buena película"}
    fresh = TranslationCache(path)  # another process or a rerun
    assert fresh.get_many("apertium", "eng-spa", ["good film"]) == {"good film": "buena película"}
    assert fresh.get_many("apertium", "spa-eng", ["good film"]) == {}
    assert fresh.get_many("other", "eng-spa", ["good film"]) == {}
    rows = sqlite3.connect(path).execute("SELECT backend, pair, source, target FROM translations "
                                         "ORDER BY source").fetchall()
    assert rows == [("apertium", "eng-spa", "", ""), ("apertium", "eng-spa", "good film", "buena película")]


def test_many_keys_beyond_one_sql_chunk(tmp_path):
    c = TranslationCache(tmp_path / "t.sqlite")
    items = {f"s{i}": f"t{i}" for i in range(1234)}
    c.put_many("b", "x-y", items)
    c.clear_memory()
    assert c.get_many("b", "x-y", list(items) + ["missing"]) == items
    assert len(c) == 1234


def test_default_path_follows_augfit_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("AUGFIT_CACHE", str(tmp_path))
    assert default_cache_path() == tmp_path / "translations.sqlite"
    assert get_cache() is get_cache(tmp_path / "translations.sqlite")
