"""scikit-learn's parameter protocol for transforms: ``get_params``, ``set_params``, cloning.

It lets a transform (or a whole Compose) be a hyperparameter of a scikit-learn estimator, such as
``augfit.sklearn.MLPClassifier(augment=...)``, and lets ``GridSearchCV`` reach a step's strength:

>>> import augfit as af
>>> from augfit.transforms import image as I
>>> aug = af.Compose([I.Rotate(limit=10), I.HorizontalFlip(p=0.5)])
>>> sorted(k for k in aug.get_params() if k.startswith("rotate__"))
['rotate__fill', 'rotate__limit', 'rotate__p']
>>> aug.set_params(rotate__limit=25).transforms[0].limit
25

Steps of a composition are named like scikit-learn's ``make_pipeline`` names them: the lowercase
class name, with ``-1``, ``-2``, ... appended when a class appears more than once; their position
(``"0"``, ``"1"``, ...) works too. Setting a parameter rebuilds the transform through its
constructor, so every value is validated as at construction. A clone is a fresh transform from
the same constructor arguments (a Compose's own generator restarts from its seed).
"""
from __future__ import annotations

import inspect
from typing import TYPE_CHECKING

from ..errors import ConfigError

if TYPE_CHECKING:
    from typing_extensions import Self


def _step_names(children: list[ParamsMixin]) -> list[str]:
    names = [type(c).__name__.lower() for c in children]
    counts = {n: names.count(n) for n in names}
    seen: dict[str, int] = {}
    out = []
    for n in names:
        if counts[n] > 1:
            seen[n] = seen.get(n, 0) + 1
            out.append(f"{n}-{seen[n]}")
        else:
            out.append(n)
    return out


class ParamsMixin:
    """``get_params`` / ``set_params`` / ``__sklearn_clone__`` over the constructor arguments."""

    def _arg_names(self) -> list[str]:
        sig = inspect.signature(type(self).__init__)
        return [n for n, p in sig.parameters.items()
                if n != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]

    def _named_steps(self) -> dict[str, ParamsMixin]:
        children = getattr(self, "transforms", None)
        if not isinstance(children, list):
            return {}
        named = dict(zip(_step_names(children), children, strict=True))
        named.update({str(i): c for i, c in enumerate(children)})
        return named

    def get_params(self, deep: bool = True) -> dict[str, object]:
        """Constructor arguments; with ``deep``, also every step's as ``step__name``."""
        params = {name: getattr(self, name) for name in self._arg_names()}
        if deep:
            children = getattr(self, "transforms", None)
            if isinstance(children, list):
                for name, child in zip(_step_names(children), children, strict=True):
                    params[name] = child
                    params.update({f"{name}__{k}": v for k, v in child.get_params().items()})
        return params

    def set_params(self, **params: object) -> Self:
        """Set constructor arguments (``limit=20``) or a step's (``rotate__limit=20``); returns
        self. Raises ConfigError naming the valid keys for an unknown one."""
        own: dict[str, object] = {}
        nested: dict[str, dict[str, object]] = {}
        steps = self._named_steps()
        valid = self._arg_names()
        for key, value in params.items():
            head, sep, rest = key.partition("__")
            if sep and head in steps:
                nested.setdefault(head, {})[rest] = value
            elif not sep and head in valid:
                own[head] = value
            else:
                names = valid + [f"{s}__..." for s in steps if not s.isdigit()]
                raise ConfigError(f"{type(self).__name__}.set_params: no parameter {key!r}; valid: "
                                  f"{', '.join(names)}")
        for head, sub in nested.items():
            steps[head].set_params(**sub)
        if own:
            fresh = self._rebuild(**own)
            self.__dict__.clear()
            self.__dict__.update(fresh.__dict__)
        return self

    def _rebuild(self, **changes: object) -> Self:
        cfg = {name: getattr(self, name) for name in self._arg_names()}
        cfg.update(changes)
        if isinstance(cfg.get("transforms"), list):
            cfg["transforms"] = [t.__sklearn_clone__() if hasattr(t, "__sklearn_clone__") else t
                                 for t in cfg["transforms"]]
        return type(self)(**cfg)

    def __sklearn_clone__(self) -> Self:
        """A fresh transform with the same constructor arguments (what sklearn.clone calls)."""
        return self._rebuild()


__all__ = ["ParamsMixin"]
