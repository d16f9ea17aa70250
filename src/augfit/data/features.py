"""Featurizers: deterministic steps that turn a (possibly augmented) batch into the MLP's input.

Each featurizer is fitted on un-augmented training data only (``fit``), then maps any batch to a
float32 ``(N, D)`` array or a ``scipy.sparse.csr_matrix`` (``transform``). The fitted statistics are
plain arrays/lists (``get_state``/``set_state``) so an experiment can store them with the model.

>>> import augfit as af
>>> from augfit.data.features import make_featurizer
>>> train, val, test = af.datasets.load("digits").split(val=0.2, test=0.2, seed=0)
>>> f = make_featurizer({"type": "image_flatten", "standardize": True})
>>> xtr = f.fit_transform(train.x)          # mean/std from the training images
>>> xva = f.transform(val.x)                # the same statistics, never refitted on val
>>> xtr.shape, xva.shape, xva.dtype
((1079, 64), (359, 64), dtype('float32'))

The audio featurizer ``audio_logmel`` lives in :mod:`augfit.transforms.audio.mel`.
"""
from __future__ import annotations

import inspect
from typing import Any, ClassVar

import numpy as np
import scipy.sparse as sp

from ..checks import check_bool, check_int
from ..errors import ConfigError, ShapeError
from ..registry import FEATURIZERS


class Featurizer:
    """Base class: ``fit``, ``transform``, ``fit_transform``, ``n_features_``, state and config.

    Subclasses implement ``_fit(x)`` (set the fitted attributes and ``n_features_``),
    ``transform(x)``, and list their fitted attributes in ``state_keys``.
    """

    modality: ClassVar[str] = "any"
    state_keys: ClassVar[tuple[str, ...]] = ()
    registered_name: ClassVar[str]
    #: the output width once fitted; None before
    n_features_: int | None

    def fit(self, x: Any, y: Any = None) -> Featurizer:
        """Fit on (un-augmented, training) ``x``; returns self."""
        self._fit(x)
        return self

    def _fit(self, x: Any) -> None:
        raise NotImplementedError

    def transform(self, x: Any) -> np.ndarray | sp.csr_matrix:
        raise NotImplementedError

    def fit_transform(self, x: Any, y: Any = None) -> np.ndarray | sp.csr_matrix:
        return self.fit(x, y).transform(x)

    @property
    def fitted(self) -> bool:
        return getattr(self, "n_features_", None) is not None

    def _check_fitted(self) -> int:
        """``n_features_``, or a ConfigError when not fitted."""
        n = getattr(self, "n_features_", None)
        if n is None:
            raise ConfigError(f"{type(self).__name__} is not fitted; call fit(train_x) or "
                              "set_state(state) before transform")
        return int(n)

    def get_state(self) -> dict[str, Any]:
        """Fitted statistics (``n_features_`` and ``state_keys``) as plain arrays/lists/ints."""
        n_features = self._check_fitted()
        state = {k: getattr(self, k) for k in self.state_keys}
        return {"n_features_": n_features, **state}

    def set_state(self, state: dict[str, Any]) -> Featurizer:
        """Restore what :meth:`get_state` returned; returns self."""
        missing = [k for k in ("n_features_", *self.state_keys) if k not in state]
        if missing:
            raise ConfigError(f"{type(self).__name__}.set_state: state lacks {missing}; pass the "
                              "dict that get_state() returned")
        for k in self.state_keys:
            setattr(self, k, state[k])
        self.n_features_ = int(state["n_features_"])
        self._restore()
        return self

    def _restore(self) -> None:
        """Rebuild derived objects after set_state (default: nothing)."""

    def get_config(self) -> dict[str, Any]:
        cfg: dict[str, Any] = {}
        for name, par in inspect.signature(type(self).__init__).parameters.items():
            if name != "self" and par.kind not in (par.VAR_POSITIONAL, par.VAR_KEYWORD):
                v = getattr(self, name)
                cfg[name] = list(v) if isinstance(v, tuple) else v
        return cfg

    def to_dict(self, state: bool = False) -> dict[str, Any]:
        """``{"type": name, **constructor args}``, plus ``"state"`` (lists) when ``state=True``."""
        d: dict[str, Any] = {"type": getattr(type(self), "registered_name", type(self).__name__),
                             **self.get_config()}
        if state:
            d["state"] = {k: (v.tolist() if isinstance(v, np.ndarray) else v)
                          for k, v in self.get_state().items()}
        return d

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


