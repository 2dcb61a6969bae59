"""The site model: plain frozen dataclasses, no I/O and no rendering."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path

from notesite.errors import Problem


@dataclass(frozen=True)
class Language:
    code: str
    name: str
    locale: str


@dataclass(frozen=True)
class NamedKey:
    """A key of notesite.yaml's `categories:` or `series:` and its name per language
    (without one, the default language's, else the key itself)."""

    key: str
    names: dict[str, str] = field(hash=False)

    def name(self, lang: str, fallback: str) -> str:
        return self.names.get(lang) or self.names.get(fallback) or self.key


Category = NamedKey
Series = NamedKey


@dataclass(frozen=True)
class MathConfig:
    render: str = "server"  # "server" (KaTeX at build time) or "client" (KaTeX in the browser)
    macros: dict[str, str] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class MarkdownConfig:
    cjk: bool = True  # emphasis beside full-width punctuation, no breaks inside Chinese lines
    html: bool = True  # raw HTML in notes passes through (the author is trusted); False escapes it


@dataclass(frozen=True)
class Config:
    """`notesite.yaml`, validated. Per-language strings are dicts keyed by language code."""

    path: Path
    title: dict[str, str] = field(hash=False)
    description: dict[str, str] = field(hash=False)
    author: str
    base_url: str
    default_language: str
    timezone: tzinfo
    page_size: int
    languages: dict[str, Language] = field(hash=False)
    categories: dict[str, Category] = field(hash=False)
    math: MathConfig = field(default_factory=MathConfig)
    markdown: MarkdownConfig = field(default_factory=MarkdownConfig)
    untranslated: str = "show"  # notes missing in a language: "show" in its listings, or "hide"
    slug_style: str = "unicode"  # "unicode" keeps Chinese in URLs, "pinyin" romanises it
    cname: str | None = None  # custom domain for GitHub Pages (written to CNAME)
    series: dict[str, Series] = field(default_factory=dict, hash=False)  # names by series key
    feed_size: int = 20  # entries per Atom feed (each language's and each category's)
    social_image: str | None = None  # social cards' picture when a page has none
    search: bool = True  # full-text search: a Pagefind index and a search box on every page

    @property
    def base_path(self) -> str:
        """The path part of `base_url`, always starting and ending with `/`."""
        from urllib.parse import urlsplit

        path = urlsplit(self.base_url).path or "/"
        return path if path.endswith("/") else path + "/"

    def text(self, values: dict[str, str], lang: str) -> str:
        """A per-language config string, falling back to the default language."""
        return values.get(lang) or values.get(self.default_language) or ""


@dataclass(frozen=True, eq=False)  # identity: posts are dict keys, bodies are large
class Post:
    """One Markdown source: a post (kind "post") or a standalone page (kind "page")."""

    source: Path  # relative to the site folder, e.g. content/posts/rl/td.md
    body_line: int  # file line on which the Markdown body starts
    kind: str
    title: str
    date: datetime
    updated: datetime | None
    category: str | None
    tags: tuple[str, ...]
    lang: str
    translation_key: str
    slug: str
    url: str  # site-relative, no leading slash, ends with "/": "en/posts/td/"
    summary: str | None
    draft: bool
    source_link: str | None
    body: str
    bundle_assets: tuple[Path, ...] = ()  # files beside a bundle's index.md
    key_lines: dict[str, int] = field(default_factory=dict)  # front matter key -> file line
    series: str | None = None  # the key of the series the note is part of
    series_order: int | None = None  # its place in the series (else by date)

    @property
    def sort_date(self) -> datetime:
        """ "Latest updates" order: the last substantial update, else the date."""
        return self.updated or self.date


@dataclass(frozen=True)
class Asset:
    """A non-Markdown file under content/ copied to the output as is."""

    source: Path
    url: str


@dataclass(frozen=True)
class Site:
    root: Path
    config: Config
    posts: tuple[Post, ...]  # kind "post", newest first by sort_date
    pages: tuple[Post, ...]  # kind "page"
    assets: tuple[Asset, ...]
    warnings: tuple[Problem, ...] = ()  # found while reading (symbolic links left out)

    def translations(self, post: Post) -> tuple[Post, ...]:
        """The other-language versions of `post`, in the config's language order."""
        pool = self.posts if post.kind == "post" else self.pages
        order = list(self.config.languages)
        group = [p for p in pool if p.translation_key == post.translation_key and p is not post]
        return tuple(sorted(group, key=lambda p: order.index(p.lang)))
