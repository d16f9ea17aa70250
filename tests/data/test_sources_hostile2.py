"""Hostile input, second round (issue 20): file names in any encoding, CSV rows of the wrong width,
files that are not what they were said to be (whose content no error may echo), labels that are not
class indices, and caps on what a small file may expand to."""
from __future__ import annotations

import os
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import cv2
import numpy as np
import pytest
import yaml

from augfit.data.cards import load_card
from augfit.data.datasets import from_arrays, load
from augfit.data.wav import write_wav
from augfit.errors import AugfitError, ConfigError, MissingResourceError, ShapeError
from augfit.experiments.spec import load_spec
from augfit.torch import AugmentedDataset

SECRET = "$6$rounds=5000$Zq9x/hunter2"


def _png(value: int = 0, shape: tuple[int, ...] = (8, 8)) -> bytes:
    return cv2.imencode(".png", np.full(shape, value, np.uint8))[1].tobytes()


# -- names the OS allows --
def test_non_utf8_file_names_load_and_a_non_utf8_class_folder_is_refused_by_name(tmp_path):
    """cv2.imread(str(path)) segfaulted on such a name: the files are now read by their bytes. Run
    in a child process, so that a crash is a failed test and not a dead test session."""
    root = os.fsencode(tmp_path)
    for cls in (b"cat", b"dog"):
        os.makedirs(root + b"/" + cls)
        for i in range(2):
            Path(os.fsdecode(root + b"/" + cls + b"/\xff\xfe" + bytes([48 + i]) + b".png")
                 ).write_bytes(_png(60 * i))
    code = ("import sys, augfit as af; ds = af.datasets.load('image_folder', path=sys.argv[1]); "
            "print(ds.x.shape, ds.classes, ds.y.tolist(), int(ds.x.max()))")
    proc = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, (proc.returncode, proc.stderr[-2000:])
    assert proc.stdout.strip() == "(4, 8, 8) ['cat', 'dog'] [0, 0, 1, 1] 60"
    os.makedirs(root + b"/caf\xe9")
    Path(os.fsdecode(root + b"/caf\xe9/a.png")).write_bytes(_png())
    with pytest.raises(ConfigError, match=r"class folder .*caf\\xe9 is not UTF-8.*rename it"):
        load("image_folder", path=tmp_path)


def test_a_fifo_is_named_as_a_fifo(tmp_path):
    fifo = tmp_path / "reviews.csv"
    os.mkfifo(fifo)
    for loader in ("csv", "npz", "folder"):
        with pytest.raises(ConfigError, match=r"reviews.csv is a FIFO \(named pipe\), not a file"):
            load(loader, path=fifo)
    with pytest.raises(ConfigError, match="is a FIFO"):
        load_card(fifo)
    with pytest.raises(ConfigError, match="is a FIFO"):
        load_spec(fifo)
    for c in ("a", "b"):
        (tmp_path / "imgs" / c).mkdir(parents=True)
        (tmp_path / "imgs" / c / "1.png").write_bytes(_png())
    os.mkfifo(tmp_path / "imgs" / "a" / "2.png")
    with pytest.raises(ConfigError, match=r"a/2.png is a FIFO"):
        load("image_folder", path=tmp_path / "imgs")
    with pytest.raises(ConfigError, match=r"/dev/null is a character device, not a file"):
        load("csv", path="/dev/null")
    with pytest.raises(MissingResourceError, match=r"nope\.csv does not exist"):
        load("csv", path=tmp_path / "nope.csv")


# -- CSV --
def test_a_csv_row_with_more_fields_than_the_header_is_refused(tmp_path):
    """'great film, really great,pos' was read as the text 'great film' of a new class."""
    f = tmp_path / "r.csv"
    f.write_text("text,label\nfine,pos\ngreat film, really great,pos\nbad,neg\n")
    with pytest.raises(ConfigError, match=r"r\.csv, line 3: 3 fields but the header has 2; "
                                          r"quote the text"):
        load("csv", path=f)
    f.write_text('text,label\nfine,pos\n"great film, really great",pos\nbad,neg\n')
    assert load("csv", path=f).x == ["fine", "great film, really great", "bad"]
    f.write_text("fine,pos\ngreat film, really great,pos\nbad,neg\n")     # no header
    with pytest.raises(ConfigError, match=r"line 2: 3 fields but the first row has 2"):
        load("csv", path=f, text_column=0, label_column=1, header=False)


