"""Full-text search in Chromium on the built real corpus: once for a site at the root
(`base_url: https://example.github.io/`) and once under a sub-path (the corpus's own
`base_url`, `/notes/`), each served as GitHub Pages would serve it."""

from __future__ import annotations

import functools
import gzip
import http.server
import json
import re
import threading
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from browser import serve_under
from conftest import CORPUS, post, write_site
from playwright.sync_api import Browser, Locator, Page, expect
from serving import start_server, stop_server, wait_connected

import notesite.search
from notesite.build import build
from notesite.loader import load_site

# A Chinese word that is in one note only, in the middle of a sentence of plain prose:
# "在多次尝试和熊打交道之后，我们就可以…" in easyrl-ch03-tabular.md. Chosen by a script over
# Pagefind's segmented index (words of 3-4 characters in one note, with Chinese words on
# both sides) and checked against the sources in `test_the_chinese_word_is_where_the_test_says`.
ZH_WORD = "打交道"
ZH_NOTE = "posts/easyrl-ch03-tabular/"
ZH_PAGE = "posts/adam/"
A2C_NOTE = "en/posts/hf-unit6-advantage-actor-critic/"  # a Chinese note whose page loads nothing from other sites
EN_PAGE = "en/posts/adam/"
# The corpus has about 55 notes per language: one index each, as a site of this size has.
# A third build splits them into shards of about 20 (`sharded`), so that a search must
# merge several indexes (`test_the_index_is_in_shards`).
SHARD_NOTES = 20
QUIET_MS = 700  # longer than a preview card's delay plus a local fetch


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def serve_root(output: Path) -> Iterator[str]:
    """Serve `output` at the root of http://127.0.0.1:PORT/."""
    handler = functools.partial(_Quiet, directory=str(output))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The real corpus built twice (one cache): at the root and under /notes/."""
    assert CORPUS.is_dir(), f"real corpus not found at {CORPUS}; set NOTESITE_CORPUS"
    work = tmp_path_factory.mktemp("search")
    at_root = work / "root-site"
    at_root.mkdir()
    config = (CORPUS / "notesite.yaml").read_text(encoding="utf-8")
    config = re.sub(r"(?m)^base_url: .*$", "base_url: https://example.github.io/", config)
    (at_root / "notesite.yaml").write_text(config, encoding="utf-8")
    (at_root / "content").symlink_to(CORPUS / "content", target_is_directory=True)
    outputs = {"root": work / "root", "subpath": work / "notes", "sharded": work / "sharded"}
    build(at_root, outputs["root"], cache_dir=work / "cache")
    build(CORPUS, outputs["subpath"], cache_dir=work / "cache")
    with pytest.MonkeyPatch.context() as patch:  # shards that a search must merge
        patch.setattr(notesite.search, "NOTES_PER_SHARD", SHARD_NOTES)
        build(at_root, outputs["sharded"], cache_dir=work / "cache")
    return outputs


@pytest.fixture(scope="module")
def servers(built: dict[str, Path]) -> Iterator[dict[str, str]]:
    """The sites served for the module's tests: their URLs (ending with /)."""
    with (
        serve_root(built["root"]) as root,
        serve_under(built["subpath"]) as subpath,
        serve_root(built["sharded"]) as sharded,
    ):
        yield {"root": root, "subpath": subpath, "sharded": sharded}


@pytest.fixture(params=["root", "subpath"])
def site(request: pytest.FixtureRequest, servers: dict[str, str]) -> str:
    """Each served site in turn: searches must work at the root and under a sub-path."""
    return servers[request.param]


@pytest.fixture
def notes(servers: dict[str, str]) -> str:
    """The site under /notes/ (the corpus's own base_url)."""
    return servers["subpath"]


def open_page(browser: Browser, url: str, **context: object) -> tuple[Page, list[str]]:
    """A new page at `url`, and the list of every URL it requests."""
    page = browser.new_context(**context).new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(url)
    return page, requests


