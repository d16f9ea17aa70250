"""The spec reference page (docs/spec.md), generated from the spec parser so it cannot drift.

The list of fields comes from the parser's own tables (``_TOP``, ``_DATASET_FIELDS``,
``_METHOD_FIELDS`` and the default dictionaries), the defaults from parsing a minimal spec, and
every example is parsed by :func:`augfit.experiments.spec.parse_spec` while the page is built. A
field the parser knows but this file does not describe (or the reverse) stops the build with its
name, so a new spec field cannot be left out of the page (tests/test_docs.py builds it).
"""
from __future__ import annotations

import copy
import dataclasses
from pathlib import Path
from typing import Any

import yaml

from augfit.experiments.spec import spec as S
from augfit.experiments.spec import spec_dataset as SD
from augfit.experiments.spec import spec_methods as SM

MINIMAL: dict[str, Any] = {"dataset": {"name": "digits"}, "train_sizes": [50],
                           "methods": ["baseline"]}
REQUIRED = {"dataset.name", "train_sizes", "methods", "methods[].name"}
M = "methods[]."

# field path -> (what it is, an example: a fragment merged into MINIMAL; for methods[] fields a
# method dict added to the methods). The paths must match the parser's tables exactly.
FIELDS: dict[str, tuple[str, Any]] = {
    "name": ("The spec's name: the default results folder is `runs/<name>`. Default: the file "
             "name without extension (`experiment` for a dict).", {"name": "my_study"}),
    "description": ("Free text shown in the report.", {"description": "rotation on my scans"}),
    "dataset": ("Where the data comes from. Required, except with `run(spec, data=...)`, where "
                "it may give only `split` and `columns`.", {"dataset": {"name": "digits"}}),
    "dataset.name": ("A registered dataset (`augfit list datasets`). Required unless `card` is "
                     "given.", {"dataset": {"name": "digits"}}),
    "dataset.options": ("Keyword arguments of `augfit.datasets.load` for that dataset, checked "
                        "against the loader's signature; a relative `path` is resolved from the "
                        "spec's folder.", {"dataset": {"name": "image_folder",
                                                       "options": {"path": "data/scans",
                                                                   "size": [28, 28]}}}),
    "dataset.card": ("Instead of `name`: a dataset card file (its loader, options, default "
                     "split and featurizer); `options` and `split` here override the card's.",
                     None),
    "dataset.columns": ("With `run(spec, data=DataFrame)`: which column holds the input (`text`, "
                        "`image` or `audio`) and which the `label`.", None),
    "dataset.fingerprint": ("Written by the runner: the SHA-256 of the data's content (part of "
                            "every cell's key). Leave it out; remove it to recompute it.", None),
    "dataset.split": ("How the data is split into train, val and test.",
                      {"dataset": {"name": "digits", "split": {"val": 0.1, "test": 0.3}}}),
    "dataset.split.val": ("Fraction of the data held out for validation (early stopping and "
                          "curves only).", {"dataset": {"name": "digits", "split": {"val": 0.1}}}),
    "dataset.split.test": ("Fraction held out for test (the verdicts), or `official`: the "
                           "dataset's own test set (fsdd, fashion_mnist with `options: {split: "
                           "all}`); val is then a fraction of the rest.",
                           {"dataset": {"name": "digits", "split": {"test": 0.25}}}),
    "dataset.split.seed": ("Seed of split 0; split k is drawn from (seed, k).",
                           {"dataset": {"name": "digits", "split": {"seed": 7}}}),
    "dataset.split.stratify": ("Keep the class proportions in every part.",
                               {"dataset": {"name": "digits", "split": {"stratify": False}}}),
    "dataset.split.by_group": ("Split by the samples' group (e.g. FSDD's speakers), so no group "
                               "is in two parts.", None),
    "features": ("The featurizer: a name or `{type: name, ...}` (`augfit list featurizers`); "
                 "null: images flattened.", {"features": "image_flatten"}),
    "model": ("The MLP.", {"model": {"hidden": [128, 64]}}),
    "model.hidden": ("Hidden layer widths.", {"model": {"hidden": [256]}}),
    "model.activation": ("`relu`, `sigmoid` or `tanh`.", {"model": {"activation": "tanh"}}),
    "training": ("How every cell trains.", {"training": {"lr": 0.003, "epochs": 150}}),
    "training.optimizer": ("`sgd`, `momentum` or `adam`.", {"training": {"optimizer": "sgd"}}),
    "training.lr": ("Learning rate.", {"training": {"lr": 0.003}}),
    "training.weight_decay": ("L2 penalty on every parameter, biases included (a method's own "
                              "`weight_decay` overrides it).",
                              {"training": {"weight_decay": 1e-4}}),
    "training.batch_size": ("Mini-batch size.", {"training": {"batch_size": 64}}),
    "training.epochs": ("The maximum number of epochs; early stopping may end a cell sooner.",
                        {"training": {"epochs": 150}}),
    "training.loss": ("`cross_entropy` or `mse`.", {"training": {"loss": "mse"}}),
    "splits": ("Repeated stratified splits (seeds nested in each). With `test: official` only "
               "val varies. splits x seeds must be at least 2.", {"splits": 3}),
    "first_split": ("The index of the first split: the splits are first_split .. first_split + "
                    "splits - 1, so a confirmatory run can use splits a pilot never saw.",
                    {"first_split": 3}),
    "seeds": ("A count (seeds 0..n-1) or a list of distinct integers.", {"seeds": [0, 1, 2]}),
    "train_sizes": ("Training-set sizes (stratified subsamples of the training split); `all` is "
                    "the whole training split. Required.", {"train_sizes": [50, 100, "all"]}),
    "train_size_unit": ("`samples` or `per_class`.", {"train_size_unit": "per_class"}),
    "baseline": ("The method the others are compared with.",
                 {"baseline": "plain", "methods": ["plain", {"name": "d", "dropout": 0.3}]}),
    "bootstrap": ("The intervals' bootstrap.", {"bootstrap": {"resamples": 2000}}),
    "bootstrap.resamples": ("Bootstrap resamples.", {"bootstrap": {"resamples": 2000}}),
    "bootstrap.seed": ("Seed of the resampling.", {"bootstrap": {"seed": 1}}),
    "bootstrap.confidence": ("Interval level, in (0.5, 1); alpha = 1 - confidence.",
                             {"bootstrap": {"confidence": 0.9}}),
    "notes": ("Free text, each value a string or a list of strings; `tuned_on` says what a pilot "
              "already looked at, and the report warns about it, unless `pilot_splits` (written "
              "by `augfit plan`) or `pilot_split_seed` (the pilot's `dataset.split.seed`) shows "
              "that the pilot's splits are not the run's (with `test: official` the report "
              "adds that every split shares the test set); `history` holds earlier tuning "
              "(`augfit plan` moves the `tuned_on` it replaces there) and the report warns "
              "about it too.",
              {"notes": {"tuned_on": "split 0, seeds 0-4: lr, epochs"}}),
    "answer": ("How the answer is judged (never part of a cell's key).",
               {"answer": {"smallest_effect": 0.5}}),
    "answer.smallest_effect": ("The smallest change in test accuracy that matters, in percentage "
                               "points, in (0, 50]: within it a result is *negligible*, else "
                               "*helps*, *hurts* or *inconclusive*.",
                               {"answer": {"smallest_effect": 2.0}}),
    "tracking": ("Where results are also logged (not part of the results).", None),
    "tracking.mlflow": ("An MLflow tracking URI: log each cell as an MLflow run.", None),
    "methods": ("The methods compared, a list; a bare name is a method that changes nothing. "
                "Required.", {"methods": ["baseline", {"name": "d", "dropout": 0.3}]}),
    M + "name": ("The method's name (letters, digits and `_ . + -`).", {"name": "rotate15"}),
    M + "augment": ("Transforms in their serialized form: a list (run in order), one transform "
                    "dict, or a path to a YAML/JSON file relative to the spec.",
                    {"name": "rotate", "augment": [{"type": "Rotate", "limit": 15}]}),
    M + "dropout": ("Dropout rate of the hidden layers, in [0, 1).",
                    {"name": "dropout", "dropout": 0.3}),
    M + "early_stopping": ("Early stopping on val; `{}` takes every default below.",
                           {"name": "es", "early_stopping": {"patience": 10}}),
    M + "label_smoothing": ("Label smoothing in the loss, in [0, 1).",
                            {"name": "smooth", "label_smoothing": 0.1}),
    M + "weight_decay": ("This method's L2 penalty, biases excluded unless `decay_bias`; "
                         "overrides `training.weight_decay`.",
                         {"name": "wd", "weight_decay": 5e-4}),
    M + "decay_bias": ("With `weight_decay`: decay the biases too.",
                       {"name": "wd_all", "weight_decay": 5e-4, "decay_bias": True}),
    M + "mix": ("A label-mixing step (MixUp) applied to the featurized rows, e.g. for text.",
                {"name": "text_mixup", "mix": {"type": "MixUp", "alpha": 0.2}}),
    M + "early_stopping.patience": ("Epochs without improvement before stopping.",
                                    {"name": "es", "early_stopping": {"patience": 5}}),
    M + "early_stopping.monitor": ("`val_loss` or `val_accuracy`.",
                                   {"name": "es", "early_stopping": {"monitor": "val_accuracy"}}),
    M + "early_stopping.min_delta": ("The smallest change that counts as an improvement.",
                                     {"name": "es", "early_stopping": {"min_delta": 0.001}}),
    M + "early_stopping.restore_best_weights": (
        "Restore the weights of the best epoch at the end.",
        {"name": "es", "early_stopping": {"restore_best_weights": False}}),
    M + "early_stopping.start_from_epoch": (
        "Epochs to wait before monitoring.",
        {"name": "es", "early_stopping": {"start_from_epoch": 5}}),
}


