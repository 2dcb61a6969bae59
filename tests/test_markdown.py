"""Markdown features and math survival, checked on parsed HTML."""

from __future__ import annotations

import html
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from selectolax.lexbor import LexborHTMLParser


def tree(markup: str) -> LexborHTMLParser:
    return LexborHTMLParser(f"<html><body>{markup}</body></html>")


def math_texts(markup: str, selector: str = ".math") -> list[str]:
    return [node.text(deep=True) for node in tree(markup).css(selector)]


# ------------------------------------------------------------------- hazards

HAZARDS = [
    # (name, markdown, expected TeX of every math element in order)
    ("underscores across two spans", "a $x_1$ and $y_2$ b", ["x_1", "y_2"]),
    ("stars across two spans", "a $a*b$ and $c*d$ b", ["a*b", "c*d"]),
    ("emphasis around math", "*see $a_i*b_j$ here*", ["a_i*b_j"]),
    (
        "line breaks in aligned",
        "$$\n\\begin{aligned} a &= b \\\\\n c &= d \\\\ e \\end{aligned}\n$$",
        ["\n\\begin{aligned} a &= b \\\\\n c &= d \\\\ e \\end{aligned}\n"],
    ),
    ("escaped braces", "set $\\{ x \\mid x > 0 \\}$ ok", ["\\{ x \\mid x > 0 \\}"]),
    ("thin space", "$a\\,b\\;c\\!d$", ["a\\,b\\;c\\!d"]),
    ("less and greater", "$0 < x > y <b>$ and $a<b$", ["0 < x > y <b>", "a<b"]),
    ("escaped dollar outside", "costs \\$5 while $x$ is math", ["x"]),
    ("escaped dollar inside", "$\\$5 + x$", ["\\$5 + x"]),
    ("math in list", "- item $a_1$\n- item $$b_2$$\n", ["a_1", "b_2"]),
    ("math in quote", "> quote $q_t^*$ end\n", ["q_t^*"]),
    (
        "math in footnote",
        "text[^1]\n\n[^1]: note $f_n * g_n$\n",
        ["f_n * g_n"],
    ),
    ("math in heading", "## Bellman $V_\\pi(s)$ 方程\n", ["V_\\pi(s)"]),
    ("math in link text", "[see $x_t$ here](https://example.org)", ["x_t"]),
    ("CJK touching dollars", "状态$s$的价值$V(s)$等于", ["s", "V(s)"]),
    ("backslash paren inline", "where \\(\\alpha_t*\\beta\\) holds", ["\\alpha_t*\\beta"]),
    ("backslash bracket display", "\\[\n\\sum_i x_i\n\\]\n", ["\n\\sum_i x_i\n"]),
    ("markdown-escaped parens", "the \\\\(Q_*(s,a)\\\\) value", ["Q_*(s,a)"]),
    (
        "bare align environment",
        "\\begin{align}\nx &= 1 \\\\\ny &= 2\n\\end{align}\n",
        ["\\begin{align}\nx &= 1 \\\\\ny &= 2\n\\end{align}"],
    ),
    ("display inside paragraph", "text before\n$$\nx^2\n$$\ntext after", ["\nx^2\n"]),
    ("display inline in paragraph", "so $$a_1 = b_1$$ follows", ["a_1 = b_1"]),
    ("pipe in table cell", "| p | q |\n|---|---|\n| $\\pi(a|s)$ | 1 |\n", ["\\pi(a|s)"]),
    ("norm in table cell", "| n |\n|---|\n| $\\|x\\|_2$ |\n", ["\\|x\\|_2"]),
    ("ampersand", "$a & b$", ["a & b"]),
]


@pytest.mark.parametrize(("name", "source", "expected"), HAZARDS, ids=[h[0] for h in HAZARDS])
def test_math_hazards_survive(render_md, name: str, source: str, expected: list[str]) -> None:
    assert math_texts(render_md(source)) == expected


def test_pipe_in_math_keeps_table_shape(render_md) -> None:
    doc = tree(render_md("| p | q |\n|---|---|\n| $\\pi(a|s)$ | $\\|x\\|$ |\n"))
    assert len(doc.css("tbody tr td")) == 2


@pytest.mark.parametrize(
    "source",
    [
        "价格是 $5，那本是 $10。",
        "costs $5 to compute, not $10",
        "between $5 and $10",
        "from $5 to $10 and $20",
    ],
)
def test_prices_are_not_math(render_md, source: str) -> None:
    markup = render_md(source)
    assert math_texts(markup) == []
    assert "$5" in tree(markup).body.text()


def test_math_in_code_is_code(render_md) -> None:
    markup = render_md("inline `$x$` and\n\n```python\nprint('$y$')\n```\n")
    assert math_texts(markup) == []
    assert [c.text() for c in tree(markup).css("code")][0] == "$x$"


