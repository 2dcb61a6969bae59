"""Feeds and the sitemap: an Atom feed per language with the newest posts in full, and
one sitemap of every page."""

from __future__ import annotations

from typing import TYPE_CHECKING

from notesite import routes
from notesite.markdown import RenderedDoc
from notesite.model import Post, Site
from notesite.pages.types import PageOut
from notesite.urls import Urls

if TYPE_CHECKING:
    from notesite.render import PageRenderer

FEED_SIZE = 20


def feed_posts(site: Site) -> list[Post]:
    """The posts in some language's feed (their MathML versions are rendered too)."""
    return [
        post
        for lang in site.config.languages
        for post in [p for p in site.posts if p.lang == lang][:FEED_SIZE]
    ]


def feeds_and_sitemap(
    site: Site, renderer: PageRenderer, docs: dict[Post, RenderedDoc], pages: list[PageOut]
) -> dict[str, bytes]:
    """An Atom feed per language (its newest posts, full text) and the sitemap."""
    urls = Urls(site.config)
    files: dict[str, bytes] = {}
    for lang in site.config.languages:
        prefix = urls.prefix(lang)
        posts = [p for p in site.posts if p.lang == lang][:FEED_SIZE]
        files[routes.feed(prefix)] = renderer.render_named(
            "atom.xml",
            {
                "title": site.config.text(site.config.title, lang),
                "author": site.config.author,
                "lang": lang,
                "feed_url": urls.absolute(routes.feed(prefix)),
                "home_url": urls.absolute(prefix),
                "updated": max((p.sort_date for p in posts), default=None),
                "entries": [
                    {"post": p, "url": urls.absolute(p.url), "html": docs[p].html} for p in posts
                ],
            },
        )
    files[routes.SITEMAP] = renderer.render_named(
        "sitemap.xml",
        {"urls": sorted(urls.absolute(p.url) for p in pages if p.url != routes.NOT_FOUND)},
    )
    return files