def search(page: Page, query: str) -> list[dict[str, object]]:
    """Open the search with `/`, type `query`, wait for results; each result's link,
    category, date, excerpt text and marked words."""
    if not page.locator("dialog.pf-modal[open]").count():
        page.keyboard.press("/")
    field = page.locator("dialog.pf-modal input")
    expect(field).to_be_focused()
    field.fill(query)
    expect(page.locator("pagefind-summary")).to_contain_text(query, timeout=10_000)
    expect(page.locator("ul.pf-results")).to_have_attribute("aria-busy", "false")
    # Results further down are filled in as they scroll into view: these are the first ones.
    expect(page.locator(".search-result").first).to_be_visible()
    return page.evaluate(
        """() => Array.from(document.querySelectorAll(".search-result")).map(r => ({
            href: r.querySelector("a.pf-result-link").getAttribute("href"),
            title: r.querySelector("a.pf-result-link").textContent,
            category: r.querySelector(".search-result-category")?.textContent ?? null,
            date: r.querySelector(".search-result-date")?.textContent ?? null,
            excerpt: r.querySelector(".pf-result-excerpt")?.textContent ?? "",
            marked: Array.from(r.querySelectorAll(".pf-result-excerpt mark")).map(m => m.textContent),
        }))"""
    )


def site_path(site: str, href: object) -> str:
    """A result's link as a site-relative path ("posts/x/"), checking it is under the site."""
    path = unquote(urlsplit(str(href)).path)
    base = urlsplit(site).path
    assert path.startswith(base), (path, base)
    return path[len(base) :]


@functools.cache
def sources() -> dict[str, str]:
    """Each note's Markdown source, by its URL."""
    return {
        post.url: (CORPUS / post.source).read_text(encoding="utf-8")
        for post in load_site(CORPUS).posts
    }


def assert_no_glyph_soup(site: str, results: list[dict[str, object]]) -> None:
    """Every character a result's excerpt shows is in its note's Markdown: formulas read as
    their TeX, never as KaTeX's rendering (←, ∑, −, α, struts…)."""
    for result in results:
        source = sources()[site_path(site, result["href"])]
        shown = {c for c in str(result["excerpt"]) if not c.isspace()}
        strange = {c for c in shown if c not in source and unicodedata.category(c) != "Cf"}
        assert strange == set(), (result["href"], strange, result["excerpt"])


def test_the_chinese_word_is_where_the_test_says() -> None:
    chinese = {url: text for url, text in sources().items() if not url.startswith("en/")}
    having = [url for url, text in chinese.items() if ZH_WORD in text]
    assert having == [ZH_NOTE]
    text = chinese[ZH_NOTE]
    assert text.count(ZH_WORD) == 1
    at = text.index(ZH_WORD)
    before, after = text[at - 1], text[at + len(ZH_WORD)]
    assert unicodedata.name(before).startswith("CJK UNIFIED")  # not the start of a sentence
    assert unicodedata.name(after).startswith("CJK UNIFIED")  # nor its end


def shard_urls(shard: Path) -> set[str]:
    """The URLs of the pages one shard of the index holds (from its fragments)."""
    urls = set()
    for path in (shard / "fragment").iterdir():
        data = gzip.decompress(path.read_bytes())
        urls.add(json.loads(data[len(b"pagefind_dcd") :])["url"])
    return urls


def test_the_index_is_in_shards(built: dict[str, Path]) -> None:
    """What makes the searches below search merged indexes: several shards per language,
    and the notes they look for outside the first one (whose bundle the page loads)."""
    listed = json.loads((built["subpath"] / "pagefind/shards.json").read_bytes())
    assert listed == {"en": ["en/0/"], "zh-CN": ["zh-cn/0/"]}  # ~55 notes: one index each
    out = built["sharded"]
    listed = json.loads((out / "pagefind/shards.json").read_bytes())
    assert len(listed["zh-CN"]) >= 2 and len(listed["en"]) >= 2
    primary = {lang: shard_urls(out / "pagefind" / folders[0]) for lang, folders in listed.items()}
    assert "/" + ZH_NOTE not in primary["zh-CN"]


