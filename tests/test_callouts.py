"""Callouts (`> [!NOTE]`, `> [!faq]- 为什么？`) in built pages, listings and feeds."""

from __future__ import annotations

from pathlib import Path

import pytest
from browser import CHROMIUM, CHROMIUM_ARGS, serve_under
from conftest import BASIC_CONFIG, math_tex, parse_html, post, write_site
from playwright.sync_api import Page, sync_playwright
from selectolax.lexbor import LexborHTMLParser, LexborNode

from notesite.build import build

GITHUB = ["NOTE", "TIP", "IMPORTANT", "WARNING", "CAUTION"]
GITHUB_BODY = "".join(f"> [!{kind}]\n> body-{kind.lower()}\n\n" for kind in GITHUB)

# Written type -> (style class, default title on a zh page).
OBSIDIAN = {
    "abstract": ("abstract", "摘要"),
    "Summary": ("abstract", "总结"),
    "TLDR": ("abstract", "要点"),
    "info": ("info", "信息"),
    "todo": ("todo", "待办"),
    "success": ("success", "成功"),
    "check": ("success", "通过"),
    "done": ("success", "完成"),
    "question": ("question", "问题"),
    "help": ("question", "帮助"),
    "Faq": ("question", "常见问题"),
    "failure": ("failure", "失败"),
    "fail": ("failure", "失败"),
    "missing": ("failure", "缺失"),
    "danger": ("danger", "危险"),
    "error": ("danger", "错误"),
    "bug": ("bug", "缺陷"),
    "example": ("example", "示例"),
    "quote": ("quote", "引用"),
    "cite": ("quote", "引文"),
    "note": ("note", "注意"),
    "tip": ("tip", "提示"),
    "hint": ("tip", "提示"),
    "warning": ("warning", "警告"),
    "attention": ("warning", "留意"),
    "important": ("important", "重要"),
}
OBSIDIAN_BODY = "".join(f"> [!{name}]\n> body-{name.lower()}\n\n" for name in OBSIDIAN)

FEATURES_BODY = r"""
正文开头。

> [!note] 先读这里：$V^\pi(s)$ 与 **粗体**
> 标题后的正文。

> [!faq]- 为什么 $\gamma < 1$？
> 因为回报要收敛。
>
> ### 折叠里的小节

> [!QUESTION]+ 展开的提示
> 默认展开。

> [!warning]
> 外层正文。
>
> > [!tip] 内层
> > 内层正文。

> [!mystery]
> 未知类型。

> [!my-thing] 自定标题
> 未知类型，自定标题。

> [!info] 只有标题

> 引文开头 [!NOTE] 不在开头。

> 普通引用。

> [!example] 正文含各种块
> - 列表项 $a_1$
> - 第二项
>
> ```python
> x = 1
> ```
>
> 行内 $x_t * y_t$ 公式。
>
> $$
> G_t = \sum_k \gamma^k r_{t+k}
> $$
>
> | 量 | 式 |
> |---|---|
> | 策略 | $\pi(a|s)$ |
>
> ## 框内小节

## 框外小节

结尾。
"""

FILES = {
    "content/posts/rl/github.md": post("提示块", "2026-01-01", GITHUB_BODY),
    "content/posts/rl/github.en.md": post("Alerts", "2026-01-01", GITHUB_BODY),
    "content/posts/rl/obsidian.md": post("Obsidian 类型", "2026-01-02", OBSIDIAN_BODY),
    "content/posts/rl/features.md": post("特性", "2026-01-03", FEATURES_BODY),
    "content/posts/rl/first.md": post(
        "旁注开篇", "2026-01-04", "> [!warning] 草稿\n> 本文仍在修改。\n\n第一段正文。\n"
    ),
    "content/posts/rl/abstract.md": post(
        "摘要开篇", "2026-01-05", "> [!tldr] 一句话\n> PPO 裁剪概率比 $r_t$。\n\n正文。\n"
    ),
    "content/posts/rl/links.md": post(
        "链接", "2026-01-07", "> [!note] 见 [[obsidian]]\n> 正文也链接 [[github|提示块]]。\n"
    ),
    "content/posts/rl/fold.en.md": post(
        "Folded first", "2026-01-06", "> [!faq]- Why?\n> Hidden answer.\n\nVisible prose.\n"
    ),
}


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    config = BASIC_CONFIG.replace("page_size: 2", "page_size: 20")
    root = write_site(tmp_path_factory.mktemp("callouts") / "site", FILES, config)
    output = root.parent / "public"
    build(root, output)
    return output


