"""Heading ids (stable, Unicode-friendly), permalink anchors and the table of contents."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from notesite.markdown.facts import Heading
from notesite.markdown.state import rule_state
from notesite.slugs import slugify

TOC_LEVELS = (2, 3, 4)


@dataclass(frozen=True)
class TocEntry:
    level: int
    id: str
    html: str  # the heading's inline HTML (math kept, links unwrapped)


def inline_text(token: Token) -> str:
    """Plain text of an inline token: text, code and the TeX source of math."""
    parts = []
    for child in token.children or ():
        if child.type in ("text", "code_inline", "math_inline", "math_inline_display"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            parts.append(inline_text(child))
    return "".join(parts)


def _normalise(text: str) -> str:
    return " ".join(text.split()).casefold()


def _drop_title_heading(state: StateCore) -> None:
    """A body opening with an H1 equal to the title would show the title twice."""
    tokens = state.tokens
    title = rule_state(state.env).title
    if (
        title
        and len(tokens) >= 3
        and tokens[0].type == "heading_open"
        and tokens[0].tag == "h1"
        and _normalise(inline_text(tokens[1])) == _normalise(title)
    ):
        del tokens[0:3]


def _assign_ids(state: StateCore) -> None:
    found = rule_state(state.env)
    tokens = state.tokens
    for index, token in enumerate(tokens):
        if token.type != "heading_open":
            continue
        inline = tokens[index + 1]
        given = token.attrGet("id")  # an anchor the author wrote (see wikilinks.py)
        heading_id = found.ids.claim(str(given) if given else slugify(inline_text(inline)))
        token.attrSet("id", heading_id)
        level = int(token.tag[1])
        found.headings.append(Heading(level, heading_id, token.map[0] if token.map else 0))
        if level in TOC_LEVELS:
            found.toc_tokens.append((level, heading_id, inline.children or []))


def _render_heading_close(
    self: object, tokens: Sequence[Token], idx: int, options: object, env: dict
) -> str:
    # Walked back by index: slicing `tokens` here made a long note's render quadratic.
    opening = next(tokens[i] for i in range(idx - 1, -1, -1) if tokens[i].type == "heading_open")
    heading_id = opening.attrGet("id")
    anchor = (
        f'<a class="heading-anchor" href="#{escapeHtml(str(heading_id))}" aria-hidden="true">#</a>'
        if heading_id
        else ""
    )
    return f"{anchor}</{tokens[idx].tag}>\n"


def toc_entries(md: MarkdownIt, env: dict) -> tuple[TocEntry, ...]:
    """Render the collected headings; links inside headings are unwrapped (no nested <a>)."""
    entries = []
    for level, heading_id, children in rule_state(env).toc_tokens:
        kept = [c for c in children if c.type not in ("link_open", "link_close", "footnote_ref")]
        html = md.renderer.render(kept, md.options, env)
        entries.append(TocEntry(level=level, id=heading_id, html=html))
    return tuple(entries)


def headings_plugin(md: MarkdownIt) -> None:
    md.core.ruler.push("drop_title_heading", _drop_title_heading)
    md.core.ruler.push("heading_ids", _assign_ids)
    md.add_render_rule("heading_close", _render_heading_close)
