"""What a pipeline drew for each sample, in words: read from the record of ``return_params=True``.

Every transform samples its parameters before applying them, and the record keeps them (see
:mod:`augfit.transforms.base`). :func:`explain` walks a pipeline and its record (through Compose,
OneOf, SomeOf and Sometimes) and returns, per sample of the batch, the steps that applied to it
with the values they drew. The words come from one table, :data:`FAMILIES`: a transform's
``family`` attribute (geometry, crops, flips, colour, enhancement, noise, label mixing, policies,
spectrogram masks, waveform, text edits) -> the formatter of that family. A transform of no
family in the table (a plugin, an adapter, a new transform) is shown from its record by the
generic formatter: its per-sample numbers as ``key=value``. So a new transform needs nothing
here: it names a family, or its record speaks for it.

Example
-------
>>> import numpy as np, augfit as af
>>> from augfit.transforms import image as I
>>> aug = af.Compose([I.Rotate(limit=30), I.HorizontalFlip(p=1.0)])
>>> x = np.zeros((2, 8, 8), np.uint8)
>>> out, record = aug(x, rng=0, return_params=True)
>>> [d.text for d in explain(aug, record, 2)[0]]
['rotate +18.8°', 'horizontal flip']
>>> float(explain(aug, record, 2)[0][0].values["angle"]) == float(record["inner"][0]["angle"][0])
True
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import SupportsInt

import numpy as np

from ..jsontypes import JSONDict
from ..transforms.base import RECORD_KEY, Pipeline
from ..transforms.records import Params

_SKIP = ("applied", RECORD_KEY)


@dataclass(frozen=True)
class Drawn:
    """One transform's draw for one sample: its registered name, the words shown, and the
    recorded values they were made from (exactly the record's entries for that sample)."""

    transform: str
    text: str
    values: Params = field(default_factory=dict)


@dataclass(frozen=True)
class Context:
    """What a formatter may need besides the values: the transform, the sample shape the record
    was drawn on, the batch rows the record covers (partners are indices into them), and the
    audio time base when known."""

    transform: Pipeline
    shape: tuple[int, ...] | None
    rows: np.ndarray
    sample_rate: float | None = None
    hop_length: int | None = None
    sample: int = -1          # the batch row being described

    def row(self, index: SupportsInt) -> int:
        """The batch row of record index ``index`` (a MixUp partner, say)."""
        return int(self.rows[int(index)])


Formatter = Callable[[Params, Context], str]


def _num(v: object) -> float:
    return float(np.asarray(v, dtype=float))


# -- one formatter per family --------------------------------------------------------------------
def _geometry(v: Params, c: Context) -> str:
    """Rotate, Scale, Translate, Affine, Shear: each drawn component, shifts also in pixels."""
    parts = []
    if "angle" in v:
        parts.append(f"rotate {_num(v['angle']):+.1f}°")
    if "scale" in v:
        parts.append(f"zoom ×{_num(v['scale']):.2f}")
    if "dx" in v or "dy" in v:
        h, w = (c.shape or (0, 0))[:2]
        dx, dy = _num(v.get("dx", 0.0)), _num(v.get("dy", 0.0))
        parts.append(f"shift x {dx * w:+.1f} px, y {dy * h:+.1f} px")
    if "sx" in v or "sy" in v:
        parts.append(f"shear x {_num(v.get('sx', 0.0)):+.2f}, y {_num(v.get('sy', 0.0)):+.2f}")
    if "shear" in v:
        parts.append(f"shear {_num(v['shear']):+.1f}°")
    return ", ".join(parts) or _name(c)


def _blur(v: Params, _c: Context) -> str:
    """GaussianBlur (sigma), MotionBlur (kernel side, direction)."""
    if "sigma" in v:
        return f"gaussian blur σ={_num(v['sigma']):.2f} px"
    return f"motion blur {int(_num(v['size']))} px at {_num(v['angle']):+.0f}°"


def _warp(v: Params, _c: Context) -> str:
    """ElasticTransform (alpha, the field's seed) and Perspective (the corners' inward moves)."""
    if "alpha" in v:
        return f"elastic α={_num(v['alpha']):.1f} px (field seed {int(_num(v['seed']))})"
    moves = np.asarray(v["corners"], float).reshape(4, 2)
    return "perspective, corners in by " + ", ".join(
        f"{name} {x:.0%}/{y:.0%}" for name, (x, y) in zip(("TL", "TR", "BR", "BL"), moves,
                                                         strict=True))


def _flip(_v: Params, c: Context) -> str:
    return {"HorizontalFlip": "horizontal flip", "VerticalFlip": "vertical flip"}.get(
        _name(c), _name(c))


def _crop(v: Params, c: Context) -> str:
    """RandomCrop (window of the output size) and RandomResizedCrop (box h x w, resized)."""
    hw = tuple((c.shape or (0, 0))[:2])
    out_hw = c.transform.output_hw(hw) if hasattr(c.transform, "output_hw") else hw
    y0, x0 = int(v["y0"]), int(v["x0"])
    h, w = (int(v["h"]), int(v["w"])) if "h" in v else out_hw
    text = f"crop box rows {y0}–{y0 + h - 1}, cols {x0}–{x0 + w - 1} ({h}×{w} px)"
    if "h" in v:
        text += f", resized to {out_hw[0]}×{out_hw[1]}"
    return text


def _color(v: Params, c: Context) -> str:
    """Brightness / Contrast / BrightnessContrast: ``x * alpha + beta * max``."""
    parts = []
    if "alpha" in v and _num(v["alpha"]) != 1.0:
        parts.append(f"contrast ×{_num(v['alpha']):.2f}")
    if "beta" in v and _num(v["beta"]) != 0.0:
        parts.append(f"brightness {_num(v['beta']):+.2f}")
    return ", ".join(parts) or f"{_name(c).lower()} unchanged"


def _enhance(v: Params, c: Context) -> str:
    """Posterize, Solarize, Sharpness, Color; Equalize, AutoContrast and Grayscale draw nothing."""
    name = _name(c)
    if "bits" in v:
        return f"posterize to {int(v['bits'])} bits"
    if "threshold" in v:
        return f"solarize above {_num(v['threshold']):.2f}"
    if "factor" in v:
        return f"{name.lower()} factor {_num(v['factor']):.2f}"
    return name.lower() if name != "AutoContrast" else "autocontrast"


def _noise(v: Params, _c: Context) -> str:
    """GaussianNoise (sigma) and Cutout (holes)."""
    if "sigma" in v:
        return f"gaussian noise σ={_num(v['sigma']):.3f}"
    holes = [f"({y},{x}) {h}×{w}" for y, x, h, w in
             zip(v["y0"], v["x0"], v["h"], v["w"], strict=True)]
    return "cutout " + "; ".join(holes)


def _mixing(v: Params, c: Context) -> str:
    """MixUp, CutMix, TimeCutMix: λ, the partner (a batch row) and what was taken from it."""
    partner = c.row(v["partner"])
    if partner == c.sample:
        return f"{_name(c)} λ={_num(v['lam']):.2f} with itself (partner #{partner}: no change)"
    keep = f"keeps {100 * _num(v['weight']):.0f}%"
    if "y0" in v:
        return (f"CutMix λ={_num(v['lam']):.2f}: rows {int(v['y0'])}–{int(v['y1']) - 1}, cols "
                f"{int(v['x0'])}–{int(v['x1']) - 1} from sample #{partner} ({keep})")
    if "start" in v:
        s, w = int(v["start"]), int(v["width"])
        return (f"TimeCutMix λ={_num(v['lam']):.2f}: frames {_span(s, w)}{_seconds(s, w, c)} "
                f"from sample #{partner} ({keep})")
    return f"MixUp λ={_num(v['lam']):.2f} with sample #{partner} ({keep})"


_POLICY_UNITS: dict[str, Callable[[float], str]] = {
    "ShearX": lambda m: f"{m:+.2f}", "ShearY": lambda m: f"{m:+.2f}",
    "TranslateX": lambda m: f"{int(np.trunc(m)):+d} px",   # applied truncated, as torchvision
    "TranslateY": lambda m: f"{int(np.trunc(m)):+d} px",
    "Rotate": lambda m: f"{m:+.1f}°", "Brightness": lambda m: f"×{1 + m:.2f}",
    "Color": lambda m: f"×{1 + m:.2f}", "Contrast": lambda m: f"×{1 + m:.2f}",
    "Sharpness": lambda m: f"×{1 + m:.2f}", "Posterize": lambda m: f"{int(m)} bits",
    "Solarize": lambda m: f"above {m:.2f}",
}


def _policy(v: Params, c: Context) -> str:
    """RandAugment / TrivialAugmentWide: the operation and magnitude of each round."""
    ops: Sequence[str] = getattr(c.transform, "ops", [])
    parts = []
    for k, m in zip(np.ravel(v["op"]), np.ravel(v["magnitude"]), strict=True):
        op = ops[int(k)] if int(k) < len(ops) else f"op {int(k)}"
        unit = _POLICY_UNITS.get(op)
        parts.append(f"{op} {unit(float(m))}" if unit else op)
    m_fixed = getattr(c.transform, "magnitude", None)
    suffix = f" (M={m_fixed})" if isinstance(m_fixed, int) else ""
    return ", ".join(parts) + suffix


def _span(start: int, width: int) -> str:
    return str(start) if width == 1 else f"{start}–{start + width - 1}"


def _seconds(start: int, width: int, c: Context) -> str:
    if not c.sample_rate or not c.hop_length:
        return ""
    step = c.hop_length / c.sample_rate
    return f" ({start * step:.2f}–{(start + width) * step:.2f} s)"


def _masks(v: Params, c: Context) -> str:
    """FrequencyMask (mel bins), TimeMask (frames, and seconds when known), TimeWarp."""
    if "center" in v:
        return f"time warp at frame {int(v['center'])} by {int(v['warp']):+d} frames"
    time = _name(c) == "TimeMask"
    spans = [(int(s), int(w)) for s, w in zip(np.ravel(v["start"]), np.ravel(v["width"]),
                                              strict=True) if int(w) > 0]
    if not spans:
        return f"{'time' if time else 'frequency'} mask of width 0 (nothing masked)"
    if time:
        return "time mask frames " + ", ".join(f"{_span(s, w)}{_seconds(s, w, c)}"
                                               for s, w in spans)
    return "frequency mask mel bins " + ", ".join(_span(s, w) for s, w in spans)


def _waveform(v: Params, c: Context) -> str:
    """AddNoise, Gain, PitchShift, TimeShift, TimeStretch."""
    if "snr_db" in v:
        return f"noise at SNR {_num(v['snr_db']):.1f} dB"
    if "db" in v:
        return f"gain {_num(v['db']):+.1f} dB"
    if "semitones" in v:
        return f"pitch {_num(v['semitones']):+.2f} semitones"
    if "rate" in v:
        return f"time stretch ×{_num(v['rate']):.2f}"
    if "shift" in v:
        s = int(v["shift"])
        sr = c.sample_rate or getattr(c.transform, "sample_rate", None)
        return f"time shift {s:+d} samples" + (f" ({s / sr:+.3f} s)" if sr else "")
    return _generic(v, c)


def _text(v: Params, c: Context) -> str:
    """RandomDeletion, RandomSwap, RandomInsertion, SynonymReplace (word indices from 0)."""
    name = _name(c)
    if "deleted" in v:
        return "deleted words " + (", ".join(f"#{i}" for i in v["deleted"]) or "none")
    if "pairs" in v:
        return "swapped words " + (", ".join(f"#{i}↔#{j}" for i, j in v["pairs"]) or "none")
    if name == "RandomInsertion":
        return "inserted " + (", ".join(f"{w!r} at #{i}" for i, w in v["edits"]) or "nothing")
    return "replaced " + (", ".join(f"#{i} → {w!r}" for i, w in v["edits"]) or "nothing")


def _generic(v: Params, c: Context) -> str:
    """Any other transform: its per-sample numbers (seeds left out) as ``key=value``."""
    shown = [f"{k}={_short(x)}" for k, x in v.items() if k != "seed" and _is_number(x)]
    return _name(c) + (" " + ", ".join(shown) if shown else "")


def _is_number(x: object) -> bool:
    return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, bool)


