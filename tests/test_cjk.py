"""Chinese Markdown as Chinese writers write it (markdown.cjk): emphasis beside full-width
punctuation, no phantom spaces from hard-wrapped lines; Latin text as CommonMark says."""

from __future__ import annotations

import html
from pathlib import Path

import pytest
from conftest import BASIC_CONFIG, parse_html, post, write_site
from markdown_it import MarkdownIt
from selectolax.lexbor import LexborHTMLParser

from notesite.build import build
from notesite.errors import NotesiteError
from notesite.markdown import MarkdownRenderer
from notesite.mathrender import client_markup
from notesite.model import MarkdownConfig

CJK = MarkdownRenderer(client_markup)
PLAIN = MarkdownRenderer(client_markup, MarkdownConfig(cjk=False))


def body(markdown: str, renderer: MarkdownRenderer = CJK) -> LexborHTMLParser:
    return LexborHTMLParser(f"<body>{renderer.render(markdown).html}</body>")


def visible_text(tree: LexborHTMLParser) -> str:
    return tree.body.text(deep=True) if tree.body else ""


# ---------------------------------------------------------------------------- emphasis

EMPHASIS = [
    # (markdown, tag, text inside the tag)
    (
        "**强化学习（reinforcement learning，RL）**讨论的问题是",
        "strong",
        "强化学习（reinforcement learning，RL）",
    ),
    ("这是**“重要”**的内容", "strong", "“重要”"),
    ("**注意：**后面", "strong", "注意："),
    ("*斜体（注释）*接着", "em", "斜体（注释）"),
    ("测试**（括号）**测试", "strong", "（括号）"),
    ("~~旧的说法（已废弃）~~现在", "s", "旧的说法（已废弃）"),
    ("**演员（actor）**和**评论员（critic）**", "strong", "演员（actor）"),
    ("使用**`npm ci`**安装", "strong", "npm ci"),
    ("**「テスト」**です", "strong", "「テスト」"),
    ("패키지를 **“발행”**하려면", "strong", "“발행”"),
    ("$a*b$ 与 **粗体（注）**后", "strong", "粗体（注）"),
]


@pytest.mark.parametrize(
    ("markdown", "tag", "inside"), EMPHASIS, ids=[f"{i}-{c[0][:8]}" for i, c in enumerate(EMPHASIS)]
)
def test_emphasis_beside_full_width_punctuation(markdown: str, tag: str, inside: str) -> None:
    tree = body(markdown)
    assert tree.css_first(tag).text(deep=True) == inside
    assert "**" not in visible_text(tree) and "~~" not in visible_text(tree)


@pytest.mark.parametrize("markdown", [c[0] for c in EMPHASIS[:6]], ids=[f"{i}" for i in range(6)])
def test_without_the_rule_commonmark_leaves_the_markers(markdown: str) -> None:
    text = visible_text(body(markdown, PLAIN))
    assert "**" in text or "~~" in text or "*斜体" in text


def test_two_strong_runs_in_one_sentence_do_not_nest() -> None:
    tree = body("**演员（actor）**和**评论员（critic）**")
    assert [n.text() for n in tree.css("strong")] == ["演员（actor）", "评论员（critic）"]
    assert tree.css("strong strong") == []


@pytest.mark.parametrize(
    "markdown",
    ["运行__init__方法", "文件名_草稿_最终版.md", "变量 snake_case_name 中文"],
    ids=["dunder-between-han", "underscores-between-han", "snake-case"],
)
def test_underscore_never_emphasises_inside_words(markdown: str) -> None:
    tree = body(markdown)
    assert tree.css("em, strong") == []
    assert visible_text(tree).strip() == markdown


LATIN = [
    "a**b**c",
    '**foo "*bar*" foo**',
    "*(*foo*)*",
    "__foo, __bar__, baz__",
    "foo*bar*",
    "5*6*78",
    "**a**.b",
    "_foo_bar_baz_",
    "**foo.**bar",
    "*$*alpha.",
    "a ** foo bar**",
    "~~a~~b ~~ c~~",
    "line one\nline two",
    "end of line  \nnext",
]


@pytest.mark.parametrize("markdown", LATIN, ids=[f"latin-{i}" for i in range(len(LATIN))])
def test_latin_text_keeps_commonmark_behaviour(markdown: str) -> None:
    reference = MarkdownIt("commonmark").enable("strikethrough")
    assert CJK.render(markdown).html == PLAIN.render(markdown).html
    assert CJK.render(markdown).html == reference.render(markdown)


