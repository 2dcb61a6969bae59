"""The home page of a language: the latest notes, paginated."""

from __future__ import annotations

from typing import TYPE_CHECKING

from notesite import routes
from notesite.model import Post

if TYPE_CHECKING:
    from notesite.pages.planner import Planner


def plan(planner: Planner, lang: str, listed: list[Post]) -> None:
    title = planner.strings[lang]["latest_updates"]
    base = routes.home(planner.urls.prefix(lang))
    planner.listing(("home",), lang, base, title, listed, "home.html")
