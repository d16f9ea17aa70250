"""The text batch contract: a batch is a list of str. The batch check and the base classes of the
text transforms (:class:`TextTransform`, and :class:`WordEditTransform` for word-level edits).

The EDA amount rule is in :mod:`.amount`, stop words and the memoized synonym lookup in
:mod:`.lookup`."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from ...errors import ShapeError
from ..base import Params, Transform
from .tokens import Tokens, detokenize, tokenize


def check_text_batch(batch: object, owner: str) -> None:
    """Raise ShapeError unless ``batch`` is a list (or tuple) of str."""
    if isinstance(batch, str) or not isinstance(batch, (list, tuple)):
        raise ShapeError(
            f"{owner} expects a text batch (a list of str), got {type(batch).__name__}; "
            "wrap a single sentence in a list: [text]"
        )
    for i, s in enumerate(batch):
        if not isinstance(s, str):
            raise ShapeError(f"{owner}: batch[{i}] must be a str, got {type(s).__name__} ({s!r})")


class TextTransform(Transform[list[str]]):
    """Base of augfit's text transforms: a batch is a list of str, the output a new list of str."""

    modality: ClassVar[str] = "text"

    def check_batch(self, batch: object) -> None:
        check_text_batch(batch, type(self).__name__)


class WordEditTransform(TextTransform):
    """A text transform whose params hold, per sentence, a list of word edits for ``edit``.

    Subclasses set ``params_key`` (the per-sentence list in the params) and ``edit`` (a function
    from :mod:`.tokens`, ``(Tokens, edits) -> Tokens``); sentences with no edit are returned as is.
    """

    params_key: ClassVar[str] = "edits"
    family: ClassVar[str] = "text"

    @staticmethod
    def edit(tokens: Tokens, edits: Sequence[Any], /) -> Tokens:
        """One sentence's edits applied (subclasses set a function from :mod:`.tokens`)."""
        raise NotImplementedError

    def apply_params(self, batch: list[str], params: Params) -> list[str]:
        edit = type(self).edit
        return [detokenize(edit(tokenize(s), e)) if e else s
                for s, e in zip(batch, params[self.params_key], strict=True)]


__all__ = ["TextTransform", "WordEditTransform", "check_text_batch"]
