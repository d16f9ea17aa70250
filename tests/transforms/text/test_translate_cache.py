"""The SQLite translation cache: persistence across instances, keys, chunked lookups."""
from __future__ import annotations

import sqlite3

import pytest

from augfit.errors import AugfitWarning
from augfit.transforms.text.translate_cache import TranslationCache, default_cache_path, get_cache


def test_round_trip_persists_and_keys_by_backend_and_pair(tmp_path):
    path = tmp_path / "sub" / "t.sqlite"
    c = TranslationCache(path)
    c.put_many("apertium", "eng-spa", {"good film": "buena película", "": ""})
    assert c.get_many("apertium", "eng-spa", ["good film", "other"]) == {
        "good film": "buena película"}
    fresh = TranslationCache(path)  # another process or a rerun
    assert fresh.get_many("apertium", "eng-spa", ["good film"]) == {"good film": "buena película"}
    assert fresh.get_many("apertium", "spa-eng", ["good film"]) == {}
    assert fresh.get_many("other", "eng-spa", ["good film"]) == {}
    rows = sqlite3.connect(path).execute("SELECT backend, pair, source, target FROM translations "
                                         "ORDER BY source").fetchall()
    assert rows == [("apertium", "eng-spa", "", ""),
                    ("apertium", "eng-spa", "good film", "buena película")]


def test_many_keys_beyond_one_sql_chunk(tmp_path):
    c = TranslationCache(tmp_path / "t.sqlite")
    items = {f"s{i}": f"t{i}" for i in range(1234)}
    c.put_many("b", "x-y", items)
    c.clear_memory()
    assert c.get_many("b", "x-y", [*items, "missing"]) == items
    assert len(c) == 1234


def test_default_path_follows_augfit_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("AUGFIT_CACHE", str(tmp_path))
    assert default_cache_path() == tmp_path / "translations.sqlite"
    assert get_cache() is get_cache(tmp_path / "translations.sqlite")


def test_damage_found_by_a_later_query_moves_the_file_aside_and_recomputes(tmp_path):
    """Pages damaged after the cache was opened (so the checks at opening passed) surface in a later
    lookup: the file is moved aside with a warning and the lookup answers from an empty cache."""
    import pytest

    from augfit.errors import AugfitWarning

    path = tmp_path / "t.sqlite"
    texts = [f"sentence {i} " + "x" * 200 for i in range(3000)]
    c = TranslationCache(path)
    c.put_many("apertium", "eng-spa", {t: f"frase {i}" for i, t in enumerate(texts)})
    c._connection().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    c._connection().execute("PRAGMA cache_size=0")
    c.clear_memory()
    data = bytearray(path.read_bytes())
    data[2 * 4096:] = b"\xff" * (len(data) - 2 * 4096)      # every page after the schema
    path.write_bytes(bytes(data))
    with pytest.warns(AugfitWarning,
                      match=r"t\.sqlite is unusable .*moved it to t\.sqlite\.corrupt"):
        assert c.get_many("apertium", "eng-spa", texts[:10]) == {}
    assert (tmp_path / "t.sqlite.corrupt").read_bytes() == bytes(data)
    c.put_many("apertium", "eng-spa", {"good film": "buena película"})
    assert TranslationCache(path).get_many("apertium", "eng-spa", ["good film"]) == {
        "good film": "buena película"}


def test_a_corrupt_translation_cache_is_moved_aside_with_a_warning(tmp_path):
    for i, content in enumerate((b"SQLite format 3\0" + b"\xff" * 3000, b"not a database" * 99)):
        path = tmp_path / f"t{i}.sqlite"
        path.write_bytes(content)
        cache = TranslationCache(path)
        with pytest.warns(AugfitWarning, match=rf"translation cache .*t{i}\.sqlite is unusable.*"
                          rf"t{i}\.sqlite\.corrupt"):
            cache.put_many("apertium", "eng-spa", {"good film": "buena película"})
        assert TranslationCache(path).get_many("apertium", "eng-spa", ["good film"]) == {
            "good film": "buena película"}
        assert (tmp_path / f"t{i}.sqlite.corrupt").read_bytes() == content
    foreign = sqlite3.connect(tmp_path / "f.sqlite")
    foreign.execute("CREATE TABLE translations (a TEXT, b TEXT)")
    foreign.commit()
    foreign.close()
    with pytest.warns(AugfitWarning, match=r"columns \['a', 'b'\]"):
        assert len(TranslationCache(tmp_path / "f.sqlite")) == 0