def test_utf16_is_named_and_a_long_field_is_allowed(tmp_path):
    f = tmp_path / "u.csv"
    f.write_bytes("text,label\nok,pos\nbad,neg\n".encode("utf-16"))
    with pytest.raises(ConfigError, match=r"u\.csv is UTF-16 text .*iconv -f UTF-16 -t utf-8"):
        load("csv", path=f)
    long = "word " * 60_000                                  # 300 KB: over csv's 128 KiB limit
    f.write_text(f'text,label\n"{long}",pos\nbad,neg\n')
    assert load("csv", path=f).x[0] == long


# -- no error echoes a file that is not what it claims to be --
def _messages(fn) -> str:
    try:
        fn()
    except AugfitError as e:
        return str(e)
    raise AssertionError("no error")


def _npy(header: bytes) -> bytes:
    header += b" " * (-(len(header) + 11) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header


def test_no_error_quotes_a_secret_planted_in_any_file_a_spec_can_name(tmp_path):
    passwd = f"root:{SECRET}:19000:0:99999:7:::\nbin:*:19000:0:99999:7:::\n"
    cases = {}
    (tmp_path / "shadow").write_text(passwd)
    cases["csv: a password file"] = lambda: load("csv", path=tmp_path / "shadow")
    (tmp_path / "h.csv").write_text(f"{SECRET},other\na,b\nc,d\n")
    cases["csv: secret header"] = lambda: load("csv", path=tmp_path / "h.csv")
    (tmp_path / "x.csv").write_text(f"text,label\n{SECRET},pos,neg\nb,neg\n")
    cases["csv: extra field"] = lambda: load("csv", path=tmp_path / "x.csv")
    for i, body in enumerate([passwd, f"password: '{SECRET}'\n", f"'{SECRET}': 1\n",
                              f"name: x\nmodality: '{SECRET}'\n",
                              f"name: x\nmodality: image\nsource: '{SECRET}'\ncolumns: {{a: b}}\n"
                              "license: x\ncitation: y\nsplit: {}\n"]):
        card = tmp_path / f"card{i}.yaml"
        card.write_text(body)
        cases[f"card {i}"] = lambda card=card: load_card(card)
    (tmp_path / "a.npz").write_text(passwd)
    cases["npz: text"] = lambda: load("npz", path=tmp_path / "a.npz")
    with zipfile.ZipFile(tmp_path / "b.npz", "w") as z:
        z.writestr("x.npy", _npy(b"{'descr': '" + SECRET.encode() + b"', 'fortran_order': "
                                 b"False, 'shape': (3,), }"))
    cases["npz: header"] = lambda: load("npz", path=tmp_path / "b.npz")
    np.savez(tmp_path / "c.npz", **{SECRET.replace("/", "_"): np.zeros(3)})
    cases["npz: array name"] = lambda: load("npz", path=tmp_path / "c.npz")
    for kind, ext in (("audio_folder", ".wav"), ("image_folder", ".png")):
        for c in ("a", "b"):
            (tmp_path / kind / c).mkdir(parents=True)
            (tmp_path / kind / c / f"1{ext}").write_text(passwd)
        cases[kind] = lambda kind=kind: load(kind, path=tmp_path / kind)
    specs = {"spec: a password file": passwd, "spec: unknown key": f"name: x\n'{SECRET}': 1\n",
             "spec: value": f"dataset: {{name: '{SECRET}'}}\ntrain_sizes: [1]\nmethods: [a]\n",
             "spec: card": "dataset: {card: card3.yaml}\ntrain_sizes: [1]\nmethods: [a]\n",
             "spec: augment": "dataset: {name: digits}\ntrain_sizes: [1]\nmethods: [a, "
                              "{name: b, augment: aug.yaml}]\n"}
    (tmp_path / "aug.yaml").write_text(passwd)
    for i, (name, body) in enumerate(specs.items()):
        (tmp_path / f"s{i}.yaml").write_text(body)
        cases[name] = lambda i=i: load_spec(tmp_path / f"s{i}.yaml")
    for name, fn in cases.items():
        msg = _messages(fn)
        for part in (SECRET, SECRET[:12], SECRET[-10:]):
            assert part not in msg, (name, msg)


# -- labels --
def test_every_entry_point_refuses_float_and_negative_labels():
    x = np.zeros((5, 4, 4), np.float32)
    floats = [0.2, 0.9, 1.5, 1.99, 2.7]          # augfit.torch truncated these to [0, 0, 1, 1, 2]
    with pytest.raises(ShapeError, match=r"AugmentedDataset\(data=\(x, y\)\): labels must be a "
                                         r"1-D array of ints .* got dtype float64"):
        AugmentedDataset((x, floats), batch_size=2, seed=0)
    with pytest.raises(ShapeError, match=r"Dataset\(y=...\): labels must be a 1-D array of ints"):
        from augfit.data.container import Dataset
        Dataset(x, np.array(floats), "image", ["a", "b", "c"])
    with pytest.raises(ShapeError, match=r"labels are class indices and must be >= 0, got -2 "
                                         r"\(at index 1\)"):     # was "values must be in [0, 0)"
        from_arrays(x, [-1, -2, -1, -1, -1])
    with pytest.raises(ShapeError, match=r"label 2 is NaN"):
        from_arrays(x, [0.0, 1.0, np.nan, 1.0, 0.0])
    ds = AugmentedDataset((x, [0, 1, 2, 1, 0]), batch_size=5, shuffle=False, seed=0)
    assert ds.loader.y.tolist() == [0, 1, 2, 1, 0]


# -- caps on expansion --
def _png_claiming(h: int, w: int) -> bytes:
    """A valid PNG signature and IHDR declaring h x w pixels (the rest need not decode)."""
    import zlib
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(ihdr)) + chunk
            + struct.pack(">I", zlib.crc32(chunk)))


