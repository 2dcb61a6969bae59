"""Series (`series:` and `series_order:` in front matter): the box on each part, the series
pages and index, validation, the duplicate-order warning, and rebuilds (cache and serve)."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import unquote

import pytest
from conftest import BASIC_CONFIG, parse_html, post, write_site
from selectolax.lexbor import LexborHTMLParser, LexborNode

from notesite.build import build
from notesite.cli import main
from notesite.serve.state import LiveSite
from notesite.writer import MANIFEST

CONFIG = BASIC_CONFIG.replace("page_size: 2", "page_size: 10") + (
    "series:\n  rl-course: {zh: 强化学习课程, en: RL course}\n"
)

# rl-course: ordered by series_order against the dates; b has no English version.
# vision: no order and no name in the config: by date, then by path (y and z share a date).
FILES = {
    "content/posts/rl/a.md": post(
        "基础", "2026-01-20", "甲的摘要。", series="rl-course", series_order="1"
    ),
    "content/posts/rl/b.md": post(
        "价值", "2026-01-10", "乙的摘要。", series="rl-course", series_order="2"
    ),
    "content/posts/rl/c.md": post(
        "策略 $\\pi$", "2026-01-05", "丙的摘要。", series="rl-course", series_order="3"
    ),
    "content/posts/rl/a.en.md": post(
        "Basics", "2026-01-20", "A.", series="rl-course", series_order="1"
    ),
    "content/posts/rl/c.en.md": post(
        "Policies", "2026-01-05", "C.", series="rl-course", series_order="3"
    ),
    "content/posts/cv/x.md": post("视觉三", "2026-02-03", series="vision"),
    "content/posts/cv/y.md": post("视觉一", "2026-02-01", series="vision"),
    "content/posts/cv/z.md": post("视觉二", "2026-02-01", series="vision"),
    "content/posts/rl/lone.md": post("独立的笔记", "2026-01-01"),
}


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("series")
    root = write_site(base / "site", FILES, CONFIG)
    build(root, base / "public")
    return base / "public"


def page(out: Path, url: str) -> LexborHTMLParser:
    return parse_html(out / url.removeprefix("/notes/") / "index.html")


def series_box(out: Path, url: str) -> LexborNode:
    box = page(out, url).css_first(".series-box")
    assert box is not None, url
    return box


def part_links(box: LexborNode) -> list[str | None]:
    """Each listed part's link (None for the current part, which is not a link)."""
    return [
        a.attributes["href"] if (a := li.css_first("a")) is not None else None
        for li in box.css(".series-parts > li")
    ]


def neighbours(box: LexborNode) -> tuple[str | None, str | None]:
    prev, nxt = box.css_first(".series-prev"), box.css_first(".series-next")
    return (
        prev.attributes["href"] if prev is not None else None,
        nxt.attributes["href"] if nxt is not None else None,
    )


def text(node: LexborNode | None) -> str:
    assert node is not None
    return node.text(strip=True)


# ------------------------------------------------------------------------- the box


def test_parts_follow_series_order_not_dates(out: Path) -> None:
    box = series_box(out, "posts/a/")
    assert part_links(box) == [None, "/notes/posts/b/", "/notes/posts/c/"]


def test_without_series_order_parts_follow_date_then_path(out: Path) -> None:
    box = series_box(out, "posts/z/")
    assert part_links(box) == ["/notes/posts/y/", None, "/notes/posts/x/"]
    assert text(box.css_first(".series-position")) == "第 2 篇，共 3 篇"


def test_box_shows_part_k_of_n_and_the_series_page(out: Path) -> None:
    box = series_box(out, "posts/b/")
    assert text(box.css_first(".series-position")) == "第 2 篇，共 3 篇"
    name = box.css_first("a.series-name")
    assert (text(name), name.attributes["href"]) == ("强化学习课程", "/notes/series/rl-course/")


def test_current_part_is_marked_and_not_a_link(out: Path) -> None:
    box = series_box(out, "posts/b/")
    [current] = box.css('[aria-current="page"]')
    assert text(current) == "价值"
    assert current.parent.tag == "li" and current.parent.css_first("a") is None
    assert part_links(box) == ["/notes/posts/a/", None, "/notes/posts/c/"]


def test_previous_and_next_stay_in_the_series(out: Path) -> None:
    assert neighbours(series_box(out, "posts/a/")) == (None, "/notes/posts/b/")
    assert neighbours(series_box(out, "posts/b/")) == ("/notes/posts/a/", "/notes/posts/c/")
    assert neighbours(series_box(out, "posts/c/")) == ("/notes/posts/b/", None)
    # The category's neighbours are another matter: they stay as they were.
    nav = page(out, "posts/b/").css_first(".post-nav .next")
    assert nav.attributes["href"] == "/notes/posts/a/"  # next by date in rl


