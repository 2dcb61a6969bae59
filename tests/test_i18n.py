"""Bilingual behaviour on a fixture site with zh-only, en-only and paired notes."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import BASIC_CONFIG, CORPUS, parse_html, post, write_site
from selectolax.lexbor import LexborHTMLParser

from notesite.build import build
from notesite.cli import main
from notesite.slugs import url_quote

ORIGIN = "https://example.github.io"
CONFIG = BASIC_CONFIG.replace("page_size: 2", "page_size: 10")

FILES = {
    "content/posts/rl/paired.md": post(
        title="贝尔曼方程", date="2026-01-11 10:30", tags="[rl]", body="中文正文，价值函数。"
    ),
    "content/posts/rl/paired.en.md": post(
        title="Bellman Equation", date="2026-01-11 10:30", tags="[rl]", body="English body."
    ),
    "content/posts/rl/zh-only.md": post(
        title="蒙特卡洛", date="2025-12-01", tags="[mc]", body="只有中文的笔记。"
    ),
    "content/posts/cv/en-only.en.md": post(
        title="Vision Transformer", date="2025-11-03", tags="[vit]", body="Only English here."
    ),
    "content/pages/about.md": post(title="关于", body="关于本站。"),
    "content/pages/about.en.md": post(title="About", body="About this site."),
}


def all_pages(output: Path) -> dict[str, LexborHTMLParser]:
    """Every HTML page of the site by its absolute URL."""
    pages = {}
    for path in sorted(output.rglob("*.html")):
        relative = path.relative_to(output).as_posix()
        if relative.startswith("static/"):
            continue
        url = relative[: -len("index.html")] if relative.endswith("index.html") else relative
        pages[ORIGIN + url_quote(f"/notes/{url}")] = parse_html(path)
    return pages


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> dict[str, LexborHTMLParser]:
    root = write_site(tmp_path_factory.mktemp("i18n") / "site", FILES, CONFIG)
    output = root.parent / "public"
    build(root, output)
    return all_pages(output)


def alternates(doc: LexborHTMLParser) -> dict[str, str]:
    return {
        link.attributes["hreflang"]: link.attributes["href"]
        for link in doc.css('link[rel="alternate"][hreflang]')
    }


def switcher(doc: LexborHTMLParser) -> dict[str, tuple[str, bool]]:
    """Language switcher links: hreflang -> (href, goes to a fallback home page)."""
    return {
        a.attributes["hreflang"]: (a.attributes["href"], "fallback" in a.attributes["class"])
        for a in doc.css(".lang-switch a")
    }


def test_every_page_has_its_language(site) -> None:
    for url, doc in site.items():
        expected = "en" if url.startswith(f"{ORIGIN}/notes/en/") else "zh-CN"
        assert doc.css_first("html").attributes["lang"] == expected, url


def test_hreflang_pairs_are_reciprocal_with_x_default(site) -> None:
    for url, doc in site.items():
        links = alternates(doc)
        if url.endswith("404.html"):
            continue
        assert url in links.values(), url  # a page lists itself
        assert links["x-default"] in links.values()
        canonical = doc.css_first('link[rel="canonical"]').attributes["href"]
        assert canonical == url
        for lang, target in links.items():
            assert target in site, (url, target)
            assert alternates(site[target]) == links, (url, lang)


def test_switcher_targets(site) -> None:
    base = f"{ORIGIN}/notes/"
    assert switcher(site[base + "posts/paired/"]) == {"en": ("/notes/en/posts/paired/", False)}
    assert switcher(site[base + "en/posts/paired/"]) == {"zh-CN": ("/notes/posts/paired/", False)}
    # No translation: to that language's home, and the switcher says so.
    assert switcher(site[base + "posts/zh-only/"]) == {"en": ("/notes/en/", True)}
    fallback = site[base + "posts/zh-only/"].css_first(".lang-switch a.fallback")
    assert "English" in fallback.attributes["title"] and "首页" in fallback.attributes["title"]
    assert switcher(site[base + "en/posts/en-only/"]) == {"zh-CN": ("/notes/", True)}
    # Listings go to the same listing.
    assert switcher(site[base + "categories/rl/"]) == {"en": ("/notes/en/categories/rl/", False)}
    assert switcher(site[base + "en/archives/2025/11/"]) == {
        "zh-CN": ("/notes/archives/2025/11/", False)
    }
    assert switcher(site[base + "about/"]) == {"en": ("/notes/en/about/", False)}


def _items(doc: LexborHTMLParser) -> dict[str, LexborHTMLParser]:
    return {i.css_first(".post-item-title a").text(): i for i in doc.css(".post-item")}


def test_untranslated_notes_are_listed_with_a_badge(site) -> None:
    en_home = _items(site[f"{ORIGIN}/notes/en/"])
    assert set(en_home) == {"Bellman Equation", "蒙特卡洛", "Vision Transformer"}
    badge = en_home["蒙特卡洛"].css_first(".lang-badge")
    assert badge.text() == "中文"
    assert badge.attributes["href"] == "/notes/posts/zh-only/"
    assert en_home["蒙特卡洛"].attributes["lang"] == "zh-CN"
    assert en_home["Bellman Equation"].css_first(".lang-badge") is None
    # Category names in the page's language, even for the Chinese note.
    assert en_home["蒙特卡洛"].css_first("a.category").text() == "Reinforcement Learning"

    zh_home = _items(site[f"{ORIGIN}/notes/"])
    assert set(zh_home) == {"贝尔曼方程", "蒙特卡洛", "Vision Transformer"}
    assert zh_home["Vision Transformer"].css_first(".lang-badge").text() == "English"
    cv = _items(site[f"{ORIGIN}/notes/categories/cv/"])
    assert list(cv) == ["Vision Transformer"]


def test_hidden_untranslated_notes(tmp_path: Path) -> None:
    root = write_site(tmp_path / "site", FILES, CONFIG + "untranslated: hide\n")
    build(root, tmp_path / "out")
    en_home = _items(parse_html(tmp_path / "out/en/index.html"))
    assert set(en_home) == {"Bellman Equation", "Vision Transformer"}
    zh_only_post = parse_html(tmp_path / "out/posts/zh-only/index.html")
    assert switcher(zh_only_post) == {"en": ("/notes/en/", True)}


def test_localised_strings_and_dates(site) -> None:
    zh = site[f"{ORIGIN}/notes/posts/paired/"]
    en = site[f"{ORIGIN}/notes/en/posts/paired/"]
    assert zh.css_first(".post-meta time").text() == "2026年1月11日"
    assert zh.css_first(".post-meta time").attributes["datetime"] == "2026-01-11T10:30:00+08:00"
    assert en.css_first(".post-meta time").text() == "Jan 11, 2026"
    assert zh.css_first(".reading-time").text() == "1 分钟阅读"
    assert en.css_first(".reading-time").text() == "1 min read"
    assert site[f"{ORIGIN}/notes/"].css_first("h1").text() == "最新更新"
    assert site[f"{ORIGIN}/notes/en/"].css_first("h1").text() == "Latest updates"
    nav_zh = [a.text() for a in zh.css(".site-nav a")]
    nav_en = [a.text() for a in en.css(".site-nav a")]
    assert nav_zh[:4] == ["首页", "分类", "标签", "归档"]
    assert nav_en[:4] == ["Home", "Categories", "Tags", "Archives"]


def test_missing_ui_strings_warn_and_fail_strict(tmp_path: Path, capsys, monkeypatch) -> None:
    config = CONFIG.replace(
        "  en: {name: English, locale: en}\n",
        "  en: {name: English, locale: en}\n  ja: {name: 日本語, locale: ja}\n",
    )
    files = {**FILES, "templates/i18n/ja.yaml": "latest_updates: 最新の更新\n"}
    root = write_site(tmp_path / "site", files, config)
    monkeypatch.chdir(root)
    assert main(["build", "--output", str(tmp_path / "out")]) == 0
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("templates/i18n/ja.yaml:1: warning: ")
    assert "'ja'" in err[0] and "tags" in err[0]
    ja_home = parse_html(tmp_path / "out/ja/index.html")
    assert ja_home.css_first("h1").text() == "最新の更新"
    assert ja_home.css(".site-nav a")[1].text() == "分类"  # falls back to the default language
    assert main(["build", "--strict", "--output", str(tmp_path / "out2")]) == 1
    assert not (tmp_path / "out2").exists()


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        (
            {
                "content/posts/rl/x.md": post(title="甲"),
                "content/posts/cv/x.en.md": post(
                    title="A", translation_key="posts/rl/x", category="cv"
                ),
            },
            "content/posts/cv/x.en.md:5: category 'cv' differs from 'rl' of its original content/posts/rl/x.md",
        ),
        (
            {"content/posts/rl/y.md": post(title="乙", translation_key="nowhere")},
            "content/posts/rl/y.md:4: translation_key 'nowhere' matches no other note",
        ),
    ],
    ids=["category-differs", "key-points-nowhere"],
)
def test_translation_validation(tmp_path: Path, capsys, monkeypatch, files, expected) -> None:
    root = write_site(tmp_path / "site", files)
    monkeypatch.chdir(root)
    assert main(["build", "--output", str(tmp_path / "out")]) == 1
    assert capsys.readouterr().err.strip().splitlines() == [expected]


def test_pinyin_slugs(tmp_path: Path) -> None:
    files = {"content/posts/rl/蒙特卡洛方法.md": post(title="蒙特卡洛方法", tags="[强化学习]")}
    root = write_site(tmp_path / "site", files, BASIC_CONFIG + "slugify: pinyin\n")
    build(root, tmp_path / "out")
    assert (tmp_path / "out/posts/meng-te-ka-luo-fang-fa/index.html").is_file()
    assert (tmp_path / "out/tags/qiang-hua-xue-xi/index.html").is_file()
    root = write_site(tmp_path / "site2", files)
    build(root, tmp_path / "out2")
    assert (tmp_path / "out2/posts/蒙特卡洛方法/index.html").is_file()


def test_corpus_hreflang_is_consistent(tmp_path: Path) -> None:
    output = tmp_path / "corpus"
    build(CORPUS, output)
    pages = all_pages(output)
    paired = 0
    for url, doc in pages.items():
        if url.endswith("404.html"):
            continue
        links = alternates(doc)
        for target in links.values():
            assert alternates(pages[target]) == links, (url, target)
        if url.startswith(f"{ORIGIN}/notes/posts/") and "en" in links:
            paired += 1
    assert paired == 30  # the 30 zh/en translation pairs
