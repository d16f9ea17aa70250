"""Worker processes that do not re-import the caller's script.

With the ``spawn`` and ``forkserver`` start methods, multiprocessing runs the parent's ``__main__``
file again in every child (as ``__mp_main__``), which is why scripts need an
``if __name__ == "__main__":`` guard: without one, each child would start the experiment again.
Workers here need nothing from ``__main__`` (the spec is JSON, the data is shipped), so the child
processes are started with ``__main__``'s file and module name hidden from multiprocessing's
preparation data: they never run the script. The one exception is a transform or featurizer
defined in the script itself: workers can only get it by importing the script, which is safe only
under a guard; :func:`check_main_needed` finds that case and, without a guard, stops before any
worker starts with a message showing the guard.
"""
from __future__ import annotations

import ast
import multiprocessing as mp
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing import context as _ctx
from typing import TYPE_CHECKING

from ...errors import ConfigError
from ...jsontypes import JSONDict, JSONValue

if TYPE_CHECKING:
    from multiprocessing import popen_forkserver, popen_spawn_posix
    from multiprocessing.process import BaseProcess

_LOCK = threading.RLock()
_PRELOAD = ["augfit.experiments.run.cell", "augfit.data.datasets", "sklearn.datasets"]


@contextmanager
def main_hidden() -> Iterator[None]:
    """While inside, ``__main__`` has no ``__file__`` and no ``__spec__``, so a child process
    started now does not import it."""
    main = sys.modules.get("__main__")
    with _LOCK:
        if main is None:
            yield
            return
        saved: dict[str, object] = {k: main.__dict__[k] for k in ("__file__", "__spec__")
                                 if k in main.__dict__}
        main.__dict__.pop("__file__", None)
        main.__dict__["__spec__"] = None
        try:
            yield
        finally:
            main.__dict__.update(saved)
            if "__spec__" not in saved:
                main.__dict__.pop("__spec__", None)


class _ForkServerProcess(_ctx.ForkServerProcess):
    @staticmethod
    def _Popen(process_obj: BaseProcess) -> popen_forkserver.Popen:
        with main_hidden():
            return _ctx.ForkServerProcess._Popen(process_obj)


class _ForkServerContext(_ctx.ForkServerContext):
    Process = _ForkServerProcess


class _SpawnProcess(_ctx.SpawnProcess):
    @staticmethod
    def _Popen(process_obj: BaseProcess) -> popen_spawn_posix.Popen:
        with main_hidden():
            return _ctx.SpawnProcess._Popen(process_obj)


class _SpawnContext(_ctx.SpawnContext):
    Process = _SpawnProcess


def context(hide_main: bool = True) -> mp.context.BaseContext:
    """A forkserver (else spawn) context; with ``hide_main`` its children skip ``__main__``."""
    # forkserver/spawn: workers never inherit the parent's threads or open SQLite handle
    if "forkserver" not in mp.get_all_start_methods():
        return _SpawnContext() if hide_main else mp.get_context("spawn")
    ctx = _ForkServerContext() if hide_main else mp.get_context("forkserver")
    # imported once in the fork server, so each worker starts without re-importing them
    ctx.set_forkserver_preload(_PRELOAD)
    return ctx


def _type_names(obj: JSONValue) -> Iterator[str]:
    if isinstance(obj, dict):
        kind = obj.get("type")
        if isinstance(kind, str):
            yield kind
        for v in obj.values():
            yield from _type_names(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _type_names(v)


def _from_main(canonical: JSONDict) -> list[str]:
    """Names of the spec's transforms/featurizers that are defined in ``__main__``."""
    from ...registry import FEATURIZERS, TRANSFORMS

    found = []
    methods = canonical.get("methods")
    for m in methods if isinstance(methods, list) else []:
        for name in _type_names(m.get("augment") if isinstance(m, dict) else None):
            if name in TRANSFORMS and TRANSFORMS.get(name).__module__ in ("__main__",
                                                                          "__mp_main__"):
                found.append(f"transform {name!r}")
    feats = canonical.get("features")
    fname = feats if isinstance(feats, str) else feats.get("type") if isinstance(feats, dict) \
        else None
    if isinstance(fname, str) and fname in FEATURIZERS and \
            FEATURIZERS.get(fname).__module__ in ("__main__", "__mp_main__"):
        found.append(f"featurizer {fname!r}")
    return list(dict.fromkeys(found))


def has_main_guard() -> bool:
    """Whether the ``__main__`` script has a top-level ``if __name__ == "__main__":``."""
    path = getattr(sys.modules.get("__main__"), "__file__", None)
    if not path:
        return False
    try:
        with open(path, encoding="utf-8") as fh:
            tree = ast.parse(fh.read())
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return False
    for node in tree.body:
        t = getattr(node, "test", None)
        if isinstance(node, ast.If) and isinstance(t, ast.Compare) and len(t.ops) == 1 and \
                isinstance(t.ops[0], ast.Eq):
            sides = [t.left, t.comparators[0]]
            names = [s.id for s in sides if isinstance(s, ast.Name)]
            consts = [s.value for s in sides if isinstance(s, ast.Constant)]
            if names == ["__name__"] and consts == ["__main__"]:
                return True
    return False


GUARD = """    import augfit as af

    if __name__ == "__main__":
        af.experiments.run("spec.yaml", workers=2)"""


def check_main_needed(canonical: JSONDict, what: str, guard_helps: bool = True) -> bool:
    """True when workers must import ``__main__`` (a transform or featurizer of the spec is defined
    there) and the script has a main guard; raises ConfigError when they would need it but cannot
    safely import it. False (the usual case): workers start without the script."""
    found = _from_main(canonical)
    if not found:
        return False
    if guard_helps and has_main_guard():
        return True
    where = ("your script (__main__)" if getattr(sys.modules.get("__main__"), "__file__", None)
             else "this interactive session (__main__)")
    fix = ("move it to a module (a .py file) that you import, or run with workers=1"
           if not guard_helps else
           "move it to a module (a .py file) that you import, or put the call under a main "
           f"guard so that workers can import the script safely:\n\n{GUARD}\n")
    raise ConfigError(f"{' and '.join(found)} is defined in {where}, which {what} worker "
                      f"processes cannot see; {fix}")


__all__ = ["check_main_needed", "context", "has_main_guard", "main_hidden"]
