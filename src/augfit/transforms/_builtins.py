"""Imports every built-in transform module so that each registers itself."""
from . import audio, compose, image, mixing, text  # noqa: F401
