"""The ``methods`` section of an experiment spec: each :class:`Method` (augmentation, dropout, early
stopping, label smoothing, weight decay, a label-mixing step), strength sweeps expanded (see
:mod:`.spec` for the format)."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict

from ...errors import AugfitError
from ...jsontypes import JSONDict
from .checker import Checker, show
from .sections import EarlyStoppingConfig, early_stopping_json

_DEFAULT_ES: EarlyStoppingConfig = {"patience": 10, "monitor": "val_loss", "min_delta": 0.0,
               "restore_best_weights": True, "start_from_epoch": 0}
_METHOD_FIELDS = ["name", "augment", "dropout", "early_stopping", "label_smoothing",
                  "weight_decay", "decay_bias", "mix"]


@dataclass(frozen=True)
class Method:
    """One method of the comparison: any mix of augmentation, dropout and early stopping."""

    name: str
    augment: JSONDict | None = None             # a transform dict (Transform.from_dict builds it)
    dropout: float = 0.0
    early_stopping: EarlyStoppingConfig | None = None
    label_smoothing: float = 0.0
    weight_decay: float | None = None           # None: training.weight_decay (all parameters)
    decay_bias: bool = False                    # with weight_decay: decay the biases too
    mix: JSONDict | None = None                 # a label-mixing transform dict for the features

    def config(self) -> JSONDict:
        """What the method does, without its name (part of each cell's key). Fields added after
        the first release appear only when set, so older specs keep their cell keys."""
        es = None if self.early_stopping is None else early_stopping_json(self.early_stopping)
        out: JSONDict = {"augment": self.augment, "dropout": self.dropout, "early_stopping": es}
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
        from ...transforms.base import Transform

        return any(d is not None and Transform.from_dict(d).changes_labels()
                   for d in (self.augment, self.mix))


def methods_section(ck: Checker, v: object, base_dir: Path) -> list[Method]:
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
        augment: JSONDict | None = None
        if m.get("augment") is not None:
            from .augment_spec import build_augment

            augment = build_augment(ck, m["augment"], f"{path}.augment", base_dir)
        dropout = float(ck.number(m.get("dropout", 0.0), f"{path}.dropout", 0, 1, hi_open=True))
        es = None
        if m.get("early_stopping") is not None:
            es = _early_stopping(ck, m["early_stopping"], f"{path}.early_stopping")
        out.append(Method(name, augment, dropout, es, **_regularizers(ck, m, path, base_dir)))
    return out


class _Regularizers(TypedDict, total=False):
    """The keyword arguments of :class:`Method` that :func:`_regularizers` checks."""

    label_smoothing: float
    weight_decay: float
    decay_bias: bool
    mix: JSONDict


def _regularizers(ck: Checker, m: Mapping[str, object], path: str, base_dir: Path
                  ) -> _Regularizers:
    """The method fields label_smoothing, weight_decay, decay_bias and mix, checked."""
    from ...nn.losses import check_label_smoothing

    out: _Regularizers = {}
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
        from ...transforms.base import Transform

        if not Transform.from_dict(mix).changes_labels():
            raise ck.fail(f"{path}.mix", f"must be a label-mixing transform such as "
                          f"{{type: MixUp, alpha: 0.2}} (applied to the featurized batch), got "
                          f"{show(m['mix'])}; put other transforms in augment")
        out["mix"] = mix
    return out


def _early_stopping(ck: Checker, v: object, path: str) -> EarlyStoppingConfig:
    if v is True:
        v = {}
    e = {**_DEFAULT_ES, **ck.mapping(v, path, list(_DEFAULT_ES))}
    return {"patience": int(ck.number(e["patience"], f"{path}.patience", 0, integer=True)),
            "monitor": ck.choice(e["monitor"], f"{path}.monitor", ["val_loss", "val_accuracy"]),
            "min_delta": float(ck.number(e["min_delta"], f"{path}.min_delta", 0)),
            "restore_best_weights": ck.boolean(e["restore_best_weights"],
                                               f"{path}.restore_best_weights"),
            "start_from_epoch": int(ck.number(e["start_from_epoch"], f"{path}.start_from_epoch",
                                              0, integer=True))}


__all__ = ["Method", "methods_section"]