def test_english_box_lists_a_part_missing_in_english_with_its_language(out: Path) -> None:
    box = series_box(out, "en/posts/a/")
    assert text(box.css_first(".series-position")) == "Part 1 of 3"
    assert text(box.css_first("a.series-name")) == "RL course"
    assert box.css_first("a.series-name").attributes["href"] == "/notes/en/series/rl-course/"
    assert part_links(box) == [None, "/notes/posts/b/", "/notes/en/posts/c/"]
    foreign = box.css(".series-parts > li")[1]
    assert foreign.attributes.get("lang") == "zh-CN"
    assert text(foreign.css_first(".lang-badge")) == "中文"
    assert [li.attributes.get("lang") for li in box.css(".series-parts > li")] == [
        None,
        "zh-CN",
        None,
    ]
    assert neighbours(box) == (None, "/notes/posts/b/")
    assert neighbours(series_box(out, "en/posts/c/")) == ("/notes/posts/b/", None)


def test_chinese_box_lists_only_chinese_notes_when_all_are_translated(out: Path) -> None:
    box = series_box(out, "posts/a/")
    assert box.css(".lang-badge") == []
    assert text(box.css_first("a.series-name")) == "强化学习课程"


def test_math_in_a_parts_title_is_rendered_and_loads_katex(out: Path) -> None:
    doc = page(out, "posts/a/")  # no math of its own; part 3's title has some
    third = doc.css(".series-box .series-parts > li")[2]
    assert third.css_first(".katex") is not None
    assert doc.css_first('link[href$="katex.min.css"]') is not None
    assert page(out, "posts/lone/").css_first('link[href$="katex.min.css"]') is None


def test_a_note_outside_any_series_has_no_box(out: Path) -> None:
    assert page(out, "posts/lone/").css_first(".series-box") is None


# ------------------------------------------------------------- series pages, index


def listed(doc: LexborHTMLParser) -> list[str]:
    return [a.attributes["href"] for a in doc.css(".post-list .post-item-title > a:first-child")]


def test_series_page_lists_parts_in_series_order_with_summaries(out: Path) -> None:
    doc = page(out, "series/rl-course/")
    assert text(doc.css_first("h1")) == "系列：强化学习课程"
    assert listed(doc) == ["/notes/posts/a/", "/notes/posts/b/", "/notes/posts/c/"]
    assert [text(e) for e in doc.css(".post-list .excerpt")] == [
        "甲的摘要。",
        "乙的摘要。",
        "丙的摘要。",
    ]


def test_english_series_page_marks_the_untranslated_part(out: Path) -> None:
    doc = page(out, "en/series/rl-course/")
    assert text(doc.css_first("h1")) == "Series: RL course"
    assert listed(doc) == ["/notes/en/posts/a/", "/notes/posts/b/", "/notes/en/posts/c/"]
    items = doc.css(".post-list > li")
    assert [item.attributes.get("lang") for item in items] == [None, "zh-CN", None]


def test_series_without_a_configured_name_is_named_by_its_key(out: Path) -> None:
    doc = page(out, "series/vision/")
    assert text(doc.css_first("h1")) == "系列：vision"
    assert listed(doc) == ["/notes/posts/y/", "/notes/posts/z/", "/notes/posts/x/"]
    assert text(series_box(out, "posts/x/").css_first("a.series-name")) == "vision"


def index_rows(doc: LexborHTMLParser) -> list[tuple[str, str, str]]:
    return [
        (
            text(li.css_first("a")),
            li.css_first("a").attributes["href"],
            text(li.css_first(".count")),
        )
        for li in doc.css(".series-index > li")
    ]


def test_series_index_lists_each_series_with_its_number_of_parts(out: Path) -> None:
    assert index_rows(page(out, "series/")) == [
        ("强化学习课程", "/notes/series/rl-course/", "3 篇"),  # declared in notesite.yaml first
        ("vision", "/notes/series/vision/", "3 篇"),
    ]
    assert index_rows(page(out, "en/series/")) == [
        ("RL course", "/notes/en/series/rl-course/", "3 parts"),
        ("vision", "/notes/en/series/vision/", "3 parts"),  # untranslated notes are listed
    ]


def alternates(doc: LexborHTMLParser) -> dict[str, str]:
    return {
        link.attributes["hreflang"]: link.attributes["href"]
        for link in doc.css('link[rel="alternate"][hreflang]')
    }


@pytest.mark.parametrize("path", ["series/", "series/rl-course/"])
def test_series_pages_have_hreflang_alternates_both_ways(out: Path, path: str) -> None:
    expected = {
        "zh-CN": f"https://example.github.io/notes/{path}",
        "en": f"https://example.github.io/notes/en/{path}",
        "x-default": f"https://example.github.io/notes/{path}",
    }
    assert alternates(page(out, path)) == expected
    assert alternates(page(out, "en/" + path)) == expected