def test_display_block_is_a_div_and_inline_display_a_span(render_md) -> None:
    doc = tree(render_md("para $$a$$ end\n\n$$\nb\n$$\n"))
    assert [n.tag for n in doc.css(".math-display")] == ["span", "div"]
    assert doc.css_first("p .math-display") is not None


# Random TeX-like strings with every hazardous character reach the renderer unchanged.
TEX_ALPHABET = st.sampled_from(
    list("abxyz0123_*\\|<>&{}^ ,.+-=()[]") + ["\\\\", "\\frac", "\\{", "\\}", "\\$", "\\|"]
)


def _dollars_escaped(tex: str) -> bool:
    """Every `$` in tex is preceded by an odd number of backslashes."""
    for index, char in enumerate(tex):
        if char == "$":
            before = tex[:index]
            if (len(before) - len(before.rstrip("\\"))) % 2 == 0:
                return False
    return True


@settings(max_examples=300, deadline=None)
@given(st.lists(TEX_ALPHABET, min_size=1, max_size=25).map("".join))
def test_random_tex_reaches_renderer_byte_for_byte(tex: str) -> None:
    from notesite.markdown import MarkdownRenderer

    seen: list[str] = []

    def record(source: str, display: bool) -> str:
        seen.append(source)
        return html.escape(source)

    renderer = MarkdownRenderer(record)
    renderer.render(f"$$\n{tex}\n$$\n\ntext\n")
    assert seen == [f"\n{tex}\n"]
    stripped = tex.strip()
    # Inline math needs non-space at both ends and no unescaped `$` inside.
    trailing = len(stripped) - len(stripped.rstrip("\\"))
    if stripped and trailing % 2 == 0 and _dollars_escaped(stripped):
        seen.clear()
        renderer.render(f"前文 ${stripped}$ 后文 | cell\n")
        assert seen and set(seen) == {stripped}  # the body, then the excerpt
        seen.clear()
        renderer.render(f"| h |\n|---|\n| ${stripped}$ |\n")
        assert seen == [stripped]


# ---------------------------------------------------------------- features


def test_tables_strikethrough_tasklists(render_md) -> None:
    doc = tree(render_md("| a | b |\n|:--|--:|\n| 1 | 2 |\n\n~~old~~\n\n- [x] done\n- [ ] todo\n"))
    assert [th.text() for th in doc.css("thead th")] == ["a", "b"]
    assert doc.css_first("s, del").text() == "old"
    boxes = doc.css("li input[type=checkbox]")
    assert [("checked" in box.attributes) for box in boxes] == [True, False]


def test_footnotes(render_md) -> None:
    doc = tree(render_md("claim[^src]\n\n[^src]: the source\n"))
    ref = doc.css_first("sup a")
    target = ref.attributes["href"].lstrip("#")
    assert doc.css_first(f'[id="{target}"]').text().strip().startswith("the source")


@pytest.mark.parametrize("kind", ["note", "warning", "tip"])
def test_admonitions(render_md, kind: str) -> None:
    markup = render_md(f"::: {kind}\nbody with $x$\n:::\n", admonition_titles={kind: "T"})
    box = tree(markup).css_first(f".admonition.admonition-{kind}")
    assert box.css_first(".admonition-title").text() == "T"
    assert box.css_first(".math").text() == "x"


def test_heading_ids_are_stable_unique_and_chinese(render_md) -> None:
    doc = tree(
        render_md("## 贝尔曼方程\n\n## 贝尔曼方程\n\n## Value Iteration!\n\n### $Q^*$ 函数\n")
    )
    ids = [h.attributes["id"] for h in doc.css("h2, h3")]
    assert ids == ["贝尔曼方程", "贝尔曼方程-1", "value-iteration", "q-函数"]
    anchors = [a.attributes["href"] for a in doc.css("h2 a.heading-anchor")]
    assert anchors == ["#贝尔曼方程", "#贝尔曼方程-1", "#value-iteration"]


def test_toc_keeps_math_and_drops_links() -> None:
    from notesite.markdown import MarkdownRenderer
    from notesite.mathrender import client_markup

    doc = MarkdownRenderer(client_markup).render("## A $x_1$\n\n### [B](https://x.org)\n\n#### C\n")
    assert [(e.level, e.id) for e in doc.toc] == [(2, "a-x-1"), (3, "b"), (4, "c")]
    assert math_texts(doc.toc[0].html) == ["x_1"]
    assert tree(doc.toc[1].html).css("a") == []


def test_title_heading_is_not_repeated(render_md) -> None:
    doc = tree(render_md("# 我的标题\n\n正文\n\n# 另一个\n", title="我的标题"))
    assert [h.text() for h in doc.css("h1")] == ["另一个#"]


