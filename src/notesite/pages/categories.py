"""The categories index of a language (with counts) and a listing per category."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from notesite import routes
from notesite.model import Post
from notesite.pages.feeds import category_feed_title
from notesite.pages.types import Link, PageOut

if TYPE_CHECKING:
    from notesite.pages.planner import Planner


def plan(planner: Planner, lang: str, listed: list[Post]) -> None:
    strings = planner.strings[lang]
    prefix = planner.urls.prefix(lang)
    by_category: dict[str, list[Post]] = defaultdict(list)
    for post in listed:
        if post.category:
            by_category[post.category].append(post)
    rows = []
    for key, category in planner.config.categories.items():
        name = category.name(lang, planner.config.default_language)
        base = routes.category(prefix, key)
        rows.append({"name": name, "url": planner.urls.path(base), "count": len(by_category[key])})
        title = strings.format("all_posts_in", name=name)
        feed = Link(
            category_feed_title(planner.config, lang, key),
            planner.urls.path(routes.category_feed(prefix, key)),
        )
        planner.listing(
            ("category", key),
            lang,
            base,
            title,
            by_category[key],
            category_name=name,
            category_feed=feed,  # advertised on every page of the listing
        )
    planner.add(
        PageOut(
            route=("categories",),
            lang=lang,
            url=routes.categories(prefix),
            template="categories.html",
            title=strings["categories"],
            context={"categories": rows},
        )
    )
