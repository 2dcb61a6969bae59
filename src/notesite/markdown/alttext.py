"""Images without alt text, found while parsing: `![](x.png)` and raw `<img>` with no `alt`.

A screen reader has nothing to say for them, and a failed load shows nothing. Raw HTML may
mark a decorative image with `alt=""`, which is not reported; Markdown has no such mark,
so an empty `![]()` is.
"""

from __future__ import annotations

from html.parser import HTMLParser

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from notesite.markdown.context import inline_children
from notesite.markdown.facts import MissingAlt
from notesite.markdown.state import rule_state


class _ImagesWithoutAlt(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sources: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "img" and "alt" not in attributes:
            self.sources.append(attributes.get("src") or "")

    handle_startendtag = handle_starttag


def raw_images_without_alt(html: str) -> list[str]:
    """The `src` of each `<img>` in `html` that has no `alt` attribute."""
    parser = _ImagesWithoutAlt()
    parser.feed(html)
    parser.close()
    return parser.sources


def _find_missing_alt(state: StateCore) -> None:
    found = rule_state(state.env).missing_alt
    for token in state.tokens:
        if token.type == "html_block" and token.map:
            sources = raw_images_without_alt(token.content)
            found += [MissingAlt(token.map[0], src) for src in sources]
    for _, _, child, line in inline_children(state.tokens):
        if child.type == "image" and not child.meta.get("wikilink") and not _alt(child):
            found.append(MissingAlt(line, str(child.attrGet("src") or "")))
        elif child.type == "html_inline":
            found += [MissingAlt(line, src) for src in raw_images_without_alt(child.content)]


def _alt(image: Token) -> str:
    return "".join(child.content for child in image.children or []).strip()


def alt_text_plugin(md: MarkdownIt) -> None:
    md.core.ruler.push("missing_alt", _find_missing_alt)
