"""The loaders for the user's own files (csv, image_folder, npz, audio_folder), DataFrames and
arrays, with every bad input named by file, line and column or option."""
from __future__ import annotations

import warnings

import cv2
import numpy as np
import pandas as pd
import pytest

from augfit.checks import options_at
from augfit.data.datasets import Dataset, as_dataset, from_frame, load
from augfit.data.wav import write_wav
from augfit.errors import ConfigError, MissingResourceError, ShapeError


# -- csv ---------------------------------------------------------------------------------------
def test_csv_named_columns_header_detected_and_tsv(tmp_path):
    f = tmp_path / "reviews.csv"
    f.write_text('id,review,sentiment\n1,"great, loved it",pos\n2,dull,neg\n\n3,fine,pos\n')
    ds = load("csv", path=f, text_column="review", label_column="sentiment")
    assert ds.x == ["great, loved it", "dull", "fine"]          # the header is not a sample
    assert ds.classes == ["neg", "pos"] and ds.y.tolist() == [1, 0, 1]
    assert ds.meta["line"].tolist() == [2, 3, 5]
    # case and spaces in the header do not matter; a .tsv is read tab-separated
    t = tmp_path / "reviews.tsv"
    t.write_text("Label\t Text \nspam\tbuy now, cheap\nham\tsee you at 5\n")
    ds = load("csv", path=t)
    assert ds.x == ["buy now, cheap", "see you at 5"] and ds.classes == ["ham", "spam"]
    # a semicolon file: the delimiter is sniffed
    s = tmp_path / "semi.csv"
    s.write_text("text;label\na b;x\nc d;y\ne f;x\n")
    assert load("csv", path=s).x == ["a b", "c d", "e f"]


def test_csv_numbered_columns_and_header_guess(tmp_path):
    f = tmp_path / "plain.csv"
    f.write_text("good film,pos\nbad film,neg\nok film,pos\n")
    ds = load("csv", path=f, text_column=0, label_column=1)
    assert ds.x == ["good film", "bad film", "ok film"]       # no header: "pos" recurs
    h = tmp_path / "head.csv"
    h.write_text("label,text\npos,good\nneg,bad\npos,ok\n")
    ds = load("csv", path=h, text_column=1, label_column=0)
    assert ds.x == ["good", "bad", "ok"]                      # "label" occurs once: a header


def test_csv_without_the_named_columns_names_file_line_and_fix(tmp_path):
    f = tmp_path / "reviews.csv"
    f.write_text("id,review,sentiment\n1,good,pos\n2,bad,neg\n")
    with pytest.raises(ConfigError) as ei:
        load("csv", path=f)                                    # defaults text/label
    msg = str(ei.value)
    assert "reviews.csv, line 1: no column for text_column='text', label_column='label'" in msg
    assert "'id', 'review', 'sentiment'" in msg and "text_column=" in msg
    with pytest.raises(ConfigError, match=r"no column for label_column='label'"):
        load("csv", path=f, text_column="review")


def test_csv_label_column_with_one_class(tmp_path):
    f = tmp_path / "one.csv"
    f.write_text("text,label\na,pos\nb,pos\nc,pos\n")
    with pytest.raises(ConfigError, match=r"one\.csv: label column 'label' holds one class "
                                          r"\('pos'\) in all 3 rows"):
        load("csv", path=f)


def test_csv_not_utf8_names_line_and_column(tmp_path):
    f = tmp_path / "latin.csv"
    f.write_bytes("text,label\nok,a\ncaf\xe9 au lait,b\n".encode("latin-1"))
    with pytest.raises(ConfigError, match=r"latin\.csv, line 3, column 4: byte 0xe9 is not "
                                          r"UTF-8; save the file as UTF-8"):
        load("csv", path=f)