def body(out: Path, url: str) -> LexborNode:
    node = parse_html(out / url / "index.html").css_first(".post-body")
    assert node is not None
    return node


def kids(node: LexborNode, tag: str = "", cls: str = "") -> list[LexborNode]:
    """The element children of `node`, optionally of one tag and/or class."""
    return [
        child
        for child in node.iter()
        if (not tag or child.tag == tag)
        and (not cls or cls in (child.attributes.get("class") or "").split())
    ]


def title_of(box: LexborNode) -> LexborNode:
    (title,) = kids(box, cls="callout-title")
    return title


def paragraphs(box: LexborNode) -> list[str]:
    """The text of the body's own paragraphs (not the title's, not a nested box's)."""
    return [p.text() for p in kids(box, "p") if p not in kids(box, cls="callout-title")]


def title_text(box: LexborNode) -> str:
    """The callout's title without its icon (which is hidden from screen readers)."""
    title = title_of(box)
    icon = title.css_first(".callout-icon")
    assert icon.attributes["aria-hidden"] == "true" and icon.text().strip()
    return title.text().removeprefix(icon.text()).strip()


def callout(root: LexborNode, name: str) -> LexborNode:
    (box,) = root.css(f'.callout[data-callout="{name}"]')
    return box


def by_body_text(root: LexborNode, text: str) -> LexborNode:
    boxes = [box for box in root.css(".callout") if text in box.text()]
    assert len(boxes) >= 1, text
    return boxes[-1]  # the innermost


# ------------------------------------------------------------------ types and titles


@pytest.mark.parametrize(
    ("kind", "style", "zh", "en"),
    [
        ("NOTE", "note", "注意", "Note"),
        ("TIP", "tip", "提示", "Tip"),
        ("IMPORTANT", "important", "重要", "Important"),
        ("WARNING", "warning", "警告", "Warning"),
        ("CAUTION", "danger", "小心", "Caution"),
    ],
)
def test_github_alerts_have_localised_titles(
    out: Path, kind: str, style: str, zh: str, en: str
) -> None:
    for url, title in (("posts/github", zh), ("en/posts/github", en)):
        box = callout(body(out, url), kind.lower())
        assert box.tag == "div"
        assert "admonition" in box.attributes["class"].split()
        assert f"callout-{style}" in box.attributes["class"].split()
        assert title_of(box).tag == "p"
        assert title_text(box) == title
        assert paragraphs(box) == [f"body-{kind.lower()}"]
    assert not body(out, "posts/github").css("blockquote")


@pytest.mark.parametrize(("name", "expected"), OBSIDIAN.items(), ids=list(OBSIDIAN))
def test_obsidian_types_and_aliases(out: Path, name: str, expected: tuple[str, str]) -> None:
    style, title = expected
    box = callout(body(out, "posts/obsidian"), name.lower())
    assert f"callout-{style}" in box.attributes["class"].split()
    assert title_text(box) == title
    assert paragraphs(box) == [f"body-{name.lower()}"]


def test_each_colour_family_has_its_own_icon(out: Path) -> None:
    root = body(out, "posts/obsidian")
    icons: dict[str, set[str]] = {}
    for name, (style, _) in OBSIDIAN.items():
        icon = callout(root, name.lower()).css_first(".callout-icon").text()
        icons.setdefault(style, set()).add(icon)
    assert all(len(found) == 1 for found in icons.values()), icons  # aliases look alike
    assert len({next(iter(found)) for found in icons.values()}) == len(icons)  # types do not


def test_custom_title_is_inline_markdown_with_math(out: Path) -> None:
    box = callout(body(out, "posts/features"), "note")
    title = title_of(box)
    assert [math_tex(node) for node in title.css(".math")] == ["V^\\pi(s)"]
    assert title.css_first("strong").text() == "粗体"
    assert title_text(box).startswith("先读这里：")
    assert paragraphs(box) == ["标题后的正文。"]


def test_unknown_type_is_a_note_keeping_its_title(out: Path) -> None:
    root = body(out, "posts/features")
    for name, title in (("mystery", "Mystery"), ("my-thing", "自定标题")):
        box = callout(root, name)
        assert "callout-note" in box.attributes["class"].split()
        assert title_text(box) == title


def test_title_only_callout(out: Path) -> None:
    box = callout(body(out, "posts/features"), "info")
    assert title_text(box) == "只有标题"
    assert [child.tag for child in box.iter()] == ["p"]


# ------------------------------------------------------------------ folding and nesting


