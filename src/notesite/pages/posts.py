"""A page per post (with its neighbours in the same category) and per standalone page."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from notesite.model import Post
from notesite.pages.types import Link, PageOut

if TYPE_CHECKING:
    from notesite.pages.planner import Planner
    from notesite.pages.series import SeriesBox


def plan(
    planner: Planner, lang: str, own: list[Post], boxes: dict[Post, SeriesBox] | None = None
) -> None:
    """`own`: the posts written in `lang`; `boxes`: the series box of each part."""
    by_category: dict[str | None, list[Post]] = defaultdict(list)
    for post in sorted(own, key=lambda p: (p.date, str(p.source))):
        by_category[post.category].append(post)
    for post in own:
        siblings = by_category[post.category]
        index = siblings.index(post)
        older = siblings[index - 1] if index > 0 else None
        newer = siblings[index + 1] if index + 1 < len(siblings) else None
        box = (boxes or {}).get(post)
        context = {
            "entry": planner.view(post),
            "previous": _link(planner, older),
            "next": _link(planner, newer),
            "backlinks": planner.backlinks.get(post, ()),
            "series": box,
        }
        planner.add(_own_page(planner, post, lang, "post", context))


def shows_other_math(context: dict[str, Any]) -> bool:
    """Math a note's page shows besides its own document: other notes' titles in its
    series box and its backlinks (the page must load KaTeX's stylesheet for them)."""
    box = context.get("series")
    return (box is not None and box.has_math) or any(
        link.has_math for link in context.get("backlinks", ())
    )


def _link(planner: Planner, post: Post | None) -> Link | None:
    return Link(post.title, planner.urls.path(post.url)) if post else None


def plan_standalone(planner: Planner, lang: str) -> None:
    """Pages outside the blog's listings (about, …) written in `lang`."""
    for page in (p for p in planner.site.pages if p.lang == lang):
        linked = planner.backlinks.get(page, ())
        context = {"entry": planner.view(page), "backlinks": linked}
        planner.add(_own_page(planner, page, lang, "page", context))


def _own_page(
    planner: Planner, post: Post, lang: str, kind: str, context: dict[str, object]
) -> PageOut:
    """The page of one post or standalone page (`kind`: its route and template name)."""
    doc = planner.docs[post]
    return PageOut(
        route=(kind, post.translation_key),
        lang=lang,
        url=post.url,
        template=f"{kind}.html",
        title=post.title,
        context=context,
        has_math=doc.has_math or shows_other_math(context),
        has_code=doc.has_code,
    )
