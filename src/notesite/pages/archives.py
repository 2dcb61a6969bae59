"""Date archives of a language by publication date: all years, each year, each month."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from notesite import routes
from notesite.i18n import format_month, format_year
from notesite.model import Post
from notesite.pages.types import PageOut

if TYPE_CHECKING:
    from notesite.pages.planner import Planner

Years = dict[int, dict[int, list[Post]]]


def plan(planner: Planner, lang: str, listed: list[Post]) -> None:
    strings = planner.strings[lang]
    prefix = planner.urls.prefix(lang)
    locale = planner.locale(lang)
    chronological = sorted(listed, key=lambda p: (p.date, str(p.source)), reverse=True)
    years: Years = defaultdict(lambda: defaultdict(list))
    for post in chronological:
        years[post.date.year][post.date.month].append(post)
    planner.add(
        PageOut(
            route=("archives",),
            lang=lang,
            url=routes.archives(prefix),
            template="archives.html",
            title=strings["archives"],
            context={
                "heading": strings["archives"],
                "years": _grouped(planner, lang, years, sorted(years, reverse=True)),
            },
        )
    )
    for year in sorted(years, reverse=True):
        heading = strings.format("archive_of", period=format_year(year, locale))
        planner.add(
            PageOut(
                route=("archives", year),
                lang=lang,
                url=routes.archive_year(prefix, year),
                template="archives.html",
                title=heading,
                context={"heading": heading, "years": _grouped(planner, lang, years, [year])},
                has_math=any(
                    planner.docs[p].summary_has_math for p in listed if p.date.year == year
                ),
            )
        )
        for month, month_posts in sorted(years[year].items(), reverse=True):
            title = strings.format("archive_of", period=format_month(year, month, locale))
            base = routes.archive_month(prefix, year, month)
            planner.listing(("archives", year, month), lang, base, title, month_posts)


def _grouped(
    planner: Planner, lang: str, years: Years, selected: list[int]
) -> list[dict[str, Any]]:
    """Years with their months and posts, as the archives template lists them."""
    locale = planner.locale(lang)
    prefix = planner.urls.prefix(lang)
    return [
        {
            "label": format_year(year, locale),
            "url": planner.urls.path(routes.archive_year(prefix, year)),
            "count": sum(len(v) for v in years[year].values()),
            "months": [
                {
                    "label": format_month(year, month, locale),
                    "url": planner.urls.path(routes.archive_month(prefix, year, month)),
                    "posts": [planner.view(p, lang) for p in years[year][month]],
                }
                for month in sorted(years[year], reverse=True)
            ],
        }
        for year in selected
    ]
