"""Clicking the language switcher in a real browser lands on the counterpart page."""

from __future__ import annotations

from pathlib import Path

import pytest
from browser import CHROMIUM, CHROMIUM_ARGS, serve_under
from conftest import BASIC_CONFIG, post, write_site
from playwright.sync_api import sync_playwright

from notesite.build import build


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    files = {
        "content/posts/rl/td.md": post(title="时序差分", body="TD 学习 $V(s)$。"),
        "content/posts/rl/td.en.md": post(title="Temporal Difference", body="TD learning $V(s)$."),
        "content/posts/rl/mc.md": post(title="蒙特卡洛", date="2025-01-02", body="只有中文。"),
    }
    root = write_site(tmp_path_factory.mktemp("switch") / "site", files, BASIC_CONFIG)
    output = root.parent / "public"
    build(root, output)
    return output


@pytest.mark.parametrize(
    ("start", "language", "landing", "heading"),
    [
        ("posts/td/", "English", "en/posts/td/", "Temporal Difference"),
        ("en/posts/td/", "中文", "posts/td/", "时序差分"),
        ("categories/rl/", "English", "en/categories/rl/", "Category: Reinforcement Learning"),
        ("en/categories/rl/", "中文", "categories/rl/", "分类：强化学习"),
        ("posts/mc/", "English", "en/", "Latest updates"),
    ],
)
def test_switcher_click_lands_on_counterpart(
    built: Path, start: str, language: str, landing: str, heading: str
) -> None:
    with serve_under(built) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(base + start)
            page.locator(".lang-switch a", has_text=language).click()
            page.wait_for_url(base + landing)
            assert page.locator("h1").first.inner_text() == heading
            expected_lang = "en" if landing.startswith("en/") else "zh-CN"
            assert page.evaluate("document.documentElement.lang") == expected_lang
        finally:
            browser.close()
