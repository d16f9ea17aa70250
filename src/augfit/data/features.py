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

The audio featurizer ``audio_logmel`` computes its log-mel spectrograms with the code of the
``MelSpectrogram`` transform (:func:`augfit.transforms.audio.mel.log_mel`).
"""
from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar, TypeAlias, TypeGuard

import numpy as np
import scipy.sparse as sp

from ..arraytypes import Features
from ..checks import check_bool, check_int, check_number
from ..errors import ConfigError, ShapeError
from ..jsontypes import JSONDict, JSONValue
from ..registry import FEATURIZERS
from ..transforms.audio.core import check_waveforms
from ..transforms.audio.mel import check_mel_args, log_mel, need_sample_rate

if TYPE_CHECKING:
    from sklearn.feature_extraction.text import TfidfVectorizer

#: a fitted statistic as get_state gives it (an array) or as a stored state holds it (JSON)
StateValue: TypeAlias = "np.ndarray | JSONValue"


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

    def fit(self, x: object, y: object = None) -> Featurizer:
        """Fit on (un-augmented, training) ``x``; returns self (``y``, scikit-learn's argument, is
        not used: featurizers are unsupervised)."""
        del y
        self._fit(x)
        return self

    def _fit(self, x: object) -> None:
        raise NotImplementedError

    def transform(self, x: object) -> Features:
        """Features of the batch ``x`` (each featurizer checks the inputs it takes: images,
        texts or waveforms)."""
        raise NotImplementedError

    def fit_transform(self, x: object, y: object = None) -> Features:
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

    def get_state(self) -> dict[str, StateValue]:
        """Fitted statistics (``n_features_`` and ``state_keys``) as plain arrays/lists/ints."""
        n_features = self._check_fitted()
        state = {k: getattr(self, k) for k in self.state_keys}
        return {"n_features_": n_features, **state}

    def set_state(self, state: Mapping[str, StateValue]) -> Featurizer:
        """Restore what :meth:`get_state` returned; returns self."""
        missing = [k for k in ("n_features_", *self.state_keys) if k not in state]
        if missing:
            raise ConfigError(f"{type(self).__name__}.set_state: state lacks {missing}; pass the "
                              "dict that get_state() returned")
        for k in self.state_keys:
            setattr(self, k, state[k])
        self.n_features_ = _state_int(state["n_features_"], type(self).__name__)
        self._restore()
        return self

    def _restore(self) -> None:
        """Rebuild derived objects after set_state (default: nothing)."""

    def get_config(self) -> JSONDict:
        cfg: JSONDict = {}
        for name, par in inspect.signature(type(self).__init__).parameters.items():
            if name != "self" and par.kind not in (par.VAR_POSITIONAL, par.VAR_KEYWORD):
                v = getattr(self, name)
                cfg[name] = list(v) if isinstance(v, tuple) else v
        return cfg

    def to_dict(self, state: bool = False) -> JSONDict:
        """``{"type": name, **constructor args}``, plus ``"state"`` (lists) when ``state=True``."""
        d: JSONDict = {"type": getattr(type(self), "registered_name", type(self).__name__),
                             **self.get_config()}
        if state:
            d["state"] = {k: (v.tolist() if isinstance(v, np.ndarray) else v)
                          for k, v in self.get_state().items()}
        return d

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


def _state_int(value: StateValue, owner: str) -> int:
    """A stored state's ``n_features_`` as an int."""
    if isinstance(value, (int, float, str, np.integer, np.floating)):
        return int(value)
    raise ConfigError(f"{owner}.set_state: n_features_ must be an int, got "
                      f"{type(value).__name__}; pass the dict that get_state() returned")


