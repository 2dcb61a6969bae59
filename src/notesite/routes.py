"""The route table: where every kind of page lives, in one place.

Each function gives a site-relative URL (no leading slash; "" is the default
language's home page) from a language prefix ("" or "en/", see `Urls.prefix`)
and the page's own key. `Urls.path` turns one into a link under `base_url`.
Renaming `/tags/` means editing this file only; the segments notesite uses
are reserved, so standalone pages and languages cannot take them.
"""

from __future__ import annotations

POSTS = "posts"
CATEGORIES = "categories"
TAGS = "tags"
ARCHIVES = "archives"
PAGE = "page"  # pages 2, 3, … of a listing
STATIC = "static"
SERIES = "series"
SEARCH = "pagefind"  # the search index and its scripts (Pagefind's own folder name)
RESERVED_SEGMENTS = frozenset({POSTS, CATEGORIES, TAGS, ARCHIVES, PAGE, STATIC, SERIES, SEARCH})
FEED = "atom.xml"
SITEMAP = "sitemap.xml"
ROBOTS = "robots.txt"
FAVICON = "static/favicon.svg"  # the theme's; a site's own file of that name wins
NOT_FOUND = "404.html"


def home(prefix: str) -> str:
    return prefix


def post(prefix: str, slug: str) -> str:
    return f"{prefix}{POSTS}/{slug}/"


def standalone(prefix: str, slug: str) -> str:
    """A page outside the blog's listings (about, …)."""
    return f"{prefix}{slug}/"


def categories(prefix: str) -> str:
    return f"{prefix}{CATEGORIES}/"


def category(prefix: str, key: str) -> str:
    return f"{categories(prefix)}{key}/"


def tags(prefix: str) -> str:
    return f"{prefix}{TAGS}/"


def tag(prefix: str, slug: str) -> str:
    return f"{tags(prefix)}{slug}/"


def archives(prefix: str) -> str:
    return f"{prefix}{ARCHIVES}/"


def archive_year(prefix: str, year: int) -> str:
    return f"{archives(prefix)}{year}/"


def archive_month(prefix: str, year: int, month: int) -> str:
    return f"{archive_year(prefix, year)}{month:02d}/"


def series_index(prefix: str) -> str:
    return f"{prefix}{SERIES}/"


def series(prefix: str, key: str) -> str:
    return f"{series_index(prefix)}{key}/"


def feed(prefix: str) -> str:
    return f"{prefix}{FEED}"


def category_feed(prefix: str, key: str) -> str:
    return f"{category(prefix, key)}{FEED}"


def listing_page(base: str, number: int) -> str:
    """Page `number` of a paginated listing at `base`."""
    return base if number == 1 else f"{base}{PAGE}/{number}/"
