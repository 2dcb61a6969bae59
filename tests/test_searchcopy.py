"""The copy of a page Pagefind reads (searchcopy.py): without KaTeX's HTML rendering and
the MathML beside the TeX, it must give Pagefind's index of the page itself, byte for
byte, and be smaller."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import post, write_site
from hypothesis import given, settings
from hypothesis import strategies as st
from selectolax.lexbor import LexborHTMLParser

from notesite import search, searchcopy
from notesite.build import build
from notesite.searchcopy import SearchCopy, searched_parts

NOTES = {
    "content/posts/rl/td.md": post(
        title="时序差分 $\\lambda$",
        date="2026-01-12",
        body="""
            时序差分用 $V(s) \\leftarrow V(s) + \\alpha \\delta$ 更新，$V(s)$ 是价值[^1]。

            ## 资格迹 $e_t$ 的更新

            $$
            e_t = \\gamma \\lambda e_{t-1} + \\nabla V(s_t) \\label{eq:trace}
            $$

            由 \\eqref{eq:trace} 可知，$V(s)$ 随 $e_t$ 变化：

            $$\\sum_{t=0}^{\\infty} \\gamma^t r_t$$

            - 列表里的 $\\alpha$
              > 引用里的 $\\frac{1}{2}$

            [^1]: 脚注里的 $\\hat{v}(s, w)$ 也有公式。
            """,
    ),
    "content/posts/rl/pg.en.md": post(
        title="Policy gradient",
        date="2026-01-13",
        body="""
            The gradient $\\nabla_\\theta J(\\theta)$ of $J$.

            ### Baseline $b(s)$

            | term | formula |
            |---|---|
            | advantage | $A = Q - V$ |
            """,
    ),
}


@pytest.fixture
def copies(monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """The pages Pagefind read in the builds of the test, by file."""
    seen: dict[str, bytes] = {}
    real = search.run_pagefind

    def reading(site: Path, out: Path, config_path: Path, service: object = None) -> bool:
        for page in site.rglob("*.html"):
            seen[page.relative_to(site).as_posix()] = page.read_bytes()
        return real(site, out, config_path, service)  # type: ignore[arg-type]

    monkeypatch.setattr(search, "run_pagefind", reading)
    return seen


def bundle(output: Path) -> dict[str, bytes]:
    return {
        path.relative_to(output).as_posix(): path.read_bytes()
        for path in sorted((output / "pagefind").rglob("*"))
        if path.is_file()
    }


def test_the_index_of_the_copy_is_the_index_of_the_page(
    tmp_path: Path, copies: dict[str, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_site(tmp_path / "site", NOTES)
    shortened, whole = tmp_path / "shortened", tmp_path / "whole"
    build(root, shortened, cache_dir=tmp_path / "cache-1")
    copied = dict(copies)
    monkeypatch.setattr(SearchCopy, "__call__", lambda self, page: page)
    build(root, whole, cache_dir=tmp_path / "cache-2")

    assert bundle(shortened) == bundle(whole)
    assert len(bundle(whole)) > 5
    assert sorted(copied) == ["en/posts/pg/index.html", "posts/td/index.html"]
    for file, copy in copied.items():
        assert len(copy) < len((shortened / file).read_bytes()), file
    td = (shortened / "posts/td/index.html").read_bytes()
    assert len(copied["posts/td/index.html"]) < len(td) * 0.75  # KaTeX left out


def test_the_copy_keeps_the_tex_and_formulas_in_anchors_whole(
    tmp_path: Path, copies: dict[str, bytes]
) -> None:
    root = write_site(tmp_path / "site", NOTES)
    build(root, tmp_path / "public", cache_dir=tmp_path / "cache")
    tree = LexborHTMLParser(copies["posts/td/index.html"].decode())
    formulas = tree.css(".katex")
    assert len(formulas) >= 10

    def in_anchor(node) -> bool:  # in a heading, or an element with an id notesite wrote
        while node is not None and node.tag != "body":
            if node.tag in {"h1", "h2", "h3"} or node.attributes.get("id") in {
                "fn1",
                "eq-eq-trace",
            }:
                return True
            node = node.parent
        return False

    whole = [f for f in formulas if f.css_first(".katex-html") is not None]
    short = [f for f in formulas if f.css_first(".katex-html") is None]
    assert {in_anchor(f) for f in whole} == {True}
    assert {in_anchor(f) for f in short} == {False}
    assert len(whole) == 4  # the title, a heading, the labelled equation, the footnote
    for formula in short:  # the TeX alone
        assert [child.tag for child in formula.iter(include_text=True)] == ["-text"]
    texts = [f.text() for f in short]
    assert "V(s) \\leftarrow V(s) + \\alpha \\delta" in texts
    assert "\\frac{1}{2}" in texts


KATEX = (
    b'<span class="katex"><span class="katex-mathml"><math><semantics><mrow><mi>x</mi>'
    b'</mrow><annotation encoding="application/x-tex">x</annotation></semantics></math>'
    b'</span><span class="katex-html" aria-hidden="true"><span class="base">'
    b'<span class="mord">x</span></span></span></span>'
)
SHORT = b'<span class="katex">x</span>'


def test_formulas_are_shortened_where_they_are_and_nothing_else() -> None:
    copy = SearchCopy()
    page = b"<p>a " + KATEX + b" b " + KATEX + b"</p>"
    assert copy(page) == b"<p>a " + SHORT + b" b " + SHORT + b"</p>"
    assert copy(page) == b"<p>a " + SHORT + b" b " + SHORT + b"</p>"  # from its memory
    plain = b"<p>no formula</p>"
    assert copy(plain) is plain


def test_a_formula_that_does_not_close_is_left_as_it_is() -> None:
    page = b"<p>" + KATEX[:-7] + b"</p>"  # its last </span> missing
    assert SearchCopy()(page) == page
    broken = b"<p>" + KATEX[:40] + b"</p><p>" + KATEX + b"</p>"
    expected = b"<p>" + KATEX[:40] + b"</p><p>" + SHORT + b"</p>"
    assert SearchCopy()(broken) == expected  # only the first is unreadable


def test_the_memory_starts_again_when_full(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(searchcopy, "_MEMORY", 2)
    copy = SearchCopy()
    for n in range(5):
        formula = KATEX.replace(b">x<", f">x{n}<".encode())
        assert copy(formula) == SHORT.replace(b">x<", f">x{n}<".encode())
        assert len(copy.known) <= 2


PAGE = (
    b'<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
    b'<title>TD</title>\n<link rel="stylesheet" href="/s.css">\n<script>var a;</script>\n'
    b'</head>\n<body>\n<header><nav><a href="/">home</a></nav></header>\n'
    b'<h1 data-pagefind-body data-pagefind-meta="title:TD">TD</h1>\n'
    b'<div class="meta"><time data-pagefind-meta="date">2026</time></div>\n'
    b'<div class="post-body" data-pagefind-body><div><p>text</p></div><img src="a.png"></div>\n'
    b"<footer>footer</footer>\n</body>\n</html>\n"
)


def test_the_copy_keeps_only_what_pagefind_reads_of_a_page() -> None:
    parts = searched_parts(PAGE)
    assert parts is not None
    tree = LexborHTMLParser(parts.decode())
    assert tree.css_first("html").attributes["lang"] == "zh-CN"
    assert tree.css_first("title").text() == "TD"
    assert [n.tag for n in tree.body.iter()] == ["h1", "time", "div"]
    assert tree.css_first("div.post-body img").attributes["src"] == "a.png"
    for left_out in (b"<header", b"<footer", b"<script", b"<link", b'class="meta"'):
        assert left_out not in parts
    assert SearchCopy()(PAGE) == parts


@pytest.mark.parametrize(
    "change",
    [
        (b" data-pagefind-body", b""),  # nothing marked: Pagefind reads the whole page
        (b"<footer>", b'<footer data-pagefind-ignore="all">'),  # an attribute outside
        (b'<img src="a.png"></div>', b'<img src="a.png">'),  # the body does not close
    ],
    ids=["no body", "attribute outside", "unclosed"],
)
def test_a_page_the_copy_cannot_be_sure_of_is_kept_whole(change: tuple[bytes, bytes]) -> None:
    page = PAGE.replace(*change)
    assert searched_parts(page) is None
    assert SearchCopy()(page) == page


_PIECES = [
    b"<span>",
    b'<span class="mord">',
    b"</span>",
    b"x",
    b"<spanx>",  # not a span
    b"<span\t>",  # a span the regex reads, which the fast path leaves to it
    b"</span >",  # not an end tag the regex reads
    b"<span/>",
    b"<b>",
    b"</b>",
]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=40))
def test_a_span_ends_where_the_tag_by_tag_reading_says(pieces: list[bytes]) -> None:
    """span_end (C-level searches, many end tags at a time) agrees with reading the tags
    one by one, at every `<span` and wherever else it is asked."""
    page = b"".join(pieces)
    for at in range(len(page)):
        expected = searchcopy._element_end(searchcopy._SPAN_TAG, page, at)
        assert searchcopy.span_end(page, at) == expected, (page, at)


def test_a_formula_ends_where_the_tag_by_tag_reading_says() -> None:
    page = b"<p>" + KATEX + b" and " + KATEX.replace(b">x<", b">y<") + b"</p>"
    starts = [n for n in range(len(page)) if page.startswith(b'<span class="katex">', n)]
    assert len(starts) == 2
    for at in starts:
        end = searchcopy.span_end(page, at)
        assert end == searchcopy._element_end(searchcopy._SPAN_TAG, page, at)
        assert end is not None and page[at:end] in (KATEX, KATEX.replace(b">x<", b">y<"))
