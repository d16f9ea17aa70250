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
      # steps: 4000                   # instead of epochs: the budget in optimizer steps, the
                                      # same at every training size (the last epoch is cut short)
      # schedule: {type: cosine, warmup: 0.05, final: 0.0}   # lr decay over the budget; or
                                      # {type: step, every: 1000, factor: 0.5}, or {type: plateau,
                                      # monitor: val_accuracy, factor: 0.1, patience: 10,
                                      # min_lr: 0.0, cooldown: 0, min_delta: 0.0}
      # averaging: {type: ema, decay: 0.999}   # or {type: swa, start: 0.75}: the final model
                                      # (every endpoint) holds the averaged weights
      # eval_every: 20                # log and evaluate val + clean train every 20 optimizer
                                      # steps instead of every pass over the data: early stopping
                                      # patience then counts these evaluations
      loss: cross_entropy             # cross_entropy | mse
    splits: 1                         # repeated stratified splits (seeds nested in each); split 0
                                      # is dataset.split.seed's split, split k from (seed, k); with
                                      # test: official only val varies. splits x seeds >= 2
    first_split: 0                    # the splits are first_split .. first_split + splits - 1
                                      # (augfit plan's pilot takes splits the run never uses)
    seeds: 5                          # a count (seeds 0..4) or a list of distinct ints
    train_sizes: [50, 100, 200]       # sizes (stratified subsamples of the training split);
                                      # "all" = the whole training split, resolved when the
                                      # run starts
    train_size_unit: samples          # samples | per_class
    baseline: baseline                # the method the others are compared with
    bootstrap: {resamples: 10000, seed: 0, confidence: 0.95}    # confidence in (0.5, 1)
    notes: {}                         # free text; tuned_on: what a pilot already looked at (a
                                      # string or list), e.g. "split 0, seeds 0-4: lr, epochs";
                                      # pilot_splits: "20-21" (augfit plan writes it) or
                                      # pilot_split_seed: "99" (a pilot on another split seed):
                                      # then the report says the run's splits are fresh;
                                      # history: earlier tuning (augfit plan moves the
                                      # tuned_on it replaces there), stated in the report
    tracking: {mlflow: URI}           # optional: also log each cell to MLflow (not part of results)
    answer: {smallest_effect: 1.0}    # the smallest change in test accuracy that matters, in pp,
                                      # in (0, 50]: separates "negligible" from "inconclusive".
                                      # Only judging uses it: never part of a cell's key, and
                                      # absent from the canonical form when not given
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
import json
import math
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from hashlib import sha256
from pathlib import Path
from typing import Any

from ...checks import check_number, did_you_mean
from ...errors import AugfitError, ConfigError
from ...files import require, what_is
from ...hashing import json_digest
from ...nn.layers import ACTIVATIONS
from ...nn.losses import LOSSES
from ...nn.optim import OPTIMIZERS
from ...train.schedules import averaging_config, schedule_config
from .checker import Checker, check_integers, load_yaml, read_text, show
from .spec_dataset import IN_MEMORY, check_dataset_options, dataset_section
from .spec_methods import Method, methods_section

_DEFAULT_MODEL = {"hidden": [64], "activation": "relu"}
_DEFAULT_TRAINING = {"optimizer": "adam", "lr": 0.001, "weight_decay": 0.0, "batch_size": 32,
                     "epochs": 100, "loss": "cross_entropy"}
_DEFAULT_BOOTSTRAP = {"resamples": 10000, "seed": 0, "confidence": 0.95}
#: the most cells a grid may have unless raised (``--max-cells``, ``run(max_cells=...)`` or the
#: environment variable :data:`MAX_CELLS_ENV`): a typo such as ``seeds: 100000`` is refused at load
MAX_CELLS = 100_000
MAX_CELLS_ENV = "AUGFIT_MAX_CELLS"
_TOP = ["name", "description", "dataset", "features", "model", "training", "splits",
        "first_split", "seeds",
        "train_sizes", "train_size_unit", "baseline", "bootstrap", "notes", "methods", "tracking",
        "answer"]
#: the smallest effect of interest (pp of test accuracy) when ``answer.smallest_effect`` is absent,
#: and the largest one accepted (the check: :func:`check_smallest_effect`)
SMALLEST_EFFECT_DEFAULT = 1.0
SMALLEST_EFFECT_MAX = 50.0
_DEFAULT_ANSWER = {"smallest_effect": SMALLEST_EFFECT_DEFAULT}


