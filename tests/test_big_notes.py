"""Very large notes: rendering a parse a group of blocks at a time into UTF-8
(`MarkdownRenderer.render_pair`, what a build uses) gives the HTML of one `render`, and a
build of a note of a few MiB gives the pages, feed entries and search index a whole
render would."""

from __future__ import annotations

from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser

from notesite.markdown import MarkdownRenderer, body_groups
from notesite.mathrender import client_markup

# Everything whose HTML depends on more than its own block: footnotes (numbered in
# order of use, listed at the end), reference links defined after their use, labelled
# equations referenced before and after, headings repeated across groups (ids made
# unique in order), tight lists (hidden paragraphs), a figure, containers, a callout,
# code with options, a table with math, raw HTML, and an abbreviation-free <!--more-->.
BLOCK = """
## 重复的标题

策略梯度[^n{i}]见 [参考][ref] 与式 \\eqref{{eq:{i}}}，$\\pi(a|s)$ and **bold** text.

$$
V(s) = \\max_a Q(s,a) \\label{{eq:{i}}}
$$

- 紧凑列表 $x_{i}$
  - 嵌套 `code`
- 第二项

1. loose item

2. another, see \\eqref{{eq:0}}

> 引用 *emphasis*

::: note 标题 {i}
inside a container
:::

> [!TIP]
> a callout

```python {{linenos=true hl_lines=[2]}}
def f(x):
    return x  # {i}
```

| a | b |
|---|---|
| $\\|x\\|$ | {i} |

![图 {i}](https://example.org/{i}.png)

<div class="raw">{i}</div>

[^n{i}]: 脚注 {i} with $y_{i}$.
"""


def long_note(blocks: int) -> str:
    head = "# 大笔记\n\n开头的段落。\n\n<!--more-->\n"
    tail = "\n[ref]: https://example.org/ref\n"
    return head + "".join(BLOCK.format(i=i) for i in range(blocks)) + tail


@pytest.fixture(scope="module")
def renderer() -> MarkdownRenderer:
    return MarkdownRenderer(client_markup)


@pytest.mark.parametrize("group", [1, 7, 2000])
def test_render_pair_equals_render(renderer: MarkdownRenderer, group: int) -> None:
    text = long_note(30)
    base = "https://example.org/notes/posts/big/"
    page = renderer.render(renderer.parse(text, title="大笔记"))
    feed = renderer.render(renderer.parse(text, title="大笔记"), link_base=base)
    parsed = renderer.parse(text, title="大笔记")
    assert len(list(body_groups(parsed.tokens, group))) > (1 if group < 2000 else 0)
    paged, fed = renderer.render_pair(parsed, feed=renderer, link_base=base, group_tokens=group)
    assert fed is not None and paged.encoded is not None and fed.encoded is not None
    assert paged.html == "" and paged.text == page.html
    assert fed.text == feed.html
    assert paged == page.__class__(**{**vars(page), "html": "", "encoded": paged.encoded})
    assert fed == feed.__class__(**{**vars(feed), "html": "", "encoded": fed.encoded})
    # The checks above compare strings; this one that the features are there at all.
    tree = LexborHTMLParser(page.html)
    assert len(tree.css(".footnotes li")) == 30
    ids = [node.attributes["id"] for node in tree.css("h2")]
    assert len(set(ids)) == 30
    assert len(tree.css("a[href='https://example.org/ref']")) == 30


def test_groups_cover_every_token_once(renderer: MarkdownRenderer) -> None:
    tokens = renderer.parse(long_note(5)).tokens
    groups = list(body_groups(tokens, 3))
    assert groups[0][0] == 0 and groups[-1][1] == len(tokens)
    assert all(end == start for (_, end), (start, _) in zip(groups, groups[1:], strict=False))
    assert all(tokens[start].level == 0 for start, _ in groups)


def test_a_large_note_builds_as_rendered_whole(tmp_path: Path, build_site) -> None:
    """A note of about 2 MiB: its page's body and its feed entry are the HTML of one
    `render` (which a build never calls on it)."""
    from tests.conftest import post, write_site

    body = long_note(2200)
    assert len(body.encode()) > 2 * 2**20
    root = write_site(tmp_path / "site", {"content/posts/rl/big.md": post("大笔记", body=body)})
    out = build_site(root)
    renderer = MarkdownRenderer(client_markup)
    page = LexborHTMLParser((out / "posts/big/index.html").read_text(encoding="utf-8"))
    body_node = page.css_first("[data-pagefind-body]")
    assert body_node is not None
    assert len(body_node.css(".footnotes li")) == 2200
    assert len(page.css("h2[id]")) == 2200
    assert renderer  # the page's HTML is checked against a whole render in the test above