def _as_texts(x: object, owner: str) -> list[str]:
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
    def _flat(x: object) -> np.ndarray:
        if not isinstance(x, np.ndarray) or x.ndim < 2:
            raise ShapeError(f"image_flatten expects an array (N, H, W) or (N, H, W, C), got "
                             f"{type(x).__name__} {getattr(x, 'shape', '')}")
        from ..transforms.image.functional import check_image_values

        check_image_values(x, "image_flatten")  # the transforms' contract: uint8 or [0, 1]
        flat = x.reshape(len(x), -1)
        if x.dtype == np.uint8:
            scaled: np.ndarray = flat.astype(np.float32)
            scaled *= np.float32(1.0 / 255.0)   # in place: the same float32 products
            return scaled
        return flat.astype(np.float32, copy=False)

    def _fit(self, x: object) -> None:
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

    def transform(self, x: object) -> np.ndarray:
        self._check_fitted()
        flat = self._flat(x)
        if flat.shape[1] != self.n_features_:
            shape = x.shape[1:] if isinstance(x, np.ndarray) else ()     # _flat took an array
            raise ShapeError(f"image_flatten was fitted on images of {self.n_features_} values, "
                             f"got {flat.shape[1]} (shape {shape}); resize to the training "
                             "shape")
        if self.standardize and self.mean_ is not None:
            standardized: np.ndarray = (flat - self.mean_) / self.std_
            return standardized
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

    def _fit(self, x: object) -> None:
        _as_texts(x, "text_hashing")
        self.n_features_ = self.n_features

    def transform(self, x: object) -> sp.csr_matrix:
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

    def _make(self, vocabulary: dict[str, int] | None = None) -> TfidfVectorizer:
        from sklearn.feature_extraction.text import TfidfVectorizer

        return TfidfVectorizer(max_features=self.max_features, ngram_range=self.ngram_range,
                               min_df=self.min_df, sublinear_tf=self.sublinear_tf,
                               lowercase=self.lowercase, vocabulary=vocabulary, dtype=np.float32)

    def _fit(self, x: object) -> None:
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

    def transform(self, x: object) -> sp.csr_matrix:
        self._check_fitted()
        return sp.csr_matrix(self._vec.transform(_as_texts(x, "text_tfidf")), dtype=np.float32)