def check_smallest_effect(value: Any, name: str = "--smallest-effect") -> float:
    """A smallest effect of interest in pp of test accuracy: a number in (0, 50]."""
    return check_number(value, name, low=0, high=SMALLEST_EFFECT_MAX, low_open=True,
                        hint=" pp of test accuracy, e.g. 1.0 (the spec's answer.smallest_effect "
                             "is the default)")
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
    """A validated experiment spec: the one source of the settings. Its normalized form (defaults
    filled, augment files inlined) is derived, :meth:`to_canonical`, for what leaves the process
    (the executors' wire format, the stored spec) and the cell keys; :attr:`hash` is its
    SHA-256."""

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
    first_split: int = 0                   # the split indices are first_split + 0 .. splits - 1
    notes: dict[str, Any] = field(default_factory=dict)
    source: str = "<dict>"
    hash: str = ""
    tracking: dict[str, Any] = field(default_factory=dict)  # where results are also logged; not
    #                                                        part of canonical (results ignore it)
    answer: dict[str, Any] = field(default_factory=lambda: dict(_DEFAULT_ANSWER))
    # the spec gave an answer section (then the canonical form has it, even with the default
    # value; absent, it has none: specs written before the section hash as they did)
    answer_given: bool = field(default=False, repr=False)
    _cells: tuple[str, list[Cell]] | None = field(default=None, repr=False, compare=False)

    def to_canonical(self) -> dict[str, Any]:
        """The normalized form as plain JSON data: what the executors ship to workers, what the
        store records and what :attr:`hash` hashes (the cell keys hash :meth:`common`, part of
        it). ``first_split`` and ``answer`` appear only when set, so specs from before them keep
        their hash; ``tracking`` never does (results do not depend on it)."""
        c: dict[str, Any] = {
            "name": self.name, "description": self.description, "dataset": self.dataset,
            "features": self.features, "model": self.model, "training": self.training,
            "splits": self.splits, "seeds": self.seeds, "train_sizes": self.train_sizes,
            "train_size_unit": self.train_size_unit, "baseline": self.baseline,
            "bootstrap": self.bootstrap, "notes": self.notes,
            "methods": [{"name": m.name, **m.config()} for m in self.methods],
        }
        if self.first_split:                     # absent when 0: earlier specs hash the same
            c["first_split"] = self.first_split
        if self.answer_given or self.answer != _DEFAULT_ANSWER:
            c["answer"] = self.answer            # only when given: older specs keep their hash
        out: dict[str, Any] = json.loads(json.dumps(c))
        return out

    @property
    def canonical(self) -> dict[str, Any]:
        """Deprecated: :meth:`to_canonical` (the form is derived from the spec's fields)."""
        import warnings

        warnings.warn("Spec.canonical is deprecated and will be removed in the next release; "
                      "call Spec.to_canonical()", DeprecationWarning, stacklevel=2)
        return self.to_canonical()

    def with_fields(self, **fields: Any) -> Spec:
        """This spec with top-level fields (as the spec file names them: ``splits``, ``seeds``,
        ``notes``, ...) replaced, parsed and checked again; ``tracking`` is kept."""
        out = parse_spec({**self.to_canonical(), **fields}, source=self.source)
        out.tracking = dict(self.tracking)
        return out

    @property
    def smallest_effect(self) -> float:
        """``answer.smallest_effect`` as a fraction of accuracy (1.0 pp -> 0.01)."""
        return float(self.answer["smallest_effect"]) / 100

    def with_smallest_effect(self, pp: Any) -> Spec:
        """This spec with ``answer.smallest_effect: pp`` (checked; the cell keys do not depend on
        it); the spec itself when it already says so."""
        value = check_smallest_effect(pp)
        if value == float(self.answer["smallest_effect"]):
            return self
        return self.with_fields(answer={"smallest_effect": value})

    def method(self, name: str) -> Method:
        for m in self.methods:
            if m.name == name:
                return m
        hint = did_you_mean(name, [m.name for m in self.methods])
        raise ConfigError(f"{self.source}: no method named {name!r}; "
                          + (f"{hint} " if hint else "")
                          + f"methods: {', '.join(m.name for m in self.methods)}")

    def common(self) -> dict[str, Any]:
        """The settings every cell shares (what a cell's result depends on besides its method)."""
        c = self.to_canonical()
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
        return parse_spec(dict(self.to_canonical(), dataset=dict(self.dataset,
                                                                 fingerprint=fingerprint)),
                          source=self.source)

    def resolve_sizes(self, available: int) -> Spec:
        """This spec with ``"all"`` in ``train_sizes`` replaced by ``available`` (the training
        split's size, or its smallest class for ``per_class``); a repeated size is kept once."""
        if "all" not in self.train_sizes:
            return self
        sizes = list(dict.fromkeys(available if s == "all" else s for s in self.train_sizes))
        return self.with_fields(train_sizes=sizes)

    def pilot_range(self) -> tuple[int, int] | None:
        """The splits ``notes.pilot_splits`` names (``"20-21"``, written by ``augfit plan``: a
        pilot looked at them), or None."""
        text = self.notes.get("pilot_splits")
        if not isinstance(text, str):
            return None
        lo, _, hi = text.partition("-")
        try:
            return int(lo), int(hi or lo)
        except ValueError:
            raise ConfigError(f"{self.source}: notes.pilot_splits: {text!r} is not a range of "
                              "split indices such as \"20-21\"") from None

    def pilot_split_seed(self) -> int | None:
        """The ``dataset.split.seed`` a pilot drew its splits with (``notes.pilot_split_seed``,
        e.g. ``"99"``), or None when the notes do not say (then: this spec's own)."""
        text = self.notes.get("pilot_split_seed")
        if text is None:
            return None
        try:
            return int(str(text))
        except ValueError:
            raise ConfigError(f"{self.source}: notes.pilot_split_seed: {text!r} is not a split "
                              "seed (an integer such as \"99\", the pilot's dataset.split.seed)"
                              ) from None

    def pilot_elsewhere(self) -> bool:
        """Did the pilot draw its splits with another ``dataset.split.seed`` than this spec's
        (:meth:`pilot_split_seed`)? Then none of its splits is one of this run's."""
        seed = self.pilot_split_seed()
        return seed is not None and seed != self.split_seed()

    def split_seed(self) -> int:
        """``dataset.split.seed`` (0 when the dataset section has no split)."""
        return int((self.dataset.get("split") or {}).get("seed", 0))

    def meets_pilot(self, last_split: int) -> bool:
        """Do the splits ``first_split .. last_split`` meet the pilot's (:meth:`pilot_range`)?
        Never when the pilot drew its splits with another split seed (:meth:`pilot_elsewhere`)."""
        pilot = self.pilot_range()
        return (pilot is not None and not self.pilot_elsewhere() and pilot[0] <= last_split
                and self.first_split <= pilot[1])

    def split_indices(self) -> range:
        """The indices of the spec's splits (``first_split`` on)."""
        return range(self.first_split, self.first_split + self.splits)

    def n_cells(self) -> int:
        """The size of the grid: train sizes x splits x seeds x methods."""
        return len(self.train_sizes) * self.splits * len(self.seeds) * len(self.methods)

    def check_grid(self, max_cells: int | None = None) -> None:
        """ConfigError stating the grid's size and the cap when it has more than ``max_cells``
        cells (default :func:`max_cells`: ``$AUGFIT_MAX_CELLS`` or :data:`MAX_CELLS`)."""
        cap = max_cells_cap() if max_cells is None else max_cells
        n = self.n_cells()
        if n > cap:
            raise ConfigError(
                f"{self.source}: the grid has {n} cells ({len(self.train_sizes)} train_sizes x "
                f"{self.splits} splits x {len(self.seeds)} seeds x {len(self.methods)} methods), "
                f"more than the cap of {cap} cells; shrink the grid, or raise the cap (augfit run "
                f"--max-cells N, run(max_cells=N) or {MAX_CELLS_ENV}=N)")

    def cells(self, progress: Callable[[int], None] | None = None) -> list[Cell]:
        """The grid, in run order: size, then split, then seed, then method (so early cells pair
        up). Linear in the number of cells: each key hashes the canonical JSON of
        ``{"common", "method", "seed", "split", "train_size"}``, built from the parts serialized
        once. ``progress`` is called with the number of keys made, every 10,000."""
        if "all" in self.train_sizes:
            raise ConfigError(f"{self.source}: train_sizes holds \"all\"; resolve it against the "
                              f"training split first (augfit.experiments.run does)")
        if self._cells is not None and self._cells[0] == self.hash:
            return list(self._cells[1])
        common = _json(self.common())
        methods = [(m.name, _json(m.config())) for m in self.methods]
        out = []
        for size in self.train_sizes:
            for split in self.split_indices():
                for seed in self.seeds:
                    tail = f',"seed":{_json(seed)},"split":{split},"train_size":{_json(size)}}}'
                    for name, config in methods:
                        text = f'{{"common":{common},"method":{config}{tail}'
                        out.append(Cell(name, seed, size, sha256(text.encode()).hexdigest(),
                                        split))
                        if progress is not None and len(out) % 10_000 == 0:
                            progress(len(out))
        self._cells = (self.hash, out)
        return list(out)




