"""The nn layer under hostile input: a corpus of damaged model files for MLP.load, absurd sizes."""
from __future__ import annotations

import io
import json
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