def test_image_pixel_cap_is_read_from_the_header_and_can_be_raised(tmp_path):
    for c in ("a", "b"):
        (tmp_path / c).mkdir()
        (tmp_path / c / "1.png").write_bytes(_png(shape=(40, 50)))
    (tmp_path / "a" / "bomb.png").write_bytes(_png_claiming(2**15, 2**15))
    with pytest.raises(ConfigError, match=r"image_folder: .*a/bomb.png is 32768x32768 \(HxW\) = "
                                          r"1073741824 pixels, more than the cap "
                                          r"max_pixels=50000000"):
        load("image_folder", path=tmp_path)
    (tmp_path / "a" / "bomb.png").unlink()
    with pytest.raises(ConfigError, match=r"1.png is 40x50 \(HxW\) = 2000 pixels, more than the "
                                          r"cap max_pixels=1999"):
        load("image_folder", path=tmp_path, max_pixels=1999)
    assert load("image_folder", path=tmp_path, max_pixels=2000).x.shape == (2, 40, 50)
    with pytest.raises(ConfigError, match=r"size=...\): 100000x100000 is more than the cap"):
        load("image_folder", path=tmp_path, size=[100_000, 100_000])
    with pytest.raises(ConfigError, match=r"max_pixels=50000000"):
        load("folder", path=tmp_path, size=[100_000, 100_000])


def test_npz_arrays_are_capped_by_their_header_before_loading(tmp_path):
    f = tmp_path / "big.npz"
    with zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED) as z:   # 1.3 KB declaring 8 GB of float32
        z.writestr("x.npy", _npy(b"{'descr': '<f4', 'fortran_order': False, "
                                 b"'shape': (2000, 1000, 1000), }") + bytes(1000))
        z.writestr("y.npy", _npy(b"{'descr': '<i8', 'fortran_order': False, 'shape': (2000,), }"))
    with pytest.raises(ConfigError, match=r"big.npz: array 'x' of shape \(2000, 1000, 1000\) "
                                          r"\(float32\) would take 7629 MiB, more than the cap "
                                          r"max_bytes=1073741824"):
        load("npz", path=f)
    np.savez(f, x=np.zeros((4, 8, 8), np.uint8), y=np.array([0, 1, 0, 1]))
    with pytest.raises(ConfigError, match="max_bytes=100"):
        load("npz", path=f, max_bytes=100)
    assert load("npz", path=f, max_bytes=256).x.shape == (4, 8, 8)
    np.savez(f, x=np.zeros((0, 8, 8), np.uint8), y=np.zeros(0, np.int64))
    msg = _messages(lambda: load("npz", path=f))
    assert "holds no samples" in msg and "fractions" not in msg


def test_audio_clip_length_is_capped_after_resampling(tmp_path):
    for c, n in (("no", 800), ("yes", 8000 * 3)):
        (tmp_path / c).mkdir()
        write_wav(tmp_path / c / "a.wav", np.zeros(n, np.float32), 8000)
    with pytest.raises(ConfigError, match=r"yes/a.wav lasts 3.0 s \(48000 samples at 16000 Hz\), "
                                          r"more than the cap max_seconds=2"):
        load("audio_folder", path=tmp_path, sample_rate=16000, max_seconds=2)
    assert load("audio_folder", path=tmp_path).x.shape == (2, 24000)
    with pytest.raises(ConfigError, match=r"length=10000000000\) is 1250000.0 s at 8000 Hz, more "
                                          r"than the cap max_seconds=60"):
        load("audio_folder", path=tmp_path, length=10**10)
    with pytest.raises(ConfigError, match=r"max_seconds=60"):
        load("folder", path=tmp_path, length=10**10)


