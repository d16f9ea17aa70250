"""Text augmentation: WordNet synonyms, back-translation (apertium), EDA operations, nlpaug adapter.

Batches are lists of ``str``; every transform keeps the batch length and returns ``str``.
"""
from __future__ import annotations

from .backtranslate import ApertiumTranslator, BackTranslate, Translator, register_translator
from .eda import RandomDeletion, RandomInsertion, RandomSwap
from .nlpaug_adapter import NlpaugAugmenter
from .synonyms import SynonymReplace

__all__ = [
           "ApertiumTranslator",
           "BackTranslate",
           "NlpaugAugmenter",
           "RandomDeletion",
           "RandomInsertion",
           "RandomSwap",
           "SynonymReplace",
           "Translator",
           "register_translator",
]
