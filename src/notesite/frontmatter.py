"""Split a Markdown file into its YAML front matter and body."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from notesite.errors import fail
from notesite.yamlsource import KeyPath, load_yaml


@dataclass(frozen=True)
class Document:
    meta: dict[str, Any]
    lines: dict[KeyPath, int]  # key path -> file line
    body: str
    body_line: int  # file line on which the body starts


def parse_document(raw: bytes, path: Path) -> Document:
    """Decode and split one source file; raise `NotesiteError` with path:line."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise fail(
            path, line, f"file is not UTF-8 (invalid byte at offset {error.start})"
        ) from None
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise fail(path, 1, "empty file")
    lines = text.split("\n")
    if lines[0].rstrip() != "---":
        raise fail(path, 1, "missing front matter (the file must start with a '---' line)")
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), None)
    if end is None:
        raise fail(path, 1, "front matter is not closed by a '---' line")
    meta, key_lines = load_yaml("\n".join(lines[1:end]), path, first_line=2)
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise fail(path, 2, "front matter must be a mapping of keys to values")
    return Document(meta=meta, lines=key_lines, body="\n".join(lines[end + 1 :]), body_line=end + 2)
