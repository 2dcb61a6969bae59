"""Atom feeds: one per language and one per category and language, read back with
feedparser (a real feed reader's parser) and, for their raw content, ElementTree."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from urllib.parse import unquote, urlsplit
from xml.etree import ElementTree

import feedparser
import pytest
from conftest import BASIC_CONFIG, CORPUS, build_in, parse_html, post, write_site
from selectolax.lexbor import LexborHTMLParser

from notesite.build import build
from notesite.loader import load_site
from notesite.urls import output_file

BASE = "https://example.github.io/notes/"
ATOM = {"a": "http://www.w3.org/2005/Atom"}
CONFIG = BASIC_CONFIG + "feed_size: 3\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 16

FILES: dict[str, str | bytes] = {
    "content/posts/rl/bellman.md": post(
        "贝尔曼方程 $V^\\pi$",
        "2025-03-02",
        """\
        价值分解为即时奖励与后继价值[^1]，见[时序差分](td.md#sarsa)。

        $$
        V(s) = \\max_a Q(s, a) \\label{eq:bellman}
        $$

        ## 推导

        由 \\eqref{eq:bellman} 可得，回到[推导](#推导)。

        [^1]: 脚注。
        """,
        updated="2026-01-20",
        tags="[RL, 动态规划]",
    ),
    "content/posts/rl/bellman.en.md": post(
        "Bellman Equation",
        "2025-03-02",
        "Value is $r + \\gamma V(s')$, see [[td]].\n",
        tags="[RL]",
    ),
    "content/posts/rl/td.md": post(
        "时序差分", "2025-06-18 21:30", "## Sarsa\n\n在策略，先读 [[bellman]]。\n"
    ),
    "content/posts/rl/mc.md": post("蒙特卡洛", "2025-01-01", "回报 $G_t$ 的平均。\n"),
    "content/posts/rl/dp.md": post("动态规划", "2024-12-01", "没有公式。\n"),
    "content/posts/cv/conv/index.md": post(
        "卷积",
        "2025-05-05",
        """\
        卷积核如图：

        ![卷积核](kernel.png)

        <p><img src="kernel.png" alt="raw"> <a href="../../posts/td/">raw link</a></p>
        """,
    ),
    "content/posts/cv/conv/kernel.png": PNG,
    "content/pages/about.md": post("关于", "2024-01-01", "关于本站。\n"),
}

# Newest first by `updated`, else `date`; at most feed_size (3) entries.
EXPECTED = {
    "atom.xml": ["posts/bellman/", "posts/td/", "posts/conv/"],
    "categories/rl/atom.xml": ["posts/bellman/", "posts/td/", "posts/mc/"],
    "categories/cv/atom.xml": ["posts/conv/"],
    "en/atom.xml": ["en/posts/bellman/"],
    "en/categories/rl/atom.xml": ["en/posts/bellman/"],
    "en/categories/cv/atom.xml": [],
}


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_in(tmp_path_factory, FILES, CONFIG)


def feeds_in(folder: Path) -> dict[str, Path]:
    return {p.relative_to(folder).as_posix(): p for p in sorted(folder.rglob("atom.xml"))}


def site_path(url: str, base: str = BASE) -> str:
    """The site-relative URL of an absolute URL under `base`."""
    assert url.startswith(base), url
    return unquote(urlsplit(url).path)[len(urlsplit(base).path) :]


def file_of(folder: Path, url: str, base: str = BASE) -> Path:
    return folder / output_file(site_path(url, base))


def raw_entries(feed: Path) -> list[tuple[str, LexborHTMLParser]]:
    """(id, parsed HTML of the content as written) of each entry, in order."""
    root = ElementTree.parse(feed).getroot()
    return [
        (e.find("a:id", ATOM).text, LexborHTMLParser(e.find("a:content", ATOM).text))
        for e in root.findall("a:entry", ATOM)
    ]


def check_feed(folder: Path, path: Path, base: str = BASE) -> feedparser.FeedParserDict:
    """A feed every reader accepts, whose entries lead to pages of the site."""
    parsed = feedparser.parse(path.read_bytes())
    assert parsed.bozo == 0, (path, parsed.get("bozo_exception"))
    assert parsed.version == "atom10"
    for entry in parsed.entries:
        assert file_of(folder, entry.link, base).is_file(), entry.link
        assert entry.id == entry.link
    return parsed


# ------------------------------------------------------------------------ the tiny site


def test_a_feed_per_language_and_per_category_and_language(out: Path) -> None:
    assert sorted(feeds_in(out)) == sorted(EXPECTED)


def test_every_feed_parses_cleanly_and_links_to_existing_pages(out: Path) -> None:
    for path in feeds_in(out).values():
        check_feed(out, path)


def test_feeds_hold_exactly_their_notes_newest_first(out: Path) -> None:
    for name, path in feeds_in(out).items():
        entries = feedparser.parse(path.read_bytes()).entries
        assert [site_path(e.link) for e in entries] == EXPECTED[name], name


def test_entry_dates_titles_categories_and_feed_updated(out: Path) -> None:
    parsed = feedparser.parse((out / "categories/rl/atom.xml").read_bytes())
    bellman, td, mc = parsed.entries
    assert bellman.published == "2025-03-02T00:00:00+08:00"
    assert bellman.updated == "2026-01-20T00:00:00+08:00"  # `updated` from front matter
    assert td.updated == td.published == "2025-06-18T21:30:00+08:00"  # else the date
    assert parsed.feed.updated == bellman.updated  # the newest entry's
    assert bellman.title == "贝尔曼方程 $V^\\pi$"  # plain text, the formula as TeX
    assert [t.term for t in bellman.tags] == ["rl", "RL", "动态规划"]
    assert bellman.tags[0].label == "强化学习"
    assert parsed.feed.title == "强化学习 · 测试站点"
    assert parsed.feed.link == BASE + "categories/rl/"
    self_link = next(link for link in parsed.feed.links if link.rel == "self")
    assert self_link.href == BASE + "categories/rl/atom.xml"
    english = feedparser.parse((out / "en/categories/rl/atom.xml").read_bytes())
    assert english.feed.title == "Reinforcement Learning · Test Site"
    assert english.feed.language == "en"


def test_an_empty_category_feed_is_a_valid_feed_dated_by_the_site(out: Path) -> None:
    parsed = check_feed(out, out / "en/categories/cv/atom.xml")
    assert parsed.entries == []
    assert parsed.feed.updated == "2026-01-20T00:00:00+08:00"  # the site's newest note


def test_entries_carry_mathml_and_no_katex_html(out: Path) -> None:
    entries = dict(raw_entries(out / "atom.xml"))
    bellman = entries[BASE + "posts/bellman/"]
    annotations = [a.text() for a in bellman.css('annotation[encoding="application/x-tex"]')]
    assert any("V(s) = \\max_a Q(s, a)" in a for a in annotations), annotations
    assert "V^\\pi" not in annotations  # the title is not part of the content
    assert bellman.css(".katex-html") == []
    english = dict(raw_entries(out / "en/atom.xml"))[BASE + "en/posts/bellman/"]
    assert english.css_first("math") is not None


def test_every_link_and_image_in_entries_is_absolute_and_exists(out: Path) -> None:
    checked = 0
    for path in feeds_in(out).values():
        for _, content in raw_entries(path):
            for node, attribute in [(a, "href") for a in content.css("a[href]")] + [
                (img, "src") for img in content.css("img[src]")
            ]:
                url = node.attributes[attribute]
                assert urlsplit(url).scheme == "https", url
                target = file_of(out, url.split("#")[0])
                assert target.is_file(), url
                fragment = unquote(urlsplit(url).fragment)
                if fragment:
                    assert parse_html(target).css_first(f'[id="{fragment}"]') is not None, url
                checked += 1
    assert checked >= 12


def test_relative_links_become_absolute_in_the_feed_only(out: Path) -> None:
    conv = dict(raw_entries(out / "atom.xml"))[BASE + "posts/conv/"]
    images = [img.attributes["src"] for img in conv.css("img")]
    assert images == [BASE + "posts/conv/kernel.png"] * 2  # Markdown and raw HTML
    raw_link = conv.css_first("p a").attributes["href"]
    assert raw_link == BASE + "posts/td/"
    bellman = dict(raw_entries(out / "atom.xml"))[BASE + "posts/bellman/"]
    hrefs = [a.attributes["href"] for a in bellman.css("a")]
    assert BASE + "posts/td/#sarsa" in hrefs
    assert BASE + "posts/bellman/#fn1" in hrefs  # footnote reference
    assert BASE + "posts/bellman/#%E6%8E%A8%E5%AF%BC" in hrefs or (
        BASE + "posts/bellman/#推导" in hrefs
    )
    page = parse_html(out / "posts/conv/index.html")  # the page keeps them as written
    assert [img.attributes["src"] for img in page.css(".post-body img")] == ["kernel.png"] * 2


def test_category_pages_advertise_their_feed_on_every_page(out: Path) -> None:
    pages = sorted((out / "categories/rl").rglob("index.html"))
    pages += sorted((out / "en/categories/rl").rglob("index.html"))
    assert len(pages) >= 4  # page_size 2: both listings are paginated
    for page in pages:
        english = "en" in page.relative_to(out).parts[:1]
        feed = ("/notes/en/" if english else "/notes/") + "categories/rl/atom.xml"
        links = parse_html(page).css('link[rel="alternate"][type="application/atom+xml"]')
        hrefs = [link.attributes["href"] for link in links]
        assert hrefs[0] == feed, page
        assert hrefs[1] == ("/notes/en/atom.xml" if english else "/notes/atom.xml")
        assert (out / feed.removeprefix("/notes/")).is_file()
        visible = parse_html(page).css_first(".feed-link a")
        assert visible.attributes["href"] == feed


def test_other_pages_advertise_only_the_language_feed(out: Path) -> None:
    for page, feed in [
        ("posts/td/index.html", "/notes/atom.xml"),
        ("en/index.html", "/notes/en/atom.xml"),
    ]:
        links = parse_html(out / page).css('link[rel="alternate"][type="application/atom+xml"]')
        assert [link.attributes["href"] for link in links] == [feed]


# ------------------------------------------------------------- rebuilds and feed_size


def test_feed_size_and_edits_reach_the_feeds(tmp_path: Path) -> None:
    """Feeds are left alone when nothing they show changed; every edit they show
    (text, date, config) reaches them, with the entry's id unchanged."""
    root = write_site(tmp_path / "site", FILES, CONFIG)
    public, cache = tmp_path / "public", tmp_path / "cache"
    build(root, public, cache_dir=cache)
    feed = public / "categories/rl/atom.xml"
    before = feedparser.parse(feed.read_bytes())
    stamp = feed.stat().st_mtime_ns
    build(root, public, cache_dir=cache)
    assert feed.stat().st_mtime_ns == stamp
    write_site(
        root,
        {"content/posts/rl/td.md": post("时序差分", "2025-07-01", "新的正文 $x^2$。\n")},
        CONFIG,
    )
    build(root, public, cache_dir=cache)
    after = feedparser.parse(feed.read_bytes())
    assert [e.id for e in after.entries] == [e.id for e in before.entries]
    td = after.entries[1]
    assert td.updated == "2025-07-01T00:00:00+08:00"
    assert "新的正文" in td.content[0].value and "<math" in td.content[0].value
    write_site(
        root, {}, CONFIG.replace("测试站点", "新站名").replace("feed_size: 3", "feed_size: 1")
    )
    build(root, public, cache_dir=cache)
    renamed = feedparser.parse(feed.read_bytes())
    assert renamed.feed.title == "强化学习 · 新站名"
    assert [e.id for e in renamed.entries] == [BASE + "posts/bellman/"]


def test_a_retitled_note_reaches_the_pages_and_feeds_linking_to_it(tmp_path: Path) -> None:
    """The linking note's text and key are unchanged, but it shows the other note's
    title and equation number: its page and its category's feed must follow."""
    target = "content/posts/cv/bellman.md"
    files = {
        target: post("贝尔曼", "2025-01-01", "$$\nV \\label{eq:b}\n$$\n"),
        "content/posts/rl/td.md": post(
            "时序差分", "2025-02-01", "见 [[bellman]] 与 \\eqref{eq:b}。\n"
        ),
    }
    root = write_site(tmp_path / "site", files, CONFIG)
    public, cache = tmp_path / "public", tmp_path / "cache"
    build(root, public, cache_dir=cache)
    body = "$$\nU \\label{eq:a}\n$$\n\n$$\nV \\label{eq:b}\n$$\n"
    write_site(root, {target: post("贝尔曼方程", "2025-01-01", body)}, CONFIG)
    build(root, public, cache_dir=cache)
    page = parse_html(public / "posts/td/index.html")
    feed = dict(raw_entries(public / "categories/rl/atom.xml"))[BASE + "posts/td/"]
    for shown in (page.css_first(".post-body"), feed):
        assert shown.css_first("a.wikilink").text() == "贝尔曼方程"
        assert shown.css_first("a.eqref").text() == "(2)"


# ------------------------------------------------------------------ the real corpus


@pytest.fixture(scope="module")
def corpus_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("corpus-public")
    build(CORPUS, target, cache_dir=tmp_path_factory.mktemp("corpus-cache"))
    return target


CORPUS_BASE = "https://example.github.io/notes/"


def test_corpus_feeds_for_both_languages_and_every_category(corpus_out: Path) -> None:
    site = load_site(CORPUS)
    expected = {"atom.xml", "en/atom.xml"}
    for key in site.config.categories:
        expected |= {f"categories/{key}/atom.xml", f"en/categories/{key}/atom.xml"}
    assert set(feeds_in(corpus_out)) == expected


def test_corpus_feeds_are_clean_and_hold_their_notes(corpus_out: Path) -> None:
    site = load_site(CORPUS)
    counts = Counter((p.lang, p.category) for p in site.posts)
    for name, path in feeds_in(corpus_out).items():
        parsed = check_feed(corpus_out, path, CORPUS_BASE)
        lang = "en" if name.startswith("en/") else "zh"
        key = name.split("/")[-2] if "categories" in name else None
        wanted = sum(n for (la, k), n in counts.items() if la == lang and key in (None, k))
        assert len(parsed.entries) == min(20, wanted), name
        assert parsed.entries, name
        updated = [e.updated_parsed for e in parsed.entries]
        assert updated == sorted(updated, reverse=True), name
        for entry in parsed.entries:
            page = parse_html(file_of(corpus_out, entry.link, CORPUS_BASE))
            assert page.css_first("html").attributes["lang"] == ("en" if lang == "en" else "zh-CN")
            if key is not None:
                assert entry.tags[0].term == key, (name, entry.link)


def test_corpus_entries_with_math_carry_mathml(corpus_out: Path) -> None:
    with_math = 0
    for path in feeds_in(corpus_out).values():
        for entry_id, content in raw_entries(path):
            page = parse_html(file_of(corpus_out, entry_id, CORPUS_BASE))
            if page.css_first(".post-body .katex") is None:
                continue
            with_math += 1
            assert content.css_first("math") is not None, entry_id
            assert content.css_first(".katex-html") is None, entry_id
            for img in content.css("img[src]"):
                assert urlsplit(img.attributes["src"]).scheme in ("http", "https", "data")
    assert with_math > 50
