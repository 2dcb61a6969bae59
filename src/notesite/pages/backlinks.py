"""Backlinks: for every note, the notes of its language that link to it — by Markdown
link, wikilink or a reference to one of its equations — each with the sentences
around its links. Made from the notes' facts, so a stored note needs no re-render
when another note starts linking to it; only its page changes."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from markdown_it.common.utils import escapeHtml

from notesite.markdown import NoteFacts, RenderedDoc
from notesite.model import Post, Site
from notesite.sitelabels import SiteLabels
from notesite.urls import Urls

MAX_CONTEXTS = 3  # sentences shown per linking note


@dataclass(frozen=True)
class Backlink:
    title_html: str  # the linking note's title (math stays math)
    url: str  # a path under base_url
    contexts: tuple[str, ...]  # the sentences its links stand in (HTML: math stays math)
    has_math: bool  # the title, its excerpt (the flag covers both) or a context has math


def mentions(post: Post, facts: NoteFacts, labels: SiteLabels) -> list[tuple[str, str]]:
    """(target source path, sentence) for each link of the note to a site file and each
    reference to another note's equation: what backlinks are made of."""
    found = [(link.target, link.context) for link in facts.note_links]
    for ref in facts.unresolved_refs:
        other = labels.lookup(post, ref.key)
        if other is not None:
            found.append((other.source, ref.context))
    return found


def backlinks(
    site: Site, facts: dict[Post, NoteFacts], docs: dict[Post, RenderedDoc], labels: SiteLabels
) -> dict[Post, tuple[Backlink, ...]]:
    """Note -> the notes linking to it (in the site's order: newest posts first)."""
    by_source = {post.source.as_posix(): post for post in (*site.posts, *site.pages)}
    found: dict[Post, dict[Post, list[str]]] = defaultdict(dict)
    for post in (*site.posts, *site.pages):
        note_facts = facts.get(post)
        if note_facts is None:
            continue
        for target_source, context in mentions(post, note_facts, labels):
            target = by_source.get(target_source)
            if target is None or target is post or target.lang != post.lang:
                continue
            contexts = found[target].setdefault(post, [])
            if context and context not in contexts:
                contexts.append(context)
    urls = Urls(site.config)
    return {
        target: tuple(
            _backlink(source, texts, docs[source], urls) for source, texts in sources.items()
        )
        for target, sources in found.items()
    }


def _backlink(source: Post, texts: list[str], doc: RenderedDoc, urls: Urls) -> Backlink:
    rendered = {text: (html, math) for text, html, math in doc.contexts}
    shown = [rendered.get(text, (escapeHtml(text), False)) for text in texts[:MAX_CONTEXTS]]
    has_math = doc.summary_has_math or any(math for _, math in shown)
    return Backlink(
        doc.title_html, urls.path(source.url), tuple(html for html, _ in shown), has_math
    )
