"""Which pages exist and what each one shows: the site plan, as data for templates.

Every page has a `route`, its identity independent of language (("post", key),
("category", "rl", 2) ...), so the same page in another language is found by
looking up the same route: that drives the language switcher and hreflang.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from notesite.i18n import Strings, format_date, format_month, format_year
from notesite.markdown import RenderedDoc
from notesite.model import Language, Post, Site
from notesite.pagination import paginate
from notesite.slugs import slugify
from notesite.urls import Urls, output_file

Route = tuple[Any, ...]


@dataclass(frozen=True)
class Link:
    title: str
    url: str  # already a path under base_url


@dataclass(frozen=True)
class PostView:
    """What a template needs to show one post in a listing or on its own page."""

    post: Post
    doc: RenderedDoc
    title: str
    url: str
    date_iso: str
    date_text: str
    updated_iso: str | None
    updated_text: str | None
    category: Link | None
    tags: tuple[Link, ...]
    reading_minutes: int
    foreign: Language | None = None  # set when listed in another language (untranslated)


@dataclass
class PageOut:
    route: Route
    lang: str
    url: str  # site-relative, "" for the home page
    template: str
    title: str
    context: dict[str, Any] = field(default_factory=dict)
    has_math: bool = False
    has_code: bool = False

    @cached_property  # asked for every page on every save while serving
    def file(self) -> str:
        return output_file(self.url)


class Planner:
    def __init__(
        self,
        site: Site,
        docs: dict[Post, RenderedDoc],
        strings: dict[str, Strings],
        views: dict[tuple, PostView] | None = None,
    ):
        self.views = {} if views is None else views  # (post, lang) -> view, kept by `serve`
        self.site = site
        self.config = site.config
        self.docs = docs
        self.strings = strings
        self.urls = Urls(site.config)
        self.pages: list[PageOut] = []

    # ------------------------------------------------------------- helpers

    def locale(self, lang: str) -> str:
        return self.config.languages[lang].locale

    def tag_slug(self, tag: str) -> str:
        return slugify(tag, self.config.slug_style)

    def view(self, post: Post, lang: str | None = None) -> PostView:
        """A post as shown on a page in `lang` (default: its own language)."""
        lang = lang or post.lang
        cached = self.views.get((post, lang))
        if cached is not None and cached.doc is self.docs[post]:
            return cached
        view = self._make_view(post, lang)
        self.views[(post, lang)] = view
        return view

    def _make_view(self, post: Post, lang: str) -> PostView:
        locale = self.locale(lang)
        prefix = self.urls.prefix(lang)
        category = None
        if post.category:
            name = self.config.categories[post.category].name(lang, self.config.default_language)
            category = Link(name, self.urls.path(f"{prefix}categories/{post.category}/"))
        tags = tuple(
            Link(tag, self.urls.path(f"{prefix}tags/{self.tag_slug(tag)}/")) for tag in post.tags
        )
        return PostView(
            post=post,
            doc=self.docs[post],
            title=post.title,
            url=self.urls.path(post.url),
            date_iso=post.date.isoformat(),
            date_text=format_date(post.date, locale),
            updated_iso=post.updated.isoformat() if post.updated else None,
            updated_text=format_date(post.updated, locale) if post.updated else None,
            category=category,
            tags=tags,
            reading_minutes=self.docs[post].reading_minutes,
            foreign=self.config.languages[post.lang] if post.lang != lang else None,
        )

    def add(self, page: PageOut) -> None:
        self.pages.append(page)

    def listing(
        self,
        route: tuple[Any, ...],
        lang: str,
        base: str,
        title: str,
        posts: Iterable[Post],
        template: str = "list.html",
        **extra: Any,
    ) -> None:
        views = [self.view(p, lang) for p in posts]
        for pager in paginate(views, self.config.page_size, base):
            self.add(
                PageOut(
                    route=(*route, pager.number),
                    lang=lang,
                    url=pager.url,
                    template=template,
                    title=title,
                    context={
                        "heading": title,
                        "pager": pager,
                        "posts": pager.items,
                        # "" is a real URL (the default language's home page)
                        "prev_url": (
                            self.urls.path(pager.prev_url) if pager.prev_url is not None else None
                        ),
                        "next_url": (
                            self.urls.path(pager.next_url) if pager.next_url is not None else None
                        ),
                        **extra,
                    },
                    has_math=any(v.doc.summary_has_math for v in pager.items),
                )
            )

    # ---------------------------------------------------------------- plan

    def plan(self) -> list[PageOut]:
        for lang in self.config.languages:
            self.plan_language(lang)
        self.add(
            PageOut(
                route=("404",),
                lang=self.config.default_language,
                url="404.html",
                template="404.html",
                title=self.strings[self.config.default_language]["not_found_title"],
            )
        )
        return self.pages

    def plan_language(self, lang: str) -> None:
        strings = self.strings[lang]
        prefix = self.urls.prefix(lang)
        own = [p for p in self.site.posts if p.lang == lang]
        locale = self.locale(lang)
        # Listings also show notes that have no version in this language (with a badge).
        posts = own + self.untranslated(lang) if self.config.untranslated == "show" else own
        posts.sort(key=lambda p: (p.sort_date, p.date, str(p.source)), reverse=True)

        self.listing(("home",), lang, prefix, strings["latest_updates"], posts, "home.html")
        self.plan_posts(lang, own)
        for page in (p for p in self.site.pages if p.lang == lang):
            self.add(
                PageOut(
                    route=("page", page.translation_key),
                    lang=lang,
                    url=page.url,
                    template="page.html",
                    title=page.title,
                    context={"entry": self.view(page)},
                    has_math=self.docs[page].has_math,
                    has_code=self.docs[page].has_code,
                )
            )

        # Categories: the index with counts, then one listing per category.
        by_category: dict[str, list[Post]] = defaultdict(list)
        for post in posts:
            if post.category:
                by_category[post.category].append(post)
        category_rows = []
        for key, category in self.config.categories.items():
            name = category.name(lang, self.config.default_language)
            base = f"{prefix}categories/{key}/"
            category_rows.append(
                {"name": name, "url": self.urls.path(base), "count": len(by_category[key])}
            )
            self.listing(
                ("category", key),
                lang,
                base,
                strings.format("all_posts_in", name=name),
                by_category[key],
                category_name=name,
            )
        self.add(
            PageOut(
                route=("categories",),
                lang=lang,
                url=f"{prefix}categories/",
                template="categories.html",
                title=strings["categories"],
                context={"categories": category_rows},
            )
        )

        # Tags, merged by slug ("RL" and "rl" are one tag).
        by_tag: dict[str, list[Post]] = defaultdict(list)
        tag_names: dict[str, str] = {}
        for post in posts:
            for tag in post.tags:
                slug = self.tag_slug(tag)
                tag_names.setdefault(slug, tag)
                by_tag[slug].append(post)
        tag_rows = []
        for slug in sorted(by_tag, key=lambda s: (-len(by_tag[s]), s)):
            base = f"{prefix}tags/{slug}/"
            tag_rows.append(
                {"name": tag_names[slug], "url": self.urls.path(base), "count": len(by_tag[slug])}
            )
            self.listing(
                ("tag", slug),
                lang,
                base,
                strings.format("posts_tagged", name=tag_names[slug]),
                by_tag[slug],
                tag_name=tag_names[slug],
            )
        self.add(
            PageOut(
                route=("tags",),
                lang=lang,
                url=f"{prefix}tags/",
                template="tags.html",
                title=strings["tags"],
                context={"tags": tag_rows},
            )
        )

        # Date archives by publication date: all, per year, per month.
        chronological = sorted(posts, key=lambda p: (p.date, str(p.source)), reverse=True)
        years: dict[int, dict[int, list[Post]]] = defaultdict(lambda: defaultdict(list))
        for post in chronological:
            years[post.date.year][post.date.month].append(post)

        def grouped(selected_years: list[int]) -> list[dict[str, Any]]:
            return [
                {
                    "label": format_year(year, locale),
                    "url": self.urls.path(f"{prefix}archives/{year}/"),
                    "count": sum(len(v) for v in years[year].values()),
                    "months": [
                        {
                            "label": format_month(year, month, locale),
                            "url": self.urls.path(f"{prefix}archives/{year}/{month:02d}/"),
                            "posts": [self.view(p, lang) for p in years[year][month]],
                        }
                        for month in sorted(years[year], reverse=True)
                    ],
                }
                for year in selected_years
            ]

        self.add(
            PageOut(
                route=("archives",),
                lang=lang,
                url=f"{prefix}archives/",
                template="archives.html",
                title=strings["archives"],
                context={
                    "heading": strings["archives"],
                    "years": grouped(sorted(years, reverse=True)),
                },
            )
        )
        for year in sorted(years, reverse=True):
            label = format_year(year, locale)
            self.add(
                PageOut(
                    route=("archives", year),
                    lang=lang,
                    url=f"{prefix}archives/{year}/",
                    template="archives.html",
                    title=strings.format("archive_of", period=label),
                    context={
                        "heading": strings.format("archive_of", period=label),
                        "years": grouped([year]),
                    },
                    has_math=any(
                        self.docs[p].summary_has_math for p in posts if p.date.year == year
                    ),
                )
            )
            for month, month_posts in sorted(years[year].items(), reverse=True):
                label = format_month(year, month, locale)
                self.listing(
                    ("archives", year, month),
                    lang,
                    f"{prefix}archives/{year}/{month:02d}/",
                    strings.format("archive_of", period=label),
                    month_posts,
                )

    def untranslated(self, lang: str) -> list[Post]:
        """One version (the default language's if any) of each note with none in `lang`."""
        groups: dict[str, list[Post]] = defaultdict(list)
        for post in self.site.posts:
            groups[post.translation_key].append(post)
        order = list(self.config.languages)
        chosen = []
        for members in groups.values():
            if any(p.lang == lang for p in members):
                continue
            chosen.append(min(members, key=lambda p: order.index(p.lang)))
        return chosen

    def plan_posts(self, lang: str, posts: list[Post]) -> None:
        by_category: dict[str | None, list[Post]] = defaultdict(list)
        for post in sorted(posts, key=lambda p: (p.date, str(p.source))):
            by_category[post.category].append(post)
        for post in posts:
            siblings = by_category[post.category]
            index = siblings.index(post)
            older = siblings[index - 1] if index > 0 else None
            newer = siblings[index + 1] if index + 1 < len(siblings) else None
            doc = self.docs[post]
            self.add(
                PageOut(
                    route=("post", post.translation_key),
                    lang=lang,
                    url=post.url,
                    template="post.html",
                    title=post.title,
                    context={
                        "entry": self.view(post),
                        "previous": Link(older.title, self.urls.path(older.url)) if older else None,
                        "next": Link(newer.title, self.urls.path(newer.url)) if newer else None,
                    },
                    has_math=doc.has_math,
                    has_code=doc.has_code,
                )
            )
