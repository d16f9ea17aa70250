"""Experiment specs: a YAML file in ``pipelines/`` parsed and validated into a :class:`Spec`.

Every field is checked on load and unknown fields are errors. A bad value raises
:class:`~augfit.errors.ConfigError` naming the file, the field path, the value and what is allowed::

    pipelines/x.yaml: methods[2].augment[0].limit: Rotate(limit=...) must lie within
    [-180, 180], got 200

The format (defaults shown; only ``dataset.name`` (or ``dataset.card``), ``train_sizes`` and
``methods`` are required; with ``run(spec, data=...)`` the dataset section is optional)::

    name: digits_overfitting          # default: the file name without extension
    description: ""
    dataset:
      name: digits                    # one of augfit.datasets.available()
      options: {}                     # keyword arguments of augfit.datasets.load; a relative
                                      # path is resolved from the spec's folder
      # card: ../datasets/digits.yaml # instead of name: a dataset card (its loader, options,
                                      # default split and featurizer; options/split here override)
      # columns: {text: review, label: sentiment}   # with run(spec, data=DataFrame): which
                                      # column holds the input (text | image | audio) and the label
      split: {val: 0.2, test: 0.2, seed: 0, stratify: true, by_group: false}
                                      # test: official = the dataset's own test set (samples with
                                      # meta["official_test"]: fsdd, fashion_mnist with
                                      # options {split: all}); val is then a fraction of the rest
    features: null                    # featurizer name or {type: name, ...}; null: images flattened
    model: {hidden: [64], activation: relu}          # relu | sigmoid | tanh
    training:
      optimizer: adam                 # sgd | momentum | adam
      lr: 0.001
      weight_decay: 0.0               # L2 penalty
      batch_size: 32
      epochs: 100                     # the maximum; early stopping may end a cell sooner
      loss: cross_entropy             # cross_entropy | mse
    splits: 1                         # repeated stratified splits (seeds nested in each); split 0
                                      # is dataset.split.seed's split, split k from (seed, k); with
                                      # test: official only val varies. splits x seeds >= 2
    seeds: 5                          # a count (seeds 0..4) or a list of distinct ints
    train_sizes: [50, 100, 200]       # sizes (stratified subsamples of the training split);
                                      # "all" = the whole training split, resolved when the
                                      # run starts
    train_size_unit: samples          # samples | per_class
    baseline: baseline                # the method the others are compared with
    bootstrap: {resamples: 10000, seed: 0, confidence: 0.95}    # confidence in (0.5, 1)
    notes: {}                         # free text; tuned_on: what a pilot already looked at (a
                                      # string or list), e.g. "split 0, seeds 0-4: lr, epochs"
    tracking: {mlflow: URI}           # optional: also log each cell to MLflow (not part of results)
    methods:
      - baseline                      # a bare name: no augmentation, no dropout, no early stopping
      - name: rotate                  # augment: transforms in the transform core's serialized form
        augment: [{type: Rotate, limit: 15}]
      - {name: from_file, augment: augment/digits.yaml}   # a file (YAML/JSON), relative to the spec
      - {name: dropout, dropout: 0.3}
      - name: early_stopping
        early_stopping: {patience: 10, monitor: val_loss, min_delta: 0.0,
                         restore_best_weights: true, start_from_epoch: 0}
      - {name: all, augment: [...], dropout: 0.2, early_stopping: {patience: 10}}
      - {name: mixup, augment: [{type: MixUp, alpha: 0.2}]}     # soft targets (N, K)
      - {name: text_mixup, mix: {type: MixUp, alpha: 0.2}}       # MixUp of the featurized rows
      - {name: smooth, label_smoothing: 0.1}                      # in [0, 1)
      - {name: wd, weight_decay: 5.0e-4}       # this method's L2 penalty, biases excluded
      - {name: wd_all, weight_decay: 5.0e-4, decay_bias: true}   # biases decayed too
      - name: rotate                  # a strength sweep: rotate[limit=5], rotate[limit=10], ...
        augment: [{type: Rotate}]
        sweep: {param: "augment[0].limit", values: [5, 10, 20, 40]}   # quoted in {...}
      - name: mixup                   # the same as a dotted key: mixup[alpha=0.1], ...
        augment: [{type: MixUp}]
        mixup.alpha: [0.1, 0.2, 0.4]  # transform type (or path) . argument: values

``weight_decay`` in a method overrides ``training.weight_decay`` for that method and, unless
``decay_bias: true``, leaves the biases out of the penalty (the usual practice).
``training.weight_decay`` keeps its earlier meaning (every parameter, biases included), so existing
specs give the same results and the same cell keys; so do methods that set none of the new fields.

``augment`` is a list of transform dicts (run in order, as a Compose), one transform dict (which may
itself be a Compose/OneOf/...), or a path to a file holding either. The pipelines are built with
:meth:`augfit.transforms.base.Transform.from_dict` at load time, so an invalid argument is reported
here, with its path, rather than in the middle of a run.
"""
from __future__ import annotations

