"""The Transform contract that every modality shares: sample parameters, then apply them.

A transform draws every random choice for a batch in :meth:`Transform.sample` (including whether it
applies to each sample, from ``p``) and applies them in :meth:`Transform.apply`, which is pure and
deterministic. The parameters are a plain dict, so any augmented batch can be replayed and shown.
The draws come in one order, kept in :meth:`Transform.draw_record`: the applied mask
(:meth:`Transform.draw_applied`), then ``sample_params`` for every sample; the fused geometric
path of a Compose calls the same method, so fusing never changes what a seed draws.

Subclasses implement two hooks:

``sample_params(rng, batch, n) -> dict``
    Per-sample parameters: arrays (or lists) whose first axis has length ``n``; scalars are allowed
    for values shared by the whole batch. Draw them for all ``n`` samples (vectorized).
``apply_params(batch, params) -> batch``
    Apply to a batch in which every sample is to be transformed; ``params`` has already been
    restricted to those samples. Must not modify ``batch`` in place.

and optionally ``check_batch(batch)`` (raise :class:`~augfit.errors.ShapeError` on bad input).

Each constructor argument is declared once, in the class's ``_parameter_constraints`` table
(:mod:`augfit.transforms.constraints`, merged with the bases' tables; ``p`` is declared here):

>>> from augfit.transforms.constraints import Fill, Range
>>> table = {"limit": Range(-180, 180, symmetric=True), "fill": Fill()}

Before the class's own ``__init__`` body runs, the arguments are checked against it (errors name
the class that was called), each is kept under its name for ``to_dict`` / ``get_params``, and its
checked value is in ``self.checked`` (``self.bounds(name)`` for a range), what sampling uses.

The contract test (``tests/transforms/test_contract.py``) runs over EVERY registered transform.
It builds each with its defaults, or with the arguments ``tests/transform_examples.py`` lists for
it, on :meth:`Transform.example_batch` (override it where the modality's default batch does not
fit: by ``modality``, ``"image"``/``"any"`` -> random uint8 ``(4, 16, 16, 3)``; ``"text"`` -> four
English sentences of common words (:data:`EXAMPLE_SENTENCES`); ``"audio"`` -> float32 waveforms
``(4, 8000)`` in [-1, 1]). It checks, for each class: output shape and dtype kept (lists: same
length, all ``str``); ``p=0`` is the identity; ``p=1`` changes the example batch; the same seed
gives the same bytes; ``apply(x, sample(rng, x))`` (replay) and ``from_dict(to_dict())`` give the
same bytes; every argument is in the table, and every bad value the table generates is refused
with an error naming the class and the argument. Classes with ``deterministic = True`` (steps
that draw nothing and may change shape, e.g. MelSpectrogram) skip the ``p`` and shape checks.

Compositions (and any transform whose later draws depend on earlier outputs) override
:meth:`Transform.sample_apply`, which draws and applies in one pass and returns ``(out, params)``;
the default is ``params = sample(rng, x); out = apply(x, params)``.

Example
-------
>>> import numpy as np
>>> from augfit.transforms.image import HorizontalFlip
>>> flip = HorizontalFlip(p=0.5)
>>> x = np.zeros((4, 8, 8), np.uint8)
>>> params = flip.sample(np.random.default_rng(0), x)
>>> out = flip.apply(x, params)            # same as flip(x, rng=np.random.default_rng(0))
"""
from __future__ import annotations

import functools
import inspect
import json
from collections.abc import Mapping
from typing import Any, ClassVar, Generic, TypeAlias, cast

import numpy as np

from ..checks import check_keywords, check_probability
from ..errors import AugfitError, ConfigError
from ..jsontypes import JSONDict, JSONValue
from ..rng import SeedLike, as_generator
from .calling import call_transform
from .constraints import Checked, Constraint, Probability, check_table, merged_table
from .examples import EXAMPLE_SENTENCES, example_batch_for
from .params import ParamsMixin
from .records import (
    RECORD_KEY,
    BatchT,
    Params,
    _put,
    _take,
    applied_mask,
    batch_len,
    check_record,
    drawn_on,
    sample_shape,
    select,
)

#: Caps on integer arguments, so an absurd value is refused when a transform is built instead of
#: failing with a MemoryError (or running for hours) at call time.
MAX_COUNT = 1_000        # things drawn per sample: Cutout holes, SpecAugment masks
MAX_WORDS = 10_000       # words edited per sentence (RandomInsertion, RandomSwap, SynonymReplace)
MAX_SIDE = 32_767        # pixels of an image side or padding (OpenCV's limit)
MAX_FRAMES = 1_000_000   # spectrogram bins/frames of a mask or a warp
MAX_SAMPLE_RATE = 768_000.0  # Hz
MAX_FFT = 65_536         # n_fft, hop_length (samples)


