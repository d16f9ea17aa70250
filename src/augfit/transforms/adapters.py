"""Wrap transforms of other libraries as seeded, replayable augfit transforms: every adapter in
one place.

* :class:`PerSampleAdapter` and :func:`call_seeded`, the generic part they share
  (:mod:`.adapter_base`);
* :class:`Albumentations`, the albumentations adapter (:mod:`.image.albumentations_adapter`); the
  nlpaug and audiomentations adapters are in :mod:`.text.nlpaug_adapter` and
  :mod:`.audio.audiomentations_adapter`.
"""
from __future__ import annotations

from .adapter_base import PerSampleAdapter, call_seeded
from .image.albumentations_adapter import Albumentations

__all__ = ["Albumentations", "PerSampleAdapter", "call_seeded"]
