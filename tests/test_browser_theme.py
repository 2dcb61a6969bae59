"""The theme as readers meet it, in Debian's Chromium: accessibility (axe-core) in both
themes, no sideways scrolling at phone and desktop widths, the table of contents following
the reading, the theme choice kept across pages, and the code blocks' copy button.

One build of this repository's site and one browser serve the whole module."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from browser import serve_under
from conftest import REPO
from playwright.sync_api import Browser, Page, expect

from notesite.build import build

AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
MATH_NOTE = "posts/ddpm/"  # the note with the most math (and code, tables, a long TOC)
SAMPLES = ["", MATH_NOTE, "categories/rl/", "series/rl-basics/", "archives/", "en/posts/ppo/"]
THEMES = ["light", "dark"]


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    site = tmp_path_factory.mktemp("theme-site")
    shutil.copytree(REPO / "content", site / "content")
    shutil.copy(REPO / "notesite.yaml", site / "notesite.yaml")
    output = site.parent / "public"
    build(site, output, cache_dir=tmp_path_factory.mktemp("cache"))
    with serve_under(output, "notes") as url:
        yield url


def themed_page(browser: Browser, theme: str | None, width: int = 1280) -> Page:
    """A page in a new context; `theme` is the reader's stored choice (None: none made)."""
    context = browser.new_context(viewport={"width": width, "height": 800})
    if theme is not None:
        context.add_init_script(f"localStorage.setItem('notesite-theme', '{theme}')")
    return context.new_page()


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("path", SAMPLES[:5])
def test_axe_finds_no_serious_violation(browser: Browser, base: str, path: str, theme: str) -> None:
    page = themed_page(browser, theme)
    try:
        page.goto(base + path)
        assert page.evaluate("document.documentElement.dataset.theme") == theme
        # Blocks far from the screen are not rendered (content-visibility): render them all,
        # so that axe judges every element, not only the first screenful.
        page.add_style_tag(content=".post-body > * { content-visibility: visible !important }")
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        serious = [
            (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:5])
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert serious == []
        assert result["passes"], "axe ran no rule"
    finally:
        page.context.close()


@pytest.mark.parametrize("width", [360, 1280])
def test_no_page_scrolls_sideways(browser: Browser, base: str, width: int) -> None:
    page = themed_page(browser, None, width)
    try:
        wide = {}
        for path in SAMPLES:
            page.goto(base + path)
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            if overflow > 0:
                wide[path] = overflow
        assert wide == {}
        # The math note has display formulas and code wider than a phone: they scroll inside.
        page.goto(base + MATH_NOTE)
        if width == 360:
            assert page.evaluate(
                "[...document.querySelectorAll('.math-display, .code-block pre')]"
                ".some(e => e.scrollWidth > e.clientWidth)"
            )
    finally:
        page.context.close()


def test_toc_sits_beside_the_text_and_follows_the_reading(browser: Browser, base: str) -> None:
    page = themed_page(browser, None, 1280)
    try:
        page.goto(base + MATH_NOTE)
        toc = page.locator("nav.toc")
        body = page.locator(".post-body")
        assert toc.bounding_box()["x"] >= body.bounding_box()["x"] + body.bounding_box()["width"]
        links = page.locator("nav.toc a")
        assert links.count() > 3
        for index in (links.count() - 2, 1):  # down the page, then back up
            target = links.nth(index).get_attribute("href")
            page.evaluate(
                "id => document.getElementById(id).scrollIntoView()",
                target[1:],
            )
            page.wait_for_function(
                "href => document.querySelector(`nav.toc a[aria-current]`)"
                "?.getAttribute('href') === href",
                arg=target,
            )
            assert page.locator("nav.toc a[aria-current]").count() == 1
            box = toc.bounding_box()
            assert 0 <= box["y"] < 800  # sticky: still on screen
    finally:
        page.context.close()


def test_theme_choice_persists_across_pages(browser: Browser, base: str) -> None:
    context = browser.new_context(color_scheme="light")
    page = context.new_page()
    try:
        page.goto(base)
        light = page.evaluate("getComputedStyle(document.body).backgroundColor")
        page.locator(".theme-toggle").click()
        assert page.locator(".theme-toggle").get_attribute("aria-pressed") == "true"
        page.goto(base + MATH_NOTE)
        assert page.evaluate("document.documentElement.dataset.theme") == "dark"
        dark = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert dark != light
        code_bg = page.evaluate(
            "getComputedStyle(document.querySelector('.highlight .k, .highlight .kn')).color"
        )
        page.locator(".theme-toggle").click()
        page.goto(base + "archives/")
        assert page.evaluate("document.documentElement.dataset.theme") == "light"
        assert page.evaluate("getComputedStyle(document.body).backgroundColor") == light
        page.goto(base + MATH_NOTE)
        assert code_bg != page.evaluate(
            "getComputedStyle(document.querySelector('.highlight .k, .highlight .kn')).color"
        )
    finally:
        context.close()


def test_copy_button_copies_the_code(browser: Browser, base: str) -> None:
    context = browser.new_context()
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    try:
        page.goto(base + MATH_NOTE)
        block = page.locator(".code-block").first
        block.scroll_into_view_if_needed()  # blocks far from the screen are not rendered
        button = block.locator("button.code-copy")
        expect(button).to_have_text("复制")
        button.click()
        expected = block.locator("pre code").evaluate("code => code.textContent")
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied == expected
        # This block has line numbers (ddpm.md: {linenos=true ...}); they are not copied.
        assert block.locator(".linenos .line.hl").count() == 4
        assert copied.startswith("import torch\nimport torch.nn.functional as F\n\nT = 1000\n")
        expect(button).to_have_text("已复制")
    finally:
        context.close()


def test_print_shows_the_note_and_where_links_go(browser: Browser, base: str) -> None:
    page = themed_page(browser, "dark")
    try:
        page.goto(base + MATH_NOTE)
        page.emulate_media(media="print")
        hidden = ["header.site-header", "footer.site-footer", "nav.toc", ".code-copy"]
        for selector in hidden:
            assert page.locator(selector).first.evaluate("e => getComputedStyle(e).display") == (
                "none"
            ), selector
        # Black on white whatever the screen theme, code wrapped rather than cut.
        assert page.evaluate("getComputedStyle(document.body).backgroundColor") in (
            "rgb(255, 255, 255)",
        )
        assert (
            page.locator(".code-block pre").first.evaluate("e => getComputedStyle(e).whiteSpace")
            == "pre-wrap"
        )
        # Every formula printed whole: none cut by a scroll box, none left unrendered.
        assert page.evaluate(
            "[...document.querySelectorAll('.math-display')].every(e =>"
            " getComputedStyle(e).overflowX === 'visible'"
            " && getComputedStyle(e.closest('.post-body > *')).contentVisibility !== 'auto')"
        )
        page.goto(base + "posts/temporal-difference/")  # a note that links to others
        link = page.locator(".post-body p a[href^='/notes/posts/']").first
        after = link.evaluate("a => getComputedStyle(a, '::after').content")
        assert link.get_attribute("href") in after
    finally:
        page.context.close()