def test_a_card_that_is_a_card_still_names_its_bad_field(tmp_path):
    card = tmp_path / "c.yaml"
    card.write_text(yaml.safe_dump({"name": "x", "modality": "image",
                                    "source": {"loader": "digits"}, "columns": {"x": "y"},
                                    "license": "x", "citation": "y", "split": {}, "colour": 1}))
    with pytest.raises(ConfigError, match=r"c.yaml: colour: unknown field; allowed: name"):
        load_card(card)


def test_exif_orientation_applies_in_colour_as_in_grey(tmp_path):
    """A phone photo stored sideways with EXIF orientation 6 was turned upright in grayscale but
    not in colour."""
    img = np.zeros((20, 40, 3), np.uint8)
    img[:, :10] = 255                                         # a white band on the left
    jpg = cv2.imencode(".jpg", img)[1].tobytes()
    exif = (b"Exif\0\0MM\0*\0\0\0\x08\0\x01" + b"\x01\x12\0\x03\0\0\0\x01\0\x06\0\0" + b"\0" * 4)
    rotated = jpg[:2] + b"\xff\xe1" + (len(exif) + 2).to_bytes(2, "big") + exif + jpg[2:]
    for c in ("a", "b"):
        (tmp_path / c).mkdir()
        (tmp_path / c / "1.jpg").write_bytes(rotated)
    colour = load("image_folder", path=tmp_path)
    grey = load("image_folder", path=tmp_path, grayscale=True)
    assert colour.x.shape == (2, 40, 20, 3) and grey.x.shape == (2, 40, 20)
    assert colour.x[0, :10, :, 0].mean() > 200 and colour.x[0, 30:, :, 0].mean() < 50
    assert grey.x[0, :10].mean() > 200                 # the band is on top in both


def test_dataframes_with_duplicate_columns_no_rows_or_lone_surrogates():
    import pandas as pd

    from augfit.data.datasets import as_dataset

    dup = pd.DataFrame([["a", "x", "p"], ["b", "y", "n"]], columns=["text", "text", "label"])
    with pytest.raises(ConfigError, match="more than one column named 'text'"):
        as_dataset(dup)
    with pytest.raises(ConfigError, match="DataFrame has no rows"):
        as_dataset(pd.DataFrame({"text": [], "label": []}))
    odd = pd.DataFrame({"text": pd.Series(["ok", "bad\udcff"], dtype=object),
                        "label": ["p", "n"]})
    with pytest.raises(ShapeError, match=r"text 1 holds a lone surrogate \('\\udcff' at "
                                         r"character 3\)"):
        as_dataset(odd)
    odd = pd.DataFrame({"text": ["ok", "bad"], "label": pd.Series(["p", "n\udcff"], dtype=object)})
    with pytest.raises(ShapeError, match=r"label 1 holds a lone surrogate"):
        as_dataset(odd)


def test_yaml_control_characters_are_a_config_error_with_line_and_column(tmp_path):
    spec = tmp_path / "s.yaml"
    spec.write_text("dataset: {name: digits}\nname: x\x01y\n")
    with pytest.raises(ConfigError, match=r"s.yaml: not valid YAML at line 2, column 8: control "
                                          r"character U\+0001 is not allowed"):
        load_spec(spec)
    aug = tmp_path / "aug.yaml"
    aug.write_text("- {type: Rotate, limit: 1\x07}\n")
    spec.write_text("dataset: {name: digits}\ntrain_sizes: [10]\n"
                    "methods: [a, {name: b, augment: aug.yaml}]\n")
    with pytest.raises(ConfigError, match=r"aug.yaml\): not valid YAML at line 1, column 26: "
                                          r"control character U\+0007"):
        load_spec(spec)


