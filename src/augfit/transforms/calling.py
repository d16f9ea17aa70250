"""How a transform is called: NumPy batches, CPU tensors, channels-first layouts, single images.

Every :class:`~augfit.transforms.base.Transform` (and so every composition) is called through
:func:`call_transform`, so these conventions hold for all of them, written once:

- ``aug(batch)``: a batch in, a batch out (NumPy array or list of str), as the transforms define.
- A PyTorch CPU tensor in gives a tensor out (same dtype, shared nothing with the input). A tensor
  on another device is refused with :class:`~augfit.errors.ShapeError`; torch is never imported
  here.
- ``layout="NCHW"`` says a batch is channels-first (as torchvision gives it); it is moved to
  channels-last for the transforms and back, so the output is channels-first too. ``"NHWC"`` (the
  default; also covers ``(N, H, W)``) changes nothing.
- ``aug(image=img)``: one image ``(H, W)`` or ``(H, W, C)`` (or ``(C, H, W)`` with
  ``layout="CHW"``), the albumentations-style call; returns ``{"image": augmented}``.

>>> import numpy as np, augfit as af
>>> from augfit.transforms import image as I
>>> aug = af.Compose([I.HorizontalFlip(p=1.0)], seed=0)
>>> img = np.arange(6, dtype=np.uint8).reshape(2, 3)
>>> aug(image=img)["image"].tolist()
[[2, 1, 0], [5, 4, 3]]
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeGuard

import numpy as np

from ..errors import ConfigError, ShapeError
from .records import Params

TARGETS = ("image",)
"""Keyword targets of the albumentations-style call (``aug(image=img)``)."""

_LAYOUTS = {"NHWC": (True, False), "NCHW": (True, True), "HWC": (False, False),
            "CHW": (False, True)}


class TensorLike(Protocol):
    """What augfit reads from a ``torch.Tensor`` (torch is never imported here)."""

    @property
    def device(self) -> object: ...

    @property
    def requires_grad(self) -> bool: ...

    def detach(self) -> TensorLike: ...

    def numpy(self) -> np.ndarray: ...


def is_tensor(x: object) -> TypeGuard[TensorLike]:
    """True for a ``torch.Tensor`` (checked by type, without importing torch)."""
    return any(c.__module__ == "torch" and c.__name__ == "Tensor" for c in type(x).__mro__)


def tensor_to_numpy(x: TensorLike, owner: str) -> np.ndarray:
    """A CPU tensor as a NumPy array (no copy); a tensor elsewhere raises ShapeError."""
    device = str(x.device)
    if device != "cpu":
        raise ShapeError(
            f"{owner}: got a tensor on device {device!r}; augfit transforms run on the CPU with "
            f"NumPy. Move the batch first with tensor.cpu(), or augment before moving it to the "
            f"GPU")
    if x.requires_grad:
        x = x.detach()
    result: np.ndarray = x.numpy()
    return result


def check_layout(layout: object, single: bool, owner: str) -> bool:
    """Validate ``layout`` for a batch (NHWC/NCHW) or a single image (HWC/CHW); True if
    channels-first."""
    if layout is None:
        return False
    batched, first = _LAYOUTS.get(layout, (None, None)) if isinstance(layout, str) else (None, None)
    allowed = "'HWC' or 'CHW'" if single else "'NHWC' or 'NCHW'"
    if batched is None or batched == single:
        what = "a single image (image=...)" if single else "a batch"
        raise ConfigError(f"{owner}(..., layout=...) for {what} must be {allowed}, "
                          f"got {layout!r}")
    return bool(first)


def _channels_last(x: np.ndarray, owner: str) -> np.ndarray:
    if x.ndim != 4:
        raise ShapeError(f"{owner}: layout='NCHW' needs a batch of shape (N, C, H, W), got "
                         f"{x.shape}; for (N, H, W) batches leave layout unset")
    return np.ascontiguousarray(x.transpose(0, 2, 3, 1))


def _input(owner: str, batch: object, targets: dict[str, object]) -> object:
    """The batch, or the one image of an albumentations-style call (``targets``)."""
    if not targets:
        if batch is None:
            raise ConfigError(f"{owner}(...): nothing to augment; call aug(batch) or "
                              "aug(image=img)")
        return batch
    unknown = sorted(k for k in targets if k not in TARGETS)
    if unknown:
        raise ConfigError(
            f"{owner}(...): unknown keyword {unknown[0]!r}; the albumentations-style call "
            f"takes {', '.join(f'{t}=' for t in TARGETS)} (one image), e.g. "
            f"aug(image=img)['image']; pass batches positionally: aug(batch)")
    if batch is not None:
        raise ConfigError(f"{owner}(...): pass either a batch or image=..., not both")
    return targets["image"]


def _one_image(owner: str, x: object, channels_first: bool) -> np.ndarray:
    """One image of an albumentations-style call as a batch of one, its shape checked."""
    x = np.asarray(x)
    if x.ndim not in (2, 3):
        raise ShapeError(f"{owner}(image=...) takes one image of shape (H, W) or (H, W, C)"
                         f"{' (C, H, W with layout=CHW)' if channels_first else ''}, got "
                         f"{x.shape}; pass batches positionally: aug(batch)")
    if channels_first and x.ndim != 3:
        raise ShapeError(f"{owner}(image=..., layout='CHW') needs shape (C, H, W), "
                         f"got {x.shape}")
    result: np.ndarray = x[None]
    return result


def call_transform(owner: str, run: Callable[[Any], tuple[Any, Params]], batch: object,
                   return_params: bool, layout: str | None, targets: dict[str, object]) -> Any:
    """Call ``run(numpy_batch) -> (out, params)`` with the conventions of the module docstring.

    ``owner`` names the transform in error messages; ``targets`` are the keyword arguments of an
    albumentations-style call.
    """
    single = bool(targets)
    batch = _input(owner, batch, targets)
    first = check_layout(layout, single, owner)
    tensor = is_tensor(batch)
    x = tensor_to_numpy(batch, owner) if is_tensor(batch) else batch
    if single:
        x = _one_image(owner, x, first)
    if first:
        x = _channels_last(np.asarray(x), owner)
    out, params = run(x)
    if first:
        out = np.ascontiguousarray(np.asarray(out).transpose(0, 3, 1, 2))
    if single:
        out = out[0]
    if tensor:
        import torch  # present: the input was a tensor

        out = torch.from_numpy(np.array(out, copy=True))
    if single:
        out = {"image": out}
    return (out, params) if return_params else out


__all__ = ["TARGETS", "call_transform", "check_layout", "is_tensor", "tensor_to_numpy"]
