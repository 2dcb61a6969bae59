"""Feeds and files for crawlers: an Atom feed per language and one per category and
language, each with its newest notes in full; the sitemap of every page; robots.txt
naming the sitemap.

An entry's id is its note's permanent URL: unique, the same on every build and through
edits of the title, text and dates, and what earlier versions of these feeds used, so
readers see no duplicates. It changes only when the note's URL does, when the old URL
stops working anyway.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape

from notesite import routes
from notesite.markdown import RenderedDoc
from notesite.model import Config, Post, Site
from notesite.pages.types import PageOut
from notesite.urls import Urls

if TYPE_CHECKING:
    from notesite.render import PageRenderer


@dataclass(frozen=True)
class Feed:
    path: str  # site-relative: "atom.xml", "en/categories/rl/atom.xml"
    lang: str
    title: str
    page: str  # site-relative URL of the page it follows (home, a category's listing)
    posts: tuple[Post, ...]  # newest first, at most `feed_size`


def category_feed_title(config: Config, lang: str, key: str) -> str:
    name = config.categories[key].name(lang, config.default_language)
    return f"{name} · {config.text(config.title, lang)}"


def site_feeds(site: Site) -> list[Feed]:
    """Every feed of the site: per language, then per category of that language (a
    category with no note in a language has an empty feed: its page links to it)."""
    config, urls, size = site.config, Urls(site.config), site.config.feed_size
    feeds = []
    for lang in config.languages:
        prefix = urls.prefix(lang)
        own = [p for p in site.posts if p.lang == lang]  # newest first (see Site.posts)
        title = config.text(config.title, lang)
        feeds.append(Feed(routes.feed(prefix), lang, title, prefix, tuple(own[:size])))
        for key in config.categories:
            posts = tuple([p for p in own if p.category == key][:size])
            feeds.append(
                Feed(
                    routes.category_feed(prefix, key),
                    lang,
                    category_feed_title(config, lang, key),
                    routes.category(prefix, key),
                    posts,
                )
            )
    return feeds


def feed_posts(site: Site) -> list[Post]:
    """The posts in some feed (their feed entries are rendered too), each once."""
    return list(dict.fromkeys(post for feed in site_feeds(site) for post in feed.posts))


def newest_date(site: Site) -> datetime | None:
    """What dates an empty feed: the site's newest note."""
    return max((p.sort_date for p in site.posts), default=None)


def feed_inputs(feed: Feed, note_keys: dict[Post, str], newest: datetime | None) -> list:
    """What a feed is made from besides what every page shares (code, templates,
    config): its own fields and, per note, its key (text, title, URL, rendering) and
    the fields of it the entry shows that the key leaves out."""
    posts = [
        [note_keys[p], p.date.isoformat(), p.sort_date.isoformat(), p.category, list(p.tags)]
        for p in feed.posts
    ]
    dated = None if feed.posts or newest is None else newest.isoformat()
    return [feed.path, feed.lang, feed.title, feed.page, dated, posts]


class FeedRenderer:
    """Renders feeds; a note in two feeds (its language's, its category's) is made into
    an entry once."""

    def __init__(
        self, site: Site, renderer: PageRenderer, doc_of: Callable[[Post], RenderedDoc]
    ) -> None:
        self.site, self.renderer, self.doc_of = site, renderer, doc_of
        self.urls = Urls(site.config)
        self.newest = newest_date(site)
        self.entries: dict[Post, dict[str, Any]] = {}

    def render(self, feed: Feed) -> bytes:
        config = self.site.config
        for post in feed.posts:
            if post not in self.entries:
                self.entries[post] = _entry(config, self.urls, post, self.doc_of(post))
        context = _feed_context(config, self.urls, feed, self.entries, self.newest)
        return self.renderer.render_named("atom.xml", context)


def sitemap_and_robots(
    site: Site, renderer: PageRenderer, pages: list[PageOut]
) -> dict[str, bytes]:
    urls = Urls(site.config)
    return {
        routes.SITEMAP: renderer.render_named(
            "sitemap.xml",
            {"urls": sorted(urls.absolute(p.url) for p in pages if p.url != routes.NOT_FOUND)},
        ),
        routes.ROBOTS: renderer.render_named(
            "robots.txt", {"sitemap_url": urls.absolute(routes.SITEMAP)}
        ),
    }


def _feed_context(
    config: Config,
    urls: Urls,
    feed: Feed,
    entries: dict[Post, dict[str, Any]],
    newest: datetime | None,
) -> dict[str, Any]:
    # An empty feed has no newest entry; the site's newest note dates it.
    updated = max((p.sort_date for p in feed.posts), default=newest)
    return {
        "title": feed.title,
        "subtitle": config.text(config.description, feed.lang),
        "author": config.author or config.text(config.title, feed.lang),
        "locale": config.languages[feed.lang].locale,
        "feed_url": urls.absolute(feed.path),
        "page_url": urls.absolute(feed.page),
        "icon_url": urls.absolute(routes.FAVICON),
        "updated": updated.isoformat() if updated else None,
        "entries": [entries[post] for post in feed.posts],
    }


def _entry(config: Config, urls: Urls, post: Post, doc: RenderedDoc) -> dict[str, Any]:
    category = None
    if post.category:
        name = config.categories[post.category].name(post.lang, config.default_language)
        category = {"term": post.category, "label": name}
    return {
        "title": doc.title_text or post.title,
        "url": urls.absolute(post.url),
        "published": post.date.isoformat(),
        "updated": post.sort_date.isoformat(),
        "category": category,
        "tags": post.tags,
        # Escaped once, though the note may be in two feeds (its language's, its category's).
        "html": Markup(escape(doc.html)),
    }
