"""YAML parsing that remembers the line of every key, for `path:line` errors.

Timestamps are deliberately *not* resolved by YAML: `2026-01-11` and
`2026-01-11 10:30` both arrive as strings so that `dates.py` alone decides
what a date means (PyYAML would otherwise return date, str or datetime
depending on the style the writer happened to use).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from notesite.errors import NotesiteError, fail

KeyPath = tuple[Any, ...]


class _Loader(yaml.SafeLoader):
    """SafeLoader without the implicit timestamp resolver."""


# libyaml's parser (in PyYAML's wheels) is several times faster; errors are reported
# by the Python parser, whose messages are the ones notesite's users see.
class _FastLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The same, with libyaml's parser when PyYAML has it."""


_Loader.yaml_implicit_resolvers = _FastLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _collect_lines(
    node: yaml.Node, path: KeyPath, first_line: int, out: dict[KeyPath, int]
) -> None:
    out[path] = node.start_mark.line + first_line
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            out[(*path, key)] = key_node.start_mark.line + first_line
            _collect_lines(value_node, (*path, key), first_line, out)
            out[(*path, key)] = key_node.start_mark.line + first_line
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _collect_lines(item, (*path, index), first_line, out)


# More values than any front matter or config needs: a document whose aliases expand
# past this (a "billion laughs" bomb) is refused before it is built in memory.
MAX_VALUES = 100_000


def _check_graph(root: yaml.Node, path: Path | str, first_line: int) -> None:
    """Refuse duplicate keys, recursive aliases and aliases that expand too far.

    Aliases make the node graph a DAG whose expansion can be exponential, so sizes are
    counted once per node (memoised), never by walking the expansion."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()

    def size(node: yaml.Node) -> int:
        if id(node) in sizes:
            return sizes[id(node)]
        if id(node) in open_nodes:
            raise fail(path, node.start_mark.line + first_line, "recursive YAML alias")
        open_nodes.add(id(node))
        total = 1
        if isinstance(node, yaml.MappingNode):
            _check_duplicate_keys(node, path, first_line)
            total += sum(size(key) + size(value) for key, value in node.value)
        elif isinstance(node, yaml.SequenceNode):
            total += sum(size(item) for item in node.value)
        open_nodes.discard(id(node))
        sizes[id(node)] = total
        if total > MAX_VALUES:
            line = node.start_mark.line + first_line
            raise fail(path, line, f"YAML aliases expand to more than {MAX_VALUES:,} values")
        return total

    size(root)


def _check_duplicate_keys(node: yaml.MappingNode, path: Path | str, first_line: int) -> None:
    seen: dict[tuple[str, str], int] = {}
    for key_node, _ in node.value:
        if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
            continue
        line = key_node.start_mark.line + first_line
        key = (key_node.tag, key_node.value)
        if key in seen:
            message = f"duplicate key '{key_node.value}' (first on line {seen[key]})"
            raise fail(path, line, message)
        seen[key] = line


_PARSED: dict[tuple[str, str, int], tuple[Any, dict[KeyPath, int]]] = {}


def load_yaml(text: str, path: Path | str, first_line: int = 1) -> tuple[Any, dict[KeyPath, int]]:
    """Parse `text`; return the data and a map from key path to 1-based line.

    `first_line` is the file line on which `text` starts (front matter starts on 2).
    Results are remembered by text (serve re-reads config and string files on every
    save); callers must not modify them.
    """
    key = (text, str(path), first_line)
    if key in _PARSED:
        return _PARSED[key]
    if len(_PARSED) > 4096:
        _PARSED.clear()
    _PARSED[key] = _parse_yaml(text, path, first_line)
    return _PARSED[key]


def _parse_yaml(text: str, path: Path | str, first_line: int) -> tuple[Any, dict[KeyPath, int]]:
    try:
        return _parse_with(_FastLoader, text, path, first_line)
    except NotesiteError:
        return _parse_with(_Loader, text, path, first_line)  # raises, with its message


def _parse_with(
    loader_class: type, text: str, path: Path | str, first_line: int
) -> tuple[Any, dict[KeyPath, int]]:
    try:
        loader = loader_class(text)  # reads the text: a control character fails here
    except yaml.reader.ReaderError as error:
        line = text[: error.position].count("\n") + first_line
        message = f"YAML syntax error: character #x{error.character:04x} not allowed"
        raise fail(path, line, message) from None
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}
        _check_graph(node, path, first_line)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = (mark.line + first_line) if mark else first_line
        problem = error.problem or "invalid YAML"
        raise fail(path, line, f"YAML syntax error: {problem}") from None
    except yaml.YAMLError as error:
        raise fail(path, first_line, f"YAML syntax error: {error}") from None
    except RecursionError:
        raise fail(path, first_line, "YAML is nested too deeply") from None
    finally:
        loader.dispose()
    lines: dict[KeyPath, int] = {}
    _collect_lines(node, (), first_line, lines)
    return data, lines
