"""Emphasis a writer wrapped around display math: `(**` … `$$…$$` … `**)`.

A display formula is a block, so it ends the paragraph before it, and an emphasis
run opened before the formula and closed after it has no partner in either
paragraph: CommonMark leaves both `**` on the page. Writers mean the text on each
side to be emphasised (the d2l book marks whole passages this way). This core rule,
run before inline parsing, splits such a run at the formulas, as HTML must anyway
(`<strong>` cannot hold a block): the paragraph before is closed at its end, the
paragraph after is opened at its start, and a marker with no text on its side of the
formula is dropped. Nothing changes unless display math separates the two markers.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from notesite.markdown.math import find_math

MARKERS = ("**", "~~")
# Code spans, whose asterisks are not emphasis (a rough cut: it only decides whether a
# marker is left over, and a wrong answer leaves the text as it was).
_CODE_SPAN = re.compile(r"`+[^`]*`+")


def _count(content: str, marker: str) -> int:
    """How many times `marker` stands in the text outside code spans and math."""
    text, count, pos = _CODE_SPAN.sub("", content), 0, 0
    while pos < len(text):
        span = find_math(text, pos) if text[pos] in "$\\" else None
        if span is not None:
            pos = span.end
        elif text.startswith(marker, pos):
            count, pos = count + 1, pos + len(marker)
        else:
            pos += 1
    return count


def _open_at_end(content: str, marker: str) -> re.Match[str] | None:
    """The last `marker` of a paragraph when it opens a run the paragraph never closes."""
    match = re.search(rf"{re.escape(marker)}((?:(?!{re.escape(marker)}).)*)\Z", content, re.S)
    if match is None or match.group(1)[:1].isspace() or _count(content, marker) % 2 == 0:
        return None
    return match


def _closed_at_start(content: str, marker: str) -> re.Match[str] | None:
    """The first `marker` of a paragraph when it closes a run opened before it."""
    match = re.match(rf"((?:(?!{re.escape(marker)}).)*){re.escape(marker)}", content, re.S)
    if match is None or match.group(1)[-1:].isspace() or _count(content, marker) % 2 == 0:
        return None
    return match


def _next_paragraph_after_math(tokens: list[Token], close: int) -> int | None:
    """The inline token of the paragraph that follows `close` (a paragraph_close)
    across one or more display formulas, or None."""
    index, formulas = close + 1, 0
    while index < len(tokens) and tokens[index].type == "math_block":
        index, formulas = index + 1, formulas + 1
    followed = index + 1 < len(tokens) and tokens[index].type == "paragraph_open"
    if formulas and followed and tokens[index].level == tokens[close].level:
        return index + 1
    return None


def _split_runs(state: StateCore) -> None:
    tokens = state.tokens
    for index, token in enumerate(tokens):
        if token.type != "inline" or index + 1 >= len(tokens):
            continue
        if tokens[index + 1].type != "paragraph_close":
            continue
        after = _next_paragraph_after_math(tokens, index + 1)
        if after is None:
            continue
        for marker in MARKERS:
            opener = _open_at_end(token.content, marker)
            closer = _closed_at_start(tokens[after].content, marker)
            if opener is None or closer is None:
                continue
            text, lead = opener.group(1), closer.group(1)
            head = token.content[: opener.start()]
            token.content = head + (f"{marker}{text}{marker}" if text.strip() else text)
            tail = tokens[after].content[closer.end() :]
            tokens[after].content = (f"{marker}{lead}{marker}" if lead.strip() else lead) + tail
            break


def math_emphasis_plugin(md: MarkdownIt) -> None:
    md.core.ruler.before("inline", "math_emphasis", _split_runs)