def test_series_pages_are_in_the_sitemap(out: Path) -> None:
    sitemap = LexborHTMLParser((out / "sitemap.xml").read_text(encoding="utf-8"))
    locs = {unquote(loc.text(strip=True)) for loc in sitemap.css("loc")}
    base = "https://example.github.io/notes/"
    for path in ("series/", "series/rl-course/", "series/vision/", "en/series/"):
        assert base + path in locs
        assert base + "en/" + path.removeprefix("en/") in locs


def test_header_links_to_the_series_index(out: Path) -> None:
    for url, expected in (("", "/notes/series/"), ("en/", "/notes/en/series/")):
        nav = page(out, url).css(".site-nav a")
        assert expected in [a.attributes["href"] for a in nav]
    current = page(out, "series/").css_first('.site-nav a[aria-current="page"]')
    assert text(current) == "系列"


def test_site_without_series_has_no_series_pages_or_link(tmp_path: Path, build_site) -> None:
    root = write_site(tmp_path / "site", {"content/posts/rl/a.md": post()}, CONFIG)
    public = build_site(root)
    assert not (public / "series").exists() and not (public / "en/series").exists()
    nav = [a.attributes["href"] for a in parse_html(public / "index.html").css(".site-nav a")]
    assert "/notes/series/" not in nav


def test_long_series_pages_keep_series_order(tmp_path: Path, build_site) -> None:
    files = {
        f"content/posts/rl/p{i}.md": post(
            f"第{i}篇", f"2026-01-{10 - i:02d}", series="s", series_order=str(i)
        )
        for i in range(1, 4)
    }
    config = CONFIG.replace("page_size: 10", "page_size: 2")
    public = build_site(write_site(tmp_path / "site", files, config))
    first = parse_html(public / "series/s/index.html")
    second = parse_html(public / "series/s/page/2/index.html")
    assert listed(first) + listed(second) == [f"/notes/posts/p{i}/" for i in (1, 2, 3)]
    assert text(second.css_first(".series-count .count")) == "3 篇"


# ---------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("front", "line", "message"),
    [
        pytest.param(
            "series: RL Course\n",
            4,
            "series must be a key like rl-course (a-z, 0-9, - and _), not 'RL Course'",
            id="not-a-key",
        ),
        pytest.param(
            "series: [a, b]\n",
            4,
            "series must be a key like rl-course",
            id="a-list",
        ),
        pytest.param(
            "series: s\nseries_order: first\n",
            5,
            "series_order must be an integer, not 'first'",
            id="order-not-integer",
        ),
        pytest.param(
            "series: s\nseries_order: true\n", 5, "series_order must be an integer", id="order-bool"
        ),
        pytest.param(
            "series: s\nseries_order: 1.5\n", 5, "series_order must be an integer", id="order-float"
        ),
        pytest.param(
            "tags: [a]\nseries_order: 2\n", 5, "series_order without a series", id="order-alone"
        ),
    ],
)
def test_invalid_series_is_an_error_at_its_line(
    tmp_path: Path, capsys, monkeypatch, front: str, line: int, message: str
) -> None:
    note = "---\ntitle: 甲\ndate: 2026-01-01\n" + front + "---\n\n正文。\n"
    monkeypatch.chdir(write_site(tmp_path / "site", {"content/posts/rl/a.md": note}, CONFIG))
    assert main(["build", "--output", str(tmp_path / "out")]) == 1
    [error] = capsys.readouterr().err.strip().splitlines()
    assert error.startswith(f"content/posts/rl/a.md:{line}: {message}")
    assert not (tmp_path / "out").exists()


def test_a_standalone_page_cannot_be_part_of_a_series(tmp_path: Path, capsys, monkeypatch) -> None:
    files = {"content/pages/about.md": post("关于", series="s")}
    monkeypatch.chdir(write_site(tmp_path / "site", files, CONFIG))
    assert main(["check"]) == 1
    assert capsys.readouterr().out.strip() == (
        "content/pages/about.md:4: series are made of posts, not standalone pages"
    )


DUPLICATE = {
    "content/posts/rl/a.md": post("甲", "2026-01-01", series="s", series_order="1"),
    "content/posts/rl/b.md": post("乙", "2026-01-02", tags="[x]", series="s", series_order="1"),
    # the same order in another language, or in another series, is no duplicate
    "content/posts/rl/a.en.md": post("A", "2026-01-01", series="s", series_order="1"),
    "content/posts/rl/c.md": post("丙", "2026-01-03", series="t", series_order="1"),
}
DUPLICATE_WARNING = (
    "content/posts/rl/b.md:6: warning: series_order 1 of series 's' (zh) is also the order "
    "of content/posts/rl/a.md:5"
)


