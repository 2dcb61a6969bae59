"""The values the planner produces: pages, and posts as pages show them."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from notesite.markdown import RenderedDoc
from notesite.model import Language, Post
from notesite.urls import output_file

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
