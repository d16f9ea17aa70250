"""The nn layer under hostile input: a corpus of damaged model files for MLP.load, absurd sizes."""
from __future__ import annotations

import io
import json
import re
import zipfile

import numpy as np
import pytest

from augfit.errors import ConfigError
from augfit.nn.model import MAX_PARAMS, MLP


def _saved(**arrays_over):
    """The bytes of a small saved MLP, with entries replaced (None deletes one)."""
    m = MLP(4, [3], 2, seed=0)
    arrays = {"config": np.array(json.dumps(m.config)),
              **{f"w{i}": w for i, w in enumerate(m.get_weights())}}
    for k, v in arrays_over.items():
        if v is None:
            arrays.pop(k)
        else:
            arrays[k] = v
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def _config(**over):
    cfg = MLP(4, [3], 2, seed=0).config
    cfg.update(over)
    return np.array(json.dumps(cfg))


def _corpus():
    good = _saved()
    w0 = MLP(4, [3], 2, seed=0).get_weights()[0]
    nan_w0 = w0.copy()
    nan_w0[0, 0] = np.nan
    with zipfile.ZipFile(io.BytesIO(good)) as z:  # a member damaged inside a well-formed zip
        member = z.read("w0.npy")
    damaged = good.replace(member[-8:], bytes(b ^ 0xFF for b in member[-8:]))
    npy = io.BytesIO()
    np.save(npy, w0)
    return {
        "empty": (b"", "not a readable .npz"),
        "text": (b"in_features: 4\nhidden: [3]\n", "not a readable .npz"),
        "garbage": (bytes(range(256)) * 8, "not a readable .npz"),
        "truncated": (good[: len(good) // 2], "not a readable .npz"),
        "damaged member": (damaged, "'w0' cannot be read"),
        "single npy": (npy.getvalue(), "single array"),
        "foreign npz": (_saved(config=None), "no 'config' entry"),
        "config not json": (_saved(config=np.array("{oops")), "not JSON"),
        "config a list": (_saved(config=np.array("[1, 2]")), "JSON object"),
        "unknown key": (_saved(config=_config(layers=7)), r"unknown keys \['layers'\]"),
        "bad value": (_saved(config=_config(activation="swish")), "activation"),
        "absurd size": (_saved(config=_config(in_features=10**6, hidden=[10**6])),
                        "parameters, more than the cap"),
        "missing array": (_saved(w3=None), r"missing \['w3'\]"),
        "extra array": (_saved(w4=np.zeros(2, np.float32)), r"unexpected \['w4'\]"),
        "prefix lookalike": (_saved(weights_note=np.zeros(1)), "unexpected"),
        "string weights": (_saved(w1=np.array(["a", "b", "c"])), "dtype <U1"),
        "object weights": (_saved(w1=np.array([1, None], dtype=object)), "w1"),
        "nan weights": (_saved(w0=nan_w0), "NaN or inf"),
        "inf weights": (_saved(w2=np.full((3, 2), np.inf, np.float32)), "NaN or inf"),
        "wrong shape": (_saved(w0=np.zeros((5, 3), np.float32)), "shape"),
    }


def test_save_load_still_round_trips(tmp_path):
    m = MLP(4, [3], 2, seed=0)
    m.save(tmp_path / "m.npz")
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    assert MLP.load(tmp_path / "m.npz").forward(x).tobytes() == m.forward(x).tobytes()


@pytest.mark.parametrize("case", sorted(_corpus()))
def test_every_damaged_model_file_gets_a_config_error_naming_it(tmp_path, case):
    data, message = _corpus()[case]
    path = tmp_path / f"{case.replace(' ', '_')}.npz"
    path.write_bytes(data)
    with pytest.raises(ConfigError, match=message) as info:
        MLP.load(path)
    assert str(path) in str(info.value)


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match=r"nope\.npz.*no such file"):
        MLP.load(tmp_path / "nope.npz")


def test_absurd_sizes_are_refused_before_allocating():
    with pytest.raises(ConfigError, match=f"more than the cap of {MAX_PARAMS:,}"):
        MLP(10**6, [10**6], 10)  # 4 TB of float32: refused at once, no MemoryError
    with pytest.raises(ConfigError, match="hidden=\\[50000, 50000\\]"):
        MLP(100, [50_000, 50_000], 2)
    assert MLP(1000, [1000], 10).n_params == 1001 * 1000 + 1001 * 10  # ordinary sizes still fine


# -- found by make mutate (docs/testing.md, "Mutation testing") --
def _write(tmp_path, name, **arrays):
    path = tmp_path / name
    with open(path, "wb") as f:
        np.savez(f, **arrays)
    return path


def test_load_messages_name_what_was_found(tmp_path):
    twelve = _write(tmp_path, "twelve.npz", **{f"a{i:02}": np.zeros(1) for i in range(12)})
    listed = str([f"a{i:02}" for i in range(10)])
    with pytest.raises(ConfigError,
                       match=r"no 'config' entry; it holds " + re.escape(listed) + r"\)$"):
        MLP.load(twelve)
    bad_json = _write(tmp_path, "json.npz", config=np.array("{not json"))
    with pytest.raises(ConfigError, match=r"not JSON written by MLP.save \(JSONDecodeError\)$"):
        MLP.load(bad_json)
    no_in = _write(tmp_path, "no_in.npz", config=np.array(json.dumps({"hidden": [3]})))
    with pytest.raises(ConfigError, match=r"must be a JSON object with MLP's arguments"):
        MLP.load(no_in)
    long_list = list(range(100))
    listy = _write(tmp_path, "list.npz", config=np.array(json.dumps(long_list)))
    with pytest.raises(ConfigError, match=re.escape("got [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, "
                                                    "12, 13... (390 characters)") + "$"):
        MLP.load(listy)
    selfish = _write(tmp_path, "self.npz", config=_config(self=1))
    with pytest.raises(ConfigError, match=r"unknown keys \['self'\]; MLP takes \[(?!.*'self')"):
        MLP.load(selfish)
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"not a zip file at all")
    with pytest.raises(ConfigError, match=r"not a readable \.npz file written by MLP\.save "
                                          r"\((BadZipFile|ValueError|OSError|UnpicklingError); "
                                          r"the file is empty, truncated or of another format\); "
                                          r"pass a file written by MLP\.save$"):
        MLP.load(garbage)
    objects = _write(tmp_path, "objects.npz", config=_config(),
                     **{f"w{i}": w for i, w in enumerate(MLP(4, [3], 2, seed=0).get_weights())
                        if i}, w0=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ConfigError, match=r"weight array 'w0' cannot be read \(ValueError; "
                                          r"the member is damaged or not a plain float array\); "
                                          r"save the model again with MLP\.save$"):
        MLP.load(objects)