def _json(obj: Any) -> str:
    """Canonical JSON, as :func:`augfit.hashing.json_digest` hashes it."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"))


def max_cells_cap() -> int:
    """The grid cap: ``$AUGFIT_MAX_CELLS`` (a positive integer) or :data:`MAX_CELLS`."""
    raw = os.environ.get(MAX_CELLS_ENV, "").strip()
    if not raw:
        return MAX_CELLS
    if not raw.isdigit() or int(raw) < 1:
        raise ConfigError(f"{MAX_CELLS_ENV} must be a positive integer (the most cells a grid may "
                          f"have), got {show(raw)}")
    return int(raw)


def load_spec(path: str | Path, user_data: bool = False) -> Spec:
    """Read and validate a YAML (or JSON) spec file (at most 1 MB, and 100,000 values once its
    YAML aliases are expanded); relative paths in it (``dataset.card``, ``dataset.options.path``,
    ``augment`` files) are resolved from the file's folder."""
    p = Path(path)
    if what_is(p) != "a file":
        require(p, "a file", "spec file", "pass a YAML file such as "
                "pipelines/digits_overfitting.yaml", missing=ConfigError)
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
    dataset, card_features = dataset_section(ck, d.get("dataset"), Path(base_dir), user_data)
    features = _features(ck, d.get("features", card_features))
    model = _model(ck, d.get("model", {}))
    training = _training(ck, d.get("training", {}))
    seeds = _seeds(ck, d.get("seeds", 5))
    n_splits = int(ck.number(d.get("splits", 1), "splits", 1, 10000, integer=True))
    if n_splits * len(seeds) < 2:
        raise ck.fail("splits", f"splits x seeds = {n_splits} x {len(seeds)} gives one pair per "
                      f"comparison; the intervals need at least 2 independent (split, seed) "
                      f"units: set seeds: 5 (or more), or splits: 3")
    first_split = int(ck.number(d.get("first_split", 0), "first_split", 0, 10000, integer=True))
    notes = _notes(ck, d.get("notes", {}))
    sizes = _sizes(ck, d["train_sizes"])
    unit = ck.choice(d.get("train_size_unit", "samples"), "train_size_unit",
                     ["samples", "per_class"])
    boot = _bootstrap(ck, d.get("bootstrap", {}))
    methods, baseline = _methods_and_baseline(ck, d, training, Path(base_dir))
    answer = _answer(ck, d.get("answer"))
    spec = Spec(name, description, dataset, features, model, training, seeds, sizes, unit, baseline,
                boot, methods, splits=n_splits, first_split=first_split, notes=notes,
                source=source,
                tracking=_tracking(ck, d.get("tracking", {}), Path(base_dir)),
                answer=answer or dict(_DEFAULT_ANSWER), answer_given=bool(answer))
    spec.hash = json_digest(spec.to_canonical())
    return spec


