"""Backlinks: for every note, the notes of its language that link to it — by Markdown
link, wikilink or a reference to one of its equations — each with the sentences
around its links. Made from the notes' facts, so a stored note needs no re-render
when another note starts linking to it; only its page changes."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from notesite.markdown import NoteFacts, RenderedDoc
from notesite.model import Post, Site
from notesite.sitelabels import SiteLabels
from notesite.urls import Urls

MAX_CONTEXTS = 3  # sentences shown per linking note


@dataclass(frozen=True)
class Backlink:
    title_html: str  # the linking note's title (math stays math)
    url: str  # a path under base_url
    contexts: tuple[str, ...]  # the sentences its links stand in (plain text)
    has_math: bool  # the title (or the excerpt: the flag covers both) has math


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
        mentions = [(link.target, link.context) for link in note_facts.note_links]
        for ref in note_facts.unresolved_refs:
            other = labels.lookup(post, ref.key)
            if other is not None:
                mentions.append((other.source, ref.context))
        for target_source, context in mentions:
            target = by_source.get(target_source)
            if target is None or target is post or target.lang != post.lang:
                continue
            contexts = found[target].setdefault(post, [])
            if context and context not in contexts:
                contexts.append(context)
    urls = Urls(site.config)
    return {
        target: tuple(
            Backlink(
                docs[source].title_html,
                urls.path(source.url),
                tuple(texts[:MAX_CONTEXTS]),
                docs[source].summary_has_math,
            )
            for source, texts in sources.items()
        )
        for target, sources in found.items()
    }