def parser_fields() -> list[str]:
    """Every field path the parser knows, from its own tables."""
    out: list[str] = []
    nested = {"dataset": SD._DATASET_FIELDS, "model": S._DEFAULT_MODEL,
              "training": S._DEFAULT_TRAINING, "bootstrap": S._DEFAULT_BOOTSTRAP,
              "tracking": ["mlflow"], "answer": S._DEFAULT_ANSWER}
    for top in S._TOP:
        out.append(top)
        out += [f"{top}.{k}" for k in nested.get(top, [])]
        if top == "dataset":
            out += [f"dataset.split.{k}" for k in SD._DEFAULT_SPLIT]
    out += [M + k for k in SM._METHOD_FIELDS]
    out += [M + "early_stopping." + k for k in SM._DEFAULT_ES]
    return out


def check_fields() -> None:
    """Raise naming the fields the parser knows but FIELDS does not describe, and the reverse."""
    known, described = parser_fields(), set(FIELDS)
    missing = [f for f in known if f not in described]
    extra = sorted(described - set(known))
    if missing or extra:
        raise SystemExit(f"scripts/docs_spec.py: fields without a description: {missing}; "
                         f"described fields the parser does not know: {extra}")


def _get(d: Any, path: list[str]) -> Any:
    for k in path:
        if not isinstance(d, dict) or k not in d:
            return dataclasses.MISSING
        d = d[k]
    return d


