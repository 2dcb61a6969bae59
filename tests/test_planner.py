"""The middle of the pipeline on its own: Markdown, formulas (a fake engine), page planning
and template rendering of a small site held in memory — no Node.js, no disk."""

from __future__ import annotations

import builtins
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import jinja2
import pytest
from selectolax.lexbor import LexborHTMLParser

from notesite.i18n import Strings
from notesite.katex import Formula, KatexRenderer, Rendered
from notesite.markdown import MarkdownRenderer
from notesite.mathrender import RenderedLookup
from notesite.model import Category, Config, Language, Post, Site
from notesite.pages import PageOut, Planner
from notesite.render import PageRenderer

TZ = timezone(timedelta(hours=8))
STRINGS = {
    "latest_updates": "最新",
    "categories": "分类",
    "tags": "标签",
    "archives": "归档",
    "all_posts_in": "{name} 的文章",
    "posts_tagged": "标签 {name}",
    "archive_of": "{period} 的归档",
    "not_found_title": "找不到",
}


class FakeEngine:
    """A formula engine in memory: TeX in a span; TeX containing \\bad is an error."""

    version = "fake-1"

    def __init__(self) -> None:
        self.batches: list[list[Formula]] = []

    def render(self, formulas, macros):  # noqa: ANN001 (the FormulaEngine protocol)
        self.batches.append(list(formulas))
        return [
            Rendered(None, "bad TeX")
            if "\\bad" in f.tex
            else Rendered(f'<span class="fake-math">{f.tex}</span>', None)
            for f in formulas
        ]

    def close(self) -> None:
        pass


def config(page_size: int = 2) -> Config:
    return Config(
        path=Path("notesite.yaml"),
        title={"zh": "笔记", "en": "Notes"},
        description={"zh": "", "en": ""},
        author="Tester",
        base_url="https://example.github.io/notes/",
        default_language="zh",
        timezone=TZ,
        page_size=page_size,
        languages={"zh": Language("zh", "中文", "zh-CN"), "en": Language("en", "English", "en")},
        categories={
            "rl": Category("rl", {"zh": "强化学习", "en": "RL"}),
            "cv": Category("cv", {"zh": "视觉", "en": "CV"}),
        },
    )


