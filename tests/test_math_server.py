"""Server-side math: KaTeX at build time, cache, macros, numbering, errors, math everywhere."""

from __future__ import annotations

import html
from pathlib import Path

import pytest
from conftest import math_tex, output_tree, parse_html, post, record_calls, write_site
from selectolax.lexbor import LexborHTMLParser

from notesite.build import build
from notesite.cli import main
from notesite.katex import Formula, KatexRenderer
from notesite.markdown import MarkdownRenderer
from notesite.mathrender import find_katex
from notesite.nodekatex import NodeKatex

MATH_CONFIG = """\
title: {zh: 数学, en: Math}
description: {zh: 公式, en: Formulas}
base_url: https://example.github.io/notes/
default_language: zh
timezone: Asia/Shanghai
languages:
  zh: {name: 中文, locale: zh-CN}
  en: {name: English, locale: en}
categories:
  rl: {zh: 强化学习, en: RL}
math:
  render: server
  macros:
    \\E: \\mathbb{E}
    \\argmax: \\operatorname*{argmax}
"""

BELLMAN = post(
    title="贝尔曼 $V^\\pi$ 方程",
    body=r"""
        价值函数$V(s)=\E[G_t]$的定义。

        ## 期望 $\E_\pi$ 的形式

        $$
        V(s) = \E_\pi\left[R_{t+1} + \gamma V(S_{t+1})\right] \label{eq:bellman}
        $$

        ## 最优性

        由 $\eqref{eq:bellman}$ 可知，最优策略为 $\argmax_a Q(s,a)$，另见 \eqref{eq:opt}。

        $$
        V^*(s) = \max_a Q^*(s,a) \label{eq:opt}
        $$
        """,
)


@pytest.fixture(scope="module")
def math_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = write_site(
        tmp_path_factory.mktemp("math") / "site",
        {
            "content/posts/rl/bellman.md": BELLMAN,
            "content/posts/rl/plain.md": post(title="无公式", date="2025-01-01", body="只有文字。"),
        },
        config=MATH_CONFIG,
    )
    output = root.parent / "public"
    build(root, output)
    return output


def page(output: Path, url: str) -> LexborHTMLParser:
    return parse_html(output / url / "index.html")


def test_formulas_are_katex_html_with_mathml_and_no_script(math_site: Path) -> None:
    doc = page(math_site, "posts/bellman")
    formulas = doc.css(".post-body .math")
    assert formulas and all(f.css_first(".katex .katex-html") for f in formulas)
    assert all(f.css_first(".katex-mathml math") for f in formulas)
    assert math_tex(formulas[0]) == "V(s)=\\E[G_t]"
    scripts = [s.attributes.get("src") or "" for s in doc.css("script")]
    assert not any("katex" in src or "math.js" in src for src in scripts)
    stylesheets = [link.attributes["href"] for link in doc.css('link[rel="stylesheet"]')]
    assert "/notes/static/katex/katex.min.css" in stylesheets
    assert (math_site / "static/katex/katex.min.css").is_file()
    assert list((math_site / "static/katex/fonts").glob("KaTeX_Math-Italic.woff2"))


def test_pages_without_math_load_no_katex(math_site: Path) -> None:
    doc = page(math_site, "posts/plain")
    hrefs = [link.attributes["href"] for link in doc.css("link")]
    assert not any("katex" in href for href in hrefs)
    assert doc.css(".math") == []


def test_macros_apply(math_site: Path) -> None:
    doc = page(math_site, "posts/bellman")
    first = doc.css_first(".post-body .math")
    assert first.css_first('mi[mathvariant="double-struck"]').text() == "E"


def test_numbered_equations_link_to_their_formula(math_site: Path) -> None:
    doc = page(math_site, "posts/bellman")
    targets = [node.attributes.get("id") for node in doc.css(".post-body div.math")]
    assert targets == ["eq-eq-bellman", "eq-eq-opt"]
    links = [(a.attributes["href"], a.text()) for a in doc.css("a.eqref")]
    assert links == [("#eq-eq-bellman", "(1)"), ("#eq-eq-opt", "(2)")]
    tags = [node.css_first(".katex-tag").text(deep=True) for node in doc.css(".post-body div.math")]
    assert tags == ["(1)", "(2)"]


def test_math_in_title_heading_toc_excerpt_and_meta(math_site: Path) -> None:
    doc = page(math_site, "posts/bellman")
    assert doc.css_first("h1.post-title .katex") is not None
    assert "$V^\\pi$" in doc.css_first("title").text()
    description = doc.css_first('meta[name="description"]').attributes["content"]
    assert "$V(s)=\\E[G_t]$" in description and "[Math]" not in description
    assert doc.css_first("h2 .katex") is not None
    assert doc.css_first(".toc .katex") is not None
    home = page(math_site, "")
    item = next(
        i for i in home.css(".post-item") if "bellman" in i.css_first("a").attributes["href"]
    )
    assert item.css_first(".post-item-title .katex") is not None
    assert [math_tex(m) for m in item.css(".excerpt .math")] == [
        "V(s)=\\E[G_t]",
        "\\argmax_a Q(s,a)",
    ]
    stylesheets = [link.attributes["href"] for link in home.css('link[rel="stylesheet"]')]
    assert "/notes/static/katex/katex.min.css" in stylesheets


def test_feed_carries_mathml_only(math_site: Path) -> None:
    from xml.etree import ElementTree

    feed = ElementTree.parse(math_site / "atom.xml").getroot()
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entry = next(e for e in feed.findall("a:entry", ns) if "bellman" in e.find("a:id", ns).text)
    content = LexborHTMLParser(entry.find("a:content", ns).text)
    assert len(content.css("math")) >= 4
    assert content.css(".katex-html") == []
    annotations = [a.text() for a in content.css('annotation[encoding="application/x-tex"]')]
    assert "V(s)=\\E[G_t]" in annotations


