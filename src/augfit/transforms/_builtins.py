"""Imports every built-in transform module so that each registers itself."""
from . import compose, image, mixing, text, audio  # noqa: F401