def _short(x: object) -> str:
    return f"{x:.3g}" if isinstance(x, (float, np.floating)) else str(x)


def _name(c: Context) -> str:
    return str(getattr(type(c.transform), "registered_name", type(c.transform).__name__))


#: a transform's ``family`` -> the formatter of that family (any other: :func:`_generic`)
FAMILIES: dict[str, Formatter] = {
    "geometry": _geometry,    # Rotate, Scale, Translate, Affine, Shear
    "flip": _flip,            # HorizontalFlip, VerticalFlip
    "crop": _crop,            # RandomCrop, RandomResizedCrop
    "color": _color,          # Brightness, Contrast, BrightnessContrast
    "enhance": _enhance,      # Posterize, Solarize, Sharpness, Color, Equalize, AutoContrast, ...
    "noise": _noise,          # GaussianNoise, Cutout
    "blur": _blur,            # GaussianBlur, MotionBlur
    "warp": _warp,            # ElasticTransform, Perspective
    "mixing": _mixing,        # MixUp, CutMix, TimeCutMix
    "policy": _policy,        # RandAugment, TrivialAugmentWide
    "masks": _masks,          # FrequencyMask, TimeMask, TimeWarp
    "waveform": _waveform,    # AddNoise, Gain, PitchShift, TimeShift, TimeStretch
    "text": _text,            # RandomDeletion, RandomSwap, RandomInsertion, SynonymReplace
}


