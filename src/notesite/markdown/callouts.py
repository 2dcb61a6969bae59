"""Callouts: `> [!NOTE]` (GitHub alerts) and `> [!tip]- Title` (Obsidian callouts).

A blockquote whose first paragraph starts with `[!type]` becomes a callout
box styled like the `:::` admonitions. A core rule, run between block and
inline parsing, retypes the blockquote's tokens and splits the marker line off
its first paragraph, so the title is parsed as inline Markdown (math included)
and the body keeps every block Markdown allows in a quote. `-` / `+` after the
marker make it foldable: `<details>` (closed / open) with a `<summary>` title,
which folds without JavaScript.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from notesite.markdown.admonitions import KINDS as ADMONITION_KINDS
from notesite.markdown.state import rule_state

# Canonical type -> its icon: decorative (aria-hidden; the title is the text), drawn in the
# title's colour (U+FE0E asks for the text glyph, not a coloured emoji).
ICONS = {
    "note": "\u270e",  # ✎
    "abstract": "\u2630",  # ☰
    "info": "\u2139\ufe0e",  # ℹ
    "todo": "\u2610",  # ☐
    "tip": "\u2605",  # ★
    "important": "\u2762",  # ❢
    "success": "\u2713",  # ✓
    "question": "?",
    "warning": "\u26a0\ufe0e",  # ⚠
    "failure": "\u2717",  # ✗
    "danger": "\u26a1\ufe0e",  # ⚡
    "bug": "\u2731",  # ✱
    "example": "\u2756",  # ❖
    "quote": "\u275d",  # ❝
}
# Obsidian's other names for a type: styled like it, titled by their own name.
ALIASES = {
    "summary": "abstract",
    "tldr": "abstract",
    "hint": "tip",
    "check": "success",
    "done": "success",
    "help": "question",
    "faq": "question",
    "caution": "danger",  # GitHub's CAUTION is its red alert (Obsidian's is amber)
    "attention": "warning",
    "fail": "failure",
    "missing": "failure",
    "error": "danger",
    "cite": "quote",
}

# `[!type]`, then `-` (folded) or `+` (foldable, open), then an optional title.
_MARKER = re.compile(r"\[!([\w-]+)\]([+-]?)(?:[ \t]+(.*))?")


@dataclass(frozen=True)
class Callout:
    name: str  # the type as written, lower-cased
    style: str  # the canonical type that styles it (`note` for unknown types)
    fold: str  # "", "-" (closed) or "+" (open)

    @property
    def tag(self) -> str:
        return "details" if self.fold else "div"

    @property
    def aside(self) -> bool:
        """Left out of automatic excerpts: all but abstracts, which summarise the note."""
        return self.style != "abstract"


def title_key(name: str) -> str:
    """The UI-string key of a type's default title: the admonitions' key where there is one."""
    return name if name in ADMONITION_KINDS else f"callout_{name}"


def default_title(callout: Callout, titles: Mapping[str, str]) -> str:
    """The localised title; an unknown type is titled by its name, as Obsidian does."""
    own_name = callout.name[:1].upper() + callout.name[1:]
    if callout.name not in ICONS and callout.name not in ALIASES:
        return own_name
    return titles.get(title_key(callout.name)) or titles.get(title_key(callout.style)) or own_name


def _marker(tokens: list[Token], index: int) -> tuple[Callout, str | None, str] | None:
    """The callout a blockquote opening at `index` starts with: (callout, custom title or
    None, the rest of the first paragraph), or None for a plain blockquote."""
    if index + 2 >= len(tokens) or tokens[index + 1].type != "paragraph_open":
        return None
    first_line, _, rest = tokens[index + 2].content.partition("\n")
    match = _MARKER.fullmatch(first_line.rstrip())
    if match is None:
        return None
    name = match.group(1).lower()
    style = name if name in ICONS else ALIASES.get(name, "note")
    return Callout(name, style, match.group(2)), match.group(3) or None, rest


def _title_tokens(state: StateCore, callout: Callout, title: str | None, line: int) -> list[Token]:
    opening = Token("callout_title_open", "summary" if callout.fold else "p", 1)
    closing = Token("callout_title_close", opening.tag, -1)
    if title is None:  # the default title is plain text, never Markdown
        text = Token(
            "text", "", 0, content=default_title(callout, rule_state(state.env).admonition_titles)
        )
    else:
        text = Token("inline", "", 0, content=title.strip(), map=[line, line + 1], children=[])
    for token in (opening, text, closing):
        token.meta["callout"] = callout
        token.block = True
    return [opening, text, closing]


def _convert(state: StateCore, index: int, found: tuple[Callout, str | None, str]) -> None:
    """Retype the blockquote at `index` and put the title where the marker line was."""
    tokens = state.tokens
    callout, title, rest = found
    opening, paragraph, inline = tokens[index], tokens[index + 1], tokens[index + 2]
    opening.type, opening.tag, opening.meta["callout"] = "callout_open", callout.tag, callout
    line = paragraph.map[0] if paragraph.map else 0
    title_tokens = _title_tokens(state, callout, title, line)
    for token in title_tokens:
        token.level = opening.level + 1
    if rest.strip():  # the marker line was the paragraph's first line; the others stay
        inline.content = rest
        for token in (paragraph, inline):
            if token.map:
                token.map = [token.map[0] + 1, token.map[1]]
        tokens[index + 1 : index + 1] = title_tokens
    else:
        tokens[index + 1 : index + 4] = title_tokens


def _find_callouts(state: StateCore) -> None:
    tokens = state.tokens
    open_callouts: list[Callout | None] = []  # one entry per blockquote we are inside
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.type == "blockquote_open":
            found = _marker(tokens, index)
            open_callouts.append(found[0] if found else None)
            if found:
                _convert(state, index, found)
        elif token.type == "blockquote_close":
            callout = open_callouts.pop()
            if callout is not None:
                token.type, token.tag, token.meta["callout"] = "callout_close", callout.tag, callout
        index += 1


# ------------------------------------------------------------------ rendering


def _render_open(
    self: object, tokens: Sequence[Token], idx: int, options: object, env: dict
) -> str:
    callout: Callout = tokens[idx].meta["callout"]
    opened = " open" if callout.fold == "+" else ""
    return (
        f'<{callout.tag} class="admonition callout callout-{callout.style}" '
        f'data-callout="{escapeHtml(callout.name)}"{opened}>\n'
    )


def _render_title_open(
    self: object, tokens: Sequence[Token], idx: int, options: object, env: dict
) -> str:
    token = tokens[idx]
    icon = ICONS[token.meta["callout"].style]
    return (
        f'<{token.tag} class="admonition-title callout-title">'
        f'<span class="callout-icon" aria-hidden="true">{icon}</span>'
    )


def _render_close(
    self: object, tokens: Sequence[Token], idx: int, options: object, env: dict
) -> str:
    return f"</{tokens[idx].tag}>\n"


def callouts_plugin(md: MarkdownIt) -> None:
    # After block parsing (the quotes exist), before inline parsing (titles get parsed).
    md.core.ruler.after("block", "callouts", _find_callouts)
    md.add_render_rule("callout_open", _render_open)
    md.add_render_rule("callout_title_open", _render_title_open)
    md.add_render_rule("callout_title_close", _render_close)
    md.add_render_rule("callout_close", _render_close)
