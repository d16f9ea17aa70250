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
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from hashlib import sha256
from pathlib import Path
from typing import TypeAlias

from ...checks import did_you_mean
from ...errors import ConfigError
from ...files import require, what_is
from ...hashing import json_digest
from ...jsontypes import JSONDict, JSONLike, JSONValue
from .checker import Checker, check_integers, load_yaml, read_text, show
from .sections import (
    DEFAULT_ANSWER,
    SMALLEST_EFFECT_DEFAULT,
    SMALLEST_EFFECT_MAX,
    AnswerSection,
    BootstrapSection,
    DatasetSection,
    ModelSection,
    Notes,
    TrainingSection,
    answer_section,
    bootstrap_section,
    check_smallest_effect,
    features_section,
    model_section,
    notes_section,
    seeds_section,
    sizes_section,
    tracking_section,
    training_section,
)
from .spec_dataset import IN_MEMORY, check_dataset_options, dataset_section
from .spec_methods import Method, methods_section

#: the most cells a grid may have unless raised (``--max-cells``, ``run(max_cells=...)`` or the
#: environment variable :data:`MAX_CELLS_ENV`): a typo such as ``seeds: 100000`` is refused at load
MAX_CELLS = 100_000
MAX_CELLS_ENV = "AUGFIT_MAX_CELLS"
_TOP = ["name", "description", "dataset", "features", "model", "training", "splits",
        "first_split", "seeds",
        "train_sizes", "train_size_unit", "baseline", "bootstrap", "notes", "methods", "tracking",
        "answer"]
#: what the runner takes as a spec: a Spec, a spec file's path, or a spec given as a mapping
SpecLike: TypeAlias = "str | Path | Spec | Mapping[str, object]"


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
    dataset: DatasetSection
    features: str | JSONDict | None        # a featurizer name or {type: name, ...}
    model: ModelSection
    training: TrainingSection
    seeds: list[int]
    train_sizes: list[int | str]           # ints, and "all" until :meth:`resolve_sizes`
    train_size_unit: str
    baseline: str
    bootstrap: BootstrapSection
    methods: list[Method]
    splits: int = 1
    first_split: int = 0                   # the split indices are first_split + 0 .. splits - 1
    notes: Notes = field(default_factory=dict)
    source: str = "<dict>"
    hash: str = ""
    tracking: dict[str, str] = field(default_factory=dict)  # where results are also logged; not
    #                                                        part of canonical (results ignore it)
    answer: AnswerSection = field(default_factory=lambda: DEFAULT_ANSWER.copy())
    # the spec gave an answer section (then the canonical form has it, even with the default
    # value; absent, it has none: specs written before the section hash as they did)
    answer_given: bool = field(default=False, repr=False)
    _cells: tuple[str, list[Cell]] | None = field(default=None, repr=False, compare=False)

    def to_canonical(self) -> JSONDict:
        """The normalized form as plain JSON data: what the executors ship to workers, what the
        store records and what :attr:`hash` hashes (the cell keys hash :meth:`common`, part of
        it). ``first_split`` and ``answer`` appear only when set, so specs from before them keep
        their hash; ``tracking`` never does (results do not depend on it)."""
        c: dict[str, object] = {
            "name": self.name, "description": self.description, "dataset": self.dataset,
            "features": self.features, "model": self.model, "training": self.training,
            "splits": self.splits, "seeds": self.seeds, "train_sizes": self.train_sizes,
            "train_size_unit": self.train_size_unit, "baseline": self.baseline,
            "bootstrap": self.bootstrap, "notes": self.notes,
            "methods": [{"name": m.name, **m.config()} for m in self.methods],
        }
        if self.first_split:                     # absent when 0: earlier specs hash the same
            c["first_split"] = self.first_split
        if self.answer_given or self.answer != DEFAULT_ANSWER:
            c["answer"] = self.answer            # only when given: older specs keep their hash
        out: JSONDict = json.loads(json.dumps(c))
        return out

    @property
    def canonical(self) -> JSONDict:
        """Deprecated: :meth:`to_canonical` (the form is derived from the spec's fields)."""
        import warnings

        warnings.warn("Spec.canonical is deprecated and will be removed in the next release; "
                      "call Spec.to_canonical()", DeprecationWarning, stacklevel=2)
        return self.to_canonical()

    def with_fields(self, **fields: JSONLike) -> Spec:
        """This spec with top-level fields (as the spec file names them: ``splits``, ``seeds``,
        ``notes``, ...) replaced, parsed and checked again; ``tracking`` is kept."""
        out = parse_spec({**self.to_canonical(), **fields}, source=self.source)
        out.tracking = dict(self.tracking)
        return out

    @property
    def smallest_effect(self) -> float:
        """``answer.smallest_effect`` as a fraction of accuracy (1.0 pp -> 0.01)."""
        return float(self.answer["smallest_effect"]) / 100

    def with_smallest_effect(self, pp: object) -> Spec:
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

    def common(self) -> JSONDict:
        """The settings every cell shares (what a cell's result depends on besides its method)."""
        c = self.to_canonical()
        out = {k: c[k] for k in ("dataset", "features", "model", "training", "train_size_unit")}
        ds = out["dataset"]
        if isinstance(ds, dict) and "fingerprint" in ds:  # the content identifies the data, not
            #                       where (the path) or how (DataFrame columns) it was found
            options = {k: v for k, v in _json_dict(ds["options"]).items() if k != "path"}
            out["dataset"] = {k: v for k, v in ds.items() if k != "columns"} | {"options": options}
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

    def resolved_sizes(self) -> list[int]:
        """``train_sizes`` once ``"all"`` is resolved (:meth:`resolve_sizes`); ConfigError
        before."""
        sizes = [n for n in self.train_sizes if isinstance(n, int)]
        if len(sizes) < len(self.train_sizes):
            raise ConfigError(f"{self.source}: train_sizes holds \"all\"; resolve it against the "
                              f"training split first (augfit.experiments.run does)")
        return sizes

    def cells(self, progress: Callable[[int], None] | None = None) -> list[Cell]:
        """The grid, in run order: size, then split, then seed, then method (so early cells pair
        up). Linear in the number of cells: each key hashes the canonical JSON of
        ``{"common", "method", "seed", "split", "train_size"}``, built from the parts serialized
        once. ``progress`` is called with the number of keys made, every 10,000."""
        sizes = self.resolved_sizes()
        if self._cells is not None and self._cells[0] == self.hash:
            return list(self._cells[1])
        common = _json(self.common())
        methods = [(m.name, _json(m.config())) for m in self.methods]
        out = []
        for size in sizes:
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