def test_math_spans_are_never_touched() -> None:
    tree = body("公式$a**b**c$和\n$x_1~~y$中文")
    assert [n.text() for n in tree.css(".math")] == ["a**b**c", "x_1~~y"]
    assert tree.css("strong, s") == []


# ---------------------------------------------------------------------------- line breaks


@pytest.mark.parametrize(
    ("markdown", "text"),
    [
        pytest.param("第一行中文\n第二行中文", "第一行中文第二行中文", id="han-han"),
        pytest.param("句子结束。\n下一句", "句子结束。下一句", id="punctuation-han"),
        pytest.param("**粗体**\n中文", "粗体中文", id="through-emphasis"),
        pytest.param("[链接](https://example.com)\n中文", "链接中文", id="through-a-link"),
        pytest.param("中文\nEnglish", "中文\nEnglish", id="han-latin-stays"),
        pytest.param("English\n中文", "English\n中文", id="latin-han-stays"),
        pytest.param("한국어\n문장", "한국어\n문장", id="korean-stays"),
        pytest.param("中文$x$\n中文", "中文x\n中文", id="math-stays"),
    ],
)
def test_soft_breaks_between_chinese_characters_disappear(markdown: str, text: str) -> None:
    paragraph = body(markdown).css_first("p")
    assert paragraph.text(deep=True) == text


def test_a_hard_break_stays_a_line_break() -> None:
    for markdown in ("中文  \n中文", "中文\\\n中文"):
        paragraph = body(markdown).css_first("p")
        assert len(paragraph.css("br")) == 1


def test_hard_wrapped_excerpt_and_summary_text_have_no_phantom_spaces() -> None:
    doc = CJK.render("强化学习讨论的问题是智能体怎样在复杂、\n不确定的环境中最大化它能获得的奖励。")
    assert "复杂、不确定" in doc.summary_text
    assert "复杂、不确定" in LexborHTMLParser(doc.summary_html).text()
    front_matter = CJK.render("正文", summary="第一行摘要\n第二行摘要\nand English")
    assert front_matter.summary_text == "第一行摘要第二行摘要 and English"


# ---------------------------------------------------------------------------- code fences


@pytest.mark.parametrize(
    ("fence", "label"),
    [
        pytest.param("``` foo\\+bar", "foo+bar", id="backslash-escape"),
        pytest.param("``` f&ouml;&ouml;", "föö", id="entity"),
        pytest.param("```python {.input}", "python", id="first-word"),
    ],
)
def test_fence_info_strings_are_unescaped_before_the_language_is_read(
    fence: str, label: str
) -> None:
    tree = body(f"{fence}\ncode\n```")
    assert tree.css_first(".code-lang").text() == label


# ---------------------------------------------------------------------------- a whole site

NOTE = """\
强化学习是**机器学习（machine learning）**的一个分支，研究智能体如何在
环境中学习。

## **注意：**符号约定

正文第二段。
"""


def _site(root: Path, config: str = BASIC_CONFIG) -> Path:
    files = {
        "content/posts/rl/intro.md": post(
            '"**强化学习（RL）**简介"', body=NOTE, category="rl", tags="[RL]"
        )
    }
    return write_site(root, files, config)


def test_titles_headings_excerpts_meta_and_feeds_follow_the_rules(tmp_path: Path) -> None:
    out = tmp_path / "public"
    build(_site(tmp_path / "site"), out)
    page = parse_html(out / "posts/intro/index.html")
    assert page.css_first("h1.post-title strong").text() == "强化学习（RL）"
    assert page.css_first(".post-body h2 strong").text() == "注意："
    paragraph = page.css_first(".post-body p")
    assert paragraph.css_first("strong").text() == "机器学习（machine learning）"
    assert "如何在环境中" in paragraph.text()
    description = page.css_first('meta[name="description"]').attributes["content"] or ""
    assert "**" not in description and "如何在环境中" in description
    home = parse_html(out / "index.html")
    excerpt = home.css_first(".excerpt")
    assert excerpt is not None and "机器学习（machine learning）的一个分支" in excerpt.text()
    assert "**" not in excerpt.text() and "如何在环境中" in excerpt.text()
    feed = (out / "atom.xml").read_text(encoding="utf-8")
    entry = LexborHTMLParser(html.unescape(feed.split("<content")[1].split("</content>")[0]))
    assert entry.css_first("strong").text() == "机器学习（machine learning）"
    assert "如何在环境中" in entry.text()


