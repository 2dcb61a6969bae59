"""Relative links to other notes (`../rl/td.md#sarsa`) and to files become site URLs."""

from __future__ import annotations

import posixpath
from urllib.parse import unquote, urlsplit

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore

from notesite.markdown.context import inline_children, record_context
from notesite.markdown.facts import AnchorLink, NoteLink, UnresolvedLink
from notesite.markdown.state import Resolver, rule_state

_LINKS = ("link_open", "image")


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


def written_file_urls(text: str) -> list[str]:
    """`file:` URLs written as a link's or image's target, `[a](file:///…)`: markdown-it
    refuses to make them links, so they stay text; each is still worth a warning."""
    if "](" not in text:  # the common case, without lower-casing the text
        return []
    urls = []
    start = text.lower().find("](file:")
    while start != -1:
        target = text[start + 2 :].split(")", 1)[0].split()
        if target:
            urls.append(target[0])
        start = text.lower().find("](file:", start + 2)
    return urls


def _rewrite_links(state: StateCore) -> None:
    found = rule_state(state.env)
    resolve, source_dir = found.resolve_link, found.source_dir
    if resolve is None:
        return
    for siblings, index, token, line in inline_children(state.tokens):
        if token.type == "text":
            for url in written_file_urls(token.content):
                found.unresolved_links.append(UnresolvedLink(line, url, outside=True))
        if token.type not in _LINKS or token.meta.get("wikilink"):
            continue
        attribute = "href" if token.type == "link_open" else "src"
        value = token.attrGet(attribute)
        if not isinstance(value, str):
            continue
        url = rewrite(value, source_dir, resolve)
        parts = urlsplit(value)
        target = (
            posixpath.normpath(posixpath.join(source_dir, unquote(parts.path)))
            if parts.path
            else ""
        )
        if url is not None:
            token.attrSet(attribute, url)
            if token.type == "link_open":
                context = record_context(found.contexts, siblings, index)
                found.note_links.append(NoteLink(line, target, context))
        elif is_relative_reference(value) and parts.path:
            outside = target == ".." or target.startswith("../")
            found.unresolved_links.append(UnresolvedLink(line, value, outside))
        if parts.fragment and (url is not None or value.startswith("#")):
            found.anchor_links.append(AnchorLink(line, target, unquote(parts.fragment)))


def links_plugin(md: MarkdownIt) -> None:
    md.core.ruler.push("rewrite_links", _rewrite_links)
