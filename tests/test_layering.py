"""The import graph of ``src/augfit`` follows the layering in docs/DESIGN.md.

The graph is read with ``ast``, so it has every import, whether it runs at module level, inside a
function (a late import hiding a cycle) or under ``if TYPE_CHECKING``. Layers, bottom to top:

0. the root modules (``rng``, ``errors``, ``registry``, ``hashing``, ``cache``, ...): import no
   subpackage;
1. ``transforms`` and ``nn``;
2. ``data`` (which applies transforms) and ``train`` (which trains nn models);
3. ``viz`` (figures and sample galleries shared by the report and the preview);
4. ``experiments``, and the interop modules ``sklearn`` and ``torch``;
5. ``cli`` and ``preview``; above them only the package's lazy ``__init__``.

A module may import its own layer and the layers below. Neither the top-level parts
(``augfit.data``, ``augfit.errors``, ...) nor the modules may import each other in a cycle. A
private module (``_name.py``) is used only inside its own top-level part: another part goes
through a public module.

``experiments`` has four rooms, bottom to top ``spec < stats < run < report``: a room imports only
the rooms below it, and only through their public face (the room's ``__init__``); every other
module of ``augfit`` reaches a room through its face too, and no private name (``_x``) is imported
from one room into another.
"""
from __future__ import annotations

import ast
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"

# the layer of each top-level part of the package; a root module not named here is at layer 0
LAYERS = {"transforms": 1, "nn": 1, "data": 2, "train": 2, "viz": 3, "experiments": 4,
          "sklearn": 4, "torch": 4, "cli": 5, "preview": 5,
          # the public modules named after a part's module (augfit.datasets is augfit.data.datasets)
          "datasets": 2, "features": 2, "callbacks": 2, "metrics": 2, "optim": 1}
TOP = 6                                  # augfit/__init__.py: the public names, loaded lazily
LAYER_NAMES = {0: "the root modules", 1: "transforms/nn", 2: "data/train", 3: "viz",
               4: "experiments/sklearn/torch", 5: "cli/preview", TOP: "the augfit package"}

Edge = tuple[str, str, int]              # (importing module, imported module, line)
ROOMS = ("spec", "stats", "run", "report")   # experiments' rooms, bottom to top


