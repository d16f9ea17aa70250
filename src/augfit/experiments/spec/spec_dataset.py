"""The ``dataset`` section of an experiment spec: a dataset by name or by card, its loader options
(checked against the loader's signature), the split, the columns of in-memory data, and the content
fingerprint the runner adds (see :mod:`.spec` for the format)."""
from __future__ import annotations

import inspect
import re
from collections.abc import Mapping
from pathlib import Path

from ...checks import did_you_mean
from ...errors import AugfitError
from ...jsontypes import JSONDict, is_json_dict
from .checker import Checker, arg_names, join_path, show
from .sections import DatasetSection, SplitSection

_DEFAULT_SPLIT: SplitSection = {"val": 0.2, "test": 0.2, "seed": 0, "stratify": True,
                                "by_group": False}
_DATASET_FIELDS = ["name", "options", "split", "card", "fingerprint", "columns"]
IN_MEMORY = "data"                      # dataset.name of data passed as run(data=...)
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def dataset_section(ck: Checker, v: object, base_dir: Path, user_data: bool = False
                    ) -> tuple[DatasetSection, object]:
    """The canonical dataset section and the card's default featurizer (or None; checked as
    ``features`` is).

    ``card`` is read (its path resolved from the spec's folder) and replaced by its loader, options
    and default split; a relative ``options.path`` is resolved from the spec's folder. With
    ``user_data`` (``run(data=...)``) the section is optional and may only give the split.
    """
    if v is None and user_data:
        v = {}
    d = ck.mapping(v, "dataset", _DATASET_FIELDS)
    fp = d.get("fingerprint")
    if fp is not None and (not isinstance(fp, str) or not _HEX64.match(fp)):
        raise ck.expected("dataset.fingerprint", "a SHA-256 in hex (64 characters, written by "
                          "the runner; remove the field to compute it)", fp)
    options = d.get("options", {})
    if not isinstance(options, Mapping):
        raise ck.expected("dataset.options", "a mapping of keyword arguments", options)
    name, options, card_split, featurizer = _source(ck, d, dict(options), base_dir, user_data)
    if "path" in options:
        from ...data.cards import resolve_path

        resolved = resolve_path(options["path"], Path(base_dir))
        if isinstance(resolved, str):             # a path string, made absolute
            options["path"] = resolved
    if name != IN_MEMORY and fp is None:
        check_dataset_options(ck, name, options, "dataset.options")
    out: DatasetSection = {"name": name, "options": options, "split": _split(ck, d, card_split)}
    if "columns" in d:
        out["columns"] = _columns(ck, d["columns"], name == IN_MEMORY)
    if fp is not None:
        out["fingerprint"] = fp
    return out, featurizer


def _source(ck: Checker, d: Mapping[str, object], options: JSONDict, base_dir: Path,
            user_data: bool) -> tuple[str, JSONDict, Mapping[str, object], object]:
    """Where the data come from: (dataset name, loader options, the card's split, the card's
    featurizer), for data in memory, a card (its options under the spec's) or a name."""
    fp = d.get("fingerprint")
    if user_data:
        extra = [k for k in ("name", "options", "card") if k in d and
                 not (k == "name" and d[k] == IN_MEMORY) and not (k == "options" and not d[k])]
        if extra and fp is None:
            raise ck.fail(f"dataset.{extra[0]}", "the data is passed in memory (data=...); the "
                          "spec's dataset section may only give split (and columns, for a "
                          f"DataFrame): remove dataset.{extra[0]} or call run() without data=")
        return IN_MEMORY, options, {}, None
    if "card" in d:
        if "name" in d:
            raise ck.fail("dataset", "give either card or name, not both")
        from ...data.cards import load_card

        card_path = ck.string(d["card"], "dataset.card", "a path to a dataset card (YAML)")
        try:
            card = load_card(Path(base_dir) / Path(card_path).expanduser())
        except AugfitError as e:
            raise ck.fail("dataset.card", str(e)) from None
        merged = {**card.options, **options}
        if not is_json_dict(merged):
            raise ck.fail("dataset.card", "its options must be plain values (strings, numbers, "
                          "booleans, lists, mappings), as in a spec")
        return card.loader, merged, card.split, card.featurizer
    from ...registry import DATASETS

    if "name" not in d:
        raise ck.fail("dataset.name", "required field is missing (or give card: "
                      "../datasets/NAME.yaml, or pass data= to run())")
    name = ck.string(d["name"], "dataset.name")
    if name == IN_MEMORY and fp is None:
        raise ck.fail("dataset.name", f'"{IN_MEMORY}" stands for data passed in memory; '
                      "call augfit.experiments.run(spec, data=...) or name a dataset")
    if name != IN_MEMORY and fp is None and name not in DATASETS:
        raise ck.expected("dataset.name", "one of " + ", ".join(DATASETS.available()), name,
                          did_you_mean(name, DATASETS.available()))
    return name, options, {}, None


