"""Feeds and files for crawlers: an Atom feed per language and one per category and
language, each with its newest notes in full; the sitemap of every page; robots.txt
naming the sitemap.

An entry's id is its note's permanent URL: unique, the same on every build and through
edits of the title, text and dates, and what earlier versions of these feeds used, so
readers see no duplicates. It changes only when the note's URL does, when the old URL
stops working anyway.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable, Iterable
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

# An entry whose note's HTML is UTF-8 (a build: `RenderedDoc.encoded`) goes into the feed
# as this mark, replaced by the escaped bytes once the template is rendered (see
# render.BODY_MARK: a very large note's entry is never decoded into one string).
ENTRY_MARK = "\x00notesite entry {}\x00"
ENTRY_EXPRESSION = "{{ entry.html }}"  # how atom.xml writes an entry's content
_CHUNK = 1 << 20  # bytes decoded and escaped at a time


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
        # Entries made from encoded documents: their marks, and the escaped UTF-8 content
        # each mark stands for.
        self.marks: dict[Post, str] = {}
        self.escaped: dict[str, bytes] = {}

    def render(self, feed: Feed) -> bytes:
        config = self.site.config
        for post in feed.posts:
            if post not in self.entries:
                doc = self.doc_of(post)
                entry = _entry(config, self.urls, post, doc)
                if doc.encoded is not None:
                    mark = self.marks[post] = ENTRY_MARK.format(len(self.marks))
                    self.escaped[mark] = escaped_utf8(doc.pieces())
                    entry["html"] = Markup(mark)
                self.entries[post] = entry
        context = _feed_context(config, self.urls, feed, self.entries, self.newest)
        marks = [self.marks[post] for post in feed.posts if post in self.marks]
        if not marks:
            return self.renderer.render_named("atom.xml", context)
        if writes_entries_once(self.renderer.env, "atom.xml"):
            spliced = _splice(self.renderer.render_named("atom.xml", context), marks, self.escaped)
            if spliced is not None:
                return spliced
        # A site's own atom.xml: those entries as strings, the ordinary way.
        context["entries"] = [
            {**entry, "html": Markup(escape(self.doc_of(post).text))}
            if post in self.marks
            else entry
            for entry, post in zip(context["entries"], feed.posts, strict=True)
        ]
        return self.renderer.render_named("atom.xml", context)


def escaped_utf8(pieces: Iterable[bytes]) -> bytes:
    """`escape(html).encode()` of UTF-8 HTML given in pieces, a megabyte at a time
    (escaping acts on single characters, so pieces escaped apart join to the whole
    escaped)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    parts: list[bytes] = []
    for piece in pieces:
        view = memoryview(piece)
        for start in range(0, len(view), _CHUNK):
            text = decoder.decode(view[start : start + _CHUNK])
            parts.append(str(escape(text)).encode("utf-8"))
    decoder.decode(b"", final=True)  # a cut character is an error, as before
    return b"".join(parts)


def writes_entries_once(env: Any, name: str) -> bool:
    """Whether the feed template writes each entry's content as the theme's does, once."""
    from notesite.render import writes_once  # here: render imports notesite.pages

    return writes_once(env, name, "entry.html", ENTRY_EXPRESSION)


def _splice(rendered: bytes, marks: list[str], escaped: dict[str, bytes]) -> bytes | None:
    """The feed with each mark replaced by its entry's bytes, or None when a mark is not
    in it exactly once."""
    parts: list[bytes] = []
    rest = rendered
    for mark in marks:
        before, found, rest = rest.partition(mark.encode())
        if not found or mark.encode() in rest:
            return None
        parts += [before, escaped[mark]]
    parts.append(rest)
    return b"".join(parts)


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
