"""``csv``: texts and labels from a CSV or TSV file with named (or numbered) columns.

``reviews.csv`` with a header ``id,review,sentiment`` -> ``load_csv(path, text_column="review",
label_column="sentiment")``. The header is detected (the first row holding the column names), the
delimiter is sniffed (``.tsv``/``.tab`` files are tab-separated), the file must be UTF-8, and every
bad row is reported with its file and line.
"""
from __future__ import annotations

import csv
import io
import os
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ...checks import give, quotable, setting
from ...errors import ConfigError
from ...files import require
from ...registry import DATASETS
from ..container import Dataset, from_arrays

_SNIFF = ",\t;|"


_BOMS = ((b"\xff\xfe\x00\x00", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32"),
         (b"\xff\xfe", "UTF-16"), (b"\xfe\xff", "UTF-16"))


def decode_utf8(raw: bytes, path: Path) -> str:
    """The file's text (a UTF-8 byte-order mark is dropped); a UTF-16/32 file is recognised by its
    byte-order mark, and a non-UTF-8 byte is reported with its line and column."""
    for bom, name in _BOMS:
        if raw.startswith(bom):
            raise ConfigError(
                f"{path} is {name} text (it starts with a {name} byte-order mark); save it as "
                f"UTF-8 (e.g. `iconv -f {name} -t utf-8 {path.name} > fixed.csv`)")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        col = e.start - (raw.rfind(b"\n", 0, e.start) + 1) + 1
        raise ConfigError(
            f"{path}, line {line}, column {col}: byte 0x{raw[e.start]:02x} is not UTF-8; save the "
            f"file as UTF-8 (e.g. `iconv -f latin1 -t utf-8 {path.name} > fixed.csv`)") from None


def _delimiter(text: str, path: Path, sep: str | None) -> str:
    if sep is not None:
        if not isinstance(sep, str) or len(sep) != 1:
            raise ConfigError(f"csv(sep=...) must be one character such as ',' or '\\t', "
                              f"got {sep!r}")
        return sep
    if path.suffix.lower() in (".tsv", ".tab"):
        return "\t"
    head = "\n".join(text.splitlines()[:50])
    try:
        return csv.Sniffer().sniff(head, delimiters=_SNIFF).delimiter
    except csv.Error:
        return ","


def _find(header: list[str], column: str | int) -> int | None:
    if isinstance(column, int):
        return column if 0 <= column < len(header) else None
    norm = [h.strip() for h in header]
    if column in norm:
        return norm.index(column)
    low = [h.lower() for h in norm]
    return low.index(column.strip().lower()) if column.strip().lower() in low else None


def _check_column(value: object, option: str) -> str | int:
    if isinstance(value, bool) or not isinstance(value, (str, int)) or value == "" or (
            isinstance(value, int) and value < 0):
        raise ConfigError(f"csv({option}=...) must be a column name or a 0-based column number, "
                          f"got {value!r}")
    return value


@DATASETS.register("csv")
def load_csv(path: str | os.PathLike[str], text_column: str | int = "text",
             label_column: str | int = "label", sep: str | None = None,
             header: bool | None = None) -> Dataset:
    """A text Dataset from a CSV/TSV file.

    Parameters
    ----------
    path : file
        UTF-8 text; ``.tsv``/``.tab`` files are read tab-separated.
    text_column, label_column : str or int
        Column names (matched exactly, then ignoring case and spaces) or 0-based numbers.
    sep : str, optional
        The delimiter; default: sniffed from the first lines among ``, TAB ; |``.
    header : bool, optional
        Whether the first row is a header. Default: yes when the columns are named; with numbered
        columns, when the first row's label occurs nowhere else in the label column.

    Returns
    -------
    Dataset
        Modality "text"; classes are the label values in sorted order; ``meta["line"]`` is each
        sample's line in the file.
    """
    file = Path(path).expanduser()
    require(file, "a file", "csv", f"{give('path')} to a CSV or TSV file")
    text_column = _check_column(text_column, "text_column")
    label_column = _check_column(label_column, "label_column")
    text = decode_utf8(file.read_bytes(), file)
    delim = _delimiter(text, file, sep)
    rows = _rows(text, file, delim)
    if not rows:
        raise ConfigError(f"{file} holds no rows; expected a header and one row per sample")
    named = isinstance(text_column, str) or isinstance(label_column, str)
    first = rows[0][1]
    if header is None:
        header = named or _label_unique(rows, label_column)
    if named and not header:
        raise ConfigError(f"csv(header=False) needs numbered columns (text_column=0, "
                          f"label_column=1), got names {text_column!r}, {label_column!r}")
    cols = first if header else [str(i) for i in range(len(first))]
    ti, li = _find(cols, text_column), _find(cols, label_column)
    if ti is None or li is None:
        raise _no_column(file, rows, cols, header, delim,
                         {"text_column": (text_column, ti), "label_column": (label_column, li)})
    texts, labels, lines = _samples(file, rows[1:] if header else rows, len(first), header,
                                    delim, (ti, li), label_column)
    _check_labels(file, label_column, labels)
    return from_arrays(texts, labels, "text",
                       meta={"source": str(file), "line": np.array(lines, np.int64)})


def _samples(file: Path, body: list[tuple[int, list[str]]], width: int, header: bool,
             delim: str, at: tuple[int, int], label_column: str | int
             ) -> tuple[list[str], list[str], list[int]]:
    """The texts, labels and line numbers of the data rows ``body`` (text and label at the
    indices ``at``), each row checked to have ``width`` fields and a label."""
    ti, li = at
    texts, labels, lines = [], [], []
    for lineno, row in body:
        if len(row) != width:
            raise ConfigError(
                f"{file}, line {lineno}: {len(row)} fields but the "
                f"{'header' if header else 'first row'} has {width}; quote the text if it "
                f"holds the delimiter {sep_name(delim)} (e.g. \"great film, really great\",pos), "
                "or fix the row")
        label = row[li].strip()
        if not label:
            raise ConfigError(f"{file}, line {lineno}, column {li + 1}: empty label "
                              f"({label_column!r}); give every row a label or remove the row")
        texts.append(row[ti])
        labels.append(label)
        lines.append(lineno)
    return texts, labels, lines


def guess_columns(cols: Sequence[str], rows: Sequence[Sequence[str]]) -> tuple[int, int | None]:
    """(text, label) column indices guessed from the data ``rows``: the text is the column with the
    longest strings on average, the label the other column with the fewest distinct values (at
    least 2, and fewer than half the rows: a label repeats); None when no column looks like one.

    >>> guess_columns(["id", "review", "stars"],
    ...               [["1", "Great film, loved it", "5"], ["2", "Dull and long", "1"],
    ...                ["3", "Fine acting but a weak end", "5"], ["4", "Not for me", "1"],
    ...                ["5", "A classic", "5"]])
    (1, 2)
    """
    sample = [r for r in rows[:500] if len(r) >= len(cols)]
    mean_len = [float(np.mean([len(r[i]) for r in sample])) if sample else 0.0
                for i in range(len(cols))]
    text = int(np.argmax(mean_len))
    distinct = {i: len({r[i].strip() for r in sample}) for i in range(len(cols)) if i != text}
    labels = [i for i, k in distinct.items() if k >= 2 and (k < len(sample) / 2 or k <= 2)]
    label = min(labels, key=lambda i: (distinct[i], i)) if labels else None
    return text, label


def _no_column(file: Path, rows: list[tuple[int, list[str]]], cols: list[str], header: bool,
               delim: str, asked: dict[str, tuple[str | int, int | None]]) -> ConfigError:
    """The error for a text or label column that is not in the file, with a guess of the right
    ones, in the caller's language (a Python keyword or the spec's ``dataset.options`` path)."""
    what = ", ".join(setting(opt, c) for opt, (c, i) in asked.items() if i is None)
    first = rows[0][1]
    if not (len(first) >= 2 and all(quotable(c) and c.strip() for c in first)):
        # not a CSV of named columns (e.g. a password file): named, never echoed
        return ConfigError(
            f"{file}, line {rows[0][0]}: no column for {what}; the first row holds {len(first)} "
            f"field(s) that are not column names (delimiter {sep_name(delim)}); name the "
            "header's columns, or number them from 0 in a file without one")
    more = f", ... ({len(first)} columns)" if len(first) > 8 else ""
    shown = ", ".join(repr(c) for c in first[:8]) + more
    text, label = guess_columns(cols, [r for _, r in (rows[1:] if header else rows)])
    name = (lambda i: cols[i]) if header else (lambda i: i)
    guess = [setting("text_column", name(text))]
    why = f"the texts look like column {cols[text]!r} (the longest strings)"
    if label is not None:
        guess.append(setting("label_column", name(label)))
        why += f" and the labels like {cols[label]!r} (few distinct values)"
    return ConfigError(
        f"{file}, line {rows[0][0]}: no column for {what}; the first row holds {shown} "
        f"(delimiter {sep_name(delim)}); {why}; did you mean {', '.join(guess)}? (columns are "
        "named by the header, or numbered from 0 in a file without one)")


def sep_name(delim: str) -> str:
    """A delimiter as a message names it: ``tab`` or ``','``."""
    return "tab" if delim == "\t" else repr(delim)


def _rows(text: str, file: Path, delim: str) -> list[tuple[int, list[str]]]:
    """The non-blank rows of ``text`` with their line numbers. A field may be as long as the file
    (csv's own limit, 128 KiB, would refuse a long legitimate review)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    rows: list[tuple[int, list[str]]] = []
    old_limit = csv.field_size_limit()
    csv.field_size_limit(max(old_limit, len(text) + 1))
    try:
        for row in reader:
            if row and any(c.strip() for c in row):
                rows.append((reader.line_num, row))
    except csv.Error as e:
        raise ConfigError(f"{file}, line {reader.line_num}: not valid CSV ({e}); check the "
                          "quoting of that line") from None
    finally:
        csv.field_size_limit(old_limit)
    return rows


def _label_unique(rows: list[tuple[int, list[str]]], label_column: str | int) -> bool:
    if not isinstance(label_column, int) or len(rows) < 3 or len(rows[0][1]) <= label_column:
        return False
    first = rows[0][1][label_column].strip()
    return all(len(r) <= label_column or r[label_column].strip() != first for _, r in rows[1:])


def _check_labels(file: Path, label_column: str | int, labels: Sequence[str]) -> None:
    classes = sorted(set(labels))
    if not labels:
        raise ConfigError(f"{file} has a header but no data rows")
    if len(classes) < 2:
        raise ConfigError(f"{file}: label column {label_column!r} holds one class ({classes[0]!r}) "
                          f"in all {len(labels)} rows; a classifier needs at least 2 classes: "
                          "check that label_column names the label, or add the other classes")
    if len(labels) >= 10 and len(classes) > len(labels) / 2:
        warnings.warn(f"{file}: label column {label_column!r} has {len(classes)} distinct values "
                      f"in {len(labels)} rows; is it really the label? (label_column=...)",
                      stacklevel=3)


__all__ = ["decode_utf8", "load_csv"]