@FEATURIZERS.register("audio_logmel")
class AudioLogMel(Featurizer):
    """Featurizer: log-mel spectrograms, standardized per mel band, flattened to ``(N, F * T')``.

    Accepts waveforms ``(N, T)`` (log-mel computed with :func:`log_mel`, the code
    :class:`MelSpectrogram` uses) or spectrograms ``(N, F, T')`` already computed (e.g. by
    ``MelSpectrogram`` + masks in a loader's ``augment``), with ``F == n_mels``. Mean and standard
    deviation of each mel band are fitted on the training data only (over clips and frames); a band
    with a std below ``eps`` (e.g. all silent) is divided by 1.

    Parameters
    ----------
    sample_rate : float
        Sampling rate of waveform input (Hz).
    n_mels, n_fft, hop_length : int
        Settings of the log-mel step (must match a ``MelSpectrogram`` used upstream).
    top_db : float or None
        Dynamic range kept below each clip's peak.
    eps : float
        Std floor below which a band is not rescaled.
    chunk_size : int
        Waveform clips per ``log_mel`` call (bounds memory on large datasets).

    Example
    -------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x = (0.1 * rng.standard_normal((8, 4000))).astype(np.float32)
    >>> f = AudioLogMel(sample_rate=8000, n_mels=20).fit(x)
    >>> f.transform(x).shape, f.n_features_
    ((8, 640), 640)
    """

    modality = "audio"
    state_keys = ("mean_", "std_", "n_frames_")

    def __init__(self, sample_rate: float = 8000, n_mels: int = 40, n_fft: int = 256,
                 hop_length: int = 128, top_db: float | None = 80.0, eps: float = 1e-6,
                 chunk_size: int = 1024) -> None:
        name = "audio_logmel"
        self.sample_rate, self.n_mels, self.n_fft, self.hop_length, self.top_db = check_mel_args(
            name, sample_rate, n_mels, n_fft, hop_length, top_db)
        self.eps = check_number(eps, "eps", name, 0, low_open=True)
        self.chunk_size = check_int(chunk_size, "chunk_size", name, 1)
        self.n_features_: int | None = None
        self.mean_: np.ndarray | None = None
        self.std_: np.ndarray | None = None
        self.n_frames_: int | None = None

    def _fit(self, x: object) -> None:
        spec = self._spectrograms(x)
        if spec.shape[0] == 0:
            raise ShapeError("audio_logmel.fit: got an empty batch; fit on at least one clip")
        std = spec.std(axis=(0, 2), dtype=np.float64)
        std[std < self.eps] = 1.0
        self.mean_ = spec.mean(axis=(0, 2), dtype=np.float64).astype(np.float32)
        self.std_ = std.astype(np.float32)
        self.n_frames_ = int(spec.shape[2])
        self.n_features_ = self.n_mels * self.n_frames_

    def _restore(self) -> None:
        self.mean_ = np.asarray(self.mean_, np.float32)
        self.std_ = np.asarray(self.std_, np.float32)
        if self.n_frames_ is None:
            raise ConfigError("audio_logmel.set_state: n_frames_ is None; pass the dict that "
                              "get_state() returned")
        self.n_frames_ = int(self.n_frames_)
        if self.mean_.shape != (self.n_mels,) or self.std_.shape != (self.n_mels,) \
                or self.n_features_ != self.n_mels * self.n_frames_:
            raise ConfigError(
                f"audio_logmel.set_state: mean_/std_ must hold n_mels={self.n_mels} values and "
                f"n_features_ = n_mels * n_frames_; got {self.mean_.shape}, {self.std_.shape}, "
                f"{self.n_features_}; restore a state saved by a featurizer with the same n_mels"
            )

    def transform(self, x: object) -> np.ndarray:
        """Standardized, flattened log-mel features: float32 ``(N, n_mels * n_frames_)``."""
        self._check_fitted()
        spec = self._spectrograms(x)
        if spec.shape[2] != self.n_frames_:
            raise ShapeError(
                f"audio_logmel.transform: got {spec.shape[2]} frames per clip but the featurizer "
                f"was fitted on {self.n_frames_}; pad or crop every clip to the training length"
            )
        mean, std = self.mean_, self.std_
        if mean is None or std is None:  # set with n_features_, which _check_fitted checked
            raise ConfigError("audio_logmel is not fitted; call fit(train_x) or set_state(state) "
                              "before transform")
        out: np.ndarray = (spec - mean[None, :, None]) / std[None, :, None]
        return out.reshape(out.shape[0], -1).astype(np.float32, copy=False)

    def _spectrograms(self, x: object) -> np.ndarray:
        if isinstance(x, np.ndarray) and x.ndim == 3 and np.issubdtype(x.dtype, np.floating):
            if x.shape[1] != self.n_mels:
                raise ShapeError(
                    f"audio_logmel: got spectrograms with F={x.shape[1]} mel bands (shape "
                    f"{x.shape}) but the featurizer has n_mels={self.n_mels}; build it with "
                    f"n_mels={x.shape[1]} or set MelSpectrogram(n_mels={self.n_mels}) upstream "
                    "(stereo waveforms (N, 2, T) must be mixed down with x.mean(axis=1) first)"
                )
            return x
        check_waveforms(x, "audio_logmel")
        waves = np.asarray(x)            # the array itself: check_waveforms refuses anything else
        parts = [log_mel(waves[i:i + self.chunk_size], need_sample_rate(self), self.n_mels,
                         self.n_fft, self.hop_length, True, self.top_db, owner="audio_logmel")
                 for i in range(0, max(len(waves), 1), self.chunk_size)]
        return parts[0] if len(parts) == 1 else np.concatenate(parts)


def _is_featurizer(spec: object) -> TypeGuard[Featurizer]:
    """Whether ``spec`` is taken as a featurizer object: a Featurizer, or any object with its
    ``fit`` and ``transform`` (duck-typed, used as it is)."""
    return hasattr(spec, "transform") and hasattr(spec, "fit")


def make_featurizer(spec: str | Mapping[str, JSONValue] | Featurizer) -> Featurizer:
    """A featurizer from a name, ``{"type": name, **args}`` (optionally with ``"state"``), or an
    existing featurizer (returned as it is)."""
    if _is_featurizer(spec):
        return spec
    if isinstance(spec, str):
        named: Featurizer = FEATURIZERS.get(spec)()
        return named
    if isinstance(spec, dict) and isinstance(spec.get("type"), str):
        args = {k: v for k, v in spec.items() if k not in ("type", "state")}
        try:
            feat: Featurizer = FEATURIZERS.get(spec["type"])(**args)
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


__all__ = [
    "AudioLogMel",
    "Featurizer",
    "ImageFlatten",
    "TextHashing",
    "TextTfidf",
    "default_featurizer",
    "make_featurizer",
]
