"""YAML and text files from users, read safely: the one loader for specs, augment files, dataset
cards and command-line values.

:func:`load_yaml` uses PyYAML's safe loader (no Python tags), refuses a document whose anchors and
aliases expand to more than :data:`YAML_MAX_NODES` values before building it (an "alias bomb"), and
reports a problem by line and column without quoting the file. :func:`read_text` refuses files over
:data:`YAML_MAX_BYTES` and names a non-UTF-8 byte by position, never showing the contents.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .errors import ConfigError

if TYPE_CHECKING:
    from yaml import Node

YAML_MAX_BYTES = 1_000_000   # a spec, augment file or card larger than this is refused
YAML_MAX_NODES = 100_000     # nodes of a YAML document after expanding its aliases


def read_text(path: Path, what: str, max_bytes: int = YAML_MAX_BYTES) -> str:
    """The UTF-8 text of a user's file, or ConfigError naming the path and the problem (never
    its contents)."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise ConfigError(f"{path}: {what} is {size} bytes, more than the {max_bytes} allowed; "
                              "is this the right file?")
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as e:
        raise ConfigError(f"{path}: {what} is not UTF-8 text (byte {e.start}); save it as "
                          "UTF-8") from None
    except OSError as e:
        raise ConfigError(f"{path}: cannot read {what}: {e.strerror or e}") from None


def load_yaml(text: str, source: str, max_nodes: int = YAML_MAX_NODES) -> object:
    """Parse YAML safely (no Python tags) with a cap of ``max_nodes`` nodes after expanding
    aliases (an "alias bomb" of nested ``*a`` references is refused before it is built). Errors
    are ConfigError naming ``source``, the line and column and the problem, never quoting lines."""
    import yaml

    try:
        loader = yaml.SafeLoader(text)
    except yaml.reader.ReaderError as e:      # a control character, checked before parsing
        pos = int(e.position)
        line = text.count("\n", 0, pos) + 1
        col = pos - (text.rfind("\n", 0, pos) + 1) + 1
        raise ConfigError(f"{source}: not valid YAML at line {line}, column {col}: control "
                          f"character U+{int(e.character):04X} is not allowed; remove it"
                          ) from None
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _expanded_size(node, source, max_nodes)
        return loader.construct_document(node)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = " ".join(str(e.problem or e.context or "syntax error").split())[:120]
        raise ConfigError(f"{source}: not valid YAML{where}: {problem}") from None
    except yaml.YAMLError as e:
        raise ConfigError(f"{source}: not valid YAML: {type(e).__name__}") from None
    except RecursionError:
        raise ConfigError(f"{source}: YAML nested too deeply; flatten it") from None
    except ValueError as e:                    # e.g. an integer of more than 4300 digits
        raise ConfigError(f"{source}: YAML value cannot be read: {str(e)[:120]}") from None
    finally:
        loader.dispose()


def _children(node: Node) -> list[Node] | None:
    """The nodes a sequence or mapping node holds (keys and values); None for a scalar."""
    import yaml

    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return None


def _expanded_size(root: Node, source: str, max_nodes: int) -> int:
    """Nodes in the document with every alias expanded, counted without expanding (memoized over
    the shared nodes); ConfigError above ``max_nodes`` or on a recursive alias."""
    sizes: dict[int, int] = {}
    active: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if key in sizes:
            continue
        kids = _children(node)
        if kids is None:
            sizes[key] = 1
            continue
        if children_done:
            active.discard(key)
            sizes[key] = 1 + sum(sizes[id(k)] for k in kids)
            if sizes[key] > max_nodes:
                raise ConfigError(f"{source}: YAML expands to more than {max_nodes} values "
                                  "(anchors and aliases that multiply); write it out plainly")
            continue
        if key in active:
            raise ConfigError(f"{source}: YAML has a recursive alias (an anchor used inside "
                              "itself); remove it")
        active.add(key)
        stack.append((node, True))
        for k in kids:
            if id(k) in active:
                raise ConfigError(f"{source}: YAML has a recursive alias (an anchor used inside "
                                  "itself); remove it")
            if id(k) not in sizes:
                stack.append((k, False))
    return sizes[id(root)]


__all__ = ["YAML_MAX_BYTES", "YAML_MAX_NODES", "load_yaml", "read_text"]
