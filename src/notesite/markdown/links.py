"""Relative links to other notes (`../rl/td.md#sarsa`) and to files become site URLs."""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from urllib.parse import unquote, urlsplit

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

# resolve(target_path_relative_to_site_root) -> URL or None
Resolver = Callable[[str], "str | None"]


def is_relative_reference(href: str) -> bool:
    if not href or href.startswith(("#", "/", "\\")):
        return False
    return not urlsplit(href).scheme


def rewrite(href: str, source_dir: str, resolve: Resolver) -> str | None:
    """The site URL for a relative `href` written in a file in `source_dir`, if known."""
    if not is_relative_reference(href):
        return None
    parts = urlsplit(href)
    target = posixpath.normpath(posixpath.join(source_dir, unquote(parts.path)))
    url = resolve(target)
    if url is None:
        return None
    if parts.query:
        url += "?" + parts.query
    if parts.fragment:
        url += "#" + parts.fragment
    return url


def _walk(tokens: list[Token], line: int = 0) -> list[tuple[Token, int]]:
    """Links and images with the (0-based) body line of the block they are in."""
    found = []
    for token in tokens:
        here = token.map[0] if token.map else line
        if token.type in ("link_open", "image"):
            found.append((token, here))
        if token.children:
            found.extend(_walk(token.children, here))
    return found


def _rewrite_links(state: StateCore) -> None:
    resolve: Resolver | None = state.env.get("resolve_link")
    source_dir: str = state.env.get("source_dir", "")
    if resolve is None:
        return
    for token, line in _walk(state.tokens):
        attribute = "href" if token.type == "link_open" else "src"
        value = token.attrGet(attribute)
        if not isinstance(value, str):
            continue
        url = rewrite(value, source_dir, resolve)
        parts = urlsplit(value)
        if url is not None:
            token.attrSet(attribute, url)
        elif is_relative_reference(value) and parts.path:
            state.env.setdefault("unresolved_links", []).append((line, value))
        if parts.fragment and (url is not None or value.startswith("#")):
            # (line, source file the anchor must be in, or "" for this page, anchor)
            target = (
                posixpath.normpath(posixpath.join(source_dir, unquote(parts.path)))
                if parts.path
                else ""
            )
            state.env.setdefault("anchor_links", []).append((line, target, unquote(parts.fragment)))


def links_plugin(md: MarkdownIt) -> None:
    md.core.ruler.push("rewrite_links", _rewrite_links)
