"""Name -> class tables for transforms, datasets and featurizers, with entry-point plugins.

Built-in classes register themselves with a decorator. Third-party packages add theirs through the
entry-point groups ``augfit.transforms``, ``augfit.datasets`` and ``augfit.featurizers``: each entry
point names a class (or a loader function for datasets) and is loaded the first time a name is
looked up or the table is listed.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable
from importlib import metadata
from typing import Any, Generic, TypeVar

from .checks import did_you_mean
from .errors import ConfigError

T = TypeVar("T")


class Registry(Generic[T]):
    """A name -> object table.

    Parameters
    ----------
    kind : str
        What the table holds, used in error messages ("transform").
    group : str
        The entry-point group that plugins register under.
    builtins : tuple of str
        Modules imported before the first lookup, so that built-in entries register themselves.
    """

    def __init__(self, kind: str, group: str, builtins: tuple[str, ...] = ()) -> None:
        self.kind = kind
        self.group = group
        self._builtins = builtins
        self._items: dict[str, T] = {}
        self._loaded = False

    def register(self, name: str | None = None) -> Callable[[T], T]:
        """Decorator: ``@TRANSFORMS.register()`` registers a class under its own name."""

        def deco(obj: T) -> T:
            key = name or getattr(obj, "__name__", None)
            if not isinstance(key, str):
                raise ConfigError(f"{self.kind} {obj!r} has no __name__; give the name: "
                                  f"register('NAME')")
            if key in self._items and self._items[key] is not obj:
                raise ConfigError(f"{self.kind} {key!r} is already registered to "
                                  f"{self._items[key]!r}")
            self._items[key] = obj
            if isinstance(obj, type):
                # a new class attribute on whatever class registers: no type declares it
                obj.registered_name = key  # type: ignore[attr-defined]
            return obj

        return deco

    def unregister(self, name: str) -> T:
        """Remove the entry ``name`` and return it (a test's or a session's own registration); an
        unknown name raises ConfigError with close matches. A removed entry-point plugin comes back
        on :meth:`refresh`."""
        self._load()
        if not isinstance(name, str) or name not in self._items:
            hint = did_you_mean(name, self._items, n=3)
            raise ConfigError(f"cannot unregister {self.kind} {name!r}: it is not registered"
                              + (f"; {hint}" if hint else "")
                              + f" Registered: {', '.join(sorted(self._items)) or 'none'}")
        obj = self._items.pop(name)
        if isinstance(obj, type) and obj.__dict__.get("registered_name") == name:
            others = [k for k, v in self._items.items() if v is obj]  # still there by another name
            if others:
                obj.registered_name = others[0]  # type: ignore[attr-defined]
            else:
                del obj.registered_name  # type: ignore[attr-defined]
        return obj

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        for module in self._builtins:
            importlib.import_module(module)
        for ep in metadata.entry_points(group=self.group):
            if ep.name not in self._items:
                obj = ep.load()
                self.register(ep.name)(obj)

    def refresh(self) -> None:
        """Look for entry-point plugins again (e.g. after installing one in a running process)."""
        self._loaded = False
        self._load()

    def get(self, name: str) -> T:
        """The entry called ``name``; an unknown name raises ConfigError listing close matches."""
        self._load()
        if not isinstance(name, str):
            raise ConfigError(f"{self.kind} name must be a str, got {name!r}")
        if name not in self._items:
            hint = did_you_mean(name, self._items, n=3)
            hint = f"; {hint}" if hint else ""
            raise ConfigError(
                f"unknown {self.kind} {name!r}{hint} Available: {', '.join(sorted(self._items))}"
            )
        return self._items[name]

    def available(self) -> list[str]:
        """Sorted names of every registered entry, plugins included."""
        self._load()
        return sorted(self._items)

    def __contains__(self, name: object) -> bool:
        self._load()
        return name in self._items


TRANSFORMS: Registry[type] = Registry("transform", "augfit.transforms",
                                     ("augfit.transforms._builtins",))
DATASETS: Registry[Callable[..., Any]] = Registry("dataset", "augfit.datasets",
                                                  ("augfit.data.datasets",))
FEATURIZERS: Registry[type] = Registry("featurizer", "augfit.featurizers",
                                       ("augfit.data.features",))

__all__ = ["DATASETS", "FEATURIZERS", "TRANSFORMS", "Registry"]