def _json_dict(value: JSONValue) -> JSONDict:
    """A JSON object of the canonical form (a mapping the spec's checks put there)."""
    if not isinstance(value, dict):
        raise TypeError(f"expected a JSON object, got {type(value).__name__}")
    return value


def _json(obj: JSONLike) -> str:
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


def parse_spec(data: object, source: str = "<dict>", base_dir: str | Path = ".",
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
    features = features_section(ck, d.get("features", card_features))
    model = model_section(ck, d.get("model", {}))
    training = training_section(ck, d.get("training", {}))
    seeds = seeds_section(ck, d.get("seeds", 5))
    n_splits = int(ck.number(d.get("splits", 1), "splits", 1, 10000, integer=True))
    if n_splits * len(seeds) < 2:
        raise ck.fail("splits", f"splits x seeds = {n_splits} x {len(seeds)} gives one pair per "
                      f"comparison; the intervals need at least 2 independent (split, seed) "
                      f"units: set seeds: 5 (or more), or splits: 3")
    first_split = int(ck.number(d.get("first_split", 0), "first_split", 0, 10000, integer=True))
    notes = notes_section(ck, d.get("notes", {}))
    sizes = sizes_section(ck, d["train_sizes"])
    unit = ck.choice(d.get("train_size_unit", "samples"), "train_size_unit",
                     ["samples", "per_class"])
    boot = bootstrap_section(ck, d.get("bootstrap", {}))
    methods, baseline = _methods_and_baseline(ck, d, training, Path(base_dir))
    answer = answer_section(ck, d.get("answer"))
    spec = Spec(name, description, dataset, features, model, training, seeds, sizes, unit, baseline,
                boot, methods, splits=n_splits, first_split=first_split, notes=notes,
                source=source,
                tracking=tracking_section(ck, d.get("tracking", {}), Path(base_dir)),
                answer=answer or DEFAULT_ANSWER.copy(), answer_given=answer is not None)
    spec.hash = json_digest(spec.to_canonical())
    return spec


def _methods_and_baseline(ck: Checker, d: Mapping[str, object], training: TrainingSection,
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


def _check_training_with_methods(ck: Checker, t: TrainingSection, methods: list[Method]) -> None:
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
    schedule = t.get("schedule", {})
    patience = schedule.get("patience")
    if schedule.get("type") == "plateau" and isinstance(patience, int):
        _check_patience(ck, t, patience, "training.schedule.patience")


def _check_patience(ck: Checker, t: TrainingSection, patience: int, where: str) -> None:
    """Refuse an evaluation period at which patience could never run out within the budget."""
    if "eval_every" not in t or "steps" not in t:
        return
    if patience * t["eval_every"] >= t["steps"]:
        raise ck.fail("training.eval_every", f"{t['eval_every']} with {where} {patience}: "
                      f"{patience} evaluations every {t['eval_every']} steps span the whole "
                      f"budget of {t['steps']} steps, so it could never stop early; lower "
                      "eval_every or the patience")


def spec_from_canonical(canonical: Mapping[str, object], source: str = "<stored spec>") -> Spec:
    """Rebuild a Spec from its canonical form (as stored with the results)."""
    return parse_spec(copy.deepcopy(dict(canonical)), source=source)


__all__ = [
    "IN_MEMORY",
    "SMALLEST_EFFECT_DEFAULT",
    "SMALLEST_EFFECT_MAX",
    "Cell",
    "Method",
    "Spec",
    "SpecLike",
    "check_dataset_options",
    "check_smallest_effect",
    "load_spec",
    "parse_spec",
    "spec_from_canonical",
]
