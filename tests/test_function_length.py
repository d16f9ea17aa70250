"""No function in ``src/augfit`` is longer than 60 lines (the house rule in docs/DESIGN.md).

A function's length counts from its ``def`` line to its last line, docstring and comments
included, decorators not. Nested functions count inside their parent and are checked on their
own too. ruff has no rule for this (PLR0915 counts statements, C901 branches), so this test
reads every module with ``ast``.
"""
from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
MAX_LINES = 60

def function_lengths(tree: ast.AST, prefix: str = "") -> list[tuple[str, int, int]]:
    """(qualified name, line of the ``def``, lines from the ``def`` to the end) of every function
    in ``tree``, methods as ``Class.method`` and nested ones as ``outer.inner``."""
    out = []
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            name = prefix + node.name
            out.append((name, node.lineno, (node.end_lineno or node.lineno) - node.lineno + 1))
            out += function_lengths(node, name + ".")
        elif isinstance(node, ast.ClassDef):
            out += function_lengths(node, prefix + node.name + ".")
        else:
            out += function_lengths(node, prefix)
    return out


def too_long(src: Path, limit: int = MAX_LINES) -> list[str]:
    """The functions under ``src`` longer than ``limit`` lines."""
    found = []
    for path in sorted(src.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for name, line, length in function_lengths(tree):
            if length > limit:
                found.append(f"{path.relative_to(src)}:{line} {name} has {length} lines "
                             f"(at most {limit}): split it where its steps change")
    return found


def test_the_counter_counts_from_def_to_the_last_line(tmp_path: Path) -> None:
    body = "\n".join(f"    x{i} = {i}" for i in range(3))
    (tmp_path / "m.py").write_text(
        "import functools\n"
        "\n"
        "@functools.cache\n"
        "def short():\n"
        '    """Doc."""\n'
        f"{body}\n"
        "\n"
        "class C:\n"
        "    def method(self):\n"
        "        def inner():\n"
        "            return 1\n"
        "        return inner\n")
    tree = ast.parse((tmp_path / "m.py").read_text())
    assert function_lengths(tree) == [("short", 4, 5), ("C.method", 11, 4),
                                      ("C.method.inner", 12, 2)]
    assert too_long(tmp_path, limit=4) == [
        "m.py:4 short has 5 lines (at most 4): split it where its steps change"]
    assert too_long(tmp_path, limit=5) == []
    assert too_long(tmp_path, limit=3) == [
        "m.py:4 short has 5 lines (at most 3): split it where its steps change",
        "m.py:11 C.method has 4 lines (at most 3): split it where its steps change"]


def test_no_function_in_src_is_longer_than_60_lines() -> None:
    assert too_long(SRC) == []