def test_a_search_covers_every_shard_of_the_language(
    browser: Browser, built: dict[str, Path], servers: dict[str, str]
) -> None:
    """Ranking across shards is each shard's own (see search.py); what must hold is that
    nothing is missed: the one note with a word, from whichever shard, and words in many."""
    site = servers["sharded"]
    out = built["sharded"]
    listed = json.loads((out / "pagefind/shards.json").read_bytes())
    shard_of = {
        url: folder
        for folder in listed["zh-CN"] + listed["en"]
        for url in shard_urls(out / "pagefind" / folder)
    }
    page, requests = open_page(browser, site + ZH_PAGE)
    search(page, ZH_WORD)
    expect(result_link(page, ZH_NOTE)).to_have_count(1)  # not in the first shard
    results = search(page, r"\leftarrow")
    assert len({shard_of["/" + site_path(site, r["href"])] for r in results}) >= 2
    assert not any(folder.startswith("en/") for folder in _shards_requested(requests))
    page.context.close()
    page, requests = open_page(browser, site + EN_PAGE)
    search(page, "advantages")
    for note in (A2C_NOTE, "en/posts/hf-unit4-advantages-disadvantages/"):
        expect(result_link(page, note)).to_have_count(1)
    found = [
        site_path(site, href)
        for href in page.locator(".search-result a.pf-result-link").evaluate_all(
            "links => links.map(a => a.getAttribute('href'))"
        )
    ]
    assert len({shard_of["/" + path] for path in found}) >= 2
    assert all(path.startswith("en/") for path in found)  # the page's language only
    assert _shards_requested(requests) == set(listed["en"])
    page.context.close()


def result_link(page: Page, note: str) -> Locator:
    return page.locator(f'.search-result a.pf-result-link[href$="/{note}"]')


def _shards_requested(requests: list[str]) -> set[str]:
    """The shard folders (`zh-cn/1/`) whose files a page fetched."""
    found = set()
    for url in requests:
        path = urlsplit(url).path
        if "/pagefind/" in path and path.count("/") > 3:
            lang, number = path.split("/pagefind/", 1)[1].split("/")[:2]
            found.add(f"{lang}/{number}/")
    return found


def test_chinese_word_in_the_middle_of_a_sentence(browser: Browser, site: str) -> None:
    page, _ = open_page(browser, site + ZH_PAGE)
    results = search(page, ZH_WORD)
    assert [site_path(site, r["href"]) for r in results[:3]][0] == ZH_NOTE
    first = results[0]
    assert first["title"] == "第 3 章 表格型方法"
    assert first["category"] == "强化学习"
    assert first["date"] == "2020年7月2日"
    assert ZH_WORD in first["marked"]  # the excerpt shows the word, highlighted
    assert f"和熊{ZH_WORD}之后" in str(first["excerpt"])
    assert_no_glyph_soup(site, results)
    page.context.close()


def test_english_query_is_stemmed(browser: Browser, site: str) -> None:
    page, _ = open_page(browser, site + EN_PAGE)
    results = search(page, "advantages")
    found = [site_path(site, r["href"]) for r in results[:5]]
    assert "en/posts/hf-unit6-advantage-actor-critic/" in found
    assert "en/posts/hf-unit4-advantages-disadvantages/" in found
    assert all(path.startswith("en/") for path in found)  # the page's language only
    # "advantages" finds the singular too.
    marked = {word.lower() for r in results for word in r["marked"]}
    assert "advantage" in marked
    a2c = next(r for r in results if "advantage-actor-critic" in str(r["href"]))
    assert a2c["category"] == "Reinforcement Learning"
    assert a2c["date"] == "Dec 30, 2022"
    assert_no_glyph_soup(site, results)
    page.context.close()