def modules(src: Path, package: str = "augfit") -> dict[str, Path]:
    """Every module of ``package`` under ``src`` by dotted name (a package is its __init__)."""
    out = {}
    for path in sorted((src / package).rglob("*.py")):
        parts = list(path.relative_to(src).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _imported(src: Path, package: str) -> list[tuple[str, str, str, int, str]]:
    """(importing module, imported module, name taken from it or "", line, the module the import
    is written against) for every import of one module of ``package`` by another, wherever it is
    written.

    ``from a import b`` imports the module ``a.b`` when that is a module, else the name ``b`` of
    ``a``; either way it is written against ``a``. Relative imports are resolved against the
    importing module's package.
    """
    mods = modules(src, package)

    def known(target: str) -> str:
        while target and target not in mods:         # import a.b.c of a module a.b
            target = target.rpartition(".")[0]
        return target

    out = []
    for name, path in mods.items():
        here = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            targets: list[tuple[str, str, str]] = []
            if isinstance(node, ast.Import):
                targets = [(a.name, "", a.name) for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = here.split(".")[: len(here.split(".")) - node.level + 1]
                    base = ".".join(up + ([base] if base else []))
                targets = [(f"{base}.{a.name}", "", base) if f"{base}.{a.name}" in mods
                           else (base, a.name, base) for a in node.names]
            for target, what, via in targets:
                target = known(target)
                if target and target != name and target.split(".")[0] == package:
                    out.append((name, target, what, node.lineno, known(via) or target))
    return out


def imports(src: Path, package: str = "augfit") -> list[Edge]:
    """Every import of one module of ``package`` by another (see :func:`_imported`)."""
    return sorted({(a, b, line) for a, b, _, line, _ in _imported(src, package)})


def room(module: str) -> str:
    """The room of experiments a module is in (``augfit.experiments.run.cell``: ``run``), or ""."""
    parts = module.split(".")
    return parts[2] if len(parts) > 2 and parts[1] == "experiments" and parts[2] in ROOMS else ""


def room_imports(src: Path, package: str = "augfit") -> list[str]:
    """Imports against the rooms: of a room above, or of a room's module instead of its face."""
    bad = []
    for a, b, _, line, via in sorted(set(_imported(src, package))):
        here, there = room(a), room(b)
        if not there or here == there:
            continue
        face = ".".join(b.split(".")[:3])
        if here and ROOMS.index(here) < ROOMS.index(there):
            bad.append(f"{a} (line {line}) imports {b}: the {here} room sits below the {there} "
                       f"room ({' < '.join(ROOMS)})")
        elif via != face:
            bad.append(f"{a} (line {line}) imports {b}: another room is reached through its "
                       f"face, {face}")
    return bad


def private_names(src: Path, package: str = "augfit") -> list[str]:
    """Private names (``_x``) imported from one room of experiments into another."""
    return [f"{a} (line {line}) imports {what} from {b}, private to the {room(b)} room"
            for a, b, what, line, _ in sorted(set(_imported(src, package)))
            if room(b) and room(a) != room(b) and what.startswith("_")
            and not what.startswith("__")]


def layer(module: str) -> int:
    parts = module.split(".")
    if len(parts) == 1:
        return TOP
    return LAYERS.get(parts[1], 0)


def part(module: str) -> str:
    """The top-level part of the package a module belongs to: ``augfit.data.sources.fsdd`` is in
    ``augfit.data``; a root module (``augfit.errors``, ``augfit.cli``) is its own part."""
    return ".".join(module.split(".")[:2])


def cycles(edges: Iterable[tuple[str, str]]) -> list[list[str]]:
    """The strongly connected components with more than one node (Tarjan), each sorted."""
    graph: dict[str, set[str]] = {}
    for a, b in edges:
        graph.setdefault(a, set()).add(b)
        graph.setdefault(b, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(found)


def upward(edges: Iterable[Edge]) -> list[str]:
    return [f"{a} (line {line}) imports {b}: {LAYER_NAMES[layer(a)]} sit below "
            f"{LAYER_NAMES[layer(b)]}" for a, b, line in edges if layer(a) < layer(b)]


def private_imports(edges: Iterable[Edge]) -> list[str]:
    """Imports of a private module (a dotted name with a part starting ``_``) from another part."""
    return [f"{a} (line {line}) imports {b}, private to {part(b)}" for a, b, line in edges
            if part(a) != part(b) and any(p.startswith("_") for p in b.split(".")[1:])]


def part_edges(edges: Iterable[Edge]) -> set[tuple[str, str]]:
    """Edges between top-level parts; the package's lazy ``__init__`` is not one of them."""
    return {(part(a), part(b)) for a, b, _ in edges if a != "augfit" and part(a) != part(b)}


def _explain(cycle: list[str], edges: Iterable[Edge],
             key: Callable[[str], str] = lambda m: m) -> str:
    """The cycle and the imports that make it."""
    members = set(cycle)
    arrows = [f"{a} -> {b} (line {line})" for a, b, line in edges
              if key(a) in members and key(b) in members and key(a) != key(b)]
    return " <-> ".join(cycle) + ": " + "; ".join(arrows)


# -- the checker itself, on a hand-made package --------------------------------------------------
def _write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_the_graph_has_relative_late_and_type_checking_imports(tmp_path: Path) -> None:
    src = _write(tmp_path, {
        "augfit/__init__.py": "",
        "augfit/errors.py": "",
        "augfit/transforms/__init__.py": "from .image import crop\n",
        "augfit/transforms/image/__init__.py": "",
        "augfit/transforms/image/crop.py": "from ...errors import X\n"
                                           "def f():\n    from augfit.data import loader\n",
        "augfit/data/__init__.py": "",
        "augfit/data/loader.py": "import augfit.transforms.image.crop as c\n"
                                 "from typing import TYPE_CHECKING\n"
                                 "if TYPE_CHECKING:\n    from ..experiments import spec\n",
        "augfit/experiments/__init__.py": "",
        "augfit/experiments/spec.py": "from augfit.data.loader import DataLoader\n"
                                      "from augfit.data import _hidden\n",
        "augfit/experiments/_own.py": "",
        "augfit/experiments/runner.py": "from . import _own\n",
        "augfit/data/_hidden.py": "",
    })
    edges = imports(src)
    assert edges == [
        ("augfit.data.loader", "augfit.experiments.spec", 4),
        ("augfit.data.loader", "augfit.transforms.image.crop", 1),
        ("augfit.experiments.runner", "augfit.experiments._own", 1),
        ("augfit.experiments.spec", "augfit.data._hidden", 2),
        ("augfit.experiments.spec", "augfit.data.loader", 1),
        ("augfit.transforms", "augfit.transforms.image.crop", 1),
        ("augfit.transforms.image.crop", "augfit.data.loader", 3),
        ("augfit.transforms.image.crop", "augfit.errors", 1),
    ]
    assert upward(edges) == [
        "augfit.data.loader (line 4) imports augfit.experiments.spec: data/train sit below "
        "experiments/sklearn/torch",
        "augfit.transforms.image.crop (line 3) imports augfit.data.loader: transforms/nn sit "
        "below data/train",
    ]
    assert cycles(part_edges(edges)) == [
        ["augfit.data", "augfit.experiments", "augfit.transforms"]]
    assert cycles((a, b) for a, b, _ in edges) == [
        ["augfit.data.loader", "augfit.experiments.spec", "augfit.transforms.image.crop"]]
    assert private_imports(edges) == [
        "augfit.experiments.spec (line 2) imports augfit.data._hidden, private to augfit.data"]


def test_the_rooms_checker_finds_upward_deep_and_private_imports(tmp_path: Path) -> None:
    src = _write(tmp_path, {
        "augfit/__init__.py": "",
        "augfit/cli.py": "from .experiments.report import run\n"
                         "from .experiments.run.cell import splits\n",
        "augfit/experiments/__init__.py": "from .report import run\n",
        "augfit/experiments/spec/__init__.py": "from .spec import Spec\n",
        "augfit/experiments/spec/spec.py": "def f():\n    from ..stats import compare\n",
        "augfit/experiments/stats/__init__.py": "from .stats import compare, _helper\n",
        "augfit/experiments/stats/stats.py": "from ..spec import Spec\n",
        "augfit/experiments/run/__init__.py": "from .cell import splits\n",
        "augfit/experiments/run/cell.py": "from ..stats import _helper\n"
                                          "from ..spec.spec import Spec\n",
        "augfit/experiments/report/__init__.py": "from ..run import splits\n"
                                                 "def run():\n    pass\n",
    })
    assert room_imports(src) == [
        "augfit.cli (line 2) imports augfit.experiments.run.cell: another room is reached "
        "through its face, augfit.experiments.run",
        "augfit.experiments.run.cell (line 2) imports augfit.experiments.spec.spec: another room "
        "is reached through its face, augfit.experiments.spec",
        "augfit.experiments.spec.spec (line 2) imports augfit.experiments.stats: the spec room "
        "sits below the stats room (spec < stats < run < report)",
    ]
    assert private_names(src) == [
        "augfit.experiments.run.cell (line 1) imports _helper from augfit.experiments.stats, "
        "private to the stats room"]


# -- the package -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def graph() -> tuple[dict[str, Path], list[Edge]]:
    return modules(SRC), imports(SRC)


def test_no_module_imports_a_layer_above_its_own(graph: tuple[dict[str, Path], list[Edge]]) -> None:
    _, edges = graph
    bad = upward(edges)
    assert not bad, "imports against the layering (see docs/DESIGN.md):\n" + "\n".join(bad)


def test_no_cycle_between_subpackages(graph: tuple[dict[str, Path], list[Edge]]) -> None:
    _, edges = graph
    found = cycles(part_edges(edges))
    detail = [_explain(c, edges, part) for c in found]
    assert not found, "subpackages importing each other:\n" + "\n".join(detail)


def test_no_cycle_between_modules(graph: tuple[dict[str, Path], list[Edge]]) -> None:
    _, edges = graph
    found = cycles((a, b) for a, b, _ in edges)
    assert not found, "modules importing each other (late imports included):\n" + "\n".join(
        _explain(c, edges) for c in found)


def test_no_part_imports_another_parts_private_module(
        graph: tuple[dict[str, Path], list[Edge]]) -> None:
    _, edges = graph
    bad = private_imports(edges)
    assert not bad, "private modules used from outside their part:\n" + "\n".join(bad)


def test_experiments_rooms_import_downward_through_their_faces(
        graph: tuple[dict[str, Path], list[Edge]]) -> None:
    mods, _ = graph
    assert {room(m) for m in mods} == {"", *ROOMS}      # the four rooms exist
    bad = room_imports(SRC)
    assert not bad, "imports against experiments' rooms (see docs/DESIGN.md):\n" + "\n".join(bad)


def test_no_private_name_crosses_a_room() -> None:
    bad = private_names(SRC)
    assert not bad, "private names imported from another room:\n" + "\n".join(bad)


# the transforms' core that every modality builds on: it imports no modality package (the thread
# pool it shares with image/ is transforms/parallel.py, below both)
TRANSFORMS_CORE = ["augfit.transforms.base", "augfit.transforms.records",
                   "augfit.transforms.parallel", "augfit.transforms.mixing"]
MODALITIES = ("augfit.transforms.image", "augfit.transforms.audio", "augfit.transforms.text")


def test_the_transforms_core_imports_no_modality(
        graph: tuple[dict[str, Path], list[Edge]]) -> None:
    mods, edges = graph
    assert set(TRANSFORMS_CORE) <= set(mods)
    bad = [f"{a} (line {line}) imports {b}" for a, b, line in edges
           if a in TRANSFORMS_CORE and b.startswith(MODALITIES)]
    assert not bad, "the transforms' core borrows from a modality:\n" + "\n".join(bad)
