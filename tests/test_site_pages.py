"""A small bilingual site, built once and read back as parsed HTML."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from conftest import BASIC_CONFIG, parse_html, post, write_site
from selectolax.lexbor import LexborHTMLParser

from notesite.cli import main
from notesite.writer import MANIFEST

LONG = "残差" * 500  # 1000 CJK characters: 3 minutes at 400 a minute

FILES = {
    "content/posts/rl/bellman.md": post(
        "贝尔曼方程",
        "2025-03-02",
        """\
        # 贝尔曼方程

        摘要甲：贝尔曼方程把价值分解为即时奖励与后继状态的价值。

        ## 定义

        另见[时序差分](td.md#sarsa)与[本页推导](#推导)。

        ## 推导

        ### 细节

        细节文字。
        """,
        updated="2026-01-20",
        tags="[RL, 动态规划]",
    ),
    "content/posts/rl/bellman.en.md": post(
        "Bellman Equation",
        "2025-03-02",
        """\
        Summary A: the Bellman equation splits value into reward and what follows.

        See [TD](td.en.md#sarsa).
        """,
        tags="[RL]",
    ),
    "content/posts/rl/td.md": post(
        "时序差分",
        "2025-06-18 21:30",
        """\
        摘要乙：时序差分学习结合了蒙特卡洛与动态规划。

        ## Sarsa

        在策略。

        ## Q 学习

        离策略。
        """,
        tags="[RL]",
    ),
    "content/posts/rl/td.en.md": post(
        "Temporal Difference",
        "2025-06-18 21:30",
        """\
        Summary B: temporal difference learning.

        ## Sarsa

        On-policy.
        """,
        tags="[RL]",
    ),
    "content/posts/rl/ppo.md": post(
        "近端策略优化", "2026-01-11T10:30:00+08:00", "摘要丙：裁剪目标函数。\n", tags="RL"
    ),
    "content/posts/rl/dqn.md": post("深度 Q 网络", "2026-01-03", "摘要丁：经验回放。\n"),
    "content/posts/cv/vit.md": post(
        "视觉变换器", "2026-01-05", "摘要戊：把图像切成图块。\n", tags="[Transformer]"
    ),
    "content/posts/cv/resnet.md": post(
        "残差网络", "2024-11-30", f"摘要己：残差连接。\n\n{LONG}\n", updated="2025-01-02"
    ),
}

# Newest first by `updated`, else `date`.
ZH_ORDER = ["贝尔曼方程", "近端策略优化", "视觉变换器", "深度 Q 网络", "时序差分", "残差网络"]
EN_ORDER = ["Temporal Difference", "Bellman Equation"]
EXPECTED = {
    "贝尔曼方程": ("bellman", "2025-03-02T00:00:00+08:00", "强化学习", "rl", "摘要甲", 1),
    "近端策略优化": ("ppo", "2026-01-11T10:30:00+08:00", "强化学习", "rl", "摘要丙", 1),
    "视觉变换器": ("vit", "2026-01-05T00:00:00+08:00", "计算机视觉", "cv", "摘要戊", 1),
    "深度 Q 网络": ("dqn", "2026-01-03T00:00:00+08:00", "强化学习", "rl", "摘要丁", 1),
    "时序差分": ("td", "2025-06-18T21:30:00+08:00", "强化学习", "rl", "摘要乙", 1),
    "残差网络": ("resnet", "2024-11-30T00:00:00+08:00", "计算机视觉", "cv", "摘要己", 3),
}
HOST = "example.github.io"
BASE = "/notes/"


def write_fixture(root: Path) -> Path:
    # These tests check each language's own listings; tests/test_i18n.py covers
    # untranslated notes shown in the other language (the default).
    return write_site(root, FILES, BASIC_CONFIG + "untranslated: hide\n")


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from notesite.build import build

    root = write_fixture(tmp_path_factory.mktemp("pages") / "site")
    output = root.parent / "public"
    build(root, output)
    return output


def page(out: Path, url: str) -> LexborHTMLParser:
    """The parsed page served at `url` (a path under the base path, e.g. /notes/tags/)."""
    path = unquote(url)
    assert path.startswith(BASE), url
    relative = path.removeprefix(BASE)
    file = out / relative / "index.html" if relative == "" or relative.endswith("/") else None
    return parse_html(file or out / relative)


def titles(tree: LexborHTMLParser) -> list[str]:
    return [a.text(strip=True) for a in tree.css(".post-list .post-item-title a")]


def pager_link(tree: LexborHTMLParser, rel: str) -> str | None:
    link = tree.css_first(f"nav.pagination a[rel={rel}]")
    return link.attributes["href"] if link else None


def all_titles(out: Path, url: str) -> list[str]:
    """Titles over every page of a paginated listing, following rel=next."""
    found: list[str] = []
    seen: set[str] = set()
    next_url: str | None = url
    while next_url:
        assert next_url not in seen
        seen.add(next_url)
        tree = page(out, next_url)
        found.extend(titles(tree))
        next_url = pager_link(tree, "next")
    return found


def post_by_title(title: str) -> str:
    return f"/notes/posts/{EXPECTED[title][0]}/"


# ------------------------------------------------------------------------------ home


def test_home_lists_posts_newest_first_by_updated_else_date(out: Path) -> None:
    assert titles(page(out, "/notes/")) == ZH_ORDER[:2]
    assert all_titles(out, "/notes/") == ZH_ORDER


def test_home_items_have_link_category_time_reading_time_and_excerpt(out: Path) -> None:
    seen = []
    for url in ("/notes/", "/notes/page/2/", "/notes/page/3/"):
        for item in page(out, url).css(".post-list li.post-item"):
            title_link = item.css_first(".post-item-title a")
            title = title_link.text(strip=True)
            slug, iso, category, category_key, excerpt, minutes = EXPECTED[title]
            seen.append(title)

            assert unquote(title_link.attributes["href"]) == f"/notes/posts/{slug}/"
            meta = item.css_first(".post-meta")
            time = meta.css_first("time")
            assert time.attributes["datetime"] == iso
            assert datetime.fromisoformat(time.attributes["datetime"]).tzinfo is not None
            link = meta.css_first("a.category")
            assert link.text(strip=True) == category
            assert link.attributes["href"] == f"/notes/categories/{category_key}/"
            assert meta.css_first(".reading-time").text(strip=True) == f"{minutes} 分钟阅读"
            assert item.css_first(".excerpt").text(strip=True).startswith(excerpt)
    assert seen == ZH_ORDER


def test_excerpt_does_not_repeat_the_title_heading(out: Path) -> None:
    first = page(out, "/notes/").css_first(".post-list li.post-item")
    assert first.css_first(".post-item-title a").text(strip=True) == "贝尔曼方程"
    excerpt = first.css_first(".excerpt").text(strip=True)
    assert excerpt.startswith("摘要甲")
    assert not first.css_first(".excerpt").css("h1")


def test_home_pagination(out: Path) -> None:
    first, second, third = (page(out, u) for u in ("/notes/", "/notes/page/2/", "/notes/page/3/"))
    assert pager_link(first, "prev") is None
    assert pager_link(first, "next") == "/notes/page/2/"
    assert pager_link(second, "prev") == "/notes/"
    assert pager_link(second, "next") == "/notes/page/3/"
    assert pager_link(third, "prev") == "/notes/page/2/"
    assert pager_link(third, "next") is None
    assert titles(second) == ZH_ORDER[2:4]
    assert not (out / "page" / "4").exists()
    # Page one lives at the listing's own URL, not at /page/1/.
    assert not (out / "page" / "1").exists()


# ------------------------------------------------------------------------ categories


def term_rows(tree: LexborHTMLParser) -> list[tuple[str, str, int]]:
    rows = []
    for item in tree.css("ul.term-list li"):
        link = item.css_first("a")
        count = int(re.match(r"\d+", item.css_first(".count").text(strip=True)).group())
        rows.append((link.text(strip=True), unquote(link.attributes["href"]), count))
    return rows


def test_categories_index_counts_match_the_listings(out: Path) -> None:
    rows = term_rows(page(out, "/notes/categories/"))
    assert rows == [
        ("强化学习", "/notes/categories/rl/", 4),
        ("计算机视觉", "/notes/categories/cv/", 2),
    ]
    for _, url, count in rows:
        assert len(all_titles(out, url)) == count


def test_category_listing_and_its_second_page(out: Path) -> None:
    first = page(out, "/notes/categories/rl/")
    assert titles(first) == ["贝尔曼方程", "近端策略优化"]
    assert first.css_first("h1").text(strip=True).endswith("强化学习")
    assert pager_link(first, "next") == "/notes/categories/rl/page/2/"

    second = page(out, "/notes/categories/rl/page/2/")
    assert titles(second) == ["深度 Q 网络", "时序差分"]
    assert pager_link(second, "prev") == "/notes/categories/rl/"
    assert pager_link(second, "next") is None

    assert all_titles(out, "/notes/categories/cv/") == ["视觉变换器", "残差网络"]


# ------------------------------------------------------------------------------ tags


def test_tags_index_and_tag_pages(out: Path) -> None:
    rows = term_rows(page(out, "/notes/tags/"))
    assert rows[0] == ("#RL", "/notes/tags/rl/", 3)
    assert sorted(rows) == sorted(
        [
            ("#RL", "/notes/tags/rl/", 3),
            ("#动态规划", "/notes/tags/动态规划/", 1),
            ("#Transformer", "/notes/tags/transformer/", 1),
        ]
    )
    assert all_titles(out, "/notes/tags/rl/") == ["贝尔曼方程", "近端策略优化", "时序差分"]
    assert titles(page(out, "/notes/tags/rl/page/2/")) == ["时序差分"]
    assert all_titles(out, "/notes/tags/动态规划/") == ["贝尔曼方程"]
    for _, url, count in rows:
        assert len(all_titles(out, url)) == count


# -------------------------------------------------------------------------- archives


def archive_structure(tree: LexborHTMLParser) -> list[tuple[str, list[tuple[str, list[str]]]]]:
    years = []
    for section in tree.css("section.archive-year"):
        months = []
        for heading in section.css("h3"):
            # The list of a month follows its heading.
            listing = heading.next
            while listing is not None and listing.tag != "ul":
                listing = listing.next
            names = [a.text(strip=True) for a in listing.css("li > a")]
            months.append((heading.css_first("a").attributes["href"], names))
        years.append((section.css_first("h2 a").attributes["href"], months))
    return years


def test_archives_grouped_by_year_and_month(out: Path) -> None:
    assert archive_structure(page(out, "/notes/archives/")) == [
        (
            "/notes/archives/2026/",
            [("/notes/archives/2026/01/", ["近端策略优化", "视觉变换器", "深度 Q 网络"])],
        ),
        (
            "/notes/archives/2025/",
            [
                ("/notes/archives/2025/06/", ["时序差分"]),
                ("/notes/archives/2025/03/", ["贝尔曼方程"]),
            ],
        ),
        ("/notes/archives/2024/", [("/notes/archives/2024/11/", ["残差网络"])]),
    ]


def test_archive_entries_carry_iso_dates(out: Path) -> None:
    tree = page(out, "/notes/archives/")
    for item in tree.css("ul.archive-list li"):
        title = item.css_first("a").text(strip=True)
        assert item.css_first("time").attributes["datetime"] == EXPECTED[title][1]


def test_year_archive(out: Path) -> None:
    assert archive_structure(page(out, "/notes/archives/2026/")) == [
        (
            "/notes/archives/2026/",
            [("/notes/archives/2026/01/", ["近端策略优化", "视觉变换器", "深度 Q 网络"])],
        )
    ]
    counts = page(out, "/notes/archives/").css("section.archive-year h2 .count")
    assert [c.text(strip=True) for c in counts] == ["3 篇", "2 篇", "1 篇"]


def test_month_archive_is_a_paginated_listing(out: Path) -> None:
    first = page(out, "/notes/archives/2026/01/")
    assert titles(first) == ["近端策略优化", "视觉变换器"]
    assert pager_link(first, "next") == "/notes/archives/2026/01/page/2/"
    assert all_titles(out, "/notes/archives/2026/01/") == [
        "近端策略优化",
        "视觉变换器",
        "深度 Q 网络",
    ]
    assert all_titles(out, "/notes/archives/2025/06/") == ["时序差分"]
    assert not (out / "archives" / "2026" / "02").exists()


# --------------------------------------------------------------------------- English


def test_english_home_and_categories(out: Path) -> None:
    home = page(out, "/notes/en/")
    assert titles(home) == EN_ORDER
    assert home.css_first("html").attributes["lang"] == "en"
    categories = [a.text(strip=True) for a in home.css(".post-list .post-meta a.category")]
    assert categories == ["Reinforcement Learning", "Reinforcement Learning"]
    links = [a.attributes["href"] for a in home.css(".post-list .post-item-title a")]
    assert links == ["/notes/en/posts/td/", "/notes/en/posts/bellman/"]
    assert [t.text(strip=True) for t in home.css(".reading-time")] == ["1 min read"] * 2

    assert term_rows(page(out, "/notes/en/categories/")) == [
        ("Reinforcement Learning", "/notes/en/categories/rl/", 2),
        ("Computer Vision", "/notes/en/categories/cv/", 0),
    ]
    assert all_titles(out, "/notes/en/categories/rl/") == EN_ORDER
    assert all_titles(out, "/notes/en/categories/cv/") == []


def test_english_post_links_to_english_translation_target(out: Path) -> None:
    tree = page(out, "/notes/en/posts/bellman/")
    hrefs = [a.attributes["href"] for a in tree.css(".post-body a")]
    assert "/notes/en/posts/td/#sarsa" in hrefs


# ------------------------------------------------------------------------- post page


def test_post_page_title_shown_once(out: Path) -> None:
    tree = page(out, "/notes/posts/bellman/")
    headings = tree.css("h1")
    assert len(headings) == 1
    assert headings[0].text(strip=True) == "贝尔曼方程"
    assert tree.css_first("title").text(strip=True).startswith("贝尔曼方程")


def test_post_page_meta(out: Path) -> None:
    tree = page(out, "/notes/posts/bellman/")
    meta = tree.css_first("article .post-meta")
    assert meta.css_first("time").attributes["datetime"] == "2025-03-02T00:00:00+08:00"
    assert meta.css_first("time").text(strip=True) == "2025年3月2日"
    assert meta.css_first(".updated time").attributes["datetime"] == "2026-01-20T00:00:00+08:00"
    category = meta.css_first("a.category")
    assert (category.text(strip=True), category.attributes["href"]) == (
        "强化学习",
        "/notes/categories/rl/",
    )
    tags = [(a.text(strip=True), unquote(a.attributes["href"])) for a in tree.css("ul.tags a")]
    assert tags == [("#RL", "/notes/tags/rl/"), ("#动态规划", "/notes/tags/动态规划/")]


def test_post_without_update_shows_no_updated_date(out: Path) -> None:
    tree = page(out, "/notes/posts/td/")
    assert tree.css_first("article .post-meta .updated") is None
    assert (
        tree.css_first("article .post-meta time").attributes["datetime"] == EXPECTED["时序差分"][1]
    )


def test_post_toc_links_to_heading_ids(out: Path) -> None:
    tree = page(out, "/notes/posts/bellman/")
    entries = tree.css("nav.toc a")
    assert [a.text(strip=True) for a in entries] == ["定义", "推导", "细节"]
    body_ids = {node.attributes["id"] for node in tree.css(".post-body [id]")}
    for entry in entries:
        href = entry.attributes["href"]
        assert href.startswith("#")
        assert unquote(href[1:]) in body_ids
        target = tree.css(".post-body h2, .post-body h3")
        heading = next(h for h in target if h.attributes.get("id") == unquote(href[1:]))
        assert heading.text(strip=True).startswith(entry.text(strip=True))
    # A same-page link to a heading by its id reaches it too.
    same_page = [a.attributes["href"] for a in tree.css(".post-body p a")]
    assert "#推导" in [unquote(h) for h in same_page]


def test_post_links_to_its_translation(out: Path) -> None:
    zh = page(out, "/notes/posts/bellman/")
    links = [unquote(a.attributes["href"]) for a in zh.css(".translations a")]
    assert links == ["/notes/en/posts/bellman/"]
    en = page(out, "/notes/en/posts/bellman/")
    assert [a.attributes["href"] for a in en.css(".translations a")] == ["/notes/posts/bellman/"]
    assert page(out, "/notes/posts/ppo/").css_first(".translations") is None


@pytest.mark.parametrize(
    ("url", "previous", "following"),
    [
        ("/notes/posts/bellman/", None, "时序差分"),
        ("/notes/posts/td/", "贝尔曼方程", "深度 Q 网络"),
        ("/notes/posts/ppo/", "深度 Q 网络", None),
        # vit's neighbour by date is dqn, but dqn is in another category.
        ("/notes/posts/vit/", "残差网络", None),
        ("/notes/posts/resnet/", None, "视觉变换器"),
    ],
)
def test_previous_and_next_stay_in_the_category(
    out: Path, url: str, previous: str | None, following: str | None
) -> None:
    tree = page(out, url)
    for rel, title in (("prev", previous), ("next", following)):
        link = tree.css_first(f".post-nav a[rel={rel}]")
        if title is None:
            assert link is None
        else:
            assert link is not None
            assert unquote(link.attributes["href"]) == post_by_title(title)
            assert title in link.text(strip=True)


def test_md_link_is_rewritten_to_the_post_url(out: Path) -> None:
    tree = page(out, "/notes/posts/bellman/")
    hrefs = [a.attributes["href"] for a in tree.css(".post-body a")]
    assert "/notes/posts/td/#sarsa" in hrefs
    assert not [h for h in hrefs if ".md" in h]
    target = page(out, "/notes/posts/td/")
    assert target.css_first(".post-body h2#sarsa") is not None


def test_404_page(out: Path) -> None:
    assert (out / "404.html").is_file()
    tree = parse_html(out / "404.html")
    assert "404" in tree.css_first("h1").text()
    assert "/notes/" in [a.attributes["href"] for a in tree.css("main a")]


# --------------------------------------------------------------------- links, base path


def internal_references(out: Path) -> list[tuple[str, str]]:
    """(file, reference) for every href/src of the site itself in every HTML file."""
    found = []
    for file in sorted(out.rglob("*.html")):
        tree = parse_html(file)
        for node in tree.css("[href], [src]"):
            for attribute in ("href", "src"):
                value = node.attributes.get(attribute)
                if value is None:
                    continue
                parts = urlsplit(value)
                if parts.scheme in ("mailto", "data", "javascript"):
                    continue
                if parts.netloc and parts.netloc != HOST:
                    continue
                if not parts.netloc and not parts.path:  # "#fragment" on the same page
                    continue
                found.append((file.relative_to(out).as_posix(), value))
    return found


def test_every_internal_reference_starts_with_base_path(out: Path) -> None:
    references = internal_references(out)
    assert len(references) > 100
    wrong = [(f, v) for f, v in references if not urlsplit(v).path.startswith(BASE)]
    assert wrong == []


def test_every_internal_reference_exists(out: Path) -> None:
    missing = []
    for file, value in internal_references(out):
        path = unquote(urlsplit(value).path).removeprefix(BASE)
        target = out / path / "index.html" if path == "" or path.endswith("/") else out / path
        if not target.is_file():
            missing.append((file, value))
    assert missing == []


# ------------------------------------------------------------------ determinism, CLI


def snapshot(folder: Path) -> dict[str, bytes]:
    """The site's files; the writer's manifest (sizes, mtimes, inodes) is not one of them."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != MANIFEST
    }


def test_two_builds_are_byte_identical(tmp_path: Path, build_site) -> None:
    root = write_fixture(tmp_path / "site")
    first = snapshot(build_site(root, output=tmp_path / "one"))
    second = snapshot(build_site(root, output=tmp_path / "two"))
    assert "index.html" in first
    assert first.keys() == second.keys()
    assert [name for name in first if first[name] != second[name]] == []


def test_cli_summary_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_fixture(tmp_path / "site")
    output = tmp_path / "public"
    summary = re.compile(
        r"notesite: ([\d,]+) pages \(([\d,]+) files: ([\d,]+) written, ([\d,]+) unchanged, "
        r"([\d,]+) removed\) to (.+)/; posts: (2 en, [65] zh); "
        r"notes: (\d+) rendered, (\d+) from cache; "
        r"formulas: \d+ \(\d+ rendered, \d+ from cache\); (\d+\.\d+) s"
    )

    def run() -> tuple[int, int, int, int, int, str]:
        assert main(["build", "--source", str(root), "--output", str(output)]) == 0
        captured = capsys.readouterr()
        assert "Traceback" not in captured.err
        last = captured.out.strip().splitlines()[-1]
        match = summary.fullmatch(last)
        assert match, last
        assert Path(match[6]) == output
        assert 0 < float(match[10]) < 60
        notes.append((int(match[8]), int(match[9])))
        return (*(int(n.replace(",", "")) for n in match.groups()[:5]), match[7])

    notes: list[tuple[int, int]] = []  # (rendered, from cache) per build

    pages, files, written, unchanged, removed, posts = run()
    assert posts == "2 en, 6 zh"
    html = [p for p in output.rglob("*.html") if p.relative_to(output).parts[0] != "static"]
    assert pages == len(html)
    assert files == written == len(snapshot(output)) and (unchanged, removed) == (0, 0)

    before = snapshot(output)
    (root / "content/posts/rl/dqn.md").unlink()
    pages_after, files_after, written, unchanged, removed, posts = run()
    after = snapshot(output)
    assert posts == "2 en, 5 zh"
    assert pages_after < pages and files_after == len(after) == written + unchanged
    assert removed == len(before.keys() - after.keys()) and "posts/dqn/index.html" in before
    assert written == sum(1 for path in after if before.get(path) != after[path])
    # The second build parsed no note: every remaining one came from the cache.
    assert notes[1][0] == 0 and notes[1][1] == sum(notes[0]) - 1