def test_tex_command_finds_the_note_with_that_formula(browser: Browser, site: str) -> None:
    page, requests = open_page(browser, site + ZH_PAGE)
    results = search(page, r"\varSigma")  # in one note's formulas only
    first = results[0]
    assert site_path(site, first["href"]) == "posts/easyrl-ch08-continuous-dqn/"
    assert r"\varSigma" in str(first["excerpt"])
    assert_no_glyph_soup(site, results)
    results = search(page, r"\leftarrow")  # in many
    assert int(re.findall(r"\d+", page.locator("pagefind-summary").inner_text())[0]) >= 5
    assert all(r"\leftarrow" in str(r["excerpt"]) for r in results)
    assert_no_glyph_soup(site, results)
    # Everything, search included, came from the site itself.
    origin = urlsplit(site).netloc
    assert {urlsplit(url).netloc for url in requests} == {origin}
    page.context.close()


def test_nothing_of_pagefind_loads_before_the_search_opens(browser: Browser, notes: str) -> None:
    page, requests = open_page(browser, notes + ZH_PAGE)
    page.wait_for_load_state("networkidle")
    assert not [url for url in requests if "/pagefind/" in url]
    page.locator(".search-toggle").click()
    expect(page.locator("dialog.pf-modal input")).to_be_focused()
    loaded = {url.rsplit("/", 1)[1] for url in requests if "/pagefind/" in url}
    assert {"shards.json", "pagefind-component-ui.js", "pagefind-component-ui.css"} <= loaded
    assert all(url.startswith(notes + "pagefind/") for url in requests if "/pagefind/" in url)
    page.context.close()


# Keeps in window.announced every non-empty text of Pagefind's live regions.
RECORD_ANNOUNCEMENTS = """() => {
  window.announced = [];
  const regions = "[data-pagefind-announcer] [aria-live]";
  new MutationObserver(() => {
    for (const region of document.querySelectorAll(regions)) {
      const text = region.textContent.trim();
      if (text && window.announced[window.announced.length - 1] !== text) {
        window.announced.push(text);
      }
    }
  }).observe(document.body, { subtree: true, childList: true, characterData: true });
}"""


def test_keyboard_opens_closes_and_returns_focus(browser: Browser, notes: str) -> None:
    page, _ = open_page(browser, notes + ZH_PAGE)
    dialog = page.locator("dialog.pf-modal")
    button = page.get_by_role("button", name="搜索")
    expect(button).to_be_visible()
    assert button.get_attribute("aria-expanded") == "false"
    # Ctrl+K from a link: the dialog opens with focus in its field...
    link = page.locator(".post-nav a[href]").first
    link.focus()
    page.keyboard.press("Control+k")
    expect(dialog).to_have_attribute("open", "")
    expect(page.locator("dialog.pf-modal input")).to_be_focused()
    expect(button).to_have_attribute("aria-expanded", "true")
    # ...it is named, its field labelled, and result counts are announced.
    assert dialog.get_attribute("aria-label") == "搜索"
    expect(page.get_by_label("站内搜索", exact=True).last).to_be_visible()
    # Pagefind clears an announcement after a moment, which polling can miss: every
    # text its live regions are given is recorded as it comes.
    page.evaluate(RECORD_ANNOUNCEMENTS)
    page.keyboard.insert_text(ZH_WORD)  # as a Chinese input method commits a word
    page.wait_for_function(
        "word => window.announced.some(text => text.includes(word))", arg=ZH_WORD, timeout=10_000
    )
    said = [text for text in page.evaluate("window.announced") if ZH_WORD in text]
    assert any("1" in text for text in said), said
    # ↓ reaches the results; Escape closes and gives focus back to the link.
    page.keyboard.press("ArrowDown")
    expect(page.locator(".search-result a").first).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).not_to_have_attribute("open", "")
    expect(link).to_be_focused()
    # The dialog gives focus back itself; the toggle is told on its `close` event, a
    # task later: waited for, as a screen reader would read it.
    expect(button).to_have_attribute("aria-expanded", "false")
    # `/` opens it too, but not while typing in a form field.
    page.evaluate(
        "document.querySelector('main').insertAdjacentHTML('afterbegin', '<input id=typed>')"
    )
    page.locator("#typed").focus()
    page.keyboard.type("a/b")
    assert page.locator("#typed").input_value() == "a/b"
    expect(dialog).not_to_have_attribute("open", "")
    link.focus()
    page.keyboard.press("/")
    expect(dialog).to_have_attribute("open", "")
    page.context.close()