def formatter_for(t: Pipeline) -> Formatter:
    """The formatter of ``t``'s family, or the generic one (its record's numbers)."""
    return FAMILIES.get(getattr(type(t), "family", ""), _generic)


# -- walking a record ----------------------------------------------------------------------------
def per_sample(record: Params, j: int, n: int) -> Params:
    """The record's values for sample ``j`` of the ``n`` it was drawn for (shared values as
    they are), without the bookkeeping entries (``applied``, the drawn-on note)."""
    out: Params = {}
    for k, val in record.items():
        if k in _SKIP:
            continue
        per_row = (isinstance(val, np.ndarray) and val.ndim >= 1 and val.shape[0] == n) or \
            (isinstance(val, list) and len(val) == n)
        if per_row:
            out[k] = val[j]
        else:
            out[k] = val
    return out


def explain(aug: Pipeline, record: Params, n: int, sample_rate: float | None = None,
            hop_length: int | None = None) -> list[list[Drawn]]:
    """Per sample of a batch of ``n``, the steps of ``aug`` that applied to it and what they drew.

    ``record`` is what ``aug(x, return_params=True)`` returned with the output. Deterministic
    steps (MelSpectrogram, CenterCrop) draw nothing and are left out. ``sample_rate`` and
    ``hop_length`` (of a spectrogram's frames) add seconds to time masks and shifts.
    """
    out: list[list[Drawn]] = [[] for _ in range(n)]
    _walk(aug, record, np.arange(n), out, sample_rate, hop_length)
    return out