def _split(ck: Checker, d: Mapping[str, object], card_split: Mapping[str, object]
           ) -> SplitSection:
    """``dataset.split`` over the card's split over the defaults, checked."""
    s = ck.mapping(d.get("split", {}), "dataset.split", list(_DEFAULT_SPLIT))
    ck.mapping(card_split, "dataset.card.split", list(_DEFAULT_SPLIT))
    split = {**_DEFAULT_SPLIT, **card_split, **s}
    val = ck.number(split["val"], "dataset.split.val", 0, 1, lo_open=True, hi_open=True)
    test = split["test"]
    if test != "official":
        if isinstance(test, str):
            raise ck.expected("dataset.split.test", 'a number in (0, 1) or "official" (the '
                              "dataset's own test set)", test)
        test = ck.number(test, "dataset.split.test", 0, 1, lo_open=True, hi_open=True)
        if val + test >= 1:
            raise ck.fail("dataset.split", f"val + test must be < 1 to leave training data, got "
                          f"{val} + {test}")
    return {"val": val, "test": test,
            "seed": int(ck.number(split["seed"], "dataset.split.seed", lo=0, integer=True)),
            "stratify": ck.boolean(split["stratify"], "dataset.split.stratify"),
            "by_group": ck.boolean(split["by_group"], "dataset.split.by_group")}


def check_dataset_options(ck: Checker, name: str, options: Mapping[str, object],
                          path: str = "dataset.options") -> None:
    """Every key of ``options`` is an argument of dataset ``name``'s loader, and every argument
    the loader requires is given (checked against the loader's signature, before loading)."""
    from ...registry import DATASETS

    loader = DATASETS.get(name)
    allowed = arg_names(loader)
    if allowed is None:
        return
    for key in options:
        if key not in allowed:
            hint = did_you_mean(key, allowed)
            hint = f"{hint} " if hint else ""
            takes = f"it takes {', '.join(allowed)}" if allowed else "it takes no options"
            raise ck.fail(join_path(path, key),
                          f"unknown option of dataset {name!r}; {hint}{takes}")
    params = inspect.signature(loader).parameters
    for key, par in params.items():
        if par.default is par.empty and key in allowed and key not in options:
            raise ck.fail(join_path(path, key), f"dataset {name!r} needs this option; add it")


def _columns(ck: Checker, v: object, in_memory: bool) -> dict[str, str]:
    """``dataset.columns``: which DataFrame column (passed as ``run(data=df)``) holds what."""
    if not in_memory:
        raise ck.fail("dataset.columns", "names the columns of a pandas DataFrame passed as "
                      "run(spec, data=df); remove it, or pass the DataFrame")
    roles = ("text", "image", "audio", "label", "group")
    c = ck.mapping(v, "dataset.columns", roles, required=["label"])
    out = {k: ck.string(col, f"dataset.columns.{k}", "a column name") for k, col in c.items()}
    if sum(k in c for k in ("text", "image", "audio")) != 1:
        raise ck.fail("dataset.columns", f"expected exactly one of text, image, audio (the input "
                      f"column) besides label, got {show(dict(c))}")
    return out


__all__ = ["IN_MEMORY", "check_dataset_options", "dataset_section"]
