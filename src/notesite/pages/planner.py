"""The planner: post views and paginated listings shared by every page family, and the
order in which the families are planned for each language."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from notesite import routes
from notesite.i18n import Strings, format_date
from notesite.markdown import RenderedDoc
from notesite.model import Post, Site
from notesite.pages import archives, categories, home, posts, series, tags
from notesite.pages.backlinks import Backlink
from notesite.pages.types import Link, PageOut, PostView
from notesite.pagination import paginate
from notesite.slugs import slugify
from notesite.urls import Urls


class Planner:
    def __init__(
        self,
        site: Site,
        docs: dict[Post, RenderedDoc],
        strings: dict[str, Strings],
        views: dict[tuple, PostView] | None = None,
        backlinks: dict[Post, tuple[Backlink, ...]] | None = None,
    ):
        self.views = {} if views is None else views  # (post, lang) -> view, kept by `serve`
        self.backlinks = backlinks or {}  # see pages/backlinks.py
        self.site = site
        self.config = site.config
        self.docs = docs
        self.strings = strings
        self.urls = Urls(site.config)
        self.pages: list[PageOut] = []
        self.links: dict[tuple[str, str, str], Link] = {}  # see _category_link

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
        category = self._category_link(post.category, lang) if post.category else None
        tags = tuple(self._tag_link(tag, lang) for tag in post.tags)
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

    # One link per category or tag and language, shared by the views that show it (a
    # page's key describes a shared object once: see pagekeys.py).
    def _category_link(self, category: str, lang: str) -> Link:
        key = ("category", category, lang)
        if key not in self.links:
            name = self.config.categories[category].name(lang, self.config.default_language)
            url = routes.category(self.urls.prefix(lang), category)
            self.links[key] = Link(name, self.urls.path(url))
        return self.links[key]

    def _tag_link(self, tag: str, lang: str) -> Link:
        key = ("tag", tag, lang)
        if key not in self.links:
            url = routes.tag(self.urls.prefix(lang), self.tag_slug(tag))
            self.links[key] = Link(tag, self.urls.path(url))
        return self.links[key]

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
                url=routes.NOT_FOUND,
                template="404.html",
                title=self.strings[self.config.default_language]["not_found_title"],
            )
        )
        return self.pages

    def plan_language(self, lang: str) -> None:
        own = [p for p in self.site.posts if p.lang == lang]
        # Listings also show notes that have no version in this language (with a badge).
        listed = own + self.untranslated(lang) if self.config.untranslated == "show" else own
        listed.sort(key=lambda p: (p.sort_date, p.date, str(p.source)), reverse=True)
        in_series = series.collect(listed)
        home.plan(self, lang, listed)
        posts.plan(self, lang, own, series.boxes(self, lang, in_series))
        posts.plan_standalone(self, lang)
        categories.plan(self, lang, listed)
        tags.plan(self, lang, listed)
        archives.plan(self, lang, listed)
        series.plan(self, lang, in_series)

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