def _with_member(good: bytes, name: str, member: bytes) -> bytes:
    """The bytes of the .npz ``good`` with its member ``name`` replaced by ``member``."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as zin, zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, member if info.filename == name else zin.read(info))
    return out.getvalue()


def test_a_crafted_member_header_is_not_echoed_into_the_error(tmp_path):
    # issue 20 item 1: numpy's error quotes the member's header ("descr is not a valid dtype
    # descriptor: '...'"), so a crafted file put its own bytes into the message
    secret = "SECRET-TOKEN-0123456789"
    header = f"{{'descr': '{secret}', 'fortran_order': False, 'shape': (4, 3), }}"
    header = header.ljust(118) + "\n"
    member = b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode("latin1")
    path = tmp_path / "crafted.npz"
    path.write_bytes(_with_member(_saved(), "w0.npy", member + bytes(48)))
    with pytest.raises(ConfigError) as info:
        MLP.load(path)
    message = str(info.value)
    assert secret not in message and "SECRET" not in message
    assert message == (f"MLP.load(path={str(path)!r}): not a model saved by augfit (MLP.save): "
                       f"its weight array 'w0' cannot be read (ValueError; the member is damaged "
                       f"or not a plain float array); save the model again with MLP.save")
    # the same header as a lone .npy file fails at np.load itself: not echoed there either
    lone = tmp_path / "crafted.npy"
    lone.write_bytes(member + bytes(48))
    with pytest.raises(ConfigError) as info:
        MLP.load(lone)
    assert "SECRET" not in str(info.value) and str(lone) in str(info.value)


def test_a_config_giving_one_hidden_size_as_an_int_loads(tmp_path):
    m = MLP(4, [3], 2, seed=0)  # MLP.save writes [3]; MLP itself also takes hidden=3
    path = _write(tmp_path, "m.npz", config=_config(hidden=3),
                  **{f"w{i}": w for i, w in enumerate(m.get_weights())})
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    np.testing.assert_array_equal(MLP.load(path).forward(x), m.forward(x))


@pytest.mark.parametrize("hidden", [None, "ab", 2.5, {"a": 1}])
def test_hidden_that_is_neither_a_width_nor_a_list_is_a_config_error(tmp_path, hidden):
    with pytest.raises(ConfigError, match=r"^MLP\(hidden=\.\.\.\) must be the hidden layers' "
                                          r"widths, an int or a list of ints") as e:
        MLP(4, hidden, 2)
    assert str(e.value).endswith(f"([] for none), got {hidden!r}")
    # a saved config with such a hidden: the weights of no hidden layer are expected, and the
    # error is the model's own (it was a TypeError before)
    w = MLP(4, [], 2, seed=0).get_weights()
    path = _write(tmp_path, "m.npz", config=_config(hidden=hidden), w0=w[0], w1=w[1])
    with pytest.raises(ConfigError, match=r"does not describe a valid MLP: MLP\(hidden=\.\.\.\)"):
        MLP.load(path)



def test_names_and_config_values_read_from_the_file_are_not_echoed(tmp_path):
    # issue 20 item 1: entry names, config keys and config values are the file's content too
    secret = "hunter2:$6$SECRET/hash"
    weights = {f"w{i}": w for i, w in enumerate(MLP(4, [3], 2, seed=0).get_weights())}
    cases = {
        "foreign.npz": ({secret: np.zeros(1)},
                        "not a file written by MLP.save (no 'config' entry; it holds [1 not shown: "
                        "not identifiers])"),
        "key.npz": ({"config": _config(**{secret: 1}), **weights},
                    "its config has unknown keys [1 not shown: not identifiers]; MLP takes "),
        "value.npz": ({"config": np.array(json.dumps([secret]))},
                      "its 'config' must be a JSON object with MLP's arguments (in_features, "
                      "hidden, ...), got a list of 1 item"),
        "extra.npz": ({"config": _config(), **weights, secret: np.zeros(1)},
                      "missing [], unexpected [1 not shown: not identifiers]"),
    }
    for name, (arrays, message) in cases.items():
        path = _write(tmp_path, name, **arrays)
        with pytest.raises(ConfigError) as info:
            MLP.load(path)
        text = str(info.value)
        assert "SECRET" not in text and message in text and str(path) in text, text


def test_only_the_ten_names_listed_decide_whether_they_are_quoted(tmp_path):
    # ten short names and an 11th that is not an identifier: the ten shown are quoted (the 11th
    # is not shown, so it cannot leak); judging 11 names would hide the ten as well
    secret = "zz:$6$SECRET"                                   # sorts after a00..a09
    path = _write(tmp_path, "eleven.npz", **{f"a{i:02}": np.zeros(1) for i in range(10)},
                  **{secret: np.zeros(1)})
    with pytest.raises(ConfigError) as info:
        MLP.load(path)
    listed = str([f"a{i:02}" for i in range(10)])
    assert str(info.value).endswith(f"no 'config' entry; it holds {listed})")
    assert "SECRET" not in str(info.value)


def test_a_structured_weight_dtype_is_named_by_its_field_count_not_its_names(tmp_path):
    # a structured dtype's field names are the file's content: str(dtype) echoed them
    secret = "hunter2:$6$SECRET/hash"
    weights = {f"w{i}": w for i, w in enumerate(MLP(4, [3], 2, seed=0).get_weights())}
    weights["w0"] = np.zeros(3, dtype=[(secret, "<f4"), ("b", "<f4")])
    path = _write(tmp_path, "fields.npz", config=_config(), **weights)
    with pytest.raises(ConfigError) as info:
        MLP.load(path)
    assert str(info.value) == (f"MLP.load(path={str(path)!r}): weight array 'w0' has dtype a "
                               f"structured dtype of 2 fields, expected float")
    weights["w0"] = np.zeros((4, 3), dtype=np.int16)
    path = _write(tmp_path, "ints.npz", config=_config(), **weights)
    with pytest.raises(ConfigError, match=r"weight array 'w0' has dtype int16, expected float$"):
        MLP.load(path)