def test_csv_short_row_empty_label_and_id_as_label_warning(tmp_path):
    f = tmp_path / "short.csv"
    f.write_text("text,label\na,x\nb\n")
    with pytest.raises(ConfigError, match=r"short\.csv, line 3: 1 fields but the header has 2; "
                                          r"quote the text"):
        load("csv", path=f)
    f.write_text("text,label\na,x\nb, \n")
    with pytest.raises(ConfigError, match=r"short\.csv, line 3, column 2: empty label"):
        load("csv", path=f)
    f.write_text("id,text\n" + "".join(f"{i},t{i % 2}\n" for i in range(12)))
    with pytest.warns(UserWarning, match="12 distinct values in 12 rows; is it really the label"):
        load("csv", path=f, text_column="text", label_column="id")
    with pytest.raises(MissingResourceError, match=r"nope\.csv does not exist"):
        load("csv", path=tmp_path / "nope.csv")


# -- image_folder ------------------------------------------------------------------------------
def _images(root, sizes, classes=("cat", "dog"), seed=0):
    rng = np.random.default_rng(seed)
    out = {}
    for cls in classes:
        (root / cls).mkdir(parents=True, exist_ok=True)
        for i, (h, w) in enumerate(sizes):
            img = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
            cv2.imwrite(str(root / cls / f"{i}.png"), img[..., ::-1])
            out[(cls, i)] = img
    return out


def test_image_folder_reads_classes_and_resizes(tmp_path):
    imgs = _images(tmp_path, [(5, 6), (5, 6)])
    ds = load("image_folder", path=tmp_path)
    assert ds.classes == ["cat", "dog"] and ds.y.tolist() == [0, 0, 1, 1]
    assert ds.x.shape == (4, 5, 6, 3) and ds.x.dtype == np.uint8
    np.testing.assert_array_equal(ds.x[3], imgs[("dog", 1)])   # lossless PNG, RGB order
    g = load("image_folder", path=tmp_path, size=[4, 3], grayscale=True)
    assert g.x.shape == (4, 4, 3)


def test_image_folder_mixed_sizes_needs_size_option(tmp_path):
    _images(tmp_path, [(5, 6), (7, 6)])
    with pytest.raises(ShapeError) as ei:
        load("image_folder", path=tmp_path)
    msg = str(ei.value)
    assert "cat/1.png is 7x6x3 (HxW)" in msg and "cat/0.png is 5x6x3 (HxW)" in msg
    assert "pass size=[5, 6] (any [H, W]) to resize every image" in msg
    with options_at("dataset.options"), pytest.raises(ShapeError) as ei:
        load("image_folder", path=tmp_path)
    assert "set dataset.options.size: [5, 6] (any [H, W]) to resize every image" in str(ei.value)
    assert load("image_folder", path=tmp_path, size=[5, 6]).x.shape == (4, 5, 6, 3)
    cv2.imwrite(str(tmp_path / "dog" / "0.png"), np.zeros((5, 6), np.uint8))
    with pytest.raises(ShapeError, match=r"dog/0\.png is 5x6 \(HxW\) but .*cat/0\.png is 5x6x3 "
                                         r"\(HxW\): the images mix grayscale and colour; pass "
                                         r"grayscale=True"):
        load("image_folder", path=tmp_path, size=[5, 6])
    assert load("image_folder", path=tmp_path, grayscale=True, size=[5, 6]).x.shape == (4, 5, 6)
    with pytest.raises(ConfigError, match=r"image_folder\(size=...\) must be \[height, width\]"):
        load("image_folder", path=tmp_path, size=5)


