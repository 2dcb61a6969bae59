"""The embedded engine (V8 through mini-racer) gives the Node.js worker's HTML byte for
byte: every formula of this repository and of the real corpus, page and feed output,
with macros, errors included; and the engine is chosen as documented."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from conftest import CORPUS, REPO, math_tex, post, write_site
from selectolax.lexbor import LexborHTMLParser
from test_katex_engine import in_thread

from notesite.embeddedkatex import EmbeddedKatex
from notesite.katex import Formula, KatexUnavailable
from notesite.loader import load_site
from notesite.markdown import MarkdownRenderer
from notesite.mathengine import NO_ENGINE, chosen_engine, start_engine
from notesite.mathrender import client_markup, find_katex
from notesite.nodekatex import NodeKatex
from notesite.serve.state import LiveSite

MACROS = {"\\E": "\\mathbb{E}", "\\argmax": "\\operatorname*{argmax}"}


def site_formulas(root: Path) -> set[Formula]:
    collector = MarkdownRenderer(client_markup)
    found = set()
    for note in (*load_site(root).posts, *load_site(root).pages):
        for use in collector.formulas(note.body):
            found |= {Formula(use.tex, use.display), Formula(use.tex, use.display, "mathml")}
    return found


@pytest.fixture(scope="module")
def formulas() -> list[Formula]:
    everything = site_formulas(REPO) | site_formulas(CORPUS)
    ordered = sorted(everything, key=lambda f: (f.tex, f.display, f.output))
    # A fixed sample keeps the test quick; macros and broken TeX are always in.
    sample = random.Random(14).sample(ordered, min(len(ordered), 1000))
    extra = [Formula("\\E[G_t] = \\argmax_a q(s,a)", True), Formula("\\frac{1}{", False)]
    return sample + extra


def test_embedded_html_equals_nodes(formulas: list[Formula]) -> None:
    dist = find_katex(REPO)
    assert dist is not None
    node, embedded = NodeKatex(dist, max_workers=1), EmbeddedKatex(dist)
    try:
        assert embedded.version == node.version
        expected = node.render(formulas, MACROS)
        got = embedded.render(formulas, MACROS)
    finally:
        node.close()
        embedded.close()
    differing = [f for f, a, b in zip(formulas, expected, got, strict=True) if a != b]
    assert differing == []
    assert sum(r.error is not None for r in got) >= 1  # the broken formula, same message
    assert "mathbb" in (got[-2].html or "")  # the macro was applied


def test_engine_choice(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.delenv("NOTESITE_MATH_ENGINE", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # no node
    assert chosen_engine() == "embedded"
    monkeypatch.setattr("notesite.mathengine.embedded_available", lambda: False)
    assert chosen_engine() is None
    with pytest.raises(KatexUnavailable, match="install Node.js"):
        start_engine(find_katex(REPO))
    assert "mini-racer" in NO_ENGINE and "\n" not in NO_ENGINE


def test_closed_engine_refuses_politely() -> None:
    engine = EmbeddedKatex(find_katex(REPO))
    engine.close()
    with pytest.raises(KatexUnavailable):
        engine.render([Formula("x", False)], {})


def test_serve_without_node_renders_new_formulas_on_save(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("NOTESITE_MATH_ENGINE", "embedded")
    root = write_site(tmp_path / "site", {"content/posts/rl/a.md": post(body="旧 $x$。")})
    note = root / "content/posts/rl/a.md"
    live = LiveSite(root, cache_dir=tmp_path / "cache")
    try:
        assert live.refresh().error is None
        live.keep_math_warm()  # as serve does after every rebuild
        assert isinstance(live.pipeline.engine, EmbeddedKatex)
        note.write_text(post(body="旧 $x$。\n\n新 $y^2$。"), encoding="utf-8")
        assert in_thread(live.refresh, {"posts/a/index.html"}, {note}).error is None
        page = LexborHTMLParser(live.get("posts/a/index.html").decode())
        assert [math_tex(node) for node in page.css(".post-body .math")] == ["x", "y^2"]
        assert page.css_first(".post-body .katex") is not None
    finally:
        live.close()