def test_enter_on_a_result_opens_the_note(browser: Browser, notes: str) -> None:
    page, _ = open_page(browser, notes + ZH_PAGE)
    search(page, ZH_WORD)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"easyrl-ch03-tabular/$"))
    assert site_path(notes, page.url) == ZH_NOTE
    expect(page.locator("h1.post-title")).to_have_text("第 3 章 表格型方法")
    page.context.close()


def test_results_get_no_hover_preview(browser: Browser, notes: str) -> None:
    page, _ = open_page(browser, notes + ZH_PAGE)
    search(page, ZH_WORD)
    page.locator(".search-result a").first.hover()
    page.wait_for_timeout(QUIET_MS)
    assert page.locator(".preview-card").count() == 0
    page.context.close()


def test_dialog_follows_the_theme(browser: Browser, notes: str) -> None:
    for scheme in ("light", "dark"):
        page, _ = open_page(browser, notes + ZH_PAGE, color_scheme=scheme)
        page.keyboard.press("/")
        expect(page.locator("dialog.pf-modal")).to_have_attribute("open", "")
        colours = page.evaluate(
            """() => [getComputedStyle(document.querySelector("dialog.pf-modal")).backgroundColor,
                      getComputedStyle(document.body).backgroundColor]"""
        )
        assert colours[0] == colours[1], scheme
        page.context.close()


def test_without_javascript_there_is_no_search_button(browser: Browser, notes: str) -> None:
    page, _ = open_page(browser, notes + ZH_PAGE, java_script_enabled=False)
    assert page.locator(".search-toggle").count() == 1
    expect(page.locator(".search-toggle")).to_be_hidden()
    page.context.close()


def test_search_while_serving_follows_saves(browser: Browser, tmp_path: Path) -> None:
    """`notesite serve`: the index is made when the search opens and again, after a save,
    when a newly loaded page searches; the dialog survives the save's in-place update."""
    note = "content/posts/rl/a.md"
    files = {
        note: post(title="贝尔曼", body="价值函数满足贝尔曼方程。"),
        "content/posts/rl/b.md": post(title="策略", body="策略梯度。"),
    }
    root = write_site(tmp_path / "site", files, (CORPUS / "notesite.yaml").read_text("utf-8"))
    process, url = start_server(root, "--cache-dir", str(tmp_path / "cache"))
    try:
        page = browser.new_page()
        page.goto(url + "posts/b/")
        wait_connected(page)
        page.evaluate("window.__notReloaded = true")  # gone if the page reloads
        results = search(page, "贝尔曼")
        assert [site_path(url, r["href"]) for r in results] == ["posts/a/"]
        page.keyboard.press("Escape")
        (root / "content/posts/rl/b.md").write_text(
            post(title="策略", body="策略梯度。\n\n时序差分也在这里。"), encoding="utf-8"
        )
        expect(page.locator(".post-body")).to_contain_text("时序差分也在这里")
        assert page.evaluate("window.__notReloaded") is True  # patched in place
        assert page.locator("pagefind-modal").count() == 1  # the dialog is still there
        results = search(page, "贝尔曼")
        assert [site_path(url, r["href"]) for r in results] == ["posts/a/"]
        # A page keeps the index it loaded; the next page loaded searches the saved text.
        page.goto(url + "posts/a/")
        results = search(page, "时序差分")
        assert [site_path(url, r["href"]) for r in results] == ["posts/b/"]
        page.context.close()
    finally:
        stop_server(process)