import copy
import inspect
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..checks import did_you_mean
from ..errors import AugfitError, ConfigError
from ..hashing import json_digest
from ..nn.layers import ACTIVATIONS
from ..nn.losses import LOSSES
from ..nn.optim import OPTIMIZERS
from .checker import Checker, arg_names, check_integers, join_path, load_yaml, read_text, show

_DEFAULT_SPLIT = {"val": 0.2, "test": 0.2, "seed": 0, "stratify": True, "by_group": False}
_DEFAULT_MODEL = {"hidden": [64], "activation": "relu"}
_DEFAULT_TRAINING = {"optimizer": "adam", "lr": 0.001, "weight_decay": 0.0, "batch_size": 32,
                     "epochs": 100, "loss": "cross_entropy"}
_DEFAULT_BOOTSTRAP = {"resamples": 10000, "seed": 0, "confidence": 0.95}
_DEFAULT_ES = {"patience": 10, "monitor": "val_loss", "min_delta": 0.0,
               "restore_best_weights": True, "start_from_epoch": 0}
_TOP = ["name", "description", "dataset", "features", "model", "training", "splits", "seeds",
        "train_sizes", "train_size_unit", "baseline", "bootstrap", "notes", "methods", "tracking"]
_METHOD_FIELDS = ["name", "augment", "dropout", "early_stopping", "label_smoothing",
                  "weight_decay", "decay_bias", "mix"]


@dataclass(frozen=True)
class Method:
    """One method of the comparison: any mix of augmentation, dropout and early stopping."""

    name: str
    augment: dict[str, Any] | None = None       # a transform dict (Transform.from_dict builds it)
    dropout: float = 0.0
    early_stopping: dict[str, Any] | None = None
    label_smoothing: float = 0.0
    weight_decay: float | None = None           # None: training.weight_decay (all parameters)
    decay_bias: bool = False                    # with weight_decay: decay the biases too
    mix: dict[str, Any] | None = None           # a label-mixing transform dict for the features

    def config(self) -> dict[str, Any]:
        """What the method does, without its name (part of each cell's key). Fields added after
        the first release appear only when set, so older specs keep their cell keys."""
        out: dict[str, Any] = {"augment": self.augment, "dropout": self.dropout,
                               "early_stopping": self.early_stopping}
        if self.label_smoothing:
            out["label_smoothing"] = self.label_smoothing
        if self.weight_decay is not None:
            out["weight_decay"] = self.weight_decay
            out["decay_bias"] = self.decay_bias
        if self.mix is not None:
            out["mix"] = self.mix
        return out

    def mixes_labels(self) -> bool:
        """True if the method's augment or mix step produces soft targets (MixUp, CutMix...)."""
        from ..transforms.base import Transform

        return any(d is not None and Transform.from_dict(d).changes_labels()
                   for d in (self.augment, self.mix))


@dataclass(frozen=True)
class Cell:
    """One run of the grid: a method trained on one split, with one seed, on one training-set
    size. Pairs (a method and the baseline) share (split, seed, train_size)."""

    method: str
    seed: int
    train_size: int
    key: str                                    # hash of everything the result depends on
    split: int = 0


