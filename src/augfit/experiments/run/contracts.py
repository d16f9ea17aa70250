"""The data contracts of a run, checked once when the data are loaded rather than in the first
cell: the data are not empty, images are uint8 or float in [0, 1], waveforms are finite real
numbers, every method's augment pipeline runs on a few of the samples (a crop larger than the
images, a transform for another shape), and the model fits its parameter cap with the features
these data give."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ...errors import AugfitError, ConfigError, ShapeError
from ..spec import Spec

if TYPE_CHECKING:
    from ...data.datasets import Dataset

#: samples each method's augment pipeline and the featurizer are tried on at load
PROBE = 4


def check_data(spec: Spec, ds: Dataset) -> None:
    """ConfigError/ShapeError naming the spec and what is wrong with ``ds`` for it."""
    if len(ds) == 0:
        raise ConfigError(f"{spec.source}: the dataset holds no samples; check dataset.options "
                          "(the path, the columns)")
    x = ds.x
    if ds.modality == "image" and isinstance(x, np.ndarray):     # images and waveforms: arrays
        from ...transforms.image.functional import check_image_values

        try:
            check_image_values(x, "images")
        except ShapeError as e:
            raise ShapeError(f"{spec.source}: dataset: {e}") from None
    elif ds.modality == "audio" and isinstance(x, np.ndarray) and not (
            np.issubdtype(x.dtype, np.floating) and np.isfinite(x).all()):
        raise ShapeError(f"{spec.source}: dataset: waveforms must be finite real numbers (float), "
                         f"got dtype {x.dtype}{'' if x.dtype.kind == 'c' else ' with NaN or inf'}"
                         "; convert them with x.astype(np.float32)")


def check_pipelines(spec: Spec, train: Dataset) -> None:
    """Each method's augment pipeline runs on a training sample, and the model fits its cap with
    the features these data give (tried on training samples only: augmentation never sees val or
    test data, not even here)."""
    probe = train.subset(np.arange(min(PROBE, len(train))))
    _probe_augment(spec, probe)
    _probe_model(spec, probe, len(train.classes))


def _probe_augment(spec: Spec, probe: Dataset) -> None:
    """Run each method's augment pipeline on a few samples (images and audio: text transforms may
    call external programs, which the cells time and cache)."""
    if probe.modality == "text":
        return
    from ...data.sources.image_folder import IMAGE_MAX_PIXELS
    from ...transforms.base import Transform
    from ..spec import leaves

    for i, m in enumerate(spec.methods):
        if not m.augment:
            continue
        pipeline = Transform.from_dict(m.augment)
        for leaf in leaves(pipeline):        # an output size: a crop resized to 30000 x 30000
            size = getattr(getattr(leaf, "checked", None), "size", None)  # the checked size
            if isinstance(size, tuple) and all(isinstance(v, int) for v in size) and \
                    size[0] * size[1] > IMAGE_MAX_PIXELS:
                raise ConfigError(f"{spec.source}: methods[{i}] ({m.name}): "
                                  f"{type(leaf).__name__} makes {size[0]}x{size[1]} images, more "
                                  f"than {IMAGE_MAX_PIXELS} pixels each; choose a smaller size")
        try:
            pipeline(probe.x[:1], rng=np.random.default_rng(0))
        except (AugfitError, ValueError, MemoryError) as e:
            why = "it needs more memory than there is" if isinstance(e, MemoryError) else str(e)
            raise ConfigError(f"{spec.source}: methods[{i}] ({m.name}): the augment pipeline "
                              f"fails on this dataset's samples (shape {np.shape(probe.x)[1:]}): "
                              f"{why}") from None


def _probe_model(spec: Spec, probe: Dataset, n_classes: int) -> None:
    """The model's parameter count with the features these data give, against its cap."""
    from ...data.loader import DataLoader
    from ...nn.model import check_param_count

    loader = DataLoader(probe, batch_size=len(probe), augment=None,
                        features="auto" if spec.features is None else spec.features, seed=0)
    try:
        check_param_count(loader.n_features, spec.model["hidden"], n_classes)
    except ConfigError as e:
        raise ConfigError(f"{spec.source}: model: {e}") from None


__all__ = ["PROBE", "check_data", "check_pipelines"]