def test_minus_folds_closed_and_plus_folds_open(out: Path) -> None:
    root = body(out, "posts/features")
    closed, opened = callout(root, "faq"), callout(root, "question")
    for box in (closed, opened):
        assert box.tag == "details"
        assert title_of(box).tag == "summary"
        assert next(box.iter()).tag == "summary"  # the summary comes first
    assert "open" not in closed.attributes and "open" in opened.attributes
    assert [math_tex(node) for node in closed.css("summary .math")] == ["\\gamma < 1"]
    assert paragraphs(closed) == ["因为回报要收敛。"]
    assert title_text(opened) == "展开的提示"


def test_nested_callout(out: Path) -> None:
    outer = callout(body(out, "posts/features"), "warning")
    (inner,) = kids(outer, cls="callout")
    assert inner.attributes["data-callout"] == "tip"
    assert title_text(outer) == "警告" and title_text(inner) == "内层"
    assert paragraphs(outer) == ["外层正文。"] and paragraphs(inner) == ["内层正文。"]


def test_marker_not_at_start_and_plain_quotes_stay_blockquotes(out: Path) -> None:
    quotes = [q.text(strip=True) for q in body(out, "posts/features").css("blockquote")]
    assert quotes == ["引文开头 [!NOTE] 不在开头。", "普通引用。"]


# ------------------------------------------------------------------ bodies, TOC, listings, feeds


def test_body_holds_lists_code_math_and_tables(out: Path) -> None:
    box = callout(body(out, "posts/features"), "example")
    (items,) = kids(box, "ul")
    assert [li.text(deep=False, strip=True) for li in kids(items, "li")] == ["列表项", "第二项"]
    assert [math_tex(node) for node in items.css(".math")] == ["a_1"]
    (code,) = kids(box, cls="code-block")
    assert code.css_first("code").text() == "x = 1\n"
    assert [math_tex(node) for p in kids(box, "p") for node in p.css(".math")] == ["x_t * y_t"]
    (display,) = kids(box, cls="math-display")
    assert math_tex(display).strip() == "G_t = \\sum_k \\gamma^k r_{t+k}"
    (table,) = kids(box, "table")
    assert [math_tex(node) for node in table.css("td .math")] == ["\\pi(a|s)"]


def test_headings_inside_callouts_are_in_the_toc(out: Path) -> None:
    tree = parse_html(out / "posts/features/index.html")
    toc = [a.text(strip=True) for a in tree.css("nav.toc a")]
    assert toc == ["折叠里的小节", "框内小节", "框外小节"]
    inside = callout(body(out, "posts/features"), "example").css_first("h2")
    assert f"#{inside.attributes['id']}" in [a.attributes["href"] for a in tree.css("nav.toc a")]


def excerpt(out: Path, home: str, title: str) -> str:
    tree = parse_html(out / home / "index.html")
    for item in tree.css(".post-list li.post-item"):
        if item.css_first(".post-item-title a").text(strip=True) == title:
            return item.css_first(".excerpt").text(strip=True)
    raise AssertionError(f"{title} not listed on {home}")


def test_excerpt_skips_an_aside_callout_and_its_title(out: Path) -> None:
    assert excerpt(out, "", "旁注开篇") == "第一段正文。"
    assert excerpt(out, "en", "Folded first") == "Visible prose."
    description = parse_html(out / "posts/first/index.html").css_first('meta[name="description"]')
    assert description.attributes["content"] == "第一段正文。"


def test_excerpt_of_an_abstract_callout_is_its_body(out: Path) -> None:
    tree = parse_html(out / "index.html")
    item = next(
        i for i in tree.css(".post-list li.post-item") if "摘要开篇" in i.css_first("a").text()
    )
    assert item.css_first(".excerpt").text(strip=True).startswith("PPO 裁剪概率比")
    assert "一句话" not in item.css_first(".excerpt").text()
    assert [math_tex(node) for node in item.css(".excerpt .math")] == ["r_t"]


def test_feed_entries_carry_the_callouts(out: Path) -> None:
    from xml.etree import ElementTree

    ns = {"a": "http://www.w3.org/2005/Atom"}
    feed = ElementTree.parse(out / "atom.xml").getroot()
    entry = next(e for e in feed.findall("a:entry", ns) if e.find("a:title", ns).text == "特性")
    content = LexborHTMLParser(entry.find("a:content", ns).text or "")
    folded = content.css_first('details.callout[data-callout="faq"]')
    assert folded is not None and folded.css_first("summary") is not None
    note = content.css_first('div.callout[data-callout="note"]')
    assert title_text(note).startswith("先读这里")
    assert note.css_first(".callout-title math") is not None  # MathML in feeds