def test_duplicate_series_order_is_a_warning_naming_both_files(
    tmp_path: Path, capsys, monkeypatch
) -> None:
    monkeypatch.chdir(write_site(tmp_path / "site", DUPLICATE, CONFIG))
    assert main(["build", "--output", str(tmp_path / "out")]) == 0
    assert capsys.readouterr().err.strip().splitlines() == [DUPLICATE_WARNING]
    # Both parts are still shown, in date order between themselves.
    box = parse_html(tmp_path / "out/posts/a/index.html").css_first(".series-box")
    assert part_links(box) == [None, "/notes/posts/b/"]
    assert main(["build", "--strict", "--output", str(tmp_path / "out")]) == 1
    assert capsys.readouterr().err.strip().splitlines() == [DUPLICATE_WARNING]


def test_check_lists_the_duplicate_series_order(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(write_site(tmp_path / "site", DUPLICATE, CONFIG))
    assert main(["check"]) == 0
    assert capsys.readouterr().out.strip().splitlines() == [DUPLICATE_WARNING]
    assert main(["check", "--format", "json"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert (row["path"], row["line"], row["severity"]) == ("content/posts/rl/b.md", 6, "warning")
    assert main(["check", "--strict"]) == 1


# ------------------------------------------------------------------------ rebuilds


def box_position(public: Path, url: str) -> str:
    return text(parse_html(public / url / "index.html").css_first(".series-position"))


def test_adding_a_part_updates_the_other_parts_on_a_cached_rebuild(tmp_path: Path) -> None:
    files = {
        "content/posts/rl/a.md": post("甲", "2026-01-01", series="s"),
        "content/posts/rl/b.md": post("乙", "2026-01-02", series="s"),
        "content/posts/cv/other.md": post("无关", "2026-01-03"),
    }
    root = write_site(tmp_path / "site", files, CONFIG)
    public, cache = tmp_path / "public", tmp_path / "cache"
    build(root, public, cache_dir=cache)
    assert box_position(public, "posts/a") == "第 1 篇，共 2 篇"
    (root / "content/posts/rl/c.md").write_text(
        post("丙", "2026-01-04", series="s"), encoding="utf-8"
    )
    result = build(root, public, cache_dir=cache)
    assert result.notes_rendered == 1  # the others' HTML came from the cache
    assert box_position(public, "posts/a") == "第 1 篇，共 3 篇"
    assert box_position(public, "posts/b") == "第 2 篇，共 3 篇"
    box = parse_html(public / "posts/b/index.html").css_first(".series-box")
    assert neighbours(box) == ("/notes/posts/a/", "/notes/posts/c/")
    assert part_links(box) == ["/notes/posts/a/", None, "/notes/posts/c/"]


def served_equals_built(live: LiveSite, root: Path, out: Path) -> list[str]:
    """The output files whose served bytes differ from a fresh build's."""
    build(root, out, drafts=True, cache_dir=out.parent / "build-cache")
    built = {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in out.rglob("*")
        if p.is_file() and p.name != MANIFEST
    }
    return [path for path, content in built.items() if live.get(path) != content]


def test_serve_adding_series_to_a_note_updates_the_other_parts(tmp_path: Path) -> None:
    files = {
        "content/posts/rl/a.md": post("甲 $x$", "2026-01-01", series="s"),
        "content/posts/rl/b.md": post(
            "乙", "2026-01-02", "摘要。\n\n<!--more-->\n\n正文。", series="s"
        ),
        "content/posts/rl/c.md": post("丙", "2026-01-03"),
    }
    root = write_site(tmp_path / "site", files, CONFIG)
    live = LiveSite(root, cache_dir=tmp_path / "serve-cache")
    try:
        assert live.refresh().error is None
        watched = {"posts/a/index.html", "posts/b/index.html"}
        for path in watched:
            live.get(path)
        note = root / "content/posts/rl/c.md"
        note.write_text(post("丙", "2026-01-03", series="s"), encoding="utf-8")
        result = live.refresh(watched, {note})
        assert result.error is None and result.changed_pages == watched
        page_a = LexborHTMLParser(live.get("posts/a/index.html").decode())
        assert text(page_a.css_first(".series-position")) == "第 1 篇，共 3 篇"
        assert served_equals_built(live, root, tmp_path / "out") == []
        # A body-only save of a part keeps its box (and KaTeX for part 1's title).
        body = root / "content/posts/rl/b.md"
        body.write_text(body.read_text(encoding="utf-8") + "\n\n更多。\n", encoding="utf-8")
        assert live.refresh({"posts/b/index.html"}, {body}).error is None
        assert live.pipeline.body_only_runs == 1
        assert served_equals_built(live, root, tmp_path / "out") == []
    finally:
        live.close()