def _tiff_claiming(h: int, w: int, order: bytes = b"II", big: bool = False) -> bytes:
    """A TIFF (classic or BigTIFF, either byte order) whose first directory declares h x w pixels
    of 8-bit grey with one strip, and holds no pixel data."""
    e = "<" if order == b"II" else ">"
    tags = [(256, 4, w), (257, 4, h), (258, 3, 8), (259, 3, 1), (262, 3, 1), (273, 4, 0),
            (277, 3, 1), (278, 4, h), (279, 4, min(h * w, 2**32 - 1))]
    if big:
        head = order + struct.pack(e + "HHHQ", 43, 8, 0, 16) + struct.pack(e + "Q", len(tags))
        body = b"".join(struct.pack(e + "HHQ", t, k, 1)
                        + struct.pack(e + ("H6x" if k == 3 else "I4x"), v) for t, k, v in tags)
        return head + body + struct.pack(e + "Q", 0) + bytes(64)
    head = order + struct.pack(e + "HI", 42, 8) + struct.pack(e + "H", len(tags))
    body = b"".join(struct.pack(e + "HHI", t, k, 1) + struct.pack(e + ("H2x" if k == 3 else "I"), v)
                    for t, k, v in tags)
    return head + body + struct.pack(e + "I", 0) + bytes(64)


@pytest.mark.parametrize("order,big", [(b"II", False), (b"MM", False), (b"II", True),
                                       (b"MM", True)])
def test_a_tiff_is_refused_from_its_header_before_decoding(tmp_path, order, big):
    for c in ("a", "b"):
        (tmp_path / c).mkdir()
        (tmp_path / c / "1.png").write_bytes(_png(shape=(40, 50)))
    bomb = tmp_path / "a" / "bomb.tif"
    # above OpenCV's own limit of 2^30 pixels, and below it (the decoder would allocate it)
    for h, w in ((100_000, 100_000), (8_000, 7_000)):
        bomb.write_bytes(_tiff_claiming(h, w, order, big))
        for loader in ("image_folder", "folder"):
            with pytest.raises(ConfigError, match=rf"{loader}: .*a/bomb.tif is {h}x{w} \(HxW\) = "
                                                  rf"{h * w} pixels, more than the cap "
                                                  r"max_pixels=50000000; .*dataset option "
                                                  r"max_pixels"):
                load(loader, path=tmp_path)


@pytest.mark.parametrize("ext", [".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp"])
@pytest.mark.parametrize("loader", ["image_folder", "folder"])
def test_every_accepted_image_format_is_capped_by_its_header(tmp_path, ext, loader):
    raw = cv2.imencode(ext if ext != ".jpeg" else ".jpg", np.zeros((40, 50, 3), np.uint8))[1]
    for c in ("a", "b"):
        (tmp_path / c).mkdir()
        (tmp_path / c / f"1{ext}").write_bytes(raw.tobytes())
    with pytest.raises(ConfigError, match=rf"{loader}: .*1\{ext} is 40x50 \(HxW\) = 2000 pixels, "
                                          r"more than the cap max_pixels=1999"):
        load(loader, path=tmp_path, max_pixels=1999)
    assert load(loader, path=tmp_path, max_pixels=2000).x.shape == (2, 40, 50, 3)


def test_stray_bytes_in_a_jpeg_or_another_format_do_not_slip_past_the_header_check(tmp_path):
    from augfit.data.sources._image import header_size
    for c in ("a", "b"):
        (tmp_path / c).mkdir()
        (tmp_path / c / "1.png").write_bytes(_png())
    jpg = cv2.imencode(".jpg", np.zeros((40, 50), np.uint8))[1].tobytes()
    app0_end = 4 + struct.unpack(">H", jpg[4:6])[0]
    # libjpeg skips stray bytes between segments and decodes the image: the size is still read
    stray = jpg[:app0_end] + b"\x00\x17\x00" + jpg[app0_end:]
    assert cv2.imdecode(np.frombuffer(stray, np.uint8), cv2.IMREAD_GRAYSCALE).shape == (40, 50)
    (tmp_path / "a" / "2.jpg").write_bytes(stray)
    with pytest.raises(ConfigError, match=r"2.jpg is 40x50 \(HxW\) = 2000 pixels, more than the "
                                          r"cap max_pixels=1999"):
        load("folder", path=tmp_path, max_pixels=1999)
    # a PPM the decoder reads, whatever its name says: its size is not read, so it is refused
    ppm = cv2.imencode(".ppm", np.zeros((40, 50, 3), np.uint8))[1].tobytes()
    (tmp_path / "a" / "2.jpg").write_bytes(ppm)
    with pytest.raises(ShapeError, match=r"folder: cannot decode image .*a/2.jpg: it is not a PNG, "
                                         r"JPEG, BMP, GIF, WebP or TIFF file whose size its header "
                                         r"gives"):
        load("folder", path=tmp_path)
    # an OS/2 bitmap's header holds 16-bit sizes (cv2 cannot write one)
    os2 = b"BM" + bytes(12) + struct.pack("<IHHHH", 12, 50, 40, 1, 24)
    assert header_size(os2) == (40, 50)
