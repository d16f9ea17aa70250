"""A fuzz harness over the files a user points augfit at: CSV files (any encoding, odd field
counts, quotes, huge fields, control characters) and image folders (names in any encoding, odd
sizes, truncated and fake images, headers claiming huge sizes).

Every outcome is a Dataset or an :class:`~augfit.errors.AugfitError` whose message names the
input; never another exception, a signal, or a secret planted in a file's content. Hypothesis
runs derandomized and bounded in ``make test`` (tests/conftest.py); ``HYPOTHESIS_PROFILE=explore``
draws fresh cases, and ``FUZZ_EXAMPLES=2000`` runs longer.
"""
from __future__ import annotations

import csv
import io
import os
import struct
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from augfit.data.datasets import Dataset, load
from augfit.errors import AugfitError

SECRET = "s3cr3t-Hash$6$rounds"
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "60"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


def _outcome(call, where: Path, labels: tuple[str, ...] = ()) -> Dataset | AugfitError:
    """Run a load; anything but a Dataset or an AugfitError that names ``where`` fails the test,
    and so does a planted secret in the message, except inside a quoted label: a label of a file
    that parsed is an identifier, which a message may quote (short and cut)."""
    try:
        ds = call()
    except AugfitError as e:
        msg = str(e)
        for label in labels:
            msg = msg.replace(repr(label), "'<a label>'")
        assert SECRET not in msg, f"the error echoes file content: {msg[:300]}"
        named = os.fsdecode(where)
        assert named in msg or where.name in msg or "csv" in msg or "image_folder" in msg, msg
        return e
    assert isinstance(ds, Dataset)
    return ds


# -- CSV -------------------------------------------------------------------------------------------
FIELD = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12),
    st.sampled_from(["", " ", '"', '""', 'a,b', '"quoted, comma"', "x\ny", "\x00", "\x1b[2J",
                     "pos", "neg", "é", SECRET, SECRET + "," + SECRET]),
    st.just("w" * 5000))
ROW = st.lists(FIELD, min_size=0, max_size=5)
ENCODING = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "latin-1", "cp1252"])


@FUZZ
@given(header=st.sampled_from([["text", "label"], ["label", "text"], ["a", "b", "c"], []]),
       rows=st.lists(ROW, min_size=0, max_size=8), encoding=ENCODING,
       sep=st.sampled_from([",", "\t", ";"]), name=st.sampled_from(["d.csv", "d.tsv", "d.txt"]))
def test_fuzz_csv_gives_a_dataset_or_an_error_naming_the_file(tmp_path_factory, header, rows,
                                                              encoding, sep, name):
    path = tmp_path_factory.mktemp("csv") / name
    lines = [sep.join(header)] if header else []
    lines += [sep.join(r) for r in rows]
    text = "\n".join(lines)
    try:
        raw = text.encode(encoding)
    except UnicodeEncodeError:
        raw = text.encode("utf-8", "surrogatepass")
    path.write_bytes(raw)
    li = header.index("label") if "label" in header else None
    parsed = list(csv.reader(io.StringIO(text, newline=""), delimiter=sep))[1:]
    labels = tuple({r[li].strip() for r in parsed if li is not None and len(r) > li})
    out = _outcome(lambda: load("csv", path=path), path, labels)
    if isinstance(out, Dataset):
        assert len(out.x) == len(out.y) > 0 and all(isinstance(t, str) for t in out.x)
        assert SECRET not in "".join(out.classes) or any(SECRET in r for r in rows)


# -- image folders ---------------------------------------------------------------------------------
def _png_header(h: int, w: int) -> bytes:
    """A PNG whose header claims h x w pixels, with a tiny (invalid) body."""
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    body = struct.pack(">I", len(ihdr)) + chunk + struct.pack(">I", zlib.crc32(chunk))
    return b"\x89PNG\r\n\x1a\n" + body + b"\x00\x00\x00\x00IEND\xaeB`\x82"


def _png(h: int, w: int, channels: int, seed: int) -> bytes:
    img = np.random.default_rng(seed).integers(0, 256, (h, w, channels)[:2 + (channels > 1)],
                                               dtype=np.uint8)
    ok, buf = cv2.imencode(".png", img)
    assert ok
    return buf.tobytes()


FILE_BODY = st.one_of(
    st.builds(_png, st.integers(1, 12), st.integers(1, 12), st.sampled_from([1, 3]),
              st.integers(0, 9)),
    st.builds(_png_header, st.sampled_from([1, 40000, 2**31 - 1]),
              st.sampled_from([1, 40000, 2**31 - 1])),
    st.builds(lambda b: b, st.binary(max_size=40)),
    st.just(b"\x89PNG\r\n\x1a\n" + SECRET.encode()),
    st.just(SECRET.encode() * 3))
NAME = st.one_of(st.sampled_from([b"a.png", b"b.PNG", b"c.jpg", b"d.bmp", b"noext", b"e.txt"]),
                 st.binary(min_size=1, max_size=8).map(lambda b: b.replace(b"/", b"_")
                                                       .replace(b"\x00", b"_") + b".png"))
CLASS = st.one_of(st.sampled_from([b"cat", b"dog", b"\xff\xfe", "é".encode("latin-1")]),
                  st.binary(min_size=1, max_size=6).map(
                      lambda b: b.replace(b"/", b"_").replace(b"\x00", b"_")))


@FUZZ
@given(files=st.lists(st.tuples(CLASS, NAME, FILE_BODY), min_size=0, max_size=6),
       size=st.sampled_from([None, [8, 8]]))
def test_fuzz_image_folder_gives_a_dataset_or_an_error_naming_the_input(tmp_path_factory,
                                                                        files, size):
    root = tmp_path_factory.mktemp("imgs")
    broot = os.fsencode(root)
    for cls, name, body in files:
        if cls in (b".", b".."):
            continue
        folder = os.path.join(broot, cls)
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, name), "wb") as f:
            f.write(body)
    options = {} if size is None else {"size": size}
    out = _outcome(lambda: load("image_folder", path=root, **options), root)
    if isinstance(out, Dataset):
        assert out.x.dtype == np.uint8 and len(out.x) == len(out.y) > 0


@pytest.mark.parametrize("name", [b"\xff\xfe.png", b"caf\xe9.png"])
def test_a_non_utf8_file_name_is_read_or_refused_by_name(tmp_path, name):
    cls = os.path.join(os.fsencode(tmp_path), b"one")
    os.makedirs(cls)
    for n in (name, b"ok.png"):
        with open(os.path.join(cls, n), "wb") as f:
            f.write(_png(4, 4, 1, 0))
    out = _outcome(lambda: load("image_folder", path=tmp_path), tmp_path)
    assert isinstance(out, (Dataset, AugfitError))
