"""The spec room: an experiment spec (YAML in ``pipelines/``) parsed and checked into a
:class:`Spec`, its grid of :class:`Cell` s and their keys.

Lowest of the four rooms (spec < stats < run < report): it imports no other room. Its modules:
:mod:`.spec` (the format, Spec, Cell, parse_spec), :mod:`.spec_dataset` (the dataset section),
:mod:`.spec_methods` (Method, the methods section), :mod:`.sections` (the
typed sections a checked Spec holds), :mod:`.checker` (Checker: field checks with
file + field-path errors), :mod:`.augment_spec` (augment pipelines in specs), :mod:`.sweep`
(strength sweeps expanded into labelled methods). The other rooms and the CLI import the names
below, never a module of this room.
"""
from __future__ import annotations

from .augment_spec import build_augment, check_modality, leaves
from .checker import Checker, load_yaml, read_text, show
from .sections import (
    AnswerSection,
    BootstrapSection,
    DatasetSection,
    EarlyStoppingConfig,
    ModelSection,
    Notes,
    SplitSection,
    TrainingSection,
)
from .spec import (
    IN_MEMORY,
    SMALLEST_EFFECT_DEFAULT,
    SMALLEST_EFFECT_MAX,
    Cell,
    Method,
    Spec,
    SpecLike,
    check_dataset_options,
    check_smallest_effect,
    load_spec,
    parse_spec,
    spec_from_canonical,
)
from .sweep import SweepGroup, SweepValue, sweep_groups

__all__ = [
    "IN_MEMORY",
    "SMALLEST_EFFECT_DEFAULT",
    "SMALLEST_EFFECT_MAX",
    "AnswerSection",
    "BootstrapSection",
    "Cell",
    "Checker",
    "DatasetSection",
    "EarlyStoppingConfig",
    "Method",
    "ModelSection",
    "Notes",
    "Spec",
    "SpecLike",
    "SplitSection",
    "SweepGroup",
    "SweepValue",
    "TrainingSection",
    "build_augment",
    "check_dataset_options",
    "check_modality",
    "check_smallest_effect",
    "leaves",
    "load_spec",
    "load_yaml",
    "parse_spec",
    "read_text",
    "show",
    "spec_from_canonical",
    "sweep_groups",
]