def test_wikilinks_in_title_and_body_resolve_and_make_backlinks(out: Path) -> None:
    box = callout(body(out, "posts/links"), "note")
    assert [a.attributes["href"] for a in title_of(box).css("a")] == ["/notes/posts/obsidian/"]
    assert [a.attributes["href"] for p in kids(box, "p")[1:] for a in p.css("a")] == [
        "/notes/posts/github/"
    ]
    backlinks = parse_html(out / "posts/github/index.html").css(".backlinks li")
    assert [li.css_first("a").text() for li in backlinks] == ["链接"]
    assert backlinks[0].css_first(".backlink-context").text() == "正文也链接 提示块。"


# ------------------------------------------------------------------ the renderer alone


@pytest.fixture(scope="module")
def renderer():
    from notesite.markdown import MarkdownRenderer
    from notesite.mathrender import client_markup

    return MarkdownRenderer(client_markup)


def test_formula_lines_count_the_marker_line(renderer) -> None:
    parsed = renderer.parse("正文\n\n> [!note] 标题 $x$\n> 正文 $y$\n>\n> $$\n> z\n> $$\n")
    assert [(use.tex, use.line) for use in renderer.formulas(parsed)] == [
        ("x", 2),
        ("y", 3),
        ("\nz\n", 5),
    ]


def test_default_titles_are_text_not_markdown(renderer) -> None:
    doc = renderer.render("> [!note]\n> x\n", admonition_titles={"note": "*N* <b>"})
    title = title_of(callout(LexborHTMLParser(doc.html).body, "note"))
    assert title.css("em, b") == [] and title.text().endswith("*N* <b>")


def test_callout_in_a_list_item_and_before_more(renderer) -> None:
    doc = renderer.render("- 项\n\n  > [!tip] 在列表里\n  > 正文\n\n<!--more-->\n\n后文\n")
    tree = LexborHTMLParser(doc.html)
    (item,) = tree.css("li")
    assert title_text(callout(item, "tip")) == "在列表里"
    summary = LexborHTMLParser(doc.summary_html).body
    assert paragraphs(callout(summary, "tip")) == ["正文"]


# ------------------------------------------------------------------ in a browser

# Per callout of the page: its type, its style class, border and title colours, background.
COLOURS_JS = """[...document.querySelectorAll('.callout')].map(box => {
  const rgb = c => c.match(/[\\d.]+/g).slice(0, 3).map(v => v / 255);
  const title = box.querySelector('.callout-title');
  return [box.dataset.callout, [...box.classList].find(c => c.startsWith('callout-')).slice(8),
          rgb(getComputedStyle(box).borderLeftColor), rgb(getComputedStyle(title).color),
          rgb(getComputedStyle(box).backgroundColor)];
})"""


def _contrast(first: list[float], second: list[float]) -> float:
    def luminance(rgb: list[float]) -> float:
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _check_colours(page: Page) -> dict[str, tuple[float, ...]]:
    """Each style's one colour: the same for its aliases and its title, other styles differ."""
    by_style: dict[str, set[tuple[float, ...]]] = {}
    for _name, style, border, title, _ in page.evaluate(COLOURS_JS):
        assert border == title
        by_style.setdefault(style, set()).add(tuple(border))
    assert all(len(colours) == 1 for colours in by_style.values()), by_style
    colours = {style: next(iter(found)) for style, found in by_style.items()}
    families = {"note", "tip", "warning", "danger", "important", "abstract", "quote"}
    assert len({colours[style] for style in families}) == len(families)
    return colours


def test_in_a_browser_colours_dark_mode_and_folding(out: Path) -> None:
    with serve_under(out) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(base + "posts/obsidian/")
            light = _check_colours(page)
            page.emulate_media(color_scheme="dark")
            dark = _check_colours(page)
            assert all(light[style] != dark[style] for style in light)
            for name, _, _, title, background in page.evaluate(COLOURS_JS):
                assert _contrast(title, background) >= 4.5, name

            page.goto(base + "posts/features/")
            hidden = page.locator('details[data-callout="faq"] > p')
            assert not hidden.is_visible()
            assert page.locator('details[data-callout="question"] > p').is_visible()
            page.locator('details[data-callout="faq"] > summary').click()
            assert hidden.is_visible()

            # A TOC link into a closed callout opens it (the browser reveals the target).
            page.goto(base + "posts/features/")
            page.locator("nav.toc a", has_text="折叠里的小节").click()
            assert page.locator('details[data-callout="faq"] h3').is_visible()
        finally:
            browser.close()
