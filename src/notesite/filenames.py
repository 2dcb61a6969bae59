"""File names a site cannot use: not UTF-8 (a zip from another system's code page) or
holding control characters. They would become URLs and lines of output; each is one
problem instead, named so that the terminal can print it."""

from __future__ import annotations

from pathlib import Path


def unusable_name(relative: Path) -> str | None:
    """Why the file at `relative` cannot be part of the site, or None."""
    text = str(relative)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # os.fsdecode kept the bytes as surrogates
        return "file name is not UTF-8 (rename the file)"
    if any(ord(character) < 32 or ord(character) == 127 for character in text):
        return "file name contains a control character (rename the file)"
    return None


def printable(relative: Path) -> Path:
    """`relative` as it can be printed: bytes that are not UTF-8 as U+FFFD, control
    characters as escapes."""
    text = str(relative).encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return Path("".join(c if ord(c) >= 32 and ord(c) != 127 else repr(c)[1:-1] for c in text))