def _methods_and_baseline(ck: Checker, d: Mapping[str, Any], training: dict[str, Any],
                          base_dir: Path) -> tuple[list[Method], str]:
    """The methods, checked against the training section, and the baseline among them."""
    methods = methods_section(ck, d["methods"], base_dir)
    for i, m in enumerate(methods):
        if training["batch_size"] < 2 and m.mixes_labels():
            raise ck.fail("training.batch_size", f"is {training['batch_size']} but method "
                          f"{m.name!r} (methods[{i}]) mixes labels (MixUp/CutMix), which pairs "
                          f"samples within a batch; use batch_size >= 2")
    _check_training_with_methods(ck, training, methods)
    baseline = ck.string(d.get("baseline", "baseline"), "baseline")
    if baseline not in [m.name for m in methods]:
        hint = did_you_mean(baseline, [m.name for m in methods])
        raise ck.fail("baseline", f"{show(baseline)} is not one of the methods "
                      f"({', '.join(m.name for m in methods)}); "
                      + (f"{hint} " if hint else "") + "add it to methods or name another")
    return methods, baseline


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


def _tracking(ck: Checker, v: Any, base_dir: Path) -> dict[str, Any]:
    """``tracking: {mlflow: URI}``: also log the run to MLflow (see experiments/run/tracking.py); a
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
    from ...data.features import make_featurizer

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


#: optional ``training`` fields: absent, they are left out of the canonical form (so the cell keys
#: of specs that do not set them stay as they were)
_OPTIONAL_TRAINING = ["steps", "schedule", "averaging", "eval_every"]


def _training(ck: Checker, v: Any) -> dict[str, Any]:
    given = ck.mapping(v, "training", [*_DEFAULT_TRAINING, *_OPTIONAL_TRAINING])
    if "steps" in given and "epochs" in given:
        raise ck.fail("training.steps", f"{show(given['steps'])} together with training.epochs "
                      f"{show(given['epochs'])}: the budget is either optimizer steps (the same at "
                      "every training size) or epochs; remove one of them")
    defaults = dict(_DEFAULT_TRAINING)
    if "steps" in given:
        del defaults["epochs"]
    t = {**defaults, **given}
    ck.choice(t["optimizer"], "training.optimizer", list(OPTIMIZERS))
    ck.number(t["lr"], "training.lr", 0, 10, lo_open=True)
    ck.number(t["weight_decay"], "training.weight_decay", 0, 1)
    ck.number(t["batch_size"], "training.batch_size", 1, integer=True)
    ck.number(t.get("epochs", 1), "training.epochs", 1, 100000, integer=True)
    ck.number(t.get("steps", 1), "training.steps", 1, 10**8, integer=True)
    ck.number(t.get("eval_every", 1), "training.eval_every", 1, 10**8, integer=True)
    if t.get("eval_every", 1) > t.get("steps", math.inf):
        raise ck.fail("training.eval_every", f"{t['eval_every']} is more than training.steps "
                      f"{t['steps']}: nothing would be evaluated before the end; set eval_every "
                      "to a fraction of steps, e.g. steps / 100")
    ck.choice(t["loss"], "training.loss", list(LOSSES))
    t["lr"], t["weight_decay"] = float(t["lr"]), float(t["weight_decay"])
    for key, check in (("schedule", schedule_config), ("averaging", averaging_config)):
        if key in t:
            if not isinstance(t[key], Mapping):
                raise ck.expected(f"training.{key}", "a mapping such as "
                                  + ("{type: cosine, warmup: 0.05}" if key == "schedule" else
                                     "{type: ema, decay: 0.999}"), t[key])
            try:
                t[key] = check(t[key])
            except ConfigError as e:
                raise ck.fail(f"training.{key}", str(e)) from None
    return t


def _check_training_with_methods(ck: Checker, t: dict[str, Any], methods: list[Method]) -> None:
    """Training options that a method's early stopping rules out."""
    for i, m in enumerate(methods):
        es = m.early_stopping
        if es and "averaging" in t and es["restore_best_weights"]:
            raise ck.fail("training.averaging", f"{t['averaging']['type']} and "
                          f"methods[{i}].early_stopping.restore_best_weights (method "
                          f"{m.name!r}) would both set the final weights; set "
                          "restore_best_weights: false or remove training.averaging")
        if es:
            _check_patience(ck, t, es["patience"] + es["start_from_epoch"],
                            f"methods[{i}].early_stopping.patience (method {m.name!r})")
    if t.get("schedule", {}).get("type") == "plateau":
        _check_patience(ck, t, t["schedule"]["patience"], "training.schedule.patience")