@dataclass
class Spec:
    """A validated experiment spec; :attr:`canonical` is the normalized form (defaults filled,
    augment files inlined) and :attr:`hash` its SHA-256."""

    name: str
    description: str
    dataset: dict[str, Any]
    features: Any
    model: dict[str, Any]
    training: dict[str, Any]
    seeds: list[int]
    train_sizes: list[Any]                 # ints, and "all" until :meth:`resolve_sizes`
    train_size_unit: str
    baseline: str
    bootstrap: dict[str, Any]
    methods: list[Method]
    splits: int = 1
    notes: dict[str, Any] = field(default_factory=dict)
    source: str = "<dict>"
    canonical: dict[str, Any] = field(default_factory=dict)
    hash: str = ""
    tracking: dict[str, Any] = field(default_factory=dict)  # where results are also logged; not
    #                                                        part of canonical (results ignore it)

    def method(self, name: str) -> Method:
        for m in self.methods:
            if m.name == name:
                return m
        raise ConfigError(f"{self.source}: no method named {name!r}; methods: "
                          f"{', '.join(m.name for m in self.methods)}")

    def common(self) -> dict[str, Any]:
        """The settings every cell shares (what a cell's result depends on besides its method)."""
        c = self.canonical
        out = {k: c[k] for k in ("dataset", "features", "model", "training", "train_size_unit")}
        if "fingerprint" in out["dataset"]:     # the content identifies the data, not where (the
            ds = copy.deepcopy(out["dataset"])  # path) or how (DataFrame columns) it was found
            ds["options"].pop("path", None)
            ds.pop("columns", None)
            out["dataset"] = ds
        return out

    def with_fingerprint(self, fingerprint: str) -> Spec:
        """This spec with the data's content fingerprint in its dataset section (and so in every
        cell's key and in the stored spec)."""
        canonical = copy.deepcopy(self.canonical)
        canonical["dataset"]["fingerprint"] = fingerprint
        return parse_spec(canonical, source=self.source)

    def resolve_sizes(self, available: int) -> Spec:
        """This spec with ``"all"`` in ``train_sizes`` replaced by ``available`` (the training
        split's size, or its smallest class for ``per_class``); a repeated size is kept once."""
        if "all" not in self.train_sizes:
            return self
        sizes = list(dict.fromkeys(available if s == "all" else s for s in self.train_sizes))
        spec = parse_spec(dict(copy.deepcopy(self.canonical), train_sizes=sizes),
                          source=self.source)
        spec.tracking = dict(self.tracking)
        return spec

    def cells(self) -> list[Cell]:
        """The grid, in run order: size, then split, then seed, then method (so early cells pair
        up)."""
        if "all" in self.train_sizes:
            raise ConfigError(f"{self.source}: train_sizes holds \"all\"; resolve it against the "
                              f"training split first (augfit.experiments.run does)")
        common = self.common()
        out = []
        for size in self.train_sizes:
            for split in range(self.splits):
                for seed in self.seeds:
                    for m in self.methods:
                        key = json_digest({"common": common, "method": m.config(), "split": split,
                                      "seed": seed, "train_size": size})
                        out.append(Cell(m.name, seed, size, key, split))
        return out