def note(
    name: str, day: int, category: str = "rl", lang: str = "zh", body: str = "正文。", **extra
) -> Post:
    prefix = "" if lang == "zh" else f"{lang}/"
    fields = {
        "source": Path(f"content/posts/{category}/{name}{'' if lang == 'zh' else '.' + lang}.md"),
        "body_line": 5,
        "kind": "post",
        "title": f"标题 {name}",
        "date": datetime(2026, 1 + day // 28, 1 + day % 28, 10, 0, tzinfo=TZ),
        "updated": None,
        "category": category,
        "tags": (),
        "lang": lang,
        "translation_key": name,
        "slug": name,
        "url": f"{prefix}posts/{name}/",
        "summary": None,
        "draft": False,
        "source_link": None,
        "body": body,
    }
    return Post(**{**fields, **extra})


def plan(posts: list[Post], page_size: int = 2) -> tuple[list[PageOut], dict, FakeEngine]:
    """Parse, render formulas with the fake engine, render documents, plan pages."""
    site = Site(
        root=Path("site"), config=config(page_size), posts=tuple(posts), pages=(), assets=()
    )
    engine = FakeEngine()
    katex = KatexRenderer(engine, {}, cache_path=None)
    collector = MarkdownRenderer(RenderedLookup(katex.memory))
    uses = {p: collector.formulas(collector.parse(p.body)) for p in posts}
    katex.render_all(Formula(u.tex, u.display) for us in uses.values() for u in us)
    docs = {p: collector.render(p.body, title=p.title) for p in posts}
    strings = {lang: Strings(STRINGS, STRINGS) for lang in ("zh", "en")}
    return Planner(site, docs, strings).plan(), docs, engine


def by_url(pages: list[PageOut]) -> dict[str, PageOut]:
    return {page.url: page for page in pages}


def test_home_is_paginated_newest_first() -> None:
    pages, _, _ = plan([note(n, day) for n, day in [("a", 1), ("b", 2), ("c", 3), ("d", 4)]])
    urls = by_url(pages)
    assert [v.post.slug for v in urls[""].context["posts"]] == ["d", "c"]
    assert [v.post.slug for v in urls["page/2/"].context["posts"]] == ["b", "a"]
    assert urls[""].route == ("home", 1) and urls["page/2/"].route == ("home", 2)
    assert urls[""].context["next_url"] == "/notes/page/2/"


def test_post_neighbours_stay_in_their_category() -> None:
    posts = [note("a", 1), note("b", 2, "cv"), note("c", 3)]
    urls = by_url(plan(posts)[0])
    assert urls["posts/a/"].context["previous"] is None
    assert urls["posts/a/"].context["next"].url == "/notes/posts/c/"
    assert urls["posts/c/"].context["previous"].title == "标题 a"
    assert urls["posts/b/"].context["previous"] is None and urls["posts/b/"].context["next"] is None


def test_categories_count_and_list_untranslated_notes_with_their_language() -> None:
    posts = [note("a", 1), note("b", 2, "cv"), note("a", 3, lang="en")]
    urls = by_url(plan(posts, page_size=10)[0])
    rows = {row["name"]: row["count"] for row in urls["categories/"].context["categories"]}
    assert rows == {"强化学习": 1, "视觉": 1}
    listed = urls["en/categories/cv/"].context["posts"]
    assert [(v.post.slug, v.foreign.code if v.foreign else None) for v in listed] == [("b", "zh")]
    assert urls["en/categories/rl/"].context["posts"][0].foreign is None  # its own translation


def test_tags_are_merged_by_slug_most_used_first() -> None:
    posts = [note("a", 1, tags=("RL", "PPO")), note("b", 2, tags=("rl",)), note("c", 3)]
    urls = by_url(plan(posts, page_size=10)[0])
    rows = [(row["name"], row["count"]) for row in urls["tags/"].context["tags"]]
    assert rows == [("rl", 2), ("PPO", 1)]  # named as the newest note writes it
    assert [v.post.slug for v in urls["tags/rl/"].context["posts"]] == ["b", "a"]


def test_archives_by_year_and_month() -> None:
    posts = [note("a", 1), note("b", 40), note("c", 41)]
    urls = by_url(plan(posts, page_size=10)[0])
    assert {"archives/", "archives/2026/", "archives/2026/01/", "archives/2026/02/"} <= set(urls)
    months = urls["archives/2026/"].context["years"][0]["months"]
    assert [(m["url"], len(m["posts"])) for m in months] == [
        ("/notes/archives/2026/02/", 2),
        ("/notes/archives/2026/01/", 1),
    ]


def test_every_page_kind_exists_in_both_languages_with_one_404() -> None:
    routes = {(page.route[0], page.lang) for page in plan([note("a", 1)])[0]}
    for kind in ("home", "post", "categories", "category", "tags", "archives"):
        assert {(kind, "zh"), (kind, "en")} <= routes or kind == "post", kind
    assert sum(1 for route, _ in routes if route == "404") == 1


def test_series_boxes_and_pages_per_language() -> None:
    posts = [
        note("a", 3, series="s", series_order=1),
        note("b", 1, series="s", series_order=2),
        note("c", 2, series="s"),  # no order: after the ordered parts
        note("a", 3, lang="en", series="s", series_order=1),
        note("d", 4),
    ]
    urls = by_url(plan(posts, page_size=10)[0])
    box = urls["posts/b/"].context["series"]
    assert (box.name, box.url, box.position, box.total) == ("s", "/notes/series/s/", 2, 3)
    assert [p.url for p in box.parts] == ["/notes/posts/a/", "/notes/posts/b/", "/notes/posts/c/"]
    assert (box.previous.url, box.next.url) == ("/notes/posts/a/", "/notes/posts/c/")
    english = urls["en/posts/a/"].context["series"]
    assert [p.foreign.code if p.foreign else None for p in english.parts] == [None, "zh", "zh"]
    assert urls["posts/d/"].context["series"] is None
    assert [v.post.slug for v in urls["series/s/"].context["posts"]] == ["a", "b", "c"]
    assert urls["en/series/"].context["series_list"] == [
        {"name": "s", "url": "/notes/en/series/s/", "count": 3}
    ]
    assert urls["series/s/"].route == urls["en/series/s/"].route == ("series", "s", 1)


TEMPLATES = {
    "base.html": "<title>{{ page.title }}</title><main>{% block content %}{% endblock %}</main>",
    "post.html": (
        "{% extends 'base.html' %}{% block content %}"
        "<h1>{{ entry.doc.title_html | safe }}</h1><article>{{ entry.doc.html | safe }}</article>"
        "{% endblock %}"
    ),
}


def test_plan_and_render_a_post_without_node_or_disk(monkeypatch) -> None:
    body = "公式 $x^2$ 与\n\n$$\\frac{a}{b}$$\n\n坏的 $\\bad$。"
    posts = [note("a", 1, body=body)]

    def refuse(*args, **kwargs):
        raise AssertionError(f"the middle of the pipeline touched the outside: {args[:1]}")

    monkeypatch.setattr(subprocess, "Popen", refuse)
    monkeypatch.setattr(builtins, "open", refuse)
    pages, docs, engine = plan(posts)
    assert len(engine.batches) == 1  # one batch for the whole site
    page = by_url(pages)["posts/a/"]
    site = Site(root=Path("site"), config=config(), posts=tuple(posts), pages=(), assets=())
    env = jinja2.Environment(loader=jinja2.DictLoader(TEMPLATES), autoescape=True)
    strings = {lang: Strings(STRINGS, STRINGS) for lang in ("zh", "en")}
    renderer = PageRenderer(site, strings, pages, katex=True, env=env)
    html = LexborHTMLParser(renderer.render(page).decode("utf-8"))
    assert [n.text() for n in html.css("article .fake-math")] == ["x^2", "\\frac{a}{b}"]
    assert html.css_first("article .math-error code").text() == "\\bad"
    assert page.has_math and docs[posts[0]].has_math


@pytest.mark.parametrize(
    ("page_size", "count", "expected"),
    [
        pytest.param(2, 0, [""], id="empty-site-has-a-home"),
        pytest.param(2, 2, [""], id="exactly-one-page"),
        pytest.param(2, 3, ["", "page/2/"], id="one-more-makes-a-second"),
        pytest.param(1, 3, ["", "page/2/", "page/3/"], id="one-per-page"),
    ],
)
def test_home_pages(page_size: int, count: int, expected: list[str]) -> None:
    pages, _, _ = plan([note(f"n{i}", i + 1) for i in range(count)], page_size=page_size)
    assert [p.url for p in pages if p.route[0] == "home" and p.lang == "zh"] == expected