def test_markdown_cjk_false_turns_the_rules_off(tmp_path: Path) -> None:
    out = tmp_path / "public"
    build(_site(tmp_path / "site", BASIC_CONFIG + "markdown:\n  cjk: false\n"), out)
    paragraph = parse_html(out / "posts/intro/index.html").css_first(".post-body p")
    assert "**机器学习（machine learning）**" in paragraph.text()
    assert "如何在\n环境中" in paragraph.text()


def test_a_wrong_markdown_setting_is_one_line_with_its_place(tmp_path: Path) -> None:
    root = _site(tmp_path / "site", BASIC_CONFIG + "markdown:\n  cjk: sometimes\n")
    with pytest.raises(NotesiteError) as error:
        build(root, tmp_path / "public")
    line = BASIC_CONFIG.count("\n") + 2
    assert [str(p) for p in error.value.problems] == [
        f"{root / 'notesite.yaml'}:{line}: 'markdown.cjk' must be true or false"
    ]


def test_chromium_draws_a_hard_wrapped_paragraph_as_wide_as_one_line(
    tmp_path: Path, browser_page
) -> None:
    out = tmp_path / "public"
    text = "强化学习讨论的问题是智能体怎样在复杂、不确定的环境中最大化它能获得的奖励。"
    wrapped = text[:12] + "\n" + text[12:24] + "\n" + text[24:]
    files = {"content/posts/rl/a.md": post("宽度", body=f"{wrapped}\n\n{text}\n", category="rl")}
    build(write_site(tmp_path / "site", files), out)
    browser_page.goto((out / "posts/a/index.html").as_uri())
    widths = browser_page.eval_on_selector_all(
        ".post-body p",
        """ps => ps.map(p => { const r = document.createRange(); r.selectNodeContents(p);
                   return r.getBoundingClientRect().width; })""",
    )
    assert len(widths) == 2 and widths[0] == pytest.approx(widths[1], abs=0.5)


# ------------------------------------------------------- emphasis around display math

EMPHASIS_AROUND_MATH = [
    # (markdown, the strong texts, the visible text outside math, without white space)
    ("在实践中，(**\n$$a+b$$\n**)\n", [], "在实践中，()"),
    (
        "[**给定框，标记为：\n\n$$x_a$$\n**]\n其中",
        ["给定框，标记为："],
        "[给定框，标记为：]其中",
    ),
    ("**先看\n\n$$a$$\n\n$$b$$\n\n然后**再看", ["先看", "然后"], "先看然后再看"),
    ("~~旧式\n$$a$$\n新式~~后", [], "旧式新式后"),
]


@pytest.mark.parametrize(("markdown", "strong", "text"), EMPHASIS_AROUND_MATH)
def test_emphasis_wrapped_around_display_math_leaves_no_markers(
    markdown: str, strong: list[str], text: str
) -> None:
    tree = body(markdown)
    for node in tree.css(".math, .katex, script"):
        node.decompose()
    assert [n.text(deep=True) for n in tree.css("strong")] == strong
    assert "".join(visible_text(tree).split()) == text  # the words, whatever the spacing
    assert "**" not in visible_text(tree) and "~~" not in visible_text(tree)


def test_strikethrough_wrapped_around_display_math_is_struck_on_each_side() -> None:
    tree = body("~~旧式\n$$a$$\n新式~~后")
    assert [n.text(deep=True) for n in tree.css("s")] == ["旧式", "新式"]


@pytest.mark.parametrize(
    ("markdown", "strong", "kept"),
    [
        # both runs closed in their own paragraphs
        ("**粗体** 正文\n\n$$a$$\n\n**另一段** 正文", ["粗体", "另一段"], []),
        # not delimiters (spaces on both sides), in code, or no formula between them
        ("a ** b\n\n$$a$$\n\nc ** d", [], ["a ** b", "c ** d"]),
        ("`**`\n\n$$a$$\n\n`**`", [], ["**"]),
        ("**先看\n\n后看**", [], ["**先看", "后看**"]),
    ],
)
def test_runs_not_split_by_display_math_are_left_alone(
    markdown: str, strong: list[str], kept: list[str]
) -> None:
    tree = body(markdown)
    assert [n.text(deep=True) for n in tree.css("strong")] == strong
    for text in kept:
        assert text in visible_text(tree)
