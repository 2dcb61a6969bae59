"""The sentence a link stands in, as plain text: what a backlink shows of the note
that links (`NoteLink.context`, `EquationRef.context`)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from markdown_it.token import Token

from notesite.markdown.facts import EquationRef
from notesite.markdown.figures import plain_text

# Where a sentence ends: Chinese full stops and marks, or . ! ? ; before a space.
_SENTENCE_END = re.compile(r"[。！？；]|[.!?;](?=\s|$)")
MAX_CHARS = 160  # a longer sentence is cut around the link


def _text(token: Token) -> str:
    """A child's plain text: math as `$tex$` (as in alt text), a reference as written; an
    image counts as nothing (its alt text is not part of the sentence)."""
    if token.type == "equation_ref":
        return EquationRef(token.meta["key"], token.meta["paren"], 0).written
    return "" if token.type == "image" else plain_text([token])


def _bounds(texts: list[str], index: int) -> tuple[int, int, int]:
    """(start, end, at): the sentence's character span in the joined texts, and where
    child `index` starts."""
    at = sum(len(text) for text in texts[:index])
    text = "".join(texts)
    start = 0
    for match in _SENTENCE_END.finditer(text, 0, at):
        start = match.end()
    end_match = _SENTENCE_END.search(text, at)
    return start, (end_match.end() if end_match else len(text)), at


def sentence_around(children: list[Token], index: int) -> str:
    """The sentence of these inline children in which child `index` starts."""
    texts = [_text(child) for child in children]
    start, end, at = _bounds(texts, index)
    sentence = "".join(texts)[start:end]
    if len(sentence) > MAX_CHARS:  # keep the link's surroundings
        left = max(0, at - start - MAX_CHARS // 2)
        cut = sentence[left : left + MAX_CHARS]
        sentence = ("…" if left else "") + cut + ("…" if left + MAX_CHARS < len(sentence) else "")
    return " ".join(sentence.split())


_KEPT = ("text", "text_special", "code_inline", "math_inline", "math_inline_display")


def sentence_tokens(children: list[Token], index: int) -> list[Token]:
    """The same sentence as tokens to render (math stays math; links, emphasis and
    footnote marks are left out so the pieces stay balanced and id-free)."""
    texts = [_text(child) for child in children]
    start, end, _ = _bounds(texts, index)
    kept: list[Token] = []
    offset = 0
    for child, text in zip(children, texts, strict=True):
        lo, hi = offset, offset + len(text)
        offset = hi
        if hi <= start or lo >= end or not text:
            continue
        if child.type in ("text", "text_special", "softbreak", "hardbreak"):
            piece = Token("text", "", 0)
            piece.content = text[max(start, lo) - lo : min(end, hi) - lo]
            kept.append(piece)
        elif child.type in _KEPT or child.type == "equation_ref":
            kept.append(child)
    return kept


def record_context(contexts: dict[str, list[Token]], children: list[Token], index: int) -> str:
    """The sentence around child `index` as plain text, its tokens kept under that text
    (rendered with the note: `RenderedDoc.contexts`)."""
    text = sentence_around(children, index)
    if text and text not in contexts:
        contexts[text] = sentence_tokens(children, index)
    return text


def inline_children(tokens: list[Token]) -> Iterator[tuple[list[Token], int, Token, int]]:
    """(siblings, index, child, line) for every child of every inline token, with the
    0-based line of its block."""
    line = 0
    for token in tokens:
        if token.map:
            line = token.map[0]
        if token.type == "inline" and token.children:
            for index, child in enumerate(token.children):
                yield token.children, index, child, line