def load_spec(path: str | Path, user_data: bool = False) -> Spec:
    """Read and validate a YAML (or JSON) spec file (at most 1 MB, and 100,000 values once its
    YAML aliases are expanded); relative paths in it (``dataset.card``, ``dataset.options.path``,
    ``augment`` files) are resolved from the file's folder."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"spec file {str(path)!r} does not exist; pass a YAML file such as "
                          f"pipelines/digits_overfitting.yaml")
    data = load_yaml(read_text(p, "spec file"), str(path))
    default = re.sub(r"[^A-Za-z0-9_.+-]", "_", p.stem).lstrip(".+-")[:100] or "experiment"
    return parse_spec(data, source=str(path), base_dir=p.parent, default_name=default,
                      user_data=user_data)


def parse_spec(data: Any, source: str = "<dict>", base_dir: str | Path = ".",
               default_name: str = "experiment", user_data: bool = False) -> Spec:
    """Validate a spec given as a dict (``source`` is used in error messages; relative paths are
    resolved from ``base_dir``). ``user_data``: the data will be passed in memory
    (``run(spec, data=...)``), so the dataset section is optional."""
    ck = Checker(source)
    required = ("train_sizes", "methods") if user_data else ("dataset", "train_sizes", "methods")
    d = ck.mapping(data, "", _TOP, required=required)
    check_integers(ck, d)                        # before any field is used
    name = ck.name(d.get("name", default_name), "name")
    description = d.get("description", "")
    if not isinstance(description, str):
        raise ck.expected("description", "a string", description)
    dataset, card_features = _dataset(ck, d.get("dataset"), Path(base_dir), user_data)
    features = _features(ck, d.get("features", card_features))
    model = _model(ck, d.get("model", {}))
    training = _training(ck, d.get("training", {}))
    seeds = _seeds(ck, d.get("seeds", 5))
    n_splits = int(ck.number(d.get("splits", 1), "splits", 1, 10000, integer=True))
    if n_splits * len(seeds) < 2:
        raise ck.fail("splits", f"splits x seeds = {n_splits} x {len(seeds)} gives one pair per "
                      f"comparison; the intervals need at least 2 independent (split, seed) "
                      f"units: set seeds: 5 (or more), or splits: 3")
    notes = _notes(ck, d.get("notes", {}))
    sizes = _sizes(ck, d["train_sizes"])
    unit = ck.choice(d.get("train_size_unit", "samples"), "train_size_unit",
                     ["samples", "per_class"])
    boot = _bootstrap(ck, d.get("bootstrap", {}))
    methods = _methods(ck, d["methods"], Path(base_dir))
    for i, m in enumerate(methods):
        if training["batch_size"] < 2 and m.mixes_labels():
            raise ck.fail("training.batch_size", f"is {training['batch_size']} but method "
                          f"{m.name!r} (methods[{i}]) mixes labels (MixUp/CutMix), which pairs "
                          f"samples within a batch; use batch_size >= 2")
    baseline = ck.string(d.get("baseline", "baseline"), "baseline")
    if baseline not in [m.name for m in methods]:
        raise ck.fail("baseline", f"{show(baseline)} is not one of the methods "
                      f"({', '.join(m.name for m in methods)}); add it to methods or name another")
    spec = Spec(name, description, dataset, features, model, training, seeds, sizes, unit, baseline,
                boot, methods, splits=n_splits, notes=notes, source=source,
                tracking=_tracking(ck, d.get("tracking", {}), Path(base_dir)))
    spec.canonical = {
        "name": name, "description": description, "dataset": dataset, "features": features,
        "model": model, "training": training, "splits": n_splits, "seeds": seeds,
        "train_sizes": sizes, "train_size_unit": unit, "baseline": baseline, "bootstrap": boot,
        "notes": notes,
        "methods": [{"name": m.name, **m.config()} for m in methods],
    }
    spec.canonical = json.loads(json.dumps(spec.canonical))
    spec.hash = json_digest(spec.canonical)
    return spec


def spec_from_canonical(canonical: Mapping[str, Any], source: str = "<stored spec>") -> Spec:
    """Rebuild a Spec from its canonical form (as stored with the results)."""
    return parse_spec(copy.deepcopy(dict(canonical)), source=source)


# -- sections ----------------------------------------------------------------------------------
def _sizes(ck: Checker, v: Any) -> list[Any]:
    """Distinct positive ints, and optionally "all" (the whole training split)."""
    what = 'positive integers or "all"'
    if not isinstance(v, list) or not v:
        raise ck.expected("train_sizes", f"a non-empty list of {what}", v)
    out: list[Any] = []
    for i, x in enumerate(v):
        size = "all" if x == "all" else int(ck.number(x, f"train_sizes[{i}]", lo=1, integer=True))
        if size in out:
            raise ck.fail(f"train_sizes[{i}]", f"duplicate value {show(x)}; list each value once")
        out.append(size)
    return out


_DATASET_FIELDS = ["name", "options", "split", "card", "fingerprint", "columns"]
IN_MEMORY = "data"                      # dataset.name of data passed as run(data=...)
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def _dataset(ck: Checker, v: Any, base_dir: Path, user_data: bool = False
             ) -> tuple[dict[str, Any], Any]:
    """The canonical dataset section and the card's default featurizer (or None).

    ``card`` is read (its path resolved from the spec's folder) and replaced by its loader, options
    and default split; a relative ``options.path`` is resolved from the spec's folder. With
    ``user_data`` (``run(data=...)``) the section is optional and may only give the split.
    """
    from ..registry import DATASETS

    if v is None and user_data:
        v = {}
    d = ck.mapping(v, "dataset", _DATASET_FIELDS)
    fp = d.get("fingerprint")
    if fp is not None and (not isinstance(fp, str) or not _HEX64.match(fp)):
        raise ck.expected("dataset.fingerprint", "a SHA-256 in hex (64 characters, written by "
                          "the runner; remove the field to compute it)", fp)
    featurizer, card_split, options = None, {}, d.get("options", {})
    if not isinstance(options, Mapping):
        raise ck.expected("dataset.options", "a mapping of keyword arguments", options)
    options = dict(options)
    if user_data:
        extra = [k for k in ("name", "options", "card") if k in d and
                 not (k == "name" and d[k] == IN_MEMORY) and not (k == "options" and not d[k])]
        if extra and fp is None:
            raise ck.fail(f"dataset.{extra[0]}", "the data is passed in memory (data=...); the "
                          "spec's dataset section may only give split (and columns, for a "
                          f"DataFrame): remove dataset.{extra[0]} or call run() without data=")
        name = IN_MEMORY
    elif "card" in d:
        if "name" in d:
            raise ck.fail("dataset", "give either card or name, not both")
        from ..data.cards import load_card

        card_path = ck.string(d["card"], "dataset.card", "a path to a dataset card (YAML)")
        try:
            card = load_card(Path(base_dir) / Path(card_path).expanduser())
        except AugfitError as e:
            raise ck.fail("dataset.card", str(e)) from None
        name, options = card.loader, {**card.options, **options}
        card_split, featurizer = card.split, card.featurizer
    else:
        if "name" not in d:
            raise ck.fail("dataset.name", "required field is missing (or give card: "
                          "../datasets/NAME.yaml, or pass data= to run())")
        name = ck.string(d["name"], "dataset.name")
        if name == IN_MEMORY and fp is None:
            raise ck.fail("dataset.name", f'"{IN_MEMORY}" stands for data passed in memory; '
                          "call augfit.experiments.run(spec, data=...) or name a dataset")
        if name != IN_MEMORY and fp is None and name not in DATASETS:
            raise ck.expected("dataset.name", "one of " + ", ".join(DATASETS.available()), name)
    if "path" in options:
        from ..data.cards import resolve_path

        options["path"] = resolve_path(options["path"], Path(base_dir))
    if name != IN_MEMORY and fp is None:
        check_dataset_options(ck, name, options, "dataset.options")
    s = ck.mapping(d.get("split", {}), "dataset.split", list(_DEFAULT_SPLIT))
    split = {**_DEFAULT_SPLIT, **card_split, **s}
    ck.number(split["val"], "dataset.split.val", 0, 1, lo_open=True, hi_open=True)
    if split["test"] != "official":
        if isinstance(split["test"], str):
            raise ck.expected("dataset.split.test", 'a number in (0, 1) or "official" (the '
                              "dataset's own test set)", split["test"])
        ck.number(split["test"], "dataset.split.test", 0, 1, lo_open=True, hi_open=True)
    if split["test"] != "official" and split["val"] + split["test"] >= 1:
        raise ck.fail("dataset.split", f"val + test must be < 1 to leave training data, got "
                      f"{split['val']} + {split['test']}")
    ck.number(split["seed"], "dataset.split.seed", lo=0, integer=True)
    ck.boolean(split["stratify"], "dataset.split.stratify")
    ck.boolean(split["by_group"], "dataset.split.by_group")
    out = {"name": name, "options": options, "split": split}
    if "columns" in d:
        out["columns"] = _columns(ck, d["columns"], name == IN_MEMORY)
    if fp is not None:
        out["fingerprint"] = fp
    return out, featurizer


def check_dataset_options(ck: Checker, name: str, options: Mapping[str, Any],
                          path: str = "dataset.options") -> None:
    """Every key of ``options`` is an argument of dataset ``name``'s loader, and every argument
    the loader requires is given (checked against the loader's signature, before loading)."""
    from ..registry import DATASETS

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


def _columns(ck: Checker, v: Any, in_memory: bool) -> dict[str, str]:
    """``dataset.columns``: which DataFrame column (passed as ``run(data=df)``) holds what."""
    if not in_memory:
        raise ck.fail("dataset.columns", "names the columns of a pandas DataFrame passed as "
                      "run(spec, data=df); remove it, or pass the DataFrame")
    roles = ("text", "image", "audio", "label", "group")
    c = ck.mapping(v, "dataset.columns", roles, required=["label"])
    for k, col in c.items():
        ck.string(col, f"dataset.columns.{k}", "a column name")
    if sum(k in c for k in ("text", "image", "audio")) != 1:
        raise ck.fail("dataset.columns", f"expected exactly one of text, image, audio (the input "
                      f"column) besides label, got {show(dict(c))}")
    return dict(c)


def _tracking(ck: Checker, v: Any, base_dir: Path) -> dict[str, Any]:
    """``tracking: {mlflow: URI}``: also log the run to MLflow (see experiments/tracking.py); a
    relative ``sqlite:///`` path is resolved from the spec's folder."""
    t = dict(ck.mapping(v, "tracking", ["mlflow"]))
    if "mlflow" in t:
        uri = ck.string(t["mlflow"], "tracking.mlflow", "an MLflow tracking URI such as "
                        "sqlite:///mlflow.db")
        prefix = "sqlite:///"
        if uri.startswith(prefix) and not Path(uri[len(prefix):]).is_absolute():
            uri = prefix + str((base_dir / uri[len(prefix):]).resolve())
        t["mlflow"] = uri
    return t


def _features(ck: Checker, v: Any) -> Any:
    if v is None:
        return None
    from ..data.features import make_featurizer

    if not isinstance(v, (str, Mapping)):
        raise ck.expected("features", "a featurizer name or {type: name, ...}", v)
    try:
        make_featurizer(dict(v) if isinstance(v, Mapping) else v)
    except AugfitError as e:
        raise ck.fail("features", str(e)) from None
    except TypeError as e:
        raise ck.fail("features", f"invalid featurizer arguments: {e}") from None
    return dict(v) if isinstance(v, Mapping) else v


def _model(ck: Checker, v: Any) -> dict[str, Any]:
    m = {**_DEFAULT_MODEL, **ck.mapping(v, "model", list(_DEFAULT_MODEL))}
    if m["hidden"] != []:                       # [] is a linear model
        m["hidden"] = ck.int_list(m["hidden"], "model.hidden", 1, "layer widths", distinct=False)
    ck.choice(m["activation"], "model.activation", list(ACTIVATIONS))
    return m


def _training(ck: Checker, v: Any) -> dict[str, Any]:
    t = {**_DEFAULT_TRAINING, **ck.mapping(v, "training", list(_DEFAULT_TRAINING))}
    ck.choice(t["optimizer"], "training.optimizer", list(OPTIMIZERS))
    ck.number(t["lr"], "training.lr", 0, 10, lo_open=True)
    ck.number(t["weight_decay"], "training.weight_decay", 0, 1)
    ck.number(t["batch_size"], "training.batch_size", 1, integer=True)
    ck.number(t["epochs"], "training.epochs", 1, 100000, integer=True)
    ck.choice(t["loss"], "training.loss", list(LOSSES))
    t["lr"], t["weight_decay"] = float(t["lr"]), float(t["weight_decay"])
    return t


def _seeds(ck: Checker, v: Any) -> list[int]:
    if isinstance(v, int) and not isinstance(v, bool):
        n = int(ck.number(v, "seeds", 1, 10000, integer=True))
        return list(range(n))
    if isinstance(v, list):
        return ck.int_list(v, "seeds", 0, "non-negative integers")
    raise ck.expected("seeds", "a count (e.g. 5) or a list of non-negative integers", v)


def _bootstrap(ck: Checker, v: Any) -> dict[str, Any]:
    b = {**_DEFAULT_BOOTSTRAP, **ck.mapping(v, "bootstrap", list(_DEFAULT_BOOTSTRAP))}
    ck.number(b["resamples"], "bootstrap.resamples", 100, 10**7, integer=True)
    ck.number(b["seed"], "bootstrap.seed", 0, integer=True)
    ck.number(b["confidence"], "bootstrap.confidence", 0.5, 1, lo_open=True, hi_open=True)
    b["confidence"] = float(b["confidence"])
    return b


def _notes(ck: Checker, v: Any) -> dict[str, Any]:
    """Free-text notes: each value a string or a list of strings. ``tuned_on`` says what a pilot
    already looked at (the report warns that results on it are not fresh)."""
    if v is None:
        return {}
    if not isinstance(v, Mapping):
        raise ck.expected("notes", "a mapping such as {tuned_on: \"split 0, seeds 0-4\"}", v)
    out: dict[str, Any] = {}
    for k, x in v.items():
        ok = isinstance(x, str) or (isinstance(x, list) and all(isinstance(i, str) for i in x))
        if not isinstance(k, str) or not ok:
            raise ck.expected(f"notes.{k}", "a string or a list of strings", x)
        out[k] = x if isinstance(x, str) else list(x)
    return out


def _methods(ck: Checker, v: Any, base_dir: Path) -> list[Method]:
    if not isinstance(v, list) or not v:
        raise ck.expected("methods", "a non-empty list of methods", v)
    from .sweep import expand

    out: list[Method] = []
    for path, item in expand(ck, v):
        if isinstance(item, str):
            item = {"name": item}
        m = ck.mapping(item, path, _METHOD_FIELDS, ["name"])
        name = ck.name(m["name"], f"{path}.name")
        if name in [o.name for o in out]:
            raise ck.fail(f"{path}.name",
                          f"duplicate method name {show(name)}; names must be unique")
        augment = None
        if m.get("augment") is not None:
            from .augment_spec import build_augment

            augment = build_augment(ck, m["augment"], f"{path}.augment", base_dir)
        dropout = float(ck.number(m.get("dropout", 0.0), f"{path}.dropout", 0, 1, hi_open=True))
        es = None
        if m.get("early_stopping") is not None:
            es = _early_stopping(ck, m["early_stopping"], f"{path}.early_stopping")
        out.append(Method(name, augment, dropout, es, **_regularizers(ck, m, path, base_dir)))
    return out


def _regularizers(ck: Checker, m: Mapping[str, Any], path: str, base_dir: Path) -> dict[str, Any]:
    """The method fields label_smoothing, weight_decay, decay_bias and mix, checked."""
    from ..nn.losses import check_label_smoothing

    out: dict[str, Any] = {}
    try:
        out["label_smoothing"] = check_label_smoothing(m.get("label_smoothing", 0.0),
                                                       "label_smoothing")
    except AugfitError as e:
        raise ck.fail(f"{path}.label_smoothing", str(e)) from None
    if m.get("weight_decay") is not None:
        out["weight_decay"] = float(ck.number(m["weight_decay"], f"{path}.weight_decay", 0, 1))
    if "decay_bias" in m:
        if m.get("weight_decay") is None:
            raise ck.fail(f"{path}.decay_bias", "only applies with the method's own weight_decay; "
                          "add weight_decay: ... to this method")
        out["decay_bias"] = ck.boolean(m["decay_bias"], f"{path}.decay_bias")
    if m.get("mix") is not None:
        from .augment_spec import build_augment

        mix = build_augment(ck, m["mix"], f"{path}.mix", base_dir)
        from ..transforms.base import Transform

        if not Transform.from_dict(mix).changes_labels():
            raise ck.fail(f"{path}.mix", f"must be a label-mixing transform such as "
                          f"{{type: MixUp, alpha: 0.2}} (applied to the featurized batch), got "
                          f"{show(m['mix'])}; put other transforms in augment")
        out["mix"] = mix
    return out


def _early_stopping(ck: Checker, v: Any, path: str) -> dict[str, Any]:
    if v is True:
        v = {}
    e = {**_DEFAULT_ES, **ck.mapping(v, path, list(_DEFAULT_ES))}
    ck.number(e["patience"], f"{path}.patience", 0, integer=True)
    ck.choice(e["monitor"], f"{path}.monitor", ["val_loss", "val_accuracy"])
    e["min_delta"] = float(ck.number(e["min_delta"], f"{path}.min_delta", 0))
    ck.boolean(e["restore_best_weights"], f"{path}.restore_best_weights")
    ck.number(e["start_from_epoch"], f"{path}.start_from_epoch", 0, integer=True)
    return e


__all__ = ["Spec", "Method", "Cell", "load_spec", "parse_spec", "spec_from_canonical",
           "check_dataset_options", "IN_MEMORY"]
