"""What a code fence's info string asks for: its language and display options.

    ```python {linenos=true hl_lines=[2,"4-6"] linenostart=10}

`linenos` (true/false) numbers the lines, `linenostart` sets the first number,
`hl_lines` highlights lines (counted from 1 within the block, whatever
`linenostart` says; numbers or "a-b" ranges). Unknown keys and values that do
not parse are ignored, so a fence written for another tool still renders.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markdown_it.common.utils import unescapeAll

_OPTION = re.compile(r"""([A-Za-z_]+)\s*=\s*(\[[^\]]*\]|"[^"]*"|'[^']*'|[^\s,}]+)""")
_RANGE = re.compile(r"^(\d+)(?:-(\d+))?$")
_MAX_LINES = 100_000  # a range this long is a typo, not a wish


@dataclass(frozen=True)
class CodeInfo:
    language: str = ""
    linenos: bool = False
    linenostart: int = 1
    hl_lines: frozenset[int] = frozenset()

    @property
    def per_line(self) -> bool:
        """Whether lines need their own markup (numbers or highlights)."""
        return self.linenos or bool(self.hl_lines)


def parse_info(info: str) -> CodeInfo:
    """The language word ("python", "{.python .input}" -> "python") and the options in
    braces. Backslash escapes and entities count as the characters they stand for."""
    info = unescapeAll(info).strip()
    words = info.strip("{} ").split(maxsplit=1)  # "{.python .input}": Pandoc's attributes
    word = words[0] if words else ""
    language = "" if "=" in word else word.strip("{}").lstrip(".").lower()
    options = dict(_OPTION.findall(info))
    return CodeInfo(
        language=language,
        linenos=options.get("linenos", "").strip("\"'").lower() in {"true", "table", "inline"},
        linenostart=_int(options.get("linenostart"), 1),
        hl_lines=_lines(options.get("hl_lines", "")),
    )


def _int(value: str | None, default: int) -> int:
    text = (value or "").strip("\"'")
    return int(text) if text.isdigit() else default


def _lines(value: str) -> frozenset[int]:
    """`[2,3]`, `[2,"4-6"]` or `"2 4-6"` -> {2, 3} / {2, 4, 5, 6}."""
    lines: set[int] = set()
    for part in re.split(r"[\s,]+", value.strip("[]\"'")):
        match = _RANGE.match(part.strip("\"'"))
        if match:
            first = int(match.group(1))
            last = int(match.group(2) or first)
            if 0 < first <= last and last - first < _MAX_LINES:
                lines.update(range(first, last + 1))
    return frozenset(lines)