def _walk(t: Pipeline, rec: object, rows: np.ndarray, out: list[list[Drawn]],
          sr: float | None, hop: int | None) -> None:
    if not isinstance(rec, dict) or getattr(t, "deterministic", False):
        return
    applied = np.asarray(rec.get("applied", np.ones(len(rows), bool)), bool)
    children = getattr(t, "transforms", None)
    if children is not None and "inner" in rec:
        _walk_children(children, rec["inner"], rows[applied], out, sr, hop)
        return
    note = rec.get(RECORD_KEY) or {}
    shape = None if note.get("shape") is None else tuple(note["shape"])
    ctx = Context(t, shape, rows, sr, hop)
    name = _name(ctx)
    fmt = formatter_for(t)
    for j in np.flatnonzero(applied):
        values = per_sample(rec, int(j), len(rows))
        row = int(rows[j])
        out[row].append(Drawn(name, fmt(values, replace(ctx, sample=row)), values))


def _walk_children(children: Sequence[Pipeline], inner: Params | list[Params] | None,
                   rows: np.ndarray,
                   out: list[list[Drawn]], sr: float | None, hop: int | None) -> None:
    """Compose / Sometimes: every step on the same rows; OneOf: the chosen child per row;
    SomeOf: each child on the rows whose mask selects it."""
    if inner is None:
        return
    if isinstance(inner, list):
        for child, child_rec in zip(children, inner, strict=False):
            _walk(child, child_rec, rows, out, sr, hop)
        return
    steps = inner.get("steps", [])
    if "choice" in inner:
        picks = [np.asarray(inner["choice"]) == k for k in range(len(children))]
    else:
        mask = np.asarray(inner["mask"], bool)
        picks = [mask[:, k] for k in range(len(children))]
    for child, step, pick in zip(children, steps, picks, strict=False):
        if step is not None and pick.any():
            _walk(child, step, rows[pick], out, sr, hop)


