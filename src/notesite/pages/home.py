"""The home page of a language: the latest notes, paginated."""

from __future__ import annotations

from typing import TYPE_CHECKING

from notesite.model import Post

if TYPE_CHECKING:
    from notesite.pages.planner import Planner


def plan(planner: Planner, lang: str, listed: list[Post]) -> None:
    title = planner.strings[lang]["latest_updates"]
    planner.listing(("home",), lang, planner.urls.prefix(lang), title, listed, "home.html")
