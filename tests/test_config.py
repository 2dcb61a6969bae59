"""notesite.yaml: per-language strings, base_url sub-paths, defaults and error lines."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import BASIC_CONFIG, parse_html, post, write_site

from notesite.config import load_config
from notesite.errors import NotesiteError
from notesite.model import Config

TWO_LANGUAGES = """\
default_language: zh
languages:
  zh: {name: 中文, locale: zh-CN}
  en: {name: English, locale: en}
"""


def config_from(root: Path, text: str) -> Config:
    return load_config(write_site(root, {}, config=text))


def config_error(root: Path, text: str) -> tuple[str, int, str]:
    with pytest.raises(NotesiteError) as caught:
        config_from(root, text)
    (problem,) = caught.value.problems
    return str(problem.path), problem.line, problem.message


def test_per_language_title(site_dir: Path) -> None:
    config = config_from(site_dir, BASIC_CONFIG)
    assert config.title == {"zh": "测试站点", "en": "Test Site"}
    assert config.text(config.title, "zh") == "测试站点"
    assert config.text(config.title, "en") == "Test Site"
    assert config.description == {"zh": "描述", "en": "Description"}


def test_per_language_title_falls_back_to_default_language(site_dir: Path) -> None:
    config = config_from(site_dir, "title: {zh: 只有中文}\n" + TWO_LANGUAGES)
    assert config.text(config.title, "en") == "只有中文"


def test_plain_string_title_applies_to_all_languages(site_dir: Path) -> None:
    config = config_from(site_dir, "title: My Notes\n" + TWO_LANGUAGES)
    assert config.title == {"zh": "My Notes", "en": "My Notes"}


def test_titles_reach_the_pages_in_each_language(site_dir: Path, build_site) -> None:
    write_site(
        site_dir,
        {"content/posts/rl/a.md": post("甲"), "content/posts/rl/a.en.md": post("A")},
    )
    out = build_site(site_dir)
    zh, en = parse_html(out / "index.html"), parse_html(out / "en" / "index.html")
    assert zh.css_first(".site-title").text(strip=True) == "测试站点"
    assert en.css_first(".site-title").text(strip=True) == "Test Site"
    assert zh.css_first("html").attributes["lang"] == "zh-CN"
    assert en.css_first("html").attributes["lang"] == "en"


def test_plain_title_on_every_language_home(site_dir: Path, build_site) -> None:
    config = BASIC_CONFIG.replace("title: {zh: 测试站点, en: Test Site}", "title: 笔记 Notes")
    write_site(site_dir, {"content/posts/rl/a.md": post("甲")}, config=config)
    out = build_site(site_dir)
    for home in (out / "index.html", out / "en" / "index.html"):
        assert parse_html(home).css_first(".site-title").text(strip=True) == "笔记 Notes"


@pytest.mark.parametrize(
    ("base_url", "base_path"),
    [
        ("https://example.github.io/notes/", "/notes/"),
        ("https://example.github.io/notes", "/notes/"),
        ("https://example.github.io/a/b/", "/a/b/"),
        ("https://example.com/", "/"),
        ("/notes/", "/notes/"),
    ],
)
def test_base_path_from_base_url(site_dir: Path, base_url: str, base_path: str) -> None:
    config = config_from(site_dir, f"title: T\nbase_url: {base_url}\n")
    assert config.base_path == base_path
    assert config.base_url.endswith("/")


def test_defaults_when_omitted(site_dir: Path) -> None:
    config = config_from(site_dir, "title: T\n")
    assert config.page_size == 10
    assert config.timezone == ZoneInfo("UTC")
    assert config.base_url == "/"
    assert config.base_path == "/"
    assert list(config.languages) == ["en"]
    assert config.default_language == "en"
    assert config.categories == {}
    assert config.author == ""
    assert config.search is True


def test_search_can_be_turned_off(site_dir: Path) -> None:
    assert config_from(site_dir, "title: T\nsearch: false\n").search is False
    assert config_from(site_dir, "title: T\nsearch: true\n").search is True


def test_default_language_is_the_first_declared(site_dir: Path) -> None:
    config = config_from(
        site_dir, "title: T\nlanguages:\n  zh: {name: 中文}\n  en: {name: English}\n"
    )
    assert config.default_language == "zh"
    assert config.languages["zh"].locale == "zh"


def test_given_values_are_kept(site_dir: Path) -> None:
    config = config_from(site_dir, BASIC_CONFIG)
    assert config.page_size == 2
    assert config.timezone == ZoneInfo("Asia/Shanghai")
    assert config.author == "Tester"
    assert config.languages["zh"].name == "中文"
    assert config.languages["zh"].locale == "zh-CN"
    assert config.categories["rl"].name("en", "zh") == "Reinforcement Learning"
    assert config.categories["rl"].name("zh", "zh") == "强化学习"


def test_plain_category_name_applies_to_all_languages(site_dir: Path) -> None:
    config = config_from(site_dir, "title: T\n" + TWO_LANGUAGES + "categories:\n  rl: RL\n")
    assert config.categories["rl"].names == {"zh": "RL", "en": "RL"}


def test_series_names_per_language_or_one_for_all(site_dir: Path) -> None:
    text = "series:\n  rl-course: {zh: 强化学习课程, en: RL course}\n  gan: GAN\n  half: {zh: 半}\n"
    config = config_from(site_dir, "title: T\n" + TWO_LANGUAGES + text)
    assert config.series["rl-course"].name("en", "zh") == "RL course"
    assert config.series["rl-course"].name("zh", "zh") == "强化学习课程"
    assert config.series["gan"].names == {"zh": "GAN", "en": "GAN"}
    assert config.series["half"].name("en", "zh") == "半"  # the default language's name
    assert config_from(site_dir, "title: T\n").series == {}  # optional


def test_nested_unknown_key_in_language_is_reported_with_its_line(site_dir: Path) -> None:
    text = (
        "title: T\n"  # 1
        "default_language: zh\n"  # 2
        "languages:\n"  # 3
        "  zh:\n"  # 4
        "    name: 中文\n"  # 5
        "    flag: cn\n"  # 6
        "  en: {name: English}\n"  # 7
    )
    path, line, message = config_error(site_dir, text)
    assert path == str(site_dir / "notesite.yaml")
    assert line == 6
    assert "flag" in message


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        pytest.param("title: T\npage_size: 0\n", 2, "page_size", id="page-size-zero"),
        pytest.param("title: T\npage_size: true\n", 2, "page_size", id="page-size-bool"),
        pytest.param("title: T\n\ntimezone: Nowhere/City\n", 3, "Nowhere/City", id="timezone"),
        pytest.param("title: T\nbase_url: notes\n", 2, "base_url", id="base-url-relative"),
        pytest.param(
            "title: {zh: 中文, fr: Français}\n" + TWO_LANGUAGES, 1, "fr", id="title-language"
        ),
        pytest.param(
            "title: T\n" + TWO_LANGUAGES + "categories:\n  rl: {zh: 强化, de: RL}\n",
            7,
            "de",
            id="category-language",
        ),
        pytest.param(
            "title: T\n" + TWO_LANGUAGES + "categories:\n  posts: Posts\n",
            7,
            "posts",
            id="reserved-category",
        ),
        pytest.param(
            "title: T\n" + TWO_LANGUAGES + "categories:\n  RL Notes: x\n",
            7,
            "RL Notes",
            id="invalid-category-key",
        ),
        pytest.param(
            "title: T\n" + TWO_LANGUAGES + "series:\n  rl: {zh: 强化, de: RL}\n",
            7,
            "'series.rl.de': unknown language 'de'",
            id="series-language",
        ),
        pytest.param(
            "title: T\n" + TWO_LANGUAGES + "series:\n  RL Course: x\n",
            7,
            "invalid series key 'RL Course'",
            id="invalid-series-key",
        ),
        pytest.param(
            "title: T\n" + TWO_LANGUAGES + "series: [rl]\n",
            6,
            "'series' must be a mapping",
            id="series-list",
        ),
        pytest.param(
            "title: T\n" + TWO_LANGUAGES + "series:\n  rl: {zh: ''}\n",
            7,
            "'series.rl.zh' must be a non-empty string",
            id="series-empty-name",
        ),
        pytest.param("title: T\nfeed_size: 0\n", 2, "'feed_size'", id="feed-size-zero"),
        pytest.param("title: T\n\nfeed_size: ten\n", 3, "'feed_size'", id="feed-size-text"),
        pytest.param("title: T\nfeed_size: false\n", 2, "'feed_size'", id="feed-size-bool"),
        pytest.param(
            "title: T\nsocial_image: ftp://x.org/a.png\n", 2, "'social_image'", id="image-ftp"
        ),
        pytest.param(
            "title: T\nsocial_image: //cdn.org/a.png\n", 2, "'social_image'", id="image-no-scheme"
        ),
        pytest.param("title: T\nsocial_image: ''\n", 2, "'social_image'", id="image-empty"),
        pytest.param("title: T\nsocial_image: [a]\n", 2, "'social_image'", id="image-list"),
        pytest.param(
            "title: T\nsearch: no-thanks\n", 2, "'search' must be true or false", id="search"
        ),
        pytest.param(
            "title: T\n" + TWO_LANGUAGES + "categories:\n  pagefind: Search\n",
            7,
            "category key 'pagefind' is reserved",
            id="reserved-search-folder",
        ),
        pytest.param("title: T\nlanguages: {}\n", 2, "language", id="no-languages"),
        pytest.param("- a\n- b\n", 1, "mapping", id="not-a-mapping"),
    ],
)
def test_invalid_values_are_reported_with_their_line(
    site_dir: Path, text: str, line: int, fragment: str
) -> None:
    path, got_line, message = config_error(site_dir, text)
    assert path == str(site_dir / "notesite.yaml")
    assert got_line == line
    assert fragment in message


def test_feed_size_and_social_image_defaults(site_dir: Path) -> None:
    config = config_from(site_dir, "title: T\n")
    assert config.feed_size == 20
    assert config.social_image is None


@pytest.mark.parametrize(
    ("written", "kept"),
    [
        ("static/card.png", "static/card.png"),
        ("/static/card.png", "static/card.png"),  # a site path, under base_url's path
        ("https://cdn.example.org/card.png", "https://cdn.example.org/card.png"),
        ("HTTP://cdn.example.org/card.png", "HTTP://cdn.example.org/card.png"),
    ],
)
def test_feed_size_and_social_image_given(site_dir: Path, written: str, kept: str) -> None:
    config = config_from(site_dir, f"title: T\nfeed_size: 5\nsocial_image: {written}\n")
    assert config.feed_size == 5
    assert config.social_image == kept