def _as_texts(x: Any, owner: str) -> list[str]:
    if not isinstance(x, (list, tuple)) or not all(isinstance(s, str) for s in x):
        raise ShapeError(f"{owner}.transform expects a list of str, got {type(x).__name__}; "
                         "pass a batch of texts, e.g. [text]")
    return list(x)


@FEATURIZERS.register("image_flatten")
class ImageFlatten(Featurizer):
    """Flatten images to float32 ``(N, H*W*C)`` in [0, 1]; optionally standardize per pixel.

    uint8 images are divided by 255; float images are taken as already in [0, 1]. With
    ``standardize=True`` each feature is centred and scaled by the mean and standard deviation of
    the training images (features constant in training keep scale 1).
    """

    modality = "image"
    state_keys = ("mean_", "std_")

    def __init__(self, standardize: bool = False) -> None:
        check_bool(standardize, "standardize", "image_flatten")
        self.standardize = standardize
        self.n_features_: int | None = None
        self.mean_: np.ndarray | None = None
        self.std_: np.ndarray | None = None

    @staticmethod
    def _flat(x: Any) -> np.ndarray:
        if not isinstance(x, np.ndarray) or x.ndim < 2:
            raise ShapeError(f"image_flatten expects an array (N, H, W) or (N, H, W, C), got "
                             f"{type(x).__name__} {getattr(x, 'shape', '')}")
        from ..transforms.image.functional import check_image_values

        check_image_values(x, "image_flatten")  # the transforms' contract: uint8 or [0, 1]
        flat = x.reshape(len(x), -1)
        if x.dtype == np.uint8:
            return flat.astype(np.float32) * np.float32(1.0 / 255.0)
        return flat.astype(np.float32, copy=False)

    def _fit(self, x: Any) -> None:
        flat = self._flat(x)
        self.n_features_ = int(flat.shape[1])
        if self.standardize:
            self.mean_ = flat.mean(axis=0, dtype=np.float64).astype(np.float32)
            std = flat.std(axis=0, dtype=np.float64)
            self.std_ = np.where(std < 1e-6, 1.0, std).astype(np.float32)
        else:
            self.mean_ = self.std_ = None

    def _restore(self) -> None:
        if self.mean_ is not None:
            self.mean_ = np.asarray(self.mean_, np.float32)
            self.std_ = np.asarray(self.std_, np.float32)

    def transform(self, x: Any) -> np.ndarray:
        self._check_fitted()
        flat = self._flat(x)
        if flat.shape[1] != self.n_features_:
            raise ShapeError(f"image_flatten was fitted on images of {self.n_features_} values, "
                             f"got {flat.shape[1]} (shape {x.shape[1:]}); resize to the training "
                             "shape")
        if self.standardize and self.mean_ is not None:
            return (flat - self.mean_) / self.std_
        return flat


@FEATURIZERS.register("text_hashing")
class TextHashing(Featurizer):
    """Hashed bag of words/n-grams (scikit-learn ``HashingVectorizer``): fixed width, no vocabulary.

    Nothing is learned, so augmented sentences with unseen words map into the same columns. Output
    is CSR float32 ``(N, n_features)``, rows L2-normalised by default.
    """

    modality = "text"

    def __init__(self, n_features: int = 2**16, ngram_range: tuple[int, int] = (1, 2),
                 lowercase: bool = True, alternate_sign: bool = False,
                 norm: str | None = "l2") -> None:
        self.n_features = check_int(n_features, "n_features", "text_hashing")
        self.ngram_range = tuple(ngram_range)
        self.lowercase, self.alternate_sign, self.norm = lowercase, alternate_sign, norm
        self.n_features_: int | None = None
        self._restore()

    def _restore(self) -> None:
        from sklearn.feature_extraction.text import HashingVectorizer

        self._vec = HashingVectorizer(n_features=self.n_features, ngram_range=self.ngram_range,
                                      lowercase=self.lowercase, alternate_sign=self.alternate_sign,
                                      norm=self.norm, dtype=np.float32)

    def _fit(self, x: Any) -> None:
        _as_texts(x, "text_hashing")
        self.n_features_ = self.n_features

    def transform(self, x: Any) -> sp.csr_matrix:
        self._check_fitted()
        return sp.csr_matrix(self._vec.transform(_as_texts(x, "text_hashing")), dtype=np.float32)


