"""Your own data in memory: a pandas DataFrame with named columns, ``(x, y)`` arrays or a Dataset,
turned into a :class:`~augfit.data.datasets.Dataset` (what ``experiments.run(data=...)`` accepts).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, TypeGuard

import numpy as np

from ...errors import ConfigError, ShapeError
from ..container import Dataset, from_arrays

if TYPE_CHECKING:
    from pandas import DataFrame

ROLES = ("text", "image", "audio", "label", "group")


def is_frame(obj: object) -> TypeGuard[DataFrame]:
    """True for a pandas DataFrame (without importing pandas)."""
    return type(obj).__name__ == "DataFrame" and type(obj).__module__.startswith("pandas")


def from_frame(df: DataFrame, columns: Mapping[str, str] | None = None,
               sample_rate: int | None = None) -> Dataset:
    """A Dataset from a pandas DataFrame.

    Parameters
    ----------
    df : pandas.DataFrame
    columns : mapping
        Which column holds what: exactly one of ``"text"``, ``"image"`` (a 2-D/3-D array per row)
        or ``"audio"`` (a 1-D waveform per row, all one length), plus ``"label"`` and optionally
        ``"group"``. Default ``{"text": "text", "label": "label"}``.
    sample_rate : int, optional
        Audio: the waveforms' rate.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"review": ["good", "bad", "fine"], "sentiment": ["pos", "neg", "pos"]})
    >>> from_frame(df, {"text": "review", "label": "sentiment"}).classes
    ['neg', 'pos']
    """
    if not is_frame(df):
        raise ConfigError(f"from_frame(df=...) must be a pandas DataFrame, got {type(df).__name__}")
    cols, kind = _columns(df, columns)
    if len(df) == 0:
        raise ConfigError("DataFrame has no rows; a dataset needs samples")
    label_col = df[cols["label"]]
    if label_col.isna().any():
        row = df.index[label_col.isna().to_numpy()][0]
        raise ConfigError(f"DataFrame column {cols['label']!r} (label) is empty at row {row!r}; "
                          "drop unlabelled rows first (df.dropna(subset=[...]))")
    y = label_col.to_numpy()
    x = _inputs(df, cols[kind], kind)
    if len(set(map(str, y))) < 2:
        raise ConfigError(f"DataFrame column {cols['label']!r} (label) holds one class "
                          f"({str(y[0])!r}) in all {len(y)} rows; a classifier needs at least 2")
    meta: dict[str, object] = {"source": "pandas.DataFrame"}
    if sample_rate is not None:
        meta["sample_rate"] = int(sample_rate)
    groups = df[cols["group"]].to_numpy() if "group" in cols else None
    return from_arrays(x, y, kind, meta=meta, groups=groups)


def _columns(df: DataFrame, columns: Mapping[str, str] | None) -> tuple[dict[str, str], str]:
    """The checked role -> column mapping and the input's role ("text", "image" or "audio")."""
    cols = dict(columns) if columns is not None else {"text": "text", "label": "label"}
    unknown = [k for k in cols if k not in ROLES]
    inputs = [k for k in ("text", "image", "audio") if k in cols]
    have = [str(c) for c in df.columns]
    if unknown or len(inputs) != 1 or "label" not in cols:
        raise ConfigError(
            f"DataFrame columns={cols!r}: say which column holds the input (one of 'text', "
            f"'image', 'audio') and which the label, e.g. data=(df, {{'text': 'review', 'label': "
            f"'sentiment'}}); the DataFrame's columns are {have}"
            + (f"; unknown keys {unknown}" if unknown else ""))
    for role, name in cols.items():
        if name not in df.columns:
            raise ConfigError(f"DataFrame has no column {name!r} (given as {role!r}); its columns "
                              f"are {have}; pass data=(df, {{{inputs[0]!r}: <column>, 'label': "
                              "<column>}) naming existing columns")
    used = {str(c) for c in cols.values()}
    twice = sorted({str(c) for c in df.columns[df.columns.duplicated()]} & used)
    if twice:
        raise ConfigError(f"DataFrame has more than one column named {twice[0]!r}; rename or drop "
                          "the duplicates (df.loc[:, ~df.columns.duplicated()])")
    return cols, inputs[0]


def _inputs(df: DataFrame, column: str, kind: str) -> np.ndarray | list[str]:
    """The input column as a list of str (text) or one stacked array (image, audio)."""
    raw: list[str] = df[column].tolist()     # checked to be str below, for text
    if kind == "text":
        bad = [i for i, s in zip(df.index, raw, strict=True) if not isinstance(s, str)]
        if bad:
            raise ConfigError(f"DataFrame column {column!r} (text) holds a non-string at row "
                              f"{bad[0]!r}: {raw[df.index.get_loc(bad[0])]!r}; fill or drop it")
        return raw
    arrays = [np.asarray(v) for v in raw]
    shapes = {a.shape for a in arrays}
    if len(shapes) != 1:
        raise ShapeError(f"DataFrame column {column!r} ({kind}) holds arrays of shapes "
                         f"{sorted(shapes)[:3]}; make them one shape (resize / pad) first")
    return np.stack(arrays)


def as_dataset(data: object) -> Dataset:
    """``data`` as a Dataset: a Dataset, ``(x, y)`` arrays, a DataFrame with ``text``/``label``
    columns, or ``(DataFrame, {"text": column, "label": column})``."""
    if isinstance(data, Dataset):
        return data
    if is_frame(data):
        return from_frame(data)
    if isinstance(data, tuple) and len(data) == 2:
        first, second = data
        if is_frame(first):
            if not isinstance(second, Mapping):
                raise ConfigError("data=(DataFrame, columns): columns must be a mapping such as "
                                  f"{{'text': 'review', 'label': 'sentiment'}}, got {second!r}")
            return from_frame(first, second)
        y = np.asarray(second)
        if y.ndim != 1:
            raise ShapeError(f"data=(x, y): y must be one label per sample (1-D), got shape "
                             f"{y.shape}")
        return from_arrays(first, y)
    raise ConfigError(f"data= must be an augfit Dataset, (x, y) arrays, a pandas DataFrame or "
                      f"(DataFrame, {{'text': column, 'label': column}}), got "
                      f"{type(data).__name__}")


__all__ = ["as_dataset", "from_frame", "is_frame"]