def describe_pipeline(t: Pipeline) -> str:
    """A pipeline in one line, e.g. ``Rotate(limit=15) → HorizontalFlip(p=0.5)``: every argument
    that sets a strength (not ``p=1``, a default ``fill``, unset (None) ones, all policy operations
    or seeds); a composition other than a plain Compose shows its own
    arguments and its children in brackets."""
    return _describe(t.to_dict())


def _describe(d: JSONDict) -> str:
    import inspect

    from ..registry import TRANSFORMS
    from ..transforms.image.policies import POLICY_OPS

    name = str(d.get("type"))
    params: Mapping[str, inspect.Parameter]
    try:
        params = inspect.signature(TRANSFORMS.get(name)).parameters
    except Exception:  # an unknown name: show every argument
        params = {}
    args = []
    for k, v in d.items():
        if k in ("type", "transforms", "seed"):
            continue
        default = params[k].default if k in params else inspect.Parameter.empty
        if (k == "p" and _same_value(v, 1.0)) or (k == "ops" and _same_value(v, POLICY_OPS)):
            continue
        quiet = k in ("fill", "fuse") or v is None
        if quiet and default is not inspect.Parameter.empty and _same_value(v, default):
            continue
        args.append(f"{k}={_arg(v)}")
    children = d.get("transforms")
    if isinstance(children, list):
        sep = " → " if name in ("Compose", "Sometimes") else " | "
        inner = sep.join(_describe(c) for c in children if isinstance(c, dict))
        return inner if name == "Compose" and not args else f"{name}({', '.join(args)}: {inner})"
    return f"{name}({', '.join(args)})" if args else name


def _arg(v: object) -> str:
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_arg(x) for x in v) + "]"
    return f"{v:.4g}" if _is_number(v) else str(v)


def _same_value(a: object, b: object) -> bool:
    if isinstance(b, tuple):
        b = list(b)
    try:
        return bool(a == b)
    except Exception:
        return False


__all__ = ["FAMILIES", "Context", "Drawn", "Formatter", "describe_pipeline", "explain",
           "formatter_for", "per_sample"]
