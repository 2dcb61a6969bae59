"""Series: notes meant to be read in order (front matter `series:` and `series_order:`).

Series are per language. In a language, a series' parts are the notes listed there (its
own notes and, with `untranslated: show`, notes with no version in it, which keep their
language mark) that name the series, in series order. Each part's page shows a box
(`SeriesBox`: every part, this one's place, its neighbours); each series has a listing
at /series/<key>/, and the language an index of its series at /series/.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from notesite import routes
from notesite.errors import Problem
from notesite.loader import display_path
from notesite.model import Language, Post, Site
from notesite.pages.types import PageOut

if TYPE_CHECKING:
    from notesite.pages.planner import Planner


@dataclass(frozen=True)
class SeriesPart:
    title_html: str
    url: str
    foreign: Language | None  # the note has no version in the page's language


@dataclass(frozen=True)
class SeriesBox:
    """What a part's page shows of its series (plain values, so page keys describe it)."""

    name: str
    url: str  # the series' listing
    position: int  # this part's place, from 1
    parts: tuple[SeriesPart, ...]  # every part in series order (one tuple for all boxes)
    has_math: bool  # a part's title (or excerpt) has math: the page loads KaTeX

    @property
    def total(self) -> int:
        return len(self.parts)

    @property
    def previous(self) -> SeriesPart | None:
        return self.parts[self.position - 2] if self.position > 1 else None

    @property
    def next(self) -> SeriesPart | None:
        return self.parts[self.position] if self.position < len(self.parts) else None


def ordered(parts: Iterable[Post]) -> list[Post]:
    """Series order: parts with a `series_order` by it, then the others by date; ties by
    date, then by source path (so the order never depends on reading order)."""
    return sorted(
        parts,
        key=lambda p: (p.series_order is None, p.series_order or 0, p.date, str(p.source)),
    )


def collect(listed: Iterable[Post]) -> dict[str, list[Post]]:
    """Series key -> its parts among `listed` (the notes a language lists), in order."""
    by_key: dict[str, list[Post]] = defaultdict(list)
    for post in listed:
        if post.series:
            by_key[post.series].append(post)
    return {key: ordered(parts) for key, parts in by_key.items()}


def in_use(site: Site) -> bool:
    """Whether any note is part of a series (then every language has a series index)."""
    return any(post.series for post in site.posts)


def series_name(planner: Planner, key: str, lang: str) -> str:
    """The name from notesite.yaml in `lang` (else the default language's), else the key."""
    named = planner.config.series.get(key)
    return named.name(lang, planner.config.default_language) if named else key


def boxes(planner: Planner, lang: str, series: dict[str, list[Post]]) -> dict[Post, SeriesBox]:
    """The box of each part written in `lang` (a foreign part's page is in its language)."""
    prefix = planner.urls.prefix(lang)
    found: dict[Post, SeriesBox] = {}
    for key, parts in series.items():
        shown = tuple(_part(planner, post, lang) for post in parts)
        has_math = any(planner.docs[post].summary_has_math for post in parts)
        name = series_name(planner, key, lang)
        url = planner.urls.path(routes.series(prefix, key))
        for position, post in enumerate(parts, start=1):
            if post.lang == lang:
                found[post] = SeriesBox(name, url, position, shown, has_math)
    return found


def _part(planner: Planner, post: Post, lang: str) -> SeriesPart:
    foreign = planner.config.languages[post.lang] if post.lang != lang else None
    return SeriesPart(planner.docs[post].title_html, planner.urls.path(post.url), foreign)


def plan(planner: Planner, lang: str, series: dict[str, list[Post]]) -> None:
    """A listing per series (parts in series order) and the index of series."""
    if not series and not in_use(planner.site):
        return
    strings = planner.strings[lang]
    prefix = planner.urls.prefix(lang)
    index_url = planner.urls.path(routes.series_index(prefix))
    rows = []
    for key in _index_order(planner, series):
        name = series_name(planner, key, lang)
        base = routes.series(prefix, key)
        parts = series[key]
        rows.append({"name": name, "url": planner.urls.path(base), "count": len(parts)})
        title = strings.format("series_title", name=name)
        extra = {"series_name": name, "series_count": len(parts), "series_index_url": index_url}
        planner.listing(("series", key), lang, base, title, parts, "series.html", **extra)
    planner.add(
        PageOut(
            route=("series_index",),
            lang=lang,
            url=routes.series_index(prefix),
            template="series_index.html",
            title=strings["series"],
            context={"series_list": rows},
        )
    )


def _index_order(planner: Planner, series: dict[str, list[Post]]) -> list[str]:
    """Series named in notesite.yaml in its order, then the others by key."""
    declared = [key for key in planner.config.series if key in series]
    return declared + sorted(key for key in series if key not in planner.config.series)


def duplicate_orders(site: Site) -> list[Problem]:
    """A warning for each note whose `series_order` an earlier note (by path) of the same
    series and language already has, naming that note."""
    first: dict[tuple[str, str, int], Post] = {}
    problems = []
    for post in sorted(site.posts, key=lambda p: str(p.source)):
        if post.series is None or post.series_order is None:
            continue
        other = first.setdefault((post.series, post.lang, post.series_order), post)
        if other is not post:
            where = f"{display_path(site.root, other.source)}:{_order_line(other)}"
            message = (
                f"warning: series_order {post.series_order} of series '{post.series}' "
                f"({post.lang}) is also the order of {where}"
            )
            problems.append(
                Problem(display_path(site.root, post.source), _order_line(post), message)
            )
    return problems


def _order_line(post: Post) -> int:
    return post.key_lines.get("series_order", 1)