def test_image_folder_bad_layouts_and_unreadable_image(tmp_path):
    cv2.imwrite(str(tmp_path / "a.png"), np.zeros((3, 3), np.uint8))
    with pytest.raises(ConfigError, match=r"has no class sub-folders \(it holds only files: "
                                          r"a\.png\); put the images in one sub-folder per class"):
        load("image_folder", path=tmp_path)
    (tmp_path / "cat").mkdir()
    cv2.imwrite(str(tmp_path / "cat" / "b.png"), np.zeros((3, 3), np.uint8))
    with pytest.raises(ConfigError, match=r"a\.png is a file beside the class folders"):
        load("image_folder", path=tmp_path)
    (tmp_path / "a.png").unlink()
    with pytest.raises(ConfigError, match=r"one class folder \(cat\); a classifier needs at least"):
        load("image_folder", path=tmp_path)
    (tmp_path / "dog").mkdir()
    (tmp_path / "dog" / "c.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    with pytest.raises(ShapeError, match=r"cannot decode .*dog/c\.png \(truncated, corrupt"):
        load("image_folder", path=tmp_path)
    (tmp_path / "dog" / "c.png").unlink()
    with pytest.raises(ConfigError, match=r"class folder .*dog is empty"):
        load("image_folder", path=tmp_path)
    (tmp_path / "dog" / "notes.txt").write_text("x")
    with pytest.raises(ConfigError, match=r"notes\.txt is not an image file"):
        load("image_folder", path=tmp_path)
    with pytest.raises(MissingResourceError, match="does not exist"):
        load("image_folder", path=tmp_path / "missing")


# -- audio_folder, npz -------------------------------------------------------------------------
def test_audio_folder_pads_to_the_longest_clip_and_resamples(tmp_path):
    for cls, n, val in (("no", 30, 0.25), ("yes", 50, -0.5)):
        (tmp_path / cls).mkdir()
        write_wav(tmp_path / cls / "a.wav", np.full(n, val, np.float32), 8000)
    ds = load("audio_folder", path=tmp_path)
    assert ds.x.shape == (2, 50) and ds.meta["lengths"].tolist() == [30, 50]
    assert ds.meta["sample_rate"] == 8000 and ds.classes == ["no", "yes"]
    np.testing.assert_allclose(ds.x[0, :30], 0.25, atol=1e-4)
    assert np.all(ds.x[0, 30:] == 0)
    up = load("audio_folder", path=tmp_path, sample_rate=16000, length=64)
    assert up.x.shape == (2, 64) and up.meta["sample_rate"] == 16000
    assert up.meta["lengths"].tolist() == [60, 100]
    (tmp_path / "no" / "b.mp3").write_bytes(b"ID3")
    with pytest.raises(ConfigError, match=r"b\.mp3 is not a \.wav file; convert it"):
        load("audio_folder", path=tmp_path)


def test_npz_keys_and_modality(tmp_path):
    f = tmp_path / "d.npz"
    x = np.arange(2 * 3 * 3 * 2, dtype=np.float32).reshape(4, 3, 3) / 40
    np.savez(f, images=x, labels=np.array(["b", "a", "b", "a"]))
    ds = load("npz", path=f, x_key="images", y_key="labels")
    assert ds.modality == "image" and ds.classes == ["a", "b"] and ds.y.tolist() == [1, 0, 1, 0]
    np.testing.assert_array_equal(ds.x, x)
    with pytest.raises(ConfigError, match=r"d\.npz has no array 'x' \(arrays: images, labels\); "
                                          "pass x_key= and y_key="):
        load("npz", path=f)
    np.savez(f, x=np.zeros((4, 10), np.float32), y=np.array([0, 1, 0, 1]))
    with pytest.raises(ConfigError, match=r"say what it holds with modality: audio"):
        load("npz", path=f)
    ds = load("npz", path=f, modality="audio", sample_rate=8000)
    assert ds.modality == "audio" and ds.meta["sample_rate"] == 8000
    np.savez(f, x=np.array(["hi there", "bye"]), y=np.array([0, 1]))
    assert load("npz", path=f).x == ["hi there", "bye"]


# -- in memory ---------------------------------------------------------------------------------
def test_dataframe_columns_and_bad_frames():
    df = pd.DataFrame({"id": [1, 2, 3], "review": ["good", "bad", "fine"],
                       "sentiment": ["pos", "neg", "pos"]})
    ds = as_dataset((df, {"text": "review", "label": "sentiment"}))
    assert ds.x == ["good", "bad", "fine"] and ds.classes == ["neg", "pos"]
    assert ds.y.tolist() == [1, 0, 1]
    with pytest.raises(ConfigError) as ei:
        as_dataset((df, {"text": "body", "label": "sentiment"}))
    assert "DataFrame has no column 'body' (given as 'text'); its columns are ['id', 'review', " \
           "'sentiment']" in str(ei.value)
    with pytest.raises(ConfigError, match=r"no column 'text' .*pass data=\(df, \{'text': "
                                          r"<column>, 'label': <column>\}\)"):
        as_dataset(df)                                      # no text/label columns, no mapping
    with pytest.raises(ConfigError, match=r"say which column holds the input"):
        as_dataset((df, {"label": "sentiment"}))
    with pytest.raises(ConfigError, match=r"holds one class \('pos'\) in all 2 rows"):
        from_frame(df.iloc[[0, 2]], {"text": "review", "label": "sentiment"})
    imgs = pd.DataFrame({"img": [np.zeros((2, 2)), np.ones((2, 2)), np.zeros((2, 2))],
                         "y": [0, 1, 0]})
    ds = from_frame(imgs, {"image": "img", "label": "y"})
    assert ds.modality == "image" and ds.x.shape == (3, 2, 2)
    imgs["img"] = [np.zeros((2, 2)), np.ones((3, 2)), np.zeros((2, 2))]
    with pytest.raises(ShapeError, match=r"holds arrays of shapes"):
        from_frame(imgs, {"image": "img", "label": "y"})


def test_arrays_and_dataset_pass_through():
    x = np.zeros((4, 3, 3), np.float32)
    ds = as_dataset((x, ["a", "b", "a", "b"]))
    assert isinstance(ds, Dataset) and ds.classes == ["a", "b"] and as_dataset(ds) is ds
    with pytest.raises(ConfigError, match="data= must be an augfit Dataset, \\(x, y\\) arrays"):
        as_dataset([1, 2, 3])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert as_dataset((["a b", "c"], [0, 1])).modality == "text"


def test_csv_error_guesses_text_and_label_columns(tmp_path):
    f = tmp_path / "reviews.csv"
    f.write_text("id,review,sentiment\n" + "".join(
        f"{i},{'a long and winding review number ' + str(i)},{'pos' if i % 2 else 'neg'}\n"
        for i in range(12)))
    with pytest.raises(ConfigError) as ei:
        load("csv", path=f)
    msg = str(ei.value)
    assert ("the texts look like column 'review' (the longest strings) and the labels like "
            "'sentiment' (few distinct values); did you mean text_column='review', "
            "label_column='sentiment'?") in msg
    assert "text_column='id'" not in msg


def test_csv_error_inside_a_spec_names_the_yaml_path(tmp_path):
    import augfit as af

    f = tmp_path / "reviews.csv"
    f.write_text("id,review,sentiment\n" + "".join(
        f"{i},{'a long and winding review number ' + str(i)},{'pos' if i % 2 else 'neg'}\n"
        for i in range(12)))
    spec = {"dataset": {"name": "csv", "options": {"path": str(f), "text_column": "review"}},
            "train_sizes": [4], "seeds": 2, "methods": ["baseline"]}
    with pytest.raises(ConfigError) as ei:
        af.experiments.run(spec, out=tmp_path / "out", progress=False)
    msg = str(ei.value)
    assert 'no column for dataset.options.label_column: "label"' in msg
    assert 'did you mean dataset.options.text_column: "review", dataset.options.label_column: ' \
           '"sentiment"?' in msg
    assert "label_column=" not in msg


def test_missing_files_are_named_in_the_callers_language(tmp_path):
    from augfit.checks import options_at
    from augfit.errors import MissingResourceError

    for name in ("npz", "image_folder", "csv"):
        with pytest.raises(MissingResourceError, match=r"does not exist; pass path= to "):
            load(name, path=tmp_path / "nope")
        with options_at("dataset.options"), pytest.raises(
                MissingResourceError, match=r"does not exist; set dataset.options.path to "):
            load(name, path=tmp_path / "nope")
