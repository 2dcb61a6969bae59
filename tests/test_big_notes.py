"""Very large notes: rendering a parse a group of blocks at a time into UTF-8
(`MarkdownRenderer.render_pair`, what a build uses) gives the HTML of one `render`, and a
build of a note of a few MiB gives the pages, feed entries and search index a whole
render would."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest
from conftest import post, served_equals_built, write_site
from selectolax.lexbor import LexborHTMLParser

from notesite import packedhtml, render
from notesite.build import build
from notesite.markdown import FeedCut, MarkdownRenderer, Parsed, RenderedDoc, body_groups
from notesite.mathrender import client_markup
from notesite.pages import feeds
from notesite.serve.state import LiveSite

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


@pytest.mark.parametrize("limit", [1, 5000, 2**30])
def test_a_feed_entry_is_cut_the_same_way_by_both_renders(
    renderer: MarkdownRenderer, limit: int
) -> None:
    """render_pair (a build) and render_feed (serve) stop a feed entry after the group of
    blocks that passes the limit and end it with the tail; under the limit, the entry
    is the whole render."""
    text = long_note(30)
    base = "https://example.org/notes/posts/big/"
    cut = FeedCut('<p class="feed-more"><a href="x">more</a></p>\n', limit)
    served = renderer.render_feed(
        renderer.parse(text), link_base=base, feed_cut=cut, group_tokens=50
    )
    whole = renderer.render(renderer.parse(text), link_base=base).html
    _, built = renderer.render_pair(
        renderer.parse(text), feed=renderer, link_base=base, feed_cut=cut, group_tokens=50
    )
    assert built is not None and built.text == served.html
    parsed = renderer.parse(text)
    env = renderer._render_env(parsed, None, base)
    groups = [
        renderer.md.renderer.render(parsed.tokens[a:b], renderer.md.options, env)
        for a, b in body_groups(parsed.tokens, 50)
    ]
    assert len(groups) > 3 and "".join(groups) == whole
    if limit > len(whole.encode()):
        assert served.html == whole
        return
    kept, size = [], 0
    for group in groups:  # whole groups until one passes the limit
        if size >= limit:
            break
        kept.append(group)
        size += len(group.encode())
    assert 0 < len(kept) < len(groups)
    assert served.html == "".join(kept) + cut.tail


def test_groups_cover_every_token_once(renderer: MarkdownRenderer) -> None:
    tokens = renderer.parse(long_note(5)).tokens
    groups = list(body_groups(tokens, 3))
    assert groups[0][0] == 0 and groups[-1][1] == len(tokens)
    assert all(end == start for (_, end), (start, _) in zip(groups, groups[1:], strict=False))
    assert all(tokens[start].level == 0 for start, _ in groups)


def test_no_cut_after_a_hidden_block(renderer: MarkdownRenderer) -> None:
    """markdown-it writes a newline before a block that follows a hidden token (a tight
    list's paragraphs; any plugin may hide a top-level one): no group starts there."""
    text = "para one\n\npara two\n\n## heading\n\npara three\n"
    parsed = renderer.parse(text)
    closes = [i for i, t in enumerate(parsed.tokens) if t.type == "paragraph_close"]
    for index in closes:
        parsed.tokens[index].hidden = True
    starts = [start for start, _ in body_groups(parsed.tokens, 1)]
    assert starts == [0, 9]  # only after the heading: the other blocks follow a hidden token
    whole = renderer.render(parsed).html
    paged, _ = renderer.render_pair(parsed, group_tokens=1)
    assert paged.text == whole


def _files(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != ".notesite-manifest.json"
    }


def test_a_large_note_builds_as_rendered_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A note of over half a MiB (some 3,000 formulas for KaTeX): its page, its feed entries and the search index
    are byte for byte those of a build that renders each document whole and gives the
    templates its HTML as a string (the way `serve` and any site's own templates go)."""
    body = long_note(1000)
    assert len(body.encode()) > 2**19
    root = write_site(tmp_path / "site", {"content/posts/rl/big.md": post("大笔记", body=body)})
    # Its HTML is packed as it is written and unpacked a piece at a time, as a note's
    # past packedhtml.WHOLE_UP_TO (16 MiB of HTML) is.
    monkeypatch.setattr(packedhtml, "WHOLE_UP_TO", 1 << 16)
    build(root, tmp_path / "grouped", cache_dir=tmp_path / "cache-grouped", jobs=1)

    def whole(
        self: MarkdownRenderer,
        parsed: Parsed,
        site_labels: Mapping[str, object] | None = None,
        *,
        feed: MarkdownRenderer | None = None,
        link_base: str | None = None,
        feed_cut: FeedCut | None = None,
        group_tokens: int = 0,
        buffer: object = None,
    ) -> tuple[RenderedDoc, RenderedDoc | None]:
        page = self.render(parsed, site_labels)
        if feed is None:
            return page, None
        return page, feed.render_feed(parsed, site_labels, link_base=link_base, feed_cut=feed_cut)

    monkeypatch.setattr(MarkdownRenderer, "render_pair", whole)
    monkeypatch.setattr(render, "writes_body_once", lambda env, name: False)
    monkeypatch.setattr(feeds, "writes_entries_once", lambda env, name: False)
    build(root, tmp_path / "whole", cache_dir=tmp_path / "cache-whole", jobs=1)

    grouped, whole_files = _files(tmp_path / "grouped"), _files(tmp_path / "whole")
    assert grouped.keys() == whole_files.keys()
    assert [name for name in grouped if grouped[name] != whole_files[name]] == []
    page = LexborHTMLParser(grouped["posts/big/index.html"].decode())
    body_node = page.css_first(".post-body")
    assert body_node is not None
    assert len(body_node.css(".footnotes li")) == 1000
    assert len(body_node.css(".katex-display")) == 1000
    # Its feed entry would be 4.5 MB: it stops after about 1 MiB, with a link to the note.
    feed = LexborHTMLParser(grouped["atom.xml"].decode())
    content = feed.css_first("content")
    assert content is not None
    entry = LexborHTMLParser(content.text())
    assert 2**20 < len(content.text().encode()) < 2**20 + 2**17
    assert [a.attributes["href"] for a in entry.css("p.feed-more a")] == [
        "https://example.github.io/notes/posts/big/"
    ]
    assert entry.css_first(".footnotes") is None
    assert 100 < len(entry.css(".math-display")) < 1000


def test_serve_gives_a_large_note_as_build_does(tmp_path: Path) -> None:
    """`serve` renders documents as strings (render, render_feed) where a build renders
    them group by group into UTF-8: the same page, the same cut feed entry and the same
    search index (serve makes its search copies too)."""
    body = long_note(1000)
    root = write_site(tmp_path / "site", {"content/posts/rl/big.md": post("大笔记", body=body)})
    live = LiveSite(root, cache_dir=tmp_path / "cache")
    try:
        assert live.refresh().error is None
        assert live.get("pagefind/shards.json") is not None  # the index, made when asked
        assert served_equals_built(live, root, tmp_path / "out") == []
    finally:
        live.close()
    feed = LexborHTMLParser((tmp_path / "out/atom.xml").read_bytes().decode())
    content = feed.css_first("content")
    assert content is not None
    assert LexborHTMLParser(content.text()).css_first("p.feed-more a") is not None


# A chapter of notes as Chinese writers type them: hard-wrapped paragraphs, emphasis
# against full-width punctuation, inline and display math, a code block, a list.
CHAPTER = """
## 第 {i} 章：价值迭代

价值迭代把贝尔曼最优方程当作更新规则：**每一步**，对所有状态
$s$ 计算 $V_{{k+1}}(s) = \\max_a \\sum_{{s'}} P(s' \\mid s, a)\\,[R + \\gamma V_k(s')]$，
直到*收敛*。这里的“收敛”指的是 $\\lVert V_{{k+1}} - V_k \\rVert_\\infty < \\epsilon$。

$$
\\pi^*(s) = \\arg\\max_a Q^*(s, a)
$$

与策略迭代相比，它不需要完整的策略评估；章节标记 mark{i}x。

- 优点：实现**简单**。
- 缺点：每步都要遍历全部状态。

```python
def value_iteration(P, R, gamma=0.9):  # chapter {i}
    return max(R + gamma * v for v in P)
```
"""


def test_a_20_mib_note_builds_whole(tmp_path: Path) -> None:
    """A note of 20 MiB builds (`notesite build` in a process of its own; the time and
    memory it takes are measured by bench/big_note.py): its page lists and holds every
    chapter, the search index reaches its last words, and its feed entry is cut short
    with a link to it. The page is 500 MB: a parser's tree of it would take gigabytes,
    so its table of contents and its last chapter are parsed, each whole."""
    chapters = []
    size = 0
    while size < 20 * 2**20:
        chapters.append(CHAPTER.format(i=len(chapters)))
        size += len(chapters[-1].encode())
    last = len(chapters) - 1
    root = write_site(
        tmp_path / "site", {"content/posts/rl/big.md": post("大笔记", body="".join(chapters))}
    )
    out = tmp_path / "public"
    command = [sys.executable, "-m", "notesite", "build", "--source", str(root)]
    command += ["--output", str(out), "--cache-dir", str(tmp_path / "cache"), "-q"]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr

    html = (out / "posts/big/index.html").read_bytes()
    toc_start = html.index(b'<nav class="toc"')
    toc = LexborHTMLParser(html[toc_start : html.index(b"</nav>", toc_start) + 6].decode())
    entries = toc.css("li a")
    assert len(entries) == len(chapters) > 5000
    assert entries[-1].text() == f"第 {last} 章：价值迭代"
    tail = LexborHTMLParser(html[html.rindex(b"<h2 ") :].decode())
    assert tail.css_first("h2").attributes["id"] == entries[-1].attributes["href"][1:]
    marked = [node.text() for node in tail.css("p") if "mark" in node.text()]
    assert len(marked) == 1 and f"mark{last}x" in marked[0]
    assert len(tail.css(".katex-display")) == 1 and len(tail.css("pre code")) == 1
    assert tail.css_first("footer") is not None  # the page goes on to its end
    del html

    fragments = [gzip.decompress(p.read_bytes()) for p in out.glob("pagefind/*/*/fragment/*")]
    assert len(fragments) == 1
    record = json.loads(fragments[0][len(b"pagefind_dcd") :])
    assert f"mark{last}x" in record["content"]

    feed = LexborHTMLParser((out / "atom.xml").read_bytes().decode())
    content = feed.css_first("content")
    assert content is not None
    entry = LexborHTMLParser(content.text())
    assert [a.attributes["href"] for a in entry.css("p.feed-more a")] == [
        "https://example.github.io/notes/posts/big/"
    ]