def test_code_highlighting_with_language_label(render_md) -> None:
    doc = tree(render_md("```python\ndef f(x):\n    return x\n```\n\n```nolang\nraw <b>\n```\n"))
    blocks = doc.css(".code-block")
    assert blocks[0].css_first(".code-lang").text() == "python"
    assert blocks[0].css_first("pre.highlight span.k") is not None  # keyword token
    assert blocks[1].css_first(".code-lang").text() == "nolang"
    assert blocks[1].css_first("code").text() == "raw <b>\n"
    assert blocks[1].css("pre span") == []  # plain text, no token spans


def test_relative_links_and_images_are_rewritten(render_md) -> None:
    targets = {
        "content/posts/rl/td.md": "/notes/posts/td/",
        "content/posts/img/a.png": "/notes/posts/img/a.png",
    }
    doc = tree(
        render_md(
            "[TD](td.md#sarsa) [ext](https://x.org/a.md) [top](#x)\n\n![pic $a$](../img/a.png)\n",
            source_dir="content/posts/rl",
            resolve_link=targets.get,
        )
    )
    hrefs = [a.attributes["href"] for a in doc.css("p a")]
    assert hrefs == ["/notes/posts/td/#sarsa", "https://x.org/a.md", "#x"]
    image = doc.css_first("figure img")
    assert image.attributes["src"] == "/notes/posts/img/a.png"
    assert image.attributes["alt"] == "pic $a$"
    assert math_texts(doc.css_first("figcaption").html) == ["a"]


def test_summary_rules() -> None:
    from notesite.markdown import MarkdownRenderer
    from notesite.mathrender import client_markup

    renderer = MarkdownRenderer(client_markup)
    long_zh = "强化学习" * 60
    doc = renderer.render(f"# 标题\n\n## 小节\n\n开头 $\\pi_\\theta(a|s)$ {long_zh}\n")
    text = tree(doc.summary_html).body.text()
    assert not text.startswith("小节")  # the heading is not run into the text
    assert math_texts(doc.summary_html) == ["\\pi_\\theta(a|s)"]
    assert doc.summary_html.endswith("…") and 150 <= len(text) <= 175

    english = " ".join(["reinforcement"] * 40)
    doc = renderer.render(f"{english}\n")
    words = tree(doc.summary_html).body.text().rstrip("…").split()
    assert set(words) == {"reinforcement"}  # cut on a word boundary

    doc = renderer.render("Intro with $x$.\n\n<!--more-->\n\nRest.\n")
    assert tree(doc.summary_html).body.text().strip() == "Intro with x."
    doc = renderer.render("Body.\n", summary="Given $y$ summary")
    assert math_texts(doc.summary_html) == ["y"]

    # A formula that would cross the budget is left out whole, never cut.
    doc = renderer.render("字" * 150 + " $" + "a+" * 60 + "b$ tail\n")
    assert math_texts(doc.summary_html) == []


def test_reading_time_counts_cjk_and_words_apart() -> None:
    from notesite.markdown import MarkdownRenderer
    from notesite.mathrender import client_markup

    renderer = MarkdownRenderer(client_markup)
    assert renderer.render("字" * 800).reading_minutes == 2
    assert renderer.render(" ".join(["word"] * 460)).reading_minutes == 2
    code = "```\n" + "x " * 5000 + "\n```\n"
    assert renderer.render("字" * 10 + "\n\n" + code).reading_minutes == 1


def test_word_counts_add_up_over_a_document_counted_at_once() -> None:
    """reading_minutes counts a document's text pieces joined by line breaks: each
    CJK character (supplementary-plane ones too) and each Latin word counts once, as
    when every piece was counted apart."""
    from notesite.markdown import MarkdownRenderer
    from notesite.markdown.excerpt import reading_minutes
    from notesite.mathrender import client_markup
    from notesite.text import WordCount, count_words

    assert count_words("强化学习𠀀 don't re-use it, ok") == WordCount(cjk=5, latin=4)
    body = "**策略**梯度 policy*gradient*s, 𠀀𠀁 well-known.\n\n" * 300
    parsed = MarkdownRenderer(client_markup).parse(body)
    pieces = [
        child.content
        for token in parsed.tokens
        if token.type == "inline"
        for child in token.children or ()
        if child.type == "text"
    ]
    apart = [count_words(piece) for piece in pieces]
    cjk, latin = sum(c.cjk for c in apart), sum(c.latin for c in apart)
    assert (cjk, latin) == (6 * 300, 4 * 300)
    assert reading_minutes(parsed.tokens) == math.ceil(cjk / 400 + latin / 230) == 10