@FEATURIZERS.register("text_tfidf")
class TextTfidf(Featurizer):
    """TF-IDF (scikit-learn ``TfidfVectorizer``), vocabulary and IDF fitted on training text only.

    Output is CSR float32 ``(N, len(vocabulary))``. The state is the vocabulary (terms in column
    order) and the IDF weights.
    """

    modality = "text"
    state_keys = ("vocabulary_", "idf_")

    def __init__(self, max_features: int | None = 20000, ngram_range: tuple[int, int] = (1, 1),
                 min_df: int = 1, sublinear_tf: bool = True, lowercase: bool = True) -> None:
        if max_features is not None:
            max_features = check_int(max_features, "max_features", "text_tfidf")
        self.max_features, self.ngram_range = max_features, tuple(ngram_range)
        self.min_df, self.sublinear_tf, self.lowercase = min_df, sublinear_tf, lowercase
        self.n_features_: int | None = None
        self.vocabulary_: list[str] | None = None
        self.idf_: np.ndarray | None = None

    def _make(self, vocabulary: dict[str, int] | None = None) -> Any:
        from sklearn.feature_extraction.text import TfidfVectorizer

        return TfidfVectorizer(max_features=self.max_features, ngram_range=self.ngram_range,
                               min_df=self.min_df, sublinear_tf=self.sublinear_tf,
                               lowercase=self.lowercase, vocabulary=vocabulary, dtype=np.float32)

    def _fit(self, x: Any) -> None:
        self._vec = self._make().fit(_as_texts(x, "text_tfidf"))
        self.vocabulary_ = [str(t) for t in self._vec.get_feature_names_out()]
        self.idf_ = self._vec.idf_.astype(np.float32)
        self.n_features_ = len(self.vocabulary_)

    def _restore(self) -> None:
        if self.vocabulary_ is None:
            raise ConfigError("text_tfidf.set_state: vocabulary_ is None; pass the dict that "
                              "get_state() returned")
        self.vocabulary_ = [str(t) for t in self.vocabulary_]
        self.idf_ = np.asarray(self.idf_, np.float32)
        self._vec = self._make({t: i for i, t in enumerate(self.vocabulary_)})
        self._vec.idf_ = self.idf_.astype(np.float64)

    def transform(self, x: Any) -> sp.csr_matrix:
        self._check_fitted()
        return sp.csr_matrix(self._vec.transform(_as_texts(x, "text_tfidf")), dtype=np.float32)


def make_featurizer(spec: Any) -> Featurizer:
    """A featurizer from a name, ``{"type": name, **args}`` (optionally with ``"state"``), or an
    existing featurizer (returned as it is)."""
    if hasattr(spec, "transform") and hasattr(spec, "fit"):
        return spec
    if isinstance(spec, str):
        return FEATURIZERS.get(spec)()
    if isinstance(spec, dict) and isinstance(spec.get("type"), str):
        args = {k: v for k, v in spec.items() if k not in ("type", "state")}
        try:
            feat = FEATURIZERS.get(spec["type"])(**args)
        except TypeError as exc:
            raise ConfigError(f"featurizer {spec['type']!r}: bad arguments {args}: {exc}") from None
        return feat.set_state(spec["state"]) if spec.get("state") is not None else feat
    raise ConfigError(f"a featurizer spec must be a name, a dict with a 'type' key, or a "
                      f"featurizer object; got {spec!r}. Names: "
                      f"{', '.join(FEATURIZERS.available())}")


def default_featurizer(modality: str, sample_rate: int | None = None) -> Featurizer:
    """The featurizer used when none is given: image_flatten, text_hashing or audio_logmel (at the
    dataset's ``sample_rate``)."""
    if modality == "audio":
        return make_featurizer({"type": "audio_logmel", "sample_rate": sample_rate or 8000})
    return make_featurizer({"image": "image_flatten", "text": "text_hashing"}[modality])


__all__ = ["Featurizer", "ImageFlatten", "TextHashing", "TextTfidf", "make_featurizer",
           "default_featurizer"]
