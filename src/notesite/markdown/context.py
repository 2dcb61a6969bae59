"""The sentence a link stands in, as plain text: what a backlink shows of the note
that links (`NoteLink.context`, `EquationRef.context`)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from markdown_it.token import Token

# Where a sentence ends: Chinese full stops and marks, or . ! ? ; before a space.
_SENTENCE_END = re.compile(r"[。！？；]|[.!?;](?=\s|$)")
MAX_CHARS = 160  # a longer sentence is cut around the link


def _text(token: Token) -> str:
    if token.type in ("text", "code_inline", "text_special"):
        return token.content
    if token.type == "math_inline":
        return f"${token.content}$"
    if token.type == "math_inline_display":
        return f"$${token.content}$$"
    if token.type == "equation_ref":
        return f"\\{'eqref' if token.meta.get('paren') else 'ref'}{{{token.meta.get('key', '')}}}"
    if token.type in ("softbreak", "hardbreak"):
        return " "
    return ""


def sentence_around(children: list[Token], index: int) -> str:
    """The sentence of these inline children in which child `index` starts."""
    texts = [_text(child) for child in children]
    at = sum(len(text) for text in texts[:index])
    text = "".join(texts)
    start = 0
    for match in _SENTENCE_END.finditer(text, 0, at):
        start = match.end()
    end_match = _SENTENCE_END.search(text, at)
    end = end_match.end() if end_match else len(text)
    sentence = text[start:end]
    offset = at - start
    if len(sentence) > MAX_CHARS:  # keep the link's surroundings
        left = max(0, offset - MAX_CHARS // 2)
        cut = sentence[left : left + MAX_CHARS]
        sentence = ("…" if left else "") + cut + ("…" if left + MAX_CHARS < len(sentence) else "")
    return " ".join(sentence.split())


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
