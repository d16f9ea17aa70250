"""Featurizers: being written under issue 4."""
