"""In a real browser with JavaScript disabled, formulas are already typeset."""

from __future__ import annotations

from pathlib import Path

import pytest
from browser import CHROMIUM, CHROMIUM_ARGS, serve_under
from conftest import post, write_site
from playwright.sync_api import sync_playwright

from notesite.build import build

CONFIG = """\
title: 数学
base_url: https://example.github.io/notes/
languages:
  zh: {name: 中文, locale: zh-CN}
categories:
  rl: {zh: 强化学习}
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    body = r"""
        策略梯度 $\nabla_\theta J(\theta) = \mathbb{E}_{\pi_\theta}[G_t \nabla_\theta \log \pi_\theta(a_t|s_t)]$。

        $$
        \begin{aligned}
        V(s) &= \sum_a \pi(a|s) \sum_{s',r} p(s',r|s,a)\,[r + \gamma V(s')] \\
             &= \mathbb{E}_\pi[R_{t+1} + \gamma V(S_{t+1}) \mid S_t = s]
        \end{aligned}
        $$
        """
    root = write_site(
        tmp_path_factory.mktemp("browser") / "site",
        {"content/posts/rl/pg.md": post(title="策略梯度", body=body)},
        CONFIG,
    )
    output = root.parent / "public"
    build(root, output)
    return output


def test_math_is_rendered_without_javascript(built: Path) -> None:
    with serve_under(built) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(java_script_enabled=False)
            page = context.new_page()
            failed: list[str] = []
            page.on("requestfailed", lambda request: failed.append(request.url))
            response = page.goto(base + "posts/pg/")
            assert response is not None and response.ok
            page.wait_for_load_state("networkidle")
            assert failed == []

            # KaTeX's stylesheet is applied: the MathML copy is visually hidden ...
            mathml_clip = page.eval_on_selector(
                ".katex-mathml", "e => getComputedStyle(e).position"
            )
            assert mathml_clip == "absolute"
            # ... and the typeset HTML is laid out with KaTeX's own fonts.
            display = page.locator("div.math .katex-display").first
            box = display.bounding_box()
            assert box is not None and box["width"] > 200 and box["height"] > 40
            font = page.eval_on_selector(
                "div.math .mord.mathnormal", "e => getComputedStyle(e).fontFamily"
            )
            assert "KaTeX_Math" in font
            fonts_loaded = page.evaluate("() => document.fonts.check('italic 16px KaTeX_Math')")
            assert fonts_loaded
            inline = page.locator("p .math-inline .katex-html").first
            assert inline.is_visible()
            # No raw TeX is visible on the page.
            assert "\\nabla" not in page.inner_text(".post-body")
        finally:
            browser.close()
