"""Paths given by a user, named as what they are: a FIFO, a device or a folder where a file was
expected is said to be one (not "does not exist"), and a name that is not UTF-8 is shown with its
odd bytes escaped. A root module, so that every layer shares these words.

>>> from pathlib import Path
>>> display(Path(os.fsdecode(b"caf\\xe9.png")))
'caf\\\\xe9.png'
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

from .errors import AugfitError, ConfigError, MissingResourceError


def display(path: str | os.PathLike[str]) -> str:
    """``path`` for a message: bytes that are not UTF-8 escaped (``\\xe9``), so it prints and
    stores anywhere."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def what_is(path: Path) -> str:
    """``"a file"``, ``"a folder"``, ``"a FIFO (named pipe)"``, ``"a character device"``, ``"a
    block device"``, ``"a socket"`` or ``"missing"`` (a dangling link too)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return "missing"
    kinds = [(stat.S_ISREG, "a file"), (stat.S_ISDIR, "a folder"),
             (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
             (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")]
    return next((name for test, name in kinds if test(mode)), "not a regular file")


def require(path: Path, want: str, owner: str, hint: str,
            missing: type[AugfitError] = MissingResourceError) -> Path:
    """``path`` if it is ``want`` (``"a file"`` or ``"a folder"``); otherwise ``missing`` (when it
    does not exist) or ConfigError (something else) naming it and ``hint``."""
    kind = what_is(path)
    if kind == want:
        return path
    if kind == "missing":
        raise missing(f"{owner}: {display(path)} does not exist; {hint}")
    raise ConfigError(f"{owner}: {display(path)} is {kind}, not {want}; {hint}")


__all__ = ["display", "require", "what_is"]
