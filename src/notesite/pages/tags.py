"""The tags index of a language (most used first) and a listing per tag. Tags are merged
by slug: "RL" and "rl" are one tag, named as the newest note writes it."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from notesite import routes
from notesite.model import Post
from notesite.pages.types import PageOut

if TYPE_CHECKING:
    from notesite.pages.planner import Planner


def plan(planner: Planner, lang: str, listed: list[Post]) -> None:
    strings = planner.strings[lang]
    prefix = planner.urls.prefix(lang)
    by_tag: dict[str, list[Post]] = defaultdict(list)
    names: dict[str, str] = {}
    for post in listed:
        for tag in post.tags:
            slug = planner.tag_slug(tag)
            names.setdefault(slug, tag)
            by_tag[slug].append(post)
    rows = []
    for slug in sorted(by_tag, key=lambda s: (-len(by_tag[s]), s)):
        base = routes.tag(prefix, slug)
        rows.append(
            {"name": names[slug], "url": planner.urls.path(base), "count": len(by_tag[slug])}
        )
        title = strings.format("posts_tagged", name=names[slug])
        planner.listing(("tag", slug), lang, base, title, by_tag[slug], tag_name=names[slug])
    planner.add(
        PageOut(
            route=("tags",),
            lang=lang,
            url=routes.tags(prefix),
            template="tags.html",
            title=strings["tags"],
            context={"tags": rows},
        )
    )
