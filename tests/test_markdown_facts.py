"""What parsing a note yields (`NoteFacts`), and what rendering adds (`RenderedDoc`)."""

from __future__ import annotations

import textwrap

import pytest
from selectolax.lexbor import LexborHTMLParser

from notesite.markdown import MarkdownRenderer, Parsed
from notesite.markdown.facts import (
    AnchorLink,
    Equation,
    Heading,
    NoteFacts,
    UnresolvedLink,
)
from notesite.mathrender import client_markup

NOTE = textwrap.dedent(
    r"""
    # 总览

    ## 贝尔曼方程

    $$
    V(s) = r + \gamma V(s') \label{eq:bellman}
    $$

    由 \eqref{eq:bellman} 与 $\ref{eq:opt}$ 可知。[^1]

    ### 小结

    见[上文](#贝尔曼方程)、[TD](td.md#更新)和![图](missing.png)。

    $$ a = b \tag{*} \label{eq:star} $$

    ## 小结

    ```python
    print(1)
    ```

    [^1]: 脚注 \eqref{eq:star}。
    """
).lstrip("\n")


def line_of(text: str) -> int:
    """0-based line of the first line of NOTE that starts with `text`."""
    return next(n for n, line in enumerate(NOTE.splitlines()) if line.startswith(text))


@pytest.fixture(scope="module")
def renderer() -> MarkdownRenderer:
    return MarkdownRenderer(client_markup)


@pytest.fixture(scope="module")
def parsed(renderer: MarkdownRenderer) -> Parsed:
    targets = {"notes/rl/td.md": "/notes/posts/td/"}
    return renderer.parse(NOTE, title="贝尔曼", source_dir="notes/rl", resolve_link=targets.get)


def test_headings_with_unique_ids_and_lines(parsed: Parsed) -> None:
    assert parsed.facts.headings == (
        Heading(1, "总览", 0),
        Heading(2, "贝尔曼方程", line_of("## 贝尔曼方程")),
        Heading(3, "小结", line_of("### 小结")),
        Heading(2, "小结-1", line_of("## 小结")),
    )


def test_equations_numbered_or_tagged(parsed: Parsed) -> None:
    assert parsed.facts.equations == (
        Equation("eq:bellman", "1", "eq-eq-bellman", line_of("$$")),
        Equation("eq:star", "*", "eq-eq-star", line_of("$$ a = b")),
    )
    assert parsed.facts.equation_numbers == {"eq:bellman": "1", "eq:star": "*"}


def test_equation_references_and_the_unresolved_ones(parsed: Parsed) -> None:
    facts = parsed.facts
    refs = line_of("由 ")
    # The footnote's reference comes last: markdown-it moves footnotes to the end.
    assert [(ref.key, ref.paren, ref.line) for ref in facts.equation_refs] == [
        ("eq:bellman", True, refs),
        ("eq:opt", False, refs),
        ("eq:star", True, line_of("[^1]: ")),
    ]
    assert [ref.key for ref in facts.unresolved_refs] == ["eq:opt"]
    assert [ref.written for ref in facts.equation_refs] == [
        "\\eqref{eq:bellman}",
        "\\ref{eq:opt}",
        "\\eqref{eq:star}",
    ]


def test_links_with_anchors_and_unresolved_files(parsed: Parsed) -> None:
    line = line_of("见[上文]")
    assert parsed.facts.anchor_links == (
        AnchorLink(line, "", "贝尔曼方程"),
        AnchorLink(line, "notes/rl/td.md", "更新"),
    )
    assert parsed.facts.unresolved_links == (UnresolvedLink(line, "missing.png"),)


def test_anchors_are_the_ids_the_page_has(renderer: MarkdownRenderer, parsed: Parsed) -> None:
    assert parsed.facts.footnotes == 1
    page = LexborHTMLParser(renderer.render(parsed).html)
    ids = {node.attributes["id"] for node in page.css("[id]")}
    assert parsed.facts.anchors == ids
    assert ids == {
        "总览",
        "贝尔曼方程",
        "小结",
        "小结-1",
        "eq-eq-bellman",
        "eq-eq-star",
        "fn1",
        "fnref1",
    }


def test_without_a_resolver_links_are_not_recorded(renderer: MarkdownRenderer) -> None:
    facts = renderer.parse("[a](missing.md) [b](#x)\n").facts
    assert (facts.anchor_links, facts.unresolved_links) == ((), ())


def test_an_empty_note_has_no_facts(renderer: MarkdownRenderer) -> None:
    assert renderer.parse("").facts == NoteFacts()


def test_rendering_adds_toc_math_and_code_and_keeps_the_parse(
    renderer: MarkdownRenderer, parsed: Parsed
) -> None:
    doc = renderer.render(parsed)
    assert (doc.has_math, doc.has_code) == (True, True)
    assert [(entry.level, entry.id) for entry in doc.toc] == [
        (2, "贝尔曼方程"),
        (3, "小结"),
        (2, "小结-1"),
    ]
    page = LexborHTMLParser(doc.html)
    assert [(a.attributes["href"], a.text()) for a in page.css("a.eqref")] == [
        ("#eq-eq-bellman", "(1)"),
        ("#eq-eq-star", "(*)"),
    ]
    assert [span.text() for span in page.css("span.eqref.missing")] == ["??(eq:opt)"]
    # Rendering records nothing in the parse: a second render is the same.
    assert renderer.render(parsed) == doc
    plain = renderer.render(renderer.parse("只有文字。\n"))
    assert (plain.has_math, plain.has_code, plain.toc) == (False, False, ())
