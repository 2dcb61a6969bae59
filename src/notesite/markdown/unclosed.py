"""Emphasis markers left on the page: `**` or `~~` that nothing closed.

A writer who types `**leveraging the model` and never closes it sees the asterisks
in the page, as CommonMark says they must. Easy to miss in a long note, so each run
left as text that could have opened or closed one (it touches text on a side) is
recorded with its line for a `path:line` warning. It runs before `text_join`, while
escaped markers (`\\*\\*`) are still tokens of their own and so never reported.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore

from notesite.markdown.state import rule_state

_RUN = re.compile(r"\*\*+|~~")
_LINE_BREAKS = ("softbreak", "hardbreak")


def _touches_text(content: str, start: int, end: int) -> bool:
    before = content[start - 1] if start > 0 else ""
    after = content[end] if end < len(content) else ""
    return bool(before.strip()) or bool(after.strip())


def _record(state: StateCore) -> None:
    found = rule_state(state.env).unclosed_markers
    for token in state.tokens:
        if token.type != "inline" or not token.children or token.map is None:
            continue
        line = token.map[0]
        for child in token.children:
            if child.type in _LINE_BREAKS:
                line += 1
            elif child.type == "text" and ("**" in child.content or "~~" in child.content):
                found.extend(
                    (line, run[0])
                    for run in _RUN.finditer(child.content)
                    if _touches_text(child.content, run.start(), run.end())
                )


def unclosed_markers_plugin(md: MarkdownIt) -> None:
    md.core.ruler.before("text_join", "unclosed_markers", _record)