def test_summaries_carry_no_footnotes() -> None:
    from notesite.markdown import MarkdownRenderer
    from notesite.mathrender import client_markup

    renderer = MarkdownRenderer(client_markup)
    body = "Intro[^1] text.\n\n<!--more-->\n\nMore.\n\n[^1]: the note\n"
    for summary in (None, "Given summary"):
        doc = renderer.render(body, summary=summary)
        excerpt = tree(doc.summary_html)
        assert excerpt.css(".footnotes, .footnote-ref, sup a") == []
        assert tree(doc.html).css_first(".footnotes") is not None


# ------------------------------------------------------- feeds' links, social cards

LINKING = """\
# Title

See [a note](/notes/posts/td/), [an anchor](#sec), ![fig](fig.png) and [x](https://x.org/).
A footnote[^1] and <a href="../other/">raw</a> <img src="raw.png" srcset="a.png 1x, b.png 2x">.

## Sec

<div class="wide">
<p>
  <img width="50" src="../img/p q.png"/></p>
</div>

[^1]: Back.
"""


def test_link_base_makes_every_url_absolute_and_only_then(render_md) -> None:
    base = "https://example.org/notes/posts/a/"
    absolute = tree(render_md(LINKING, link_base=base))
    hrefs = [a.attributes["href"] for a in absolute.css("a")]
    assert hrefs == [
        base + "#title",  # heading anchor
        "https://example.org/notes/posts/td/",
        base + "#sec",
        "https://x.org/",
        base + "#fn1",  # footnote reference
        "https://example.org/notes/posts/other/",  # raw HTML
        base + "#sec",  # heading anchor
        base + "#fnref1",  # footnote back-link
    ]
    sources = [(img.attributes["src"], img.attributes.get("srcset")) for img in absolute.css("img")]
    assert sources == [
        (base + "fig.png", None),
        (base + "raw.png", f"{base}a.png 1x, {base}b.png 2x"),
        ("https://example.org/notes/posts/img/p q.png", None),
    ]
    assert absolute.css_first("img[width]").attributes["width"] == "50"
    as_written = render_md(LINKING)
    assert "https://example.org" not in as_written
    assert tree(as_written).css_first("img").attributes["src"] == "fig.png"


@pytest.mark.parametrize(
    ("body", "image"),
    [
        ("Text ![a](one.png) ![b](two.png)", "one.png"),
        ('<div><img src="raw.jpg"></div>\n\n![b](two.png)', "raw.jpg"),
        ("![svg](d.svg) then ![png](p.png)", "p.png"),  # card sites do not show SVG
        ('<img src="data:image/png;base64,AAAA"> ![b](two.png)', "two.png"),
        ("> ![quoted](q.png)", "q.png"),
        ("No image. `![code](c.png)`", None),
    ],
)
def test_first_image_for_social_cards(body: str, image: str | None) -> None:
    from notesite.markdown import MarkdownRenderer
    from notesite.mathrender import client_markup

    assert MarkdownRenderer(client_markup).render(body).image == image


def test_first_image_skips_images_whose_file_is_missing() -> None:
    from notesite.markdown import MarkdownRenderer
    from notesite.mathrender import client_markup

    def resolve(target: str) -> str | None:  # only content/img/here.png exists
        return "/site/img/here.png" if target == "content/img/here.png" else None

    renderer = MarkdownRenderer(client_markup)
    body = "![missing](../gone.png) ![there](../img/here.png)"
    parsed = renderer.parse(body, source_dir="content/posts", resolve_link=resolve)
    assert renderer.render(parsed).image == "/site/img/here.png"


def test_title_text_is_plain_with_tex() -> None:
    from notesite.markdown import MarkdownRenderer
    from notesite.mathrender import client_markup

    doc = MarkdownRenderer(client_markup).render("x", title="**Bold** `</script>` and $a<b$")
    assert doc.title_text == "Bold </script> and $a<b$"


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(["a", "中文", " ", "*", "$x$", "\n", "\r\n", "\r", "\0", "- ", "> ", "`"]),
        max_size=40,
    )
)
def test_line_endings_and_nul_are_normalized_as_markdown_it_does(pieces: list[str]) -> None:
    """Our `normalize` (markdown/normalize.py: it leaves a text without CR or NUL as it
    is) gives the tokens markdown-it's own rule gives, whatever the line endings."""
    from markdown_it.rules_core.normalize import normalize as markdown_it_normalize

    from notesite.markdown import MarkdownRenderer
    from notesite.mathrender import client_markup

    ours = MarkdownRenderer(client_markup)
    theirs = MarkdownRenderer(client_markup)
    theirs.md.core.ruler.at("normalize", markdown_it_normalize)
    text = "".join(pieces)
    assert ours.md.core.ruler.getRules("")[0] is not markdown_it_normalize
    assert ours.render(text).html == theirs.render(text).html
    assert [(t.type, t.content, t.map) for t in ours.md.parse(text)] == [
        (t.type, t.content, t.map) for t in theirs.md.parse(text)
    ]
