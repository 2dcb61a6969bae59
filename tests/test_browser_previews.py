"""Hover previews (static/js/previews.js) in a real browser, on a site under /notes/."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from browser import CHROMIUM, CHROMIUM_ARGS, serve_under
from conftest import BASIC_CONFIG, post, write_site
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

from notesite.build import build

NOTE_A = r"""
    链接到 [B](b.md)、[B 的小节](b.md#some-heading)、[C](c.en.md)，见 \eqref{eq:own}，
    以及 [B 的公式](b.md#eq-eq-bellman)。脚注[^1]。

    B 的方程 \eqref{eq:bellman}，维基链接 [[b#Some heading]]。

    不预览：[外部](https://example.com/x)、[PDF](paper.pdf)、[首页](/notes/)、[标签](/notes/tags/)。

    $$
    x = 1 \label{eq:own}
    $$

    ## 本节

    正文。

    [^1]: 脚注的文字 $y$。
    """
NOTE_B = r"""
    B 的第一段，见 [C](c.en.md)。<span id="b-only" onclick="window.fromB = 1">原始 HTML</span><script>window.fromB = 2</script>

    ## Some heading

    小节的第一段。

    $$
    V(s) = r + \gamma V(s') \label{eq:bellman}
    $$

    ## 下一节

    不属于上一节。
    """
NOTE_C = "C's first paragraph, about [Bellman](b.md#eq-eq-bellman) and [A](a.md)."

CARD = ".preview-card"
# Longer than the show delay plus a local fetch: long enough for a card that should not come.
QUIET_MS = 700


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Browser, str]]:
    """The built site served under /notes/, and one Chromium for the module's tests."""
    files: dict[str, str | bytes] = {
        "content/posts/rl/a.md": post(title="笔记 A", date="2026-01-10", body=NOTE_A),
        "content/posts/rl/b.md": post(title="笔记 B", date="2026-01-11", body=NOTE_B),
        "content/posts/rl/c.en.md": post(title="Note C", date="2026-01-12", body=NOTE_C),
        "content/posts/rl/paper.pdf": b"%PDF-1.4\n%%EOF\n",
    }
    root = write_site(tmp_path_factory.mktemp("previews") / "site", files, BASIC_CONFIG)
    output = root.parent / "public"
    build(root, output)
    with serve_under(output) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser, base
        finally:
            browser.close()


def open_page(site: tuple[Browser, str], path: str = "posts/a/", **context: object) -> Page:
    browser, base = site
    page = browser.new_context(**context).new_page()
    page.goto(base + path)
    return page


def body_link(page: Page, href: str) -> Locator:
    return page.locator(f'.post-body a[href="{href}"]').first


def test_note_link_shows_title_and_first_paragraph(site: tuple[Browser, str]) -> None:
    page = open_page(site)
    link = body_link(page, "/notes/posts/b/")
    link.hover()
    card = page.locator(CARD)
    expect(card).to_be_visible()
    assert card.locator(".preview-title").inner_text() == "笔记 B"
    assert "B 的第一段" in card.inner_text()
    assert "小节的第一段" not in card.inner_text()
    # Announced as the link's description; B's raw HTML comes without ids (they would
    # clash with this page's), handlers or scripts.
    assert card.get_attribute("role") == "tooltip"
    assert link.get_attribute("aria-describedby") == card.get_attribute("id")
    assert "原始 HTML" in card.inner_text()
    assert card.locator("[id], [onclick], script").count() == 0
    card.locator("span").last.click()
    assert page.evaluate("window.fromB") is None
    # A link inside the card is not in the Tab order.
    assert card.locator("a").first.get_attribute("tabindex") == "-1"
    page.context.close()


def test_link_to_an_english_note_gets_its_language(site: tuple[Browser, str]) -> None:
    page = open_page(site)
    body_link(page, "/notes/en/posts/c/").hover()
    card = page.locator(CARD)
    expect(card.locator(".preview-title")).to_have_text("Note C")
    assert "C's first paragraph" in card.inner_text()
    assert card.get_attribute("lang") == "en"
    page.context.close()


def test_tab_to_equation_reference_shows_the_formula(site: tuple[Browser, str]) -> None:
    page = open_page(site)
    eqref = page.locator('.post-body a.eqref[href="#eq-eq-own"]')
    for _ in range(40):  # real keyboard focus, link by link
        page.keyboard.press("Tab")
        if eqref.evaluate("e => e === document.activeElement"):
            break
    card = page.locator(CARD)
    expect(card.locator(".katex")).to_be_visible()
    assert "x=1" in (card.locator("annotation").text_content() or "").replace(" ", "")
    assert card.locator("[id]").count() == 0
    # The card does not take focus.
    assert eqref.evaluate("e => e === document.activeElement")
    page.context.close()


def test_focus_on_link_to_another_notes_equation(site: tuple[Browser, str]) -> None:
    page = open_page(site)
    body_link(page, "/notes/posts/b/#eq-eq-bellman").focus()
    card = page.locator(CARD)
    expect(card.locator(".katex")).to_be_visible()
    assert card.locator(".preview-source").inner_text() == "笔记 B"
    assert "\\gamma" in (card.locator("annotation").text_content() or "")
    assert "B 的第一段" not in card.inner_text()
    # The tag "(1)" sits clear of the formula, as on B's page.
    tag = card.locator(".katex-tag").bounding_box()
    formula = card.locator(".katex-base").last.bounding_box()
    assert tag is not None and formula is not None
    assert tag["x"] >= formula["x"] + formula["width"]
    page.context.close()


def test_cross_note_eqref_wikilink_and_backlink(site: tuple[Browser, str]) -> None:
    page = open_page(site)
    card = page.locator(CARD)
    eqref = page.locator('.post-body a.eqref[href="/notes/posts/b/#eq-eq-bellman"]')
    assert eqref.get_attribute("title") == "笔记 B"
    eqref.hover()
    expect(card.locator(".katex")).to_be_visible()
    assert card.locator(".preview-source").inner_text() == "笔记 B"
    assert eqref.get_attribute("title") is None  # the browser's tooltip would cover the card
    page.mouse.move(5, 5)
    expect(card).to_have_count(0)
    assert eqref.get_attribute("title") == "笔记 B"
    page.locator(".post-body a.wikilink").hover()
    expect(card.locator(".preview-heading")).to_have_text("Some heading")
    # B's backlinks (outside the note's body) preview the notes that link to it.
    page.goto(site[1] + "posts/b/")
    page.locator(".backlinks a", has_text="笔记 A").hover()
    expect(card.locator(".preview-title")).to_have_text("笔记 A")
    page.context.close()


def test_heading_link_shows_heading_and_start_of_section(site: tuple[Browser, str]) -> None:
    page = open_page(site)
    body_link(page, "/notes/posts/b/#some-heading").hover()
    card = page.locator(CARD)
    expect(card.locator(".preview-heading")).to_have_text("Some heading")  # no "#" anchor
    text = card.inner_text()
    assert "小节的第一段" in text
    assert "B 的第一段" not in text and "不属于上一节" not in text
    page.context.close()


def test_footnote_reference_shows_the_footnote(site: tuple[Browser, str]) -> None:
    page = open_page(site)
    page.locator(".post-body .footnote-ref a").hover()
    card = page.locator(CARD)
    expect(card).to_contain_text("脚注的文字")
    assert card.locator(".katex").count() == 1
    assert "↩" not in card.inner_text()
    page.context.close()


def test_escape_closes_and_focus_stays(site: tuple[Browser, str]) -> None:
    page = open_page(site)
    link = body_link(page, "/notes/posts/b/")
    link.focus()
    card = page.locator(CARD)
    expect(card).to_be_visible()
    page.keyboard.press("Escape")
    expect(card).to_have_count(0)
    assert link.evaluate("e => e === document.activeElement")
    assert link.get_attribute("aria-describedby") is None
    page.wait_for_timeout(QUIET_MS)  # dismissed until the reader leaves the link
    assert card.count() == 0
    page.context.close()


def test_focus_leaving_closes_the_card_after_an_escaped_hover(site: tuple[Browser, str]) -> None:
    page = open_page(site)
    card = page.locator(CARD)
    body_link(page, "/notes/posts/b/").hover()
    expect(card).to_be_visible()
    page.keyboard.press("Escape")
    expect(card).to_have_count(0)
    page.mouse.move(5, 5)
    heading_link = body_link(page, "/notes/posts/b/#some-heading")
    heading_link.focus()
    expect(card).to_contain_text("Some heading")
    heading_link.blur()
    expect(card).to_have_count(0)
    page.context.close()


def test_pointer_can_move_onto_the_card(site: tuple[Browser, str]) -> None:
    page = open_page(site)
    body_link(page, "/notes/posts/b/").hover()
    card = page.locator(CARD)
    expect(card).to_be_visible()
    box = card.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, steps=8)
    page.wait_for_timeout(600)
    expect(card).to_be_visible()
    # A link inside the card gets no card of its own.
    card.locator('a[href$="/en/posts/c/"]').hover()
    page.wait_for_timeout(QUIET_MS)
    assert card.locator(".preview-title").inner_text() == "笔记 B"
    page.mouse.move(5, 5, steps=4)
    expect(card).to_have_count(0)
    page.context.close()


def test_card_causes_no_layout_shift(site: tuple[Browser, str]) -> None:
    page = open_page(site)
    measure = """() => ({
        main: document.querySelector('main').getBoundingClientRect().toJSON(),
        paragraphs: [...document.querySelectorAll('.post-body > *')]
            .map(e => e.getBoundingClientRect().toJSON()),
        width: document.documentElement.scrollWidth,
        height: document.documentElement.scrollHeight,
    })"""
    before = page.evaluate(measure)
    body_link(page, "/notes/posts/b/#some-heading").hover()
    card = page.locator(CARD)
    expect(card).to_be_visible()
    assert page.evaluate(measure) == before
    assert card.evaluate("e => getComputedStyle(e).position") == "absolute"
    page.context.close()


def record(requested: list[str], url: str) -> None:
    """Note a request the page made, but the site icon (Chromium asks for it by itself
    once the page has loaded, at a moment of its choosing)."""
    if not url.endswith("/static/favicon.svg"):
        requested.append(url)


def test_no_card_for_external_links_files_and_listings(site: tuple[Browser, str]) -> None:
    page = open_page(site)
    requested: list[str] = []
    page.on("request", lambda request: record(requested, request.url))
    page.route("https://example.com/**", lambda route: route.abort())
    links = ["https://example.com/x", "/notes/posts/rl/paper.pdf", "/notes/", "/notes/tags/"]
    for href in links:
        body_link(page, href).hover()
        page.wait_for_timeout(QUIET_MS)
        assert page.locator(CARD).count() == 0, href
    page.locator(".post-meta a.category").hover()  # a category listing, outside the body
    page.wait_for_timeout(QUIET_MS)
    assert page.locator(CARD).count() == 0
    assert requested == []
    # The same page still previews a note link (the script was running all along).
    body_link(page, "/notes/posts/b/").hover()
    expect(page.locator(CARD)).to_be_visible()
    page.context.close()


def test_no_card_for_the_table_of_contents(site: tuple[Browser, str]) -> None:
    page = open_page(site, "posts/b/")
    page.locator(".toc a").first.hover()  # the reader is on the page already
    page.wait_for_timeout(QUIET_MS)
    assert page.locator(CARD).count() == 0
    page.locator('.post-body a[href="/notes/en/posts/c/"]').hover()  # the script runs
    expect(page.locator(CARD)).to_be_visible()
    page.context.close()


def test_pages_are_fetched_once_under_the_sub_path(site: tuple[Browser, str]) -> None:
    _, base = site
    page = open_page(site)
    requested: list[str] = []
    page.on("request", lambda request: record(requested, request.url))
    card = page.locator(CARD)
    for href in ["/notes/posts/b/", "/notes/posts/b/#some-heading", "/notes/posts/b/"]:
        body_link(page, href).hover()
        expect(card).to_be_visible()
        page.mouse.move(5, 5)
        expect(card).to_have_count(0)
    assert requested == [base + "posts/b/"]
    page.context.close()


def test_katex_stylesheet_loads_on_a_page_without_math(site: tuple[Browser, str]) -> None:
    page = open_page(site, "en/posts/c/")
    assert page.locator('link[href$="katex.min.css"]').count() == 0
    body_link(page, "/notes/posts/b/#eq-eq-bellman").focus()
    card = page.locator(CARD)
    expect(card.locator(".katex")).to_be_visible()
    # KaTeX's stylesheet applies: the MathML copy is visually hidden, KaTeX's fonts are used.
    assert card.locator(".katex-mathml").evaluate("e => getComputedStyle(e).position") == "absolute"
    font = card.locator(".mord.mathnormal").first.evaluate("e => getComputedStyle(e).fontFamily")
    assert "KaTeX_Math" in font
    assert card.get_attribute("lang") == "zh-CN"
    page.context.close()


def test_dark_theme_and_reduced_motion(site: tuple[Browser, str]) -> None:
    page = open_page(site, color_scheme="light", reduced_motion="reduce")
    page.locator(".theme-toggle").click()
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    page.mouse.move(5, 5)
    body_link(page, "/notes/posts/b/").hover()
    card = page.locator(CARD)
    expect(card).to_be_visible()
    style = card.evaluate(
        "e => [getComputedStyle(e).backgroundColor, getComputedStyle(e).color,"
        " getComputedStyle(e).transitionDuration]"
    )
    assert style == ["rgb(21, 23, 26)", "rgb(230, 230, 227)", "0s"]
    page.context.close()


def test_without_javascript_links_are_plain_links(site: tuple[Browser, str]) -> None:
    _, base = site
    page = open_page(site, java_script_enabled=False)
    link = body_link(page, "/notes/posts/b/")
    link.hover()
    page.wait_for_timeout(QUIET_MS)
    assert page.locator(CARD).count() == 0
    link.click()
    page.wait_for_url(base + "posts/b/")
    assert page.locator("h1").inner_text() == "笔记 B"
    page.context.close()


def test_touch_taps_navigate_without_a_card(site: tuple[Browser, str]) -> None:
    _, base = site
    page = open_page(site, has_touch=True, is_mobile=True)
    page.locator(".post-body .footnote-ref a").tap()  # an in-page jump keeps the page
    page.wait_for_url(base + "posts/a/#fn1")
    page.wait_for_timeout(QUIET_MS)
    assert page.locator(CARD).count() == 0
    body_link(page, "/notes/posts/b/").tap()
    page.wait_for_url(base + "posts/b/")
    page.context.close()
