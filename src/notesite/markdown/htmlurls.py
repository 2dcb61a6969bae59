"""The URLs a document refers to: made absolute for feed entries, and its first image.

A feed entry is read away from its page, so every link and image in it must be an
absolute URL. When `RuleState.link_base` is set (feed rendering), the render rules of
every token that can carry a URL are wrapped: what the rule rendered is scanned for
start tags with URL attributes (the standard library's HTML parser, which also finds
them in raw HTML the author wrote) and those attributes are resolved against the base.
Everything else of the rule's output is kept byte for byte. Page rendering leaves
`link_base` unset and its output untouched.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from html import escape
from html.parser import HTMLParser
from itertools import accumulate
from typing import Any
from urllib.parse import urljoin, urlsplit

from markdown_it import MarkdownIt
from markdown_it.token import Token

from notesite.markdown.state import rule_state

URL_ATTRIBUTES = frozenset({"href", "src", "poster", "srcset"})
# Tokens whose render rules can write a URL (ours, markdown-it's and the footnote plugin's).
LINKING_TOKENS = (
    "link_open",
    "image",
    "heading_close",
    "equation_ref",
    "footnote_ref",
    "footnote_anchor",
    "html_block",
    "html_inline",
)
CARD_SCHEMES = ("", "http", "https")  # an image a social card can show (not data:)


class _StartTags(HTMLParser):
    """Start tags of an HTML fragment: (offset, raw text, tag, attributes, self-closing)."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[int, str, str, list[tuple[str, str | None]], bool]] = []
        self._line_starts = [0, *accumulate(len(line) + 1 for line in html.split("\n"))]
        self.feed(html)
        self.close()

    def _record(self, tag: str, attrs: list[tuple[str, str | None]], closed: bool) -> None:
        line, column = self.getpos()
        raw = self.get_starttag_text() or ""
        self.tags.append((self._line_starts[line - 1] + column, raw, tag, attrs, closed))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._record(tag, attrs, False)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._record(tag, attrs, True)


def _start_tags(html: str) -> Iterator[tuple[int, str, str, list[tuple[str, str | None]], bool]]:
    if "<" not in html:
        return iter(())
    return iter(_StartTags(html).tags)


def _absolute(base: str, name: str, value: str) -> str:
    if name != "srcset":
        return urljoin(base, value.strip())
    candidates = []  # "a.png 1x, b.png 2x"
    for candidate in value.split(","):
        url, _, descriptor = candidate.strip().partition(" ")
        candidates.append(f"{urljoin(base, url)} {descriptor}".strip())
    return ", ".join(candidates)


def _start_tag(tag: str, attrs: list[tuple[str, str | None]], closed: bool) -> str:
    written = "".join(
        f" {name}" if value is None else f' {name}="{escape(value, quote=True)}"'
        for name, value in attrs
    )
    return f"<{tag}{written}{' /' if closed else ''}>"


def absolute_html(html: str, base: str) -> str:
    """`html` with the URL attributes of its start tags resolved against `base`."""
    pieces, done = [], 0
    for offset, raw, tag, attrs, closed in _start_tags(html):
        if not any(name in URL_ATTRIBUTES and value for name, value in attrs):
            continue
        resolved = [
            (name, _absolute(base, name, value) if name in URL_ATTRIBUTES and value else value)
            for name, value in attrs
        ]
        pieces += [html[done:offset], _start_tag(tag, resolved, closed)]
        done = offset + len(raw)
    return "".join(pieces) + html[done:] if pieces else html


Rule = Callable[..., str]


def _absolute_rule(original: Rule | None) -> Rule:
    def rule(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: dict) -> str:
        if original is not None:
            html = original(tokens, idx, options, env)
        else:
            html = self.renderToken(tokens, idx, options, env)
        base = rule_state(env).link_base
        if not base or ("href" not in html and "src" not in html and "poster" not in html):
            return html
        return absolute_html(html, base)

    return rule


def absolute_links_plugin(md: MarkdownIt) -> None:
    """Wrap the render rules of `LINKING_TOKENS` (use it after every other plugin)."""
    for name in LINKING_TOKENS:
        md.add_render_rule(name, _absolute_rule(md.renderer.rules.get(name)))


def _images(tokens: Sequence[Token]) -> Iterator[str]:
    """Every image's `src`, in document order."""
    for token in tokens:
        if token.type == "image":
            yield str(token.attrGet("src") or "")
        elif token.type in ("html_block", "html_inline"):
            for _, _, tag, attrs, _ in _start_tags(token.content):
                if tag == "img":
                    yield dict(attrs).get("src") or ""
        elif token.children:
            yield from _images(token.children)


def _card_image(src: str) -> bool:
    """An image a social card can show: on the web (not `data:`), and not SVG, which
    the sites that draw cards do not show."""
    parts = urlsplit(src)
    svg = parts.path.lower().endswith(".svg")
    return bool(parts.path) and parts.scheme.lower() in CARD_SCHEMES and not svg


def first_image(tokens: Sequence[Token], missing: Collection[str] = ()) -> str | None:
    """The `src` of the document's first image (Markdown, wikilink embed or raw HTML
    `<img>`) that a social card could show, as written in the page; `missing`: the
    relative references no file answered (their images would not load)."""
    return next(
        (src.strip() for src in _images(tokens) if _card_image(src.strip()) and src not in missing),
        None,
    )
