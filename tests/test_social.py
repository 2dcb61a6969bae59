"""What link previews and search engines read: Open Graph and Twitter tags, a note's
JSON-LD, robots.txt, and the favicon every page links."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree

import pytest
from conftest import BASIC_CONFIG, build_in, parse_html, post, write_site
from selectolax.lexbor import LexborHTMLParser

from notesite.build import build

BASE = "https://example.github.io/notes/"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 16
CONFIG = (
    BASIC_CONFIG
    + "social_image: static/card.png\n"
    + "series:\n  rl-course: {zh: 强化学习课程, en: RL course}\n"
)
ESCAPED_TITLE = "The `</script>` \"quoted\" & 'single'"

FILES: dict[str, str | bytes] = {
    "content/posts/rl/bellman.md": post(
        "贝尔曼方程 $V^\\pi(s)$",
        "2025-03-02 10:30",
        "价值 $V(s)$ 分解为奖励与后继价值。\n\n![转移图](../img/fig.png)\n",
        updated="2026-01-20",
        tags="[RL, 动态规划]",
        series="rl-course",
        series_order="1",
    ),
    "content/posts/rl/bellman.en.md": post(
        "Bellman Equation",
        "2025-03-02 10:30",
        "Value splits into reward and what follows.\n",
        series="rl-course",
        series_order="1",
    ),
    "content/posts/rl/td.md": post(
        "时序差分", "2025-06-18", "无图。\n", series="rl-course", series_order="2"
    ),
    "content/posts/rl/escape.md": post(
        "'" + ESCAPED_TITLE.replace("'", "''") + "'",
        "2025-01-01",
        "正文 <b>粗</b>。\n",
        tags='["</script><!--", "a&b"]',
    ),
    "content/posts/cv/conv/index.md": post("卷积", "2025-05-05", "![核](kernel.png)\n"),
    "content/posts/cv/conv/kernel.png": PNG,
    "content/posts/img/fig.png": PNG,
    "content/pages/about.md": post("关于", "2024-01-01", "关于本站。\n"),
    "static/card.png": PNG,
}


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_in(tmp_path_factory, FILES, CONFIG)


def meta(page: LexborHTMLParser, name: str) -> str | None:
    node = page.css_first(f'meta[property="{name}"], meta[name="{name}"]')
    return node.attributes["content"] if node is not None else None


def metas(page: LexborHTMLParser, name: str) -> list[str]:
    return [node.attributes["content"] for node in page.css(f'meta[property="{name}"]')]


def json_ld(page: LexborHTMLParser) -> list[dict]:
    return [json.loads(s.text()) for s in page.css('script[type="application/ld+json"]')]


# -------------------------------------------------------------------------------- notes


def test_note_tags(out: Path) -> None:
    page = parse_html(out / "posts/bellman/index.html")
    assert meta(page, "og:title") == "贝尔曼方程 $V^\\pi(s)$"  # plain text, TeX kept
    description = meta(page, "og:description")
    assert description == meta(page, "description")
    assert description.startswith("价值 $V(s)$ 分解为奖励与后继价值")
    assert meta(page, "og:type") == "article"
    assert meta(page, "og:url") == BASE + "posts/bellman/"
    assert meta(page, "og:url") == page.css_first('link[rel="canonical"]').attributes["href"]
    assert meta(page, "og:locale") == "zh_CN"
    assert metas(page, "og:locale:alternate") == ["en"]  # the English version exists
    assert meta(page, "og:image") == BASE + "posts/img/fig.png"  # the note's first image
    assert (out / "posts/img/fig.png").is_file()
    assert meta(page, "twitter:card") == "summary_large_image"
    assert meta(page, "og:site_name") == "测试站点"
    assert meta(page, "article:published_time") == "2025-03-02T10:30:00+08:00"
    assert meta(page, "article:modified_time") == "2026-01-20T00:00:00+08:00"
    assert metas(page, "article:tag") == ["RL", "动态规划"]


def test_note_json_ld(out: Path) -> None:
    (data,) = json_ld(parse_html(out / "posts/bellman/index.html"))
    assert data == {
        "@context": "https://schema.org",
        "@type": "BlogPosting",
        "headline": "贝尔曼方程 $V^\\pi(s)$",
        "description": data["description"],
        "datePublished": "2025-03-02T10:30:00+08:00",
        "dateModified": "2026-01-20T00:00:00+08:00",
        "inLanguage": "zh-CN",
        "url": BASE + "posts/bellman/",
        "mainEntityOfPage": BASE + "posts/bellman/",
        "author": {"@type": "Person", "name": "Tester"},
        "image": BASE + "posts/img/fig.png",
        "keywords": ["RL", "动态规划"],
        "isPartOf": {
            "@type": "CreativeWorkSeries",
            "name": "强化学习课程",
            "url": BASE + "series/rl-course/",
        },
    }
    assert (out / "series/rl-course/index.html").is_file()
    assert data["description"].startswith("价值 $V(s)$")


def test_translation_and_note_without_image(out: Path) -> None:
    english = parse_html(out / "en/posts/bellman/index.html")
    assert meta(english, "og:locale") == "en"
    assert metas(english, "og:locale:alternate") == ["zh_CN"]
    (data,) = json_ld(english)
    assert data["inLanguage"] == "en"
    assert data["isPartOf"]["name"] == "RL course"
    assert data["isPartOf"]["url"] == BASE + "en/series/rl-course/"
    assert "keywords" not in data  # no tags
    td = parse_html(out / "posts/td/index.html")
    assert metas(td, "og:locale:alternate") == []  # no English version
    assert meta(td, "og:image") == BASE + "static/card.png"  # the site's default
    assert json_ld(td)[0]["image"] == BASE + "static/card.png"


def test_bundle_image_is_absolute_under_the_sub_path(out: Path) -> None:
    page = parse_html(out / "posts/conv/index.html")
    assert meta(page, "og:image") == BASE + "posts/conv/kernel.png"
    assert (out / "posts/conv/kernel.png").is_file()


def test_values_are_escaped_for_attributes_and_script(out: Path) -> None:
    page = parse_html(out / "posts/escape/index.html")
    title = "The </script> \"quoted\" & 'single'"
    assert meta(page, "og:title") == title
    (data,) = json_ld(page)
    assert data["headline"] == title
    assert data["keywords"] == ["</script><!--", "a&b"]
    assert metas(page, "article:tag") == ["</script><!--", "a&b"]
    assert data["description"] == meta(page, "og:description") == "正文 粗。"
    script = page.css_first('script[type="application/ld+json"]').text()
    assert "<" not in script and ">" not in script and "&" not in script


# ----------------------------------------------------------------------- other pages


def test_listing_tags(out: Path) -> None:
    home = parse_html(out / "index.html")
    assert meta(home, "og:title") == "测试站点"
    assert meta(home, "og:type") == "website"
    assert meta(home, "og:url") == BASE
    assert meta(home, "og:description") == "描述"
    assert meta(home, "og:image") == BASE + "static/card.png"
    assert meta(home, "twitter:card") == "summary_large_image"
    assert metas(home, "og:locale:alternate") == ["en"]
    assert json_ld(home) == []
    assert (out / "static/card.png").is_file()
    category = parse_html(out / "en/categories/rl/page/2/index.html")
    assert meta(category, "og:title") == "Category: Reinforcement Learning"
    assert meta(category, "og:url") == BASE + "en/categories/rl/page/2/"
    assert meta(category, "og:locale") == "en"
    assert meta(category, "og:description") == "Description"
    assert meta(category, "article:published_time") is None


def test_standalone_page_is_no_article(out: Path) -> None:
    page = parse_html(out / "about/index.html")
    assert meta(page, "og:type") == "website"
    assert json_ld(page) == []
    assert meta(page, "og:title") == "关于"


def test_without_a_default_image_listings_have_no_image(tmp_path: Path) -> None:
    files = {
        "content/posts/rl/a.md": post("甲", "2025-01-01", "无图。\n"),
        "content/posts/rl/b.md": post("乙", "2025-01-02", ""),
    }
    root = write_site(tmp_path / "site", files, BASIC_CONFIG)
    build(root, tmp_path / "public")
    empty = parse_html(tmp_path / "public/posts/b/index.html")
    assert "description" not in json_ld(empty)[0]  # nothing to describe it with
    assert meta(empty, "og:description") is None
    for name in ("index.html", "posts/a/index.html"):
        page = parse_html(tmp_path / "public" / name)
        assert meta(page, "og:image") is None
        assert meta(page, "twitter:card") == "summary"
    assert "image" not in json_ld(parse_html(tmp_path / "public/posts/a/index.html"))[0]


def test_absolute_social_image_is_kept(tmp_path: Path) -> None:
    files = {"content/posts/rl/a.md": post("甲", "2025-01-01", "无图。\n")}
    config = BASIC_CONFIG + "social_image: https://cdn.example.org/card.png\n"
    root = write_site(tmp_path / "site", files, config)
    build(root, tmp_path / "public")
    page = parse_html(tmp_path / "public/index.html")
    assert meta(page, "og:image") == "https://cdn.example.org/card.png"


# ------------------------------------------------------------------ robots.txt, favicon


def test_robots_txt_names_the_sitemap(out: Path) -> None:
    lines = (out / "robots.txt").read_text(encoding="utf-8").splitlines()
    assert "User-agent: *" in lines
    assert f"Sitemap: {BASE}sitemap.xml" in lines
    assert [line for line in lines if line.startswith("Disallow:")] == ["Disallow:"]
    sitemap = ElementTree.parse(out / "sitemap.xml").getroot()
    assert sitemap.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}urlset"


def test_every_page_links_the_favicon(out: Path) -> None:
    pages = sorted(out.rglob("*.html"))
    assert len(pages) > 20
    for path in pages:
        icons = parse_html(path).css('link[rel="icon"]')
        assert [icon.attributes["href"] for icon in icons] == ["/notes/static/favicon.svg"], path
    icon = ElementTree.parse(out / "static/favicon.svg").getroot()
    assert icon.tag == "{http://www.w3.org/2000/svg}svg"


def test_a_site_favicon_replaces_the_theme_one(tmp_path: Path) -> None:
    own = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"><rect width="1" height="1"/></svg>\n'
    files = {"content/posts/rl/a.md": post(), "static/favicon.svg": own}
    root = write_site(tmp_path / "site", files, BASIC_CONFIG)
    build(root, tmp_path / "public")
    assert (tmp_path / "public/static/favicon.svg").read_text(encoding="utf-8") == own
    page = parse_html(tmp_path / "public/posts/a/index.html")
    assert page.css_first('link[rel="icon"]').attributes["href"] == "/notes/static/favicon.svg"
