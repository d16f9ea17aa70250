"""Datasets and loaders: being written under issue 4."""