def _jsonable(v: object) -> JSONValue:
    if isinstance(v, tuple):
        return [_jsonable(x) for x in v]
    if isinstance(v, list):
        return [_jsonable(x) for x in v]
    if isinstance(v, dict):
        return {k: _jsonable(x) for k, x in v.items()}
    if isinstance(v, np.generic):
        item: JSONValue = v.item()
        return item
    if isinstance(v, Transform):
        return v.to_dict()
    if v is None or isinstance(v, (str, int, float)):
        return v
    # another object (a plugin's argument) is kept as it is, as always: json.dumps says
    # whether it can be written
    return cast(JSONValue, v)


class Transform(ParamsMixin, Generic[BatchT]):
    """Base class of augfit transforms (batch in, batch out).

    Generic in the batch type (:data:`~augfit.transforms.records.BatchT`): an image or audio
    transform is a ``Transform[np.ndarray]``, a text transform a ``Transform[list[str]]``.

    Attributes
    ----------
    p : float
        Probability that the transform applies to each sample; ``p=0`` is exactly the identity.
    modality : str
        "image", "text", "audio" or "any".
    deterministic : bool
        True for steps that draw nothing (e.g. a featurizer-like MelSpectrogram).
    """

    modality: ClassVar[str] = "any"
    deterministic: ClassVar[bool] = False
    registered_name: ClassVar[str]
    #: what each constructor argument may be (see :mod:`augfit.transforms.constraints`); a
    #: subclass's table is merged over its bases'
    _parameter_constraints: ClassVar[dict[str, Constraint]] = {"p": Probability()}
    #: the preview's way of putting a draw in words (``augfit.viz.explain``): "geometry", "crop",
    #: "color", ...; "" shows the record's numbers as ``key=value``
    family: ClassVar[str] = ""
    #: the checked values of the constructor's arguments, what the transform samples from
    checked: Checked

    def __init_subclass__(cls, **kwargs: object) -> None:
        """Wrap the class's ``__init__``: when it is the class being built (not a ``super()``
        call), a mistyped keyword (``Rotate(limt=15)``) is a ConfigError naming it, with "did
        you mean", rather than Python's TypeError, and the arguments are checked against the
        constraint table (:meth:`check_arguments`) before the body runs."""
        super().__init_subclass__(**kwargs)
        init = cls.__dict__.get("__init__")
        if init is None:
            return
        signature = inspect.signature(init)

        def checked(self: Transform[BatchT], *args: object, **kw: object) -> None:
            if type(self).__init__ is checked:  # the outermost __init__ of the class being built
                if kw:
                    check_keywords(init, kw, f"{type(self).__name__}({{}}=...)")
                self.check_arguments(signature, args, kw)
            init(self, *args, **kw)

        functools.update_wrapper(checked, init)
        cls.__init__ = checked  # type: ignore[method-assign]

    def check_arguments(self, signature: inspect.Signature, args: tuple[object, ...],
                        kw: dict[str, object]) -> None:
        """Check the constructor's arguments against the class's constraint table (merged with
        its bases'), with the class's own name as the owner; keep each argument for ``to_dict``
        under its name and its checked value in ``self.checked``."""
        try:
            bound = signature.bind(self, *args, **kw)
        except TypeError:
            return  # a missing or surplus argument: Python's own error follows from __init__
        bound.apply_defaults()
        values = {k: v for k, v in bound.arguments.items() if k != "self"}
        checked, stored = check_table(merged_table(type(self), values), values,
                                      type(self).__name__)
        self.checked = Checked(**checked)
        for name, value in stored.items():
            setattr(self, name, value)

    def bounds(self, name: str) -> tuple[float, float]:
        """The checked ``(low, high)`` of the range argument ``name``, what sampling draws
        from (``Rotate(limit=15).bounds("limit")`` is ``(-15.0, 15.0)``)."""
        low, high = getattr(self.checked, name)
        return float(low), float(high)

    def uniform(self, rng: np.random.Generator, name: str, n: int) -> np.ndarray:
        """``n`` draws, one per sample, uniform on the checked range argument ``name``
        (:meth:`bounds`): the one definition of a range's per-sample draw."""
        return rng.uniform(*self.bounds(name), size=n)

    def __init__(self, p: float = 1.0) -> None:
        self.p = check_probability(p, owner=type(self).__name__)

    # -- hooks for subclasses ------------------------------------------------------------------
    def sample_params(self, rng: np.random.Generator, batch: BatchT, n: int) -> Params:
        del rng, batch, n
        return {}

    def apply_params(self, batch: BatchT, params: Params) -> BatchT:
        raise NotImplementedError

    def check_batch(self, batch: object) -> None:
        """Raise ShapeError if ``batch`` is not a valid input; default accepts anything."""

    # -- the contract test's input (see the module docstring) ----------------------------------
    @classmethod
    def example_batch(cls, rng: np.random.Generator) -> np.ndarray | list[str]:
        """A generic input batch for this class's modality, drawn from ``rng``."""
        return example_batch_for(cls.modality, rng)

    # -- the contract ---------------------------------------------------------------------------
    def sample(self, rng: np.random.Generator, batch: BatchT) -> Params:
        """Draw every random choice for ``batch``: ``{**params, "applied": bool (N,)}``."""
        self.check_batch(batch)
        return self.draw_record(rng, batch)

    def draw_applied(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Which of ``n`` samples the transform applies to (bool ``(N,)``): ``p`` per sample."""
        return rng.random(n) < self.p

    def draw_record(self, rng: np.random.Generator, batch: BatchT) -> Params:
        """The one sampling order, on an already checked batch: the applied mask, then
        :meth:`sample_params` for all ``n`` samples, then the record's note.

        :meth:`sample` calls it, and so does the fused geometric path of a Compose (with a
        stand-in batch of the shape the step sees), so fused and unfused runs draw the same
        numbers from the same Generator.
        """
        n = batch_len(batch)
        applied = self.draw_applied(rng, n)
        params = self.sample_params(rng, batch, n)
        params["applied"] = applied
        params[RECORD_KEY] = drawn_on(self, sample_shape(batch))
        return params

    def apply(self, batch: BatchT, params: Params) -> BatchT:
        """Apply drawn parameters (pure, deterministic); unapplied samples come back unchanged."""
        self.check_batch(batch)
        check_record(self, batch, params)
        n = batch_len(batch)
        applied = applied_mask(params.get("applied", np.ones(n, bool)), n, type(self).__name__)
        if not applied.any():
            return batch
        if applied.all():
            return self.apply_params(batch, params)
        idx = np.flatnonzero(applied)
        sub = self.apply_params(_take(batch, idx), select(params, idx, n))
        return _put(batch, idx, sub)

    def sample_apply(self, rng: np.random.Generator, batch: BatchT) -> tuple[BatchT, Params]:
        """Draw and apply in one pass: ``(out, params)``; ``apply(batch, params)`` gives ``out``."""
        params = self.sample(rng, batch)
        return self.apply(batch, params), params

    def __call__(self, batch: object = None, rng: SeedLike = None, return_params: bool = False,
                 *, layout: str | None = None, **targets: object) -> Any:
        """Sample with ``rng`` (a Generator or seed; fresh entropy if None) and apply.

        ``batch`` may also be a CPU tensor (a tensor comes back), channels-first with
        ``layout="NCHW"``, or one image given as ``aug(image=img)`` (returns ``{"image": ...}``);
        see :mod:`augfit.transforms.calling`.
        """
        gen = as_generator(rng, "rng")
        return call_transform(type(self).__name__, lambda x: self.sample_apply(gen, x), batch,
                              return_params, layout, targets)

    def replay(self, batch: BatchT, params: Params) -> BatchT:
        """Apply a record returned by ``return_params=True``; same as :meth:`apply`, checked.

        A record drawn by another transform or on samples of another shape, or one whose
        parameters are missing or ill-typed, raises ConfigError or ShapeError (never KeyError or
        TypeError).
        """
        check_record(self, batch, params)
        try:
            with np.errstate(invalid="raise"):  # a NaN made from an ill-typed entry, e.g. None
                return self.apply(batch, params)
        except AugfitError:
            raise
        except (KeyError, TypeError, IndexError, ValueError, AttributeError,
                FloatingPointError) as e:
            raise ConfigError(
                f"{type(self).__name__}.replay: the record does not fit this transform "
                f"({type(e).__name__}: {str(e)[:160]}); replay the unchanged record returned by "
                f"this transform with return_params=True") from e

    # -- labels (MixUp/CutMix change them; every other transform keeps them) -------------------
    mixes_labels: ClassVar[bool] = False

    def changes_labels(self) -> bool:
        """True if :meth:`apply_targets` can change the labels (a label-mixing step inside)."""
        return self.mixes_labels

    def apply_targets(self, targets: np.ndarray, params: Params) -> np.ndarray:
        """Soft targets ``(N, K)`` after this transform, from the same record as :meth:`apply`
        (a composition walks its steps); unchanged unless :meth:`changes_labels`."""
        del params
        return targets

    # -- serialization --------------------------------------------------------------------------
    def get_config(self) -> JSONDict:
        """Constructor arguments, read from attributes of the same names."""
        cfg: JSONDict = {}
        for name, par in inspect.signature(type(self).__init__).parameters.items():
            if name == "self" or par.kind in (par.VAR_POSITIONAL, par.VAR_KEYWORD):
                continue
            cfg[name] = _jsonable(getattr(self, name))
        return cfg

    def to_dict(self) -> JSONDict:
        """``{"type": registered name, **constructor arguments}`` (JSON-compatible)."""
        name = getattr(type(self), "registered_name", type(self).__name__)
        return {"type": name, **self.get_config()}

    def to_json(self, **kw: Any) -> str:
        """:meth:`to_dict` as a JSON string (keyword arguments go to :func:`json.dumps`)."""
        return json.dumps(self.to_dict(), **kw)

    def to_yaml(self) -> str:
        """:meth:`to_dict` as a YAML string."""
        import yaml

        result: str = yaml.safe_dump(self.to_dict(), sort_keys=False)
        return result

    @staticmethod
    def from_json(text: str) -> Transform[Any]:
        """Build a transform from :meth:`to_json` output."""
        try:
            d = json.loads(text)
        except (TypeError, json.JSONDecodeError) as e:
            raise ConfigError(
                f"from_json: text is not valid JSON ({e}); pass to_json() output") from e
        return Transform.from_dict(d)

    @staticmethod
    def from_yaml(text: str) -> Transform[Any]:
        """Build a transform from :meth:`to_yaml` output (or a YAML file's text)."""
        import yaml

        try:
            d = yaml.safe_load(text)
        except yaml.YAMLError as e:
            raise ConfigError(
                f"from_yaml: text is not valid YAML ({e}); pass to_yaml() output") from e
        return Transform.from_dict(d)

    @staticmethod
    def from_dict(d: Mapping[str, object]) -> Transform[Any]:
        """Build a transform (or composition) from :meth:`to_dict` output, via the registry."""
        from ..registry import TRANSFORMS

        if not isinstance(d, dict) or "type" not in d:
            raise ConfigError(f"a transform dict needs a 'type' key naming a transform, got {d!r}")
        cfg = dict(d)
        cls = TRANSFORMS.get(cfg.pop("type"))
        signature = inspect.signature(cls)  # the constructor's arguments, without self
        accepted = [k for k, par in signature.parameters.items()
                    if par.kind not in (par.VAR_POSITIONAL, par.VAR_KEYWORD)]
        takes_any = any(par.kind == par.VAR_KEYWORD for par in signature.parameters.values())
        unknown = [k for k in cfg if k not in accepted]
        if unknown and not takes_any:
            raise ConfigError(f"{cls.__name__} has no argument(s) {unknown}; it takes {accepted}")
        try:
            if hasattr(cls, "_from_config"):
                result: Transform[Any] = cls._from_config(cfg)
                return result
            result = cls(**cfg)
            return result
        except AugfitError:
            raise
        except (TypeError, KeyError, IndexError, AttributeError) as e:
            raise ConfigError(f"{cls.__name__}: cannot be built from {cfg!r:.200} "
                              f"({type(e).__name__}: {e}); it takes {accepted}") from e

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


#: a transform (or composition) of either batch kind, for code that walks, describes or
#: serializes pipelines without running them on a batch of its own (the preview, the report)
Pipeline: TypeAlias = "Transform[np.ndarray] | Transform[list[str]]"

__all__ = [
    "EXAMPLE_SENTENCES",
    "MAX_COUNT",
    "MAX_FFT",
    "MAX_FRAMES",
    "MAX_SAMPLE_RATE",
    "MAX_SIDE",
    "MAX_WORDS",
    "RECORD_KEY",
    "Params",
    "Pipeline",
    "Transform",
    "applied_mask",
    "batch_len",
    "check_record",
    "drawn_on",
    "example_batch_for",
    "sample_shape",
    "select",
]
