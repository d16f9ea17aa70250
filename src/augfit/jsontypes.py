"""The types of JSON-like data: configs, spec sections, stored rows, ``get_config`` output.

One definition for the whole package (issue 22: results and configs no longer travel as
``dict[str, Any]``). :data:`JSONValue` is recursive, so mypy checks what a config may hold; code
that reads a field narrows it (``isinstance``) or goes through :mod:`augfit.checks`, which is what
a value read from a user's file needs anyway.

>>> config: JSONDict = {"type": "Rotate", "limit": [-15, 15], "p": 0.5, "fill": None}
>>> sorted(config)
['fill', 'limit', 'p', 'type']
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeAlias

#: a JSON scalar (YAML's safe loader gives the same types)
JSONScalar: TypeAlias = str | int | float | bool | None
#: any JSON value: a scalar, a list of values, or an object of values by string key
JSONValue: TypeAlias = JSONScalar | list["JSONValue"] | dict[str, "JSONValue"]
#: a JSON object (a config, a spec section, a stored row's fields)
JSONDict: TypeAlias = dict[str, JSONValue]
#: a read-only JSON-like argument: also accepts tuples and other mappings/sequences of values
JSONLike: TypeAlias = JSONScalar | Sequence["JSONLike"] | Mapping[str, "JSONLike"]

__all__ = ["JSONDict", "JSONLike", "JSONScalar", "JSONValue"]