def test_client_mode_keeps_tex_and_loads_script(tmp_path: Path) -> None:
    root = write_site(
        tmp_path / "site",
        {"content/posts/rl/a.md": post(body="公式 $a_1*b_2$ 在此。")},
        config=MATH_CONFIG.replace("render: server", "render: client"),
    )
    build(root, tmp_path / "out")
    doc = page(tmp_path / "out", "posts/a")
    assert [m.text() for m in doc.css(".post-body .math")] == ["a_1*b_2"]
    scripts = [s.attributes.get("src") or "" for s in doc.css("script")]
    assert "/notes/static/katex/katex.min.js" in scripts
    assert (
        doc.css_first("#katex-macros").text()
        == '{"\\\\E": "\\\\mathbb{E}", "\\\\argmax": "\\\\operatorname*{argmax}"}'
    )


def test_cache_renders_only_new_formulas(tmp_path: Path) -> None:
    files = {"content/posts/rl/a.md": post(body="$x_1$ 与 $$y^2$$ 以及 $z$")}
    root = write_site(tmp_path / "site", files, config=MATH_CONFIG)
    cache = tmp_path / "cache"
    first = build(root, tmp_path / "out", cache_dir=cache)
    assert first.formulas_rendered == first.formulas > 0
    second = build(root, tmp_path / "out", cache_dir=cache)
    assert second.formulas_rendered == 0
    write_site(
        root, {"content/posts/rl/a.md": post(body="$x_1$ 与 $$y^2$$ 以及 $z$ 和 $w$")}, MATH_CONFIG
    )
    third = build(root, tmp_path / "out", cache_dir=cache)
    assert third.formulas_rendered == 2  # $w$ for the page and its MathML for the feed


def test_a_build_that_reads_a_note_anew_starts_katex_before_parsing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Node.js with KaTeX takes ~0.1 s to start: a build that read an edited note starts
    a worker before the notes are parsed, one with nothing changed starts none, and one
    whose formulas are all cached stops the worker unused (the output as a fresh build's)."""
    files = {
        "content/posts/rl/a.md": post(body="$x_1$ 与 $$y^2$$"),
        "content/posts/rl/b.md": post(),
    }
    root = write_site(tmp_path / "site", files, config=MATH_CONFIG)
    cache, out = tmp_path / "cache", tmp_path / "out"
    build(root, out, cache_dir=cache)
    events: list[str] = []
    record_calls(monkeypatch, events, NodeKatex, "start", "start")
    record_calls(monkeypatch, events, MarkdownRenderer, "parse", "parse")
    build(root, out, cache_dir=cache)
    assert events == []  # nothing read anew: no engine, no parse
    write_site(
        root, {"content/posts/rl/a.md": post(body="$x_1$ 与 $$y^2$$ 以及 $w_3$")}, MATH_CONFIG
    )
    result = build(root, out, cache_dir=cache)
    assert result.formulas_rendered == 2 and events[:2] == ["start", "parse"]
    events.clear()
    write_site(root, {"content/posts/rl/b.md": post(body="$x_1$ 改过")}, MATH_CONFIG)
    result = build(root, out, cache_dir=cache)
    assert result.formulas_rendered == 0 and events[:2] == ["start", "parse"]
    fresh = tmp_path / "fresh"
    build(root, fresh)
    assert output_tree(out) == output_tree(fresh)


def test_cache_key_includes_macros_and_version(tmp_path: Path) -> None:
    dist = find_katex(Path.cwd())
    assert dist is not None
    engine = NodeKatex(dist)
    plain = KatexRenderer(engine, {}, None)
    with_macro = KatexRenderer(engine, {"\\E": "\\mathbb{E}"}, None)
    formula = Formula("\\E x", False)
    assert plain.key(formula) != with_macro.key(formula)
    assert plain.key(formula) != plain.key(Formula("\\E x", True))
    assert plain.version in ("0.19.1",)


def test_invalid_tex_warns_with_line_and_shows_source(tmp_path: Path, capsys, monkeypatch) -> None:
    body = "好的 $x^2$。\n\n坏的 $\\frac{a$ 公式。\n"
    root = write_site(tmp_path / "site", {"content/posts/rl/bad.md": post(body=body)}, MATH_CONFIG)
    monkeypatch.chdir(root)
    out = tmp_path / "out"
    assert main(["build", "--output", str(out)]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith("content/posts/rl/bad.md:8: KaTeX error: ")
    doc = page(out, "posts/bad")
    assert doc.css_first(".math-error code").text() == "\\frac{a"
    before = (out / "posts/bad/index.html").read_bytes()

    assert main(["build", "--strict", "--output", str(out)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("content/posts/rl/bad.md:8: KaTeX error")
    assert (out / "posts/bad/index.html").read_bytes() == before


def test_rendered_tex_is_byte_identical_to_source(tmp_path: Path) -> None:
    hazards = [
        "\\pi(a|s)",
        "\\|x\\|_2",
        "a_1*b_2*c_3",
        "\\{ x \\mid x < 0 \\}",
        "a \\, b \\; c",
        "x < y > z & w",
    ]
    body = "\n\n".join(f"项 ${tex}$ 尾" for tex in hazards) + "\n\n| a |\n|---|\n| $\\pi(a|s)$ |\n"
    root = write_site(tmp_path / "site", {"content/posts/rl/h.md": post(body=body)}, MATH_CONFIG)
    build(root, tmp_path / "out")
    doc = page(tmp_path / "out", "posts/h")
    assert [math_tex(m) for m in doc.css(".post-body .math")] == [*hazards, "\\pi(a|s)"]
    assert html.unescape("&lt;") == "<"
