"""Excerpts and reading time from the token stream (CJK-aware, math kept whole).

An automatic excerpt takes the text of the first paragraphs (never headings,
code blocks, tables, display math, or callouts other than abstracts), about
`budget` characters of it, and never cuts inside a formula or code span; Latin
text is cut at a word boundary, CJK text at any character.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token

from notesite.markdown.math import math_element
from notesite.text import count_words

SUMMARY_BUDGET = 160
_SKIPPED_BLOCKS = ("table_open", "fence", "code_block", "math_block", "html_block")
_SKIPPED_CONTAINERS = ("table_open", "table_close", "footnote_block_open", "footnote_block_close")


@dataclass(frozen=True)
class Piece:
    kind: str  # "text", "code", "math"
    content: str
    cost: int


def _skipped(token: Token) -> bool:
    """Whether a container's text stays out of excerpts: tables, footnotes, and callouts
    (asides: a note's teaser is its prose), except abstract/summary/tldr callouts."""
    if token.type in ("callout_open", "callout_close"):
        return token.meta["callout"].aside
    return token.type in _SKIPPED_CONTAINERS


def _paragraph_inlines(tokens: list[Token]) -> list[Token]:
    """Inline tokens of paragraphs in reading order, skipping tables, footnotes and asides."""
    result = []
    skip_depth = 0
    for index, token in enumerate(tokens):
        if _skipped(token):
            skip_depth += token.nesting
        elif (
            skip_depth == 0
            and token.type == "inline"
            and index > 0
            and tokens[index - 1].type == "paragraph_open"
        ):
            result.append(token)
    return result


def _pieces(inline: Token) -> list[Piece]:
    pieces: list[Piece] = []
    for child in inline.children or ():
        if child.type == "text" or child.type == "text_special":
            pieces.append(Piece("text", child.content, len(child.content)))
        elif child.type in ("softbreak", "hardbreak"):
            pieces.append(Piece("text", " ", 1))
        elif child.type == "code_inline":
            pieces.append(Piece("code", child.content, len(child.content)))
        elif child.type in ("math_inline", "math_inline_display"):
            pieces.append(Piece("math", child.content, max(1, len(child.content) // 3)))
    return pieces


def _cut_text(text: str, room: int) -> str:
    """At most `room` characters of `text`, not splitting a Latin word."""
    if len(text) <= room:
        return text
    cut = text[:room]
    next_char = text[room]
    if (
        cut
        and cut[-1].isascii()
        and cut[-1].isalnum()
        and next_char.isascii()
        and next_char.isalnum()
    ):
        boundary = max(cut.rfind(" "), -1)
        cut = cut[:boundary] if boundary > 0 else ""
    return cut.rstrip()


def excerpt_pieces(tokens: list[Token], budget: int = SUMMARY_BUDGET) -> tuple[list[Piece], bool]:
    """The pieces of the automatic excerpt and whether text was left out."""
    chosen: list[Piece] = []
    used = 0
    for inline in _paragraph_inlines(tokens):
        if chosen:
            chosen.append(Piece("text", " ", 1))
        for piece in _pieces(inline):
            if used + piece.cost <= budget:
                chosen.append(piece)
                used += piece.cost
                continue
            if piece.kind == "text":
                partial = _cut_text(piece.content, budget - used)
                if partial:
                    chosen.append(Piece("text", partial, len(partial)))
            return chosen, True
    return chosen, False


def pieces_html(pieces: list[Piece], render_math) -> str:
    out = []
    for piece in pieces:
        if piece.kind == "text":
            out.append(escapeHtml(piece.content))
        elif piece.kind == "code":
            out.append(f"<code>{escapeHtml(piece.content)}</code>")
        else:
            out.append(math_element(render_math(piece.content, False), False))
    return "".join(out).strip()


def pieces_text(pieces: list[Piece]) -> str:
    """Plain text for <meta name=description>: math as its TeX source."""
    return " ".join(
        "".join(p.content if p.kind != "math" else f"${p.content}$" for p in pieces).split()
    )


def more_marker_index(tokens: list[Token]) -> int | None:
    for index, token in enumerate(tokens):
        if token.type == "html_block" and token.content.strip() == "<!--more-->":
            return index
    return None


def render_before_more(md: MarkdownIt, tokens: list[Token], index: int, env: dict) -> str:
    """HTML of the blocks before `<!--more-->` for listings: headings left out (they would
    repeat in lists) and footnote references too (their notes are not on the listing)."""
    kept: list[Token] = []
    in_heading = False
    for token in tokens[:index]:
        if token.type == "heading_open":
            in_heading = True
        elif token.type == "heading_close":
            in_heading = False
            continue
        if in_heading:
            continue
        if token.type == "inline" and token.children:
            token = token.copy(children=[c for c in token.children if c.type != "footnote_ref"])
        kept.append(token)
    return md.renderer.render(kept, md.options, env).strip()


def reading_minutes(tokens: list[Token]) -> int:
    """Minutes to read the prose: CJK characters and Latin words counted apart."""
    texts = [
        child.content
        for token in tokens
        if token.type == "inline"
        for child in token.children or ()
        if child.type == "text"
    ]
    # Counted at once: a line break joins no two words, so the counts add up the same.
    counted = count_words("\n".join(texts))
    return max(1, math.ceil(counted.cjk / 400 + counted.latin / 230))