def default_of(path: str) -> Any:
    """The value the parser fills in when ``path`` is left out (MISSING: stays absent)."""
    if path.startswith(M):
        rest = path[len(M):].split(".")
        if rest[0] == "early_stopping" and len(rest) == 2:
            return SM._DEFAULT_ES[rest[1]]
        f = {x.name: x for x in dataclasses.fields(SM.Method)}.get(rest[0])
        return f.default if f is not None else dataclasses.MISSING
    if path.startswith("answer."):                  # absent from the canonical form by default
        return S._DEFAULT_ANSWER[path.split(".", 1)[1]]
    canonical = S.parse_spec(copy.deepcopy(MINIMAL)).to_canonical()
    found = _get(canonical, path.split("."))
    if found is dataclasses.MISSING and "." not in path:   # left out of the canonical form when
        f = {x.name: x for x in dataclasses.fields(S.Spec)}.get(path)   # it has its default
        if f is not None and f.default is not dataclasses.MISSING and path != "tracking":
            return f.default
    return found


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for k, v in extra.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def example_spec(path: str, example: Any) -> dict[str, Any]:
    """MINIMAL with ``example`` applied (a method dict for a methods[] field)."""
    if path.startswith(M):
        return _merge(MINIMAL, {"methods": ["baseline", example]})
    return _merge(MINIMAL, example)