def _check_patience(ck: Checker, t: dict[str, Any], patience: int, where: str) -> None:
    """Refuse an evaluation period at which patience could never run out within the budget."""
    if "eval_every" not in t or "steps" not in t:
        return
    if patience * t["eval_every"] >= t["steps"]:
        raise ck.fail("training.eval_every", f"{t['eval_every']} with {where} {patience}: "
                      f"{patience} evaluations every {t['eval_every']} steps span the whole "
                      f"budget of {t['steps']} steps, so it could never stop early; lower "
                      "eval_every or the patience")


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


def _answer(ck: Checker, v: Any) -> dict[str, Any]:
    """``answer: {smallest_effect: pp}``, checked; {} when absent (the default applies)."""
    if v is None:
        return {}
    a = {**_DEFAULT_ANSWER, **ck.mapping(v, "answer", list(_DEFAULT_ANSWER))}
    x = a["smallest_effect"]
    try:
        value = check_smallest_effect(x, "answer.smallest_effect")
    except ConfigError:
        raise ck.fail("answer.smallest_effect", f"must be a number of percentage points of test "
                      f"accuracy in (0, {SMALLEST_EFFECT_MAX:g}], got {show(x)}; set the smallest "
                      "change that matters to you, e.g. answer: {smallest_effect: "
                      f"{SMALLEST_EFFECT_DEFAULT}}} for 1 pp (the default)") from None
    return {"smallest_effect": value}


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


__all__ = [
    "IN_MEMORY",
    "SMALLEST_EFFECT_DEFAULT",
    "SMALLEST_EFFECT_MAX",
    "Cell",
    "Method",
    "Spec",
    "check_dataset_options",
    "check_smallest_effect",
    "load_spec",
    "parse_spec",
    "spec_from_canonical",
]
