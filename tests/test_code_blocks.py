"""Code fences: the options of the info string (line numbers, highlighted lines) as parsed
and as rendered."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from selectolax.lexbor import LexborHTMLParser

from notesite.markdown.codeinfo import CodeInfo, parse_info


@pytest.mark.parametrize(
    ("info", "expected"),
    [
        ("python", CodeInfo("python")),
        ("{.python .input}", CodeInfo("python")),
        ("Python {linenos=true}", CodeInfo("python", linenos=True)),
        ("py {linenos=false hl_lines=[2,3]}", CodeInfo("py", hl_lines=frozenset({2, 3}))),
        (
            'python {linenos=table, hl_lines=[1,"4-6"], linenostart=10}',
            CodeInfo("python", True, 10, frozenset({1, 4, 5, 6})),
        ),
        ('c {hl_lines="2 5-6"}', CodeInfo("c", hl_lines=frozenset({2, 5, 6}))),
        ("{linenos=true}", CodeInfo("", linenos=True)),
        ("text {hl_lines=[x, 0, 9-3] colour=red}", CodeInfo("text")),  # nonsense is ignored
    ],
)
def test_parse_info(info: str, expected: CodeInfo) -> None:
    assert parse_info(info) == expected


CODE = 'def f(x):\n    s = """a\n    b"""\n    return x\n'


def lines_of(html: str) -> list[tuple[str, str]]:
    code = LexborHTMLParser(html).css_first("pre code")
    return [(span.attributes["class"], span.text()) for span in code.css("code > .line")]


def test_line_numbers_and_highlighted_lines(render_md: Callable[..., str]) -> None:
    html = render_md(f'```python {{linenos=true hl_lines=[2,"4"]}}\n{CODE}```\n')
    tree = LexborHTMLParser(html)
    code = tree.css_first("pre code")
    assert "linenos" in code.attributes["class"].split()
    assert code.attributes.get("style") is None  # numbering starts at 1 by default
    assert lines_of(html) == [
        ("line", "def f(x):\n"),
        ("line hl", '    s = """a\n'),
        ("line", '    b"""\n'),
        ("line hl", "    return x\n"),
    ]
    assert code.text() == CODE  # what a reader copies is exactly the code
    assert tree.css_first(".code-lang").text() == "python"
    # A string spanning lines is still highlighted on both of them, each span closed.
    assert [span.text() for span in code.css(".line .s2")] == ['"""a', '    b"""']


def test_highlight_without_numbers_and_a_start(render_md: Callable[..., str]) -> None:
    html = render_md(f"```python {{hl_lines=[1] linenostart=7}}\n{CODE}```\n")
    code = LexborHTMLParser(html).css_first("pre code")
    assert "linenos" not in code.attributes["class"].split()
    assert [kind for kind, _ in lines_of(html)] == ["line hl", "line", "line", "line"]
    numbered = render_md(f"```python {{linenos=true linenostart=7}}\n{CODE}```\n")
    code = LexborHTMLParser(numbered).css_first("pre code")
    assert code.attributes["style"] == "counter-reset: line 6"


def test_plain_fence_has_no_line_markup(render_md: Callable[..., str]) -> None:
    html = render_md(f"```python\n{CODE}```\n")
    code = LexborHTMLParser(html).css_first("pre code")
    assert code.css(".line") == [] and code.text() == CODE
    unknown = render_md("```nosuchlang {hl_lines=[1]}\n<a> & b\n```\n")
    assert lines_of(unknown) == [("line hl", "<a> & b\n")]


def test_options_change_the_output_and_it_is_deterministic(
    render_md: Callable[..., str],
) -> None:
    plain = render_md(f"```python\n{CODE}```\n")
    numbered = render_md(f"```python {{linenos=true}}\n{CODE}```\n")
    assert plain != numbered
    assert numbered == render_md(f"```python {{linenos=true}}\n{CODE}```\n")