def flow(value: Any) -> str:
    """``value`` in YAML's one-line flow style."""
    text = yaml.safe_dump(value, default_flow_style=True, width=10_000, sort_keys=False).strip()
    return text.removesuffix("...").strip()


def example_text(example: dict[str, Any]) -> str:
    """An example fragment as YAML lines (one code span per top-level key)."""
    return " ".join(f"`{k}: {flow(v)}`" for k, v in example.items())


def _cell(path: str) -> tuple[str, str]:
    description, example = FIELDS[path]
    default = "required" if path in REQUIRED else default_of(path)
    absent = default is dataclasses.MISSING or (default is None and path.startswith(M))
    shown = "(absent)" if absent else f"`{flow(default)}`"
    if default == "required":
        shown = "required"
    if example is None:
        ex = ""
    else:
        S.parse_spec(example_spec(path, example))    # every example must parse
        ex = example_text(example if not path.startswith(M) else {"methods": [example]})
    return shown, f"{description} | {ex}"


SWEEP = """methods:
  - baseline
  - name: rotate
    augment: [{type: Rotate}]
    sweep: {param: "augment[0].limit", values: [5, 10, 20, 40]}
  - name: mixup
    augment: [{type: MixUp}]
    mixup.alpha: [0.1, 0.2, 0.4]"""


def page(demo: Path) -> str:
    """The page's Markdown; ``demo`` is the shipped spec shown as the complete example."""
    check_fields()
    S.parse_spec(_merge(MINIMAL, yaml.safe_load(SWEEP)))   # the sweep example must parse
    lines = ["# The spec reference", "",
             "An experiment spec is a YAML (or JSON) file, or a dict passed to "
             "`augfit.experiments.run`. Only `dataset.name` (or `dataset.card`), `train_sizes` and "
             "`methods` are required. Every field is checked when the spec loads, and an unknown "
             "field is an error naming its path.", "",
             "This page is generated from the spec parser by `scripts/build_docs.py`: the fields "
             "and defaults come from the code, and every example below was parsed while the page "
             "was built.", "",
             "| field | default | what it is | example |", "|---|---|---|---|"]
    for path in parser_fields():
        default, rest = _cell(path)
        lines.append(f"| `{path}` | {default} | {rest} |")
    lines += ["", "## Strength sweeps", "",
              "A method may sweep one parameter and expands into one method per value "
              "(`rotate[limit=5]`, `rotate[limit=10]`, ...). Two ways to write it, which give the "
              "same cells:", "", "```yaml", SWEEP, "```", "",
              "## The annotated format", "",
              "The format as the parser's docstring (`augfit/experiments/spec/spec.py`) gives "
              "it:", ""]
    doc = S.__doc__ or ""
    block = doc.split("::\n\n", 2)[2].split("\n\n")[0]
    lines += ["```yaml", *(ln[4:] for ln in block.splitlines()), "```", "",
              "## A complete example", "", "`pipelines/digits_overfitting.yaml`, what `make demo` "
              "runs:", "", "```yaml", demo.read_text(encoding="utf-8").rstrip(), "```"]
    return "\n".join(lines) + "\n"
