"""Wikilinks as Obsidian writes them: `[[name]]`, `[[name|text]]`, `[[name#heading]]`,
`[[#heading]]` (this note) and `![[picture.png]]` (optionally `|alt` or `|300`).

The inline rule turns each into ordinary link (or image) tokens, so TOC, excerpts and
figures treat them like Markdown links; what a name means is asked of
`RuleState.resolve_wiki` (the site's note index, see `notesite.wikinames`) while
parsing. A core rule then records, with lines, what the links found: `NoteLink`s for
backlinks, `AnchorLink`s for `check`, `WikiProblem`s for names that match no note or
several. Code spans and math are scanned by their own rules first, so `[[` in them
stays text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

from notesite.markdown.context import inline_children, record_context
from notesite.markdown.facts import AnchorLink, NoteLink, WikiProblem
from notesite.markdown.state import rule_state
from notesite.slugs import slugify

_WIKI = re.compile(r"(!?)\[\[([^\[\]\n|#]*)(?:#([^\[\]\n|]*))?(?:\|([^\[\]\n]*))?\]\]")
_SIZE = re.compile(r"^(\d+)(?:x(\d+))?$")
_ANCHOR = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


@dataclass(frozen=True)
class WikiNote:
    """What `[[name]]` found: a note, in the page's language unless `foreign` is set."""

    source: str  # site-relative source path
    url: str  # a path under base_url
    title: str
    foreign: tuple[str, str] | None = None  # (locale, language name) of another language
    candidates: tuple[str, ...] = ()  # every matching source, when the name is ambiguous
    by_title: bool = False  # the name matched a title, not a file name


def _split(match: re.Match[str]) -> tuple[bool, str, str | None, str | None]:
    embed, name, heading, text = match.groups()
    return bool(embed), name.strip(), heading.strip() if heading is not None else None, text


def _wiki_inline(state: StateInline, silent: bool) -> bool:
    src, pos = state.src, state.pos
    if not (src.startswith("[[", pos) or src.startswith("![[", pos)):
        return False
    found = rule_state(state.env)
    match = _WIKI.match(src, pos)
    if match is None or found.resolve_wiki is None:
        return False
    embed, name, heading, text = _split(match)
    if not name and heading is None:
        return False
    if not silent:
        if embed and _push_embed(state, name, text, match.group(0)):
            pass
        else:
            _push_link(state, name, heading, text, match.group(0))
    state.pos = match.end()
    return True


def _push_embed(state: StateInline, name: str, text: str | None, written: str) -> bool:
    """An image of the note's bundle or of content/; False when `name` is no file."""
    resolve = rule_state(state.env).resolve_wiki
    assert resolve is not None
    url = resolve("embed", name)
    if not isinstance(url, str):
        return False
    token = state.push("image", "img", 0)
    token.attrs = {"src": url, "alt": ""}
    size = _SIZE.match(text.strip()) if text else None
    if size:
        token.attrs["width"] = size.group(1)
        if size.group(2):
            token.attrs["height"] = size.group(2)
    alt = Token("text", "", 0)
    alt.content = text.strip() if text and not size else ""
    token.children = [alt] if alt.content else []
    token.meta["wikilink"] = {"written": written, "embed": True}
    return True


def _push_link(
    state: StateInline, name: str, heading: str | None, text: str | None, written: str
) -> None:
    found = rule_state(state.env)
    assert found.resolve_wiki is not None
    target = found.resolve_wiki("note", name) if name else None
    fragment = slugify(heading) if heading else ""
    meta = {"written": written, "target": target, "fragment": heading}
    opening = state.push("link_open", "a", 1)
    opening.meta["wikilink"] = meta
    shown = text.strip() if text and text.strip() else None
    # A heading's trailing `[[id]]` may be an anchor (see _heading_anchors).
    loose = target is None or (isinstance(target, WikiNote) and target.by_title)
    if heading is None and text is None and loose and _ANCHOR.match(name):
        meta["anchor"] = name
    if name and target is None:
        opening.attrs = {"class": "wikilink broken", "aria-disabled": "true"}
        opening.attrs["title"] = found.admonition_titles.get("wikilink_missing", "No such note")
        shown = shown or (name + (f" › {heading}" if heading else ""))
    else:
        url = target.url if isinstance(target, WikiNote) else ""
        opening.attrs = {"href": url + (f"#{fragment}" if heading else ""), "class": "wikilink"}
        if isinstance(target, WikiNote):
            shown = shown or (target.title + (f" › {heading}" if heading else ""))
            if target.foreign:
                opening.attrs["hreflang"] = target.foreign[0]
        shown = shown or heading or ""
    label = state.push("text", "", 0)
    label.content = shown
    if isinstance(target, WikiNote) and target.foreign:
        badge = state.push("html_inline", "", 0)
        badge.content = f' <span class="badge lang-badge">{escapeHtml(target.foreign[1])}</span>'
    state.push("link_close", "a", -1)


def _record(state: StateCore) -> None:
    """Facts of the wikilinks, with their lines (inline rules know none)."""
    found = rule_state(state.env)
    for siblings, index, token, line in inline_children(state.tokens):
        meta = token.meta.get("wikilink") if token.type == "link_open" else None
        if meta is None:
            continue
        target, heading = meta["target"], meta["fragment"]
        if isinstance(target, WikiNote):
            context = record_context(found.contexts, siblings, index)
            found.note_links.append(NoteLink(line, target.source, context))
            if len(target.candidates) > 1:
                found.wiki_problems.append(WikiProblem(line, meta["written"], target.candidates))
        elif "href" not in token.attrs:
            found.wiki_problems.append(WikiProblem(line, meta["written"]))
        if heading and (target is None or isinstance(target, WikiNote)) and "href" in token.attrs:
            where = target.source if isinstance(target, WikiNote) else ""
            found.anchor_links.append(AnchorLink(line, where, slugify(heading)))


def _heading_anchors(state: StateCore) -> None:
    """`## Title [[id]]`: Hugging Face's course notes (and their doc builder) write a
    heading's anchor so. A trailing `[[id]]` that is a lowercase slug and names no
    note by file name becomes the heading's id (a note's file name keeps it a link)."""
    tokens = state.tokens
    for index, token in enumerate(tokens[:-1]):
        children = tokens[index + 1].children
        if token.type != "heading_open" or not children or len(children) < 4:
            continue
        opening, before = children[-3], children[-4]
        anchor = (opening.meta.get("wikilink") or {}).get("anchor")
        if opening.type != "link_open" or anchor is None:
            continue
        if before.type != "text" or not before.content.strip():
            continue
        before.content = before.content.rstrip()
        del children[-3:]
        token.attrSet("id", anchor)


def wikilinks_plugin(md: MarkdownIt) -> None:
    md.inline.ruler.before("link", "wikilink", _wiki_inline)  # before `image` too
    md.core.ruler.before("drop_title_heading", "wikilink_heading_anchors", _heading_anchors)
    md.core.ruler.push("wikilink_facts", _record)
