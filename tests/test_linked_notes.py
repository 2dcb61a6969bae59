"""Notes that link to each other: wikilinks, backlinks and `\\eqref` across notes, on
built pages (parsed HTML), with the warnings they give and the cache kept honest."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest
from conftest import parse_html, post, served_equals_built, write_site
from selectolax.lexbor import LexborHTMLParser

from notesite.cli import main
from notesite.serve.state import LiveSite

BELLMAN = post(
    title="贝尔曼方程",
    date="2026-01-10",
    body="""\
    贝尔曼方程把价值拆成两部分。

    $$
    V(s) = r + \\gamma V(s') \\label{eq:bellman}
    $$

    ## 最优性

    最优的时候取最大。
    """,
)
BELLMAN_EN = post(
    title="Bellman equation",
    date="2026-01-10",
    body="$$\nV(s) = r \\label{eq:bellman}\n$$\n\nSee [[td]].\n",
)
TD = post(
    title="时序差分",
    date="2026-01-11",
    body="""\
    先读 [[bellman]] 里的 $V(s)$，再读 [[bellman|那篇方程]]，以及 [[bellman#最优性]]。见 [[#小结]]。

    由 \\eqref{eq:bellman} 可得更新规则。这里还有 [[没有这篇]] 和 [[mc]]。

    `[[代码]]` 与 $[[x]]$ 都不是链接。

    ![[diagram.png|状态图]]

    ## 小结

    结束。
    """,
)
MC_EN = post(title="Monte Carlo", date="2026-01-09", body="Sampling returns.\n")
FILES = {
    "content/posts/rl/bellman.md": BELLMAN,
    "content/posts/rl/bellman.en.md": BELLMAN_EN,
    "content/posts/rl/td.md": TD,
    "content/posts/rl/mc.en.md": MC_EN,
    "content/posts/rl/diagram.png": b"\x89PNG\r\n",
}


def build(root: Path, out: Path, *extra: str) -> int:
    return main(["build", "--source", str(root), "--output", str(out), *extra])


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    root = write_site(tmp_path_factory.mktemp("linked") / "site", FILES)
    out = root.parent / "public"
    errors = io.StringIO()
    with contextlib.redirect_stderr(errors):
        assert build(root, out, "--quiet") == 0
    return out, errors.getvalue().splitlines()


def page(out: Path, url: str) -> LexborHTMLParser:
    return parse_html(out / url / "index.html")


def body_links(out: Path, url: str) -> list[tuple[str | None, str, str]]:
    """(href, text, class) of every link in the note's body."""
    return [
        (a.attributes.get("href"), a.text(deep=True).strip(), a.attributes.get("class") or "")
        for a in page(out, url).css(".post-body a:not(.heading-anchor)")
    ]


def test_wikilinks_resolve_to_notes_headings_and_this_note(built) -> None:
    out, _ = built
    links = body_links(out, "posts/td")
    assert links[:4] == [
        ("/notes/posts/bellman/", "贝尔曼方程", "wikilink"),
        ("/notes/posts/bellman/", "那篇方程", "wikilink"),
        ("/notes/posts/bellman/#最优性", "贝尔曼方程 › 最优性", "wikilink"),
        ("#小结", "小结", "wikilink"),
    ]
    # The fragments are the ids the headings really have.
    assert page(out, "posts/bellman").css_first("h2#最优性") is not None
    assert page(out, "posts/td").css_first("h2#小结") is not None


def test_a_note_only_in_another_language_is_linked_and_marked(built) -> None:
    out, _ = built
    link = next(
        a
        for a in page(out, "posts/td").css(".post-body a.wikilink")
        if "mc" in str(a.attributes.get("href"))
    )
    assert link.attributes["href"] == "/notes/en/posts/mc/"
    assert link.attributes["hreflang"] == "en"
    assert link.css_first(".lang-badge").text() == "English"


def test_a_wikilink_to_nothing_is_a_visibly_broken_link_and_a_warning(built) -> None:
    out, warnings = built
    [broken] = page(out, "posts/td").css(".post-body a.wikilink.broken")
    assert broken.text() == "没有这篇"
    assert "href" not in broken.attributes
    assert broken.attributes["aria-disabled"] == "true"
    assert broken.attributes["title"] == "没有这个名字的笔记"
    line = TD.splitlines().index(next(x for x in TD.splitlines() if "没有这篇" in x)) + 1
    assert f"content/posts/rl/td.md:{line}: warning: wikilink to a missing note: [[没有这篇]]" in [
        w.split("site/", 1)[-1] for w in warnings
    ]


def test_code_spans_and_math_are_never_wikilinks(built) -> None:
    out, _ = built
    body = page(out, "posts/td").css_first(".post-body")
    assert [c.text() for c in body.css("code")] == ["[[代码]]"]
    assert "[[x]]" in [a.text() for a in body.css(".math annotation")]
    assert all("代码" not in (a.text() or "") for a in body.css("a"))


def test_an_embedded_picture_is_an_image_with_its_alt_text(built) -> None:
    out, _ = built
    image = page(out, "posts/td").css_first(".post-body img")
    assert image.attributes["src"] == "/notes/posts/rl/diagram.png"
    assert image.attributes["alt"] == "状态图"
    assert (out / "posts/rl/diagram.png").read_bytes() == b"\x89PNG\r\n"


def test_eqref_to_another_note_shows_its_number_links_and_names_it(built) -> None:
    out, warnings = built
    [ref] = page(out, "posts/td").css(".post-body a.eqref")
    assert (ref.attributes["href"], ref.text(), ref.attributes["title"]) == (
        "/notes/posts/bellman/#eq-eq-bellman",
        "(1)",
        "贝尔曼方程",
    )
    assert page(out, "posts/bellman").css_first("#eq-eq-bellman") is not None
    assert not [w for w in warnings if "equation reference" in w or "label" in w]


def test_backlinks_list_the_linking_notes_of_the_language_with_context(built) -> None:
    out, _ = built
    section = page(out, "posts/bellman").css_first("section.backlinks")
    [item] = section.css("li")
    assert item.css_first("a").attributes["href"] == "/notes/posts/td/"
    assert item.css_first("a").text() == "时序差分"
    contexts = item.css(".backlink-context")
    # Math stays math (KaTeX, not TeX source); a reference shows its number as text.
    assert contexts[0].css_first(".katex annotation").text() == "V(s)"
    assert [p.text(deep=True) for p in contexts][1] == "由 (1) 可得更新规则。"
    assert "$" not in contexts[0].text(deep=True).replace(
        contexts[0].css_first(".katex").text(deep=True), ""
    )
    assert contexts[0].css("a") == [] and contexts[1].css("a") == []
    # bellman's page shows math in its backlinks, so it loads KaTeX's stylesheet.
    assert page(out, "posts/bellman").css_first('link[href*="katex"]') is not None
    # The English Bellman note is linked from no English note; td links to itself only
    # by [[#小结]], which is no backlink.
    assert page(out, "en/posts/bellman").css_first("section.backlinks") is None
    assert page(out, "posts/td").css_first("section.backlinks") is None


def test_a_label_unknown_everywhere_warns_and_strict_fails(tmp_path: Path, capsys) -> None:
    body = "见 \\eqref{eq:nowhere}。\n"
    root = write_site(
        tmp_path / "site", {**FILES, "content/posts/rl/td.md": post(title="时序差分", body=body)}
    )
    assert build(root, tmp_path / "out") == 0
    err = capsys.readouterr().err
    assert "td.md:6: warning: unknown equation reference \\eqref{eq:nowhere}: no " in err
    assert "in this note or any other zh note" in err
    assert build(root, tmp_path / "out", "--strict") == 1


def test_edits_elsewhere_reach_linking_notes_through_the_cache(tmp_path: Path) -> None:
    """td is never edited: a renumbered equation, a retitled note and a new linking note
    show on the next build with the same cache and output (no stale note or page)."""
    root = write_site(tmp_path / "site", FILES)
    out, cache = tmp_path / "out", ("--cache-dir", str(tmp_path / "cache"))
    assert build(root, out, *cache, "--quiet") == 0
    bellman = root / "content/posts/rl/bellman.md"
    first = "$$\nx = 1 \\label{eq:first}\n$$\n\n"
    text = bellman.read_text(encoding="utf-8").replace("贝尔曼方程把", first + "贝尔曼方程把")
    bellman.write_text(text.replace("title: 贝尔曼方程", "title: 贝尔曼"), encoding="utf-8")
    (root / "content/posts/rl/q.md").write_text(
        post(title="Q 学习", date="2026-01-12", body="Q 学习用到 [[贝尔曼]]。\n"), encoding="utf-8"
    )
    assert build(root, out, *cache, "--quiet") == 0

    [ref] = page(out, "posts/td").css(".post-body a.eqref")
    assert (ref.text(), ref.attributes["title"]) == ("(2)", "贝尔曼")
    assert body_links(out, "posts/td")[0] == ("/notes/posts/bellman/", "贝尔曼", "wikilink")
    linking = [a.text() for a in page(out, "posts/bellman").css("section.backlinks li > a")]
    assert linking == ["Q 学习", "时序差分"]  # q is found by its title, newest first
    fresh = tmp_path / "fresh"
    assert build(root, fresh, "--cache-dir", str(tmp_path / "cache2"), "--quiet") == 0
    for name in ("posts/td/index.html", "posts/bellman/index.html", "posts/q/index.html"):
        assert (out / name).read_bytes() == (fresh / name).read_bytes(), name


def test_names_titles_tables_and_translations(tmp_path: Path, capsys) -> None:
    """By title, in any case; `|` of a wikilink in a table; a name shared by a note's
    translations is not ambiguous; the page's own language wins."""
    body = """\
    | 笔记 | 说明 |
    |---|---|
    | [[bellman|贝尔曼]] | 方程 |

    按标题 [[贝尔曼方程]]，大小写 [[BELLMAN]]。
    """
    files = {**FILES, "content/posts/rl/td.md": post(title="时序差分", body=body)}
    root = write_site(tmp_path / "site", files)
    assert build(root, tmp_path / "out") == 0
    assert "wikilink" not in capsys.readouterr().err  # no warning: nothing ambiguous
    table = page(tmp_path / "out", "posts/td").css_first(".post-body table")
    cells = [td.text(deep=True).strip() for td in table.css("tbody td")]
    assert cells == ["贝尔曼", "方程"]
    assert table.css_first("a.wikilink").attributes["href"] == "/notes/posts/bellman/"
    links = body_links(tmp_path / "out", "posts/td")
    assert [href for href, _, _ in links] == ["/notes/posts/bellman/"] * 3
    # The English page's [[td]] finds the Chinese note (no English td), marked.
    [link] = page(tmp_path / "out", "en/posts/bellman").css(".post-body a.wikilink")
    assert (link.attributes["href"], link.attributes["hreflang"]) == ("/notes/posts/td/", "zh-CN")


def test_serve_updates_backlinks_and_references_when_another_note_is_saved(
    tmp_path: Path,
) -> None:
    """Saving td (which links to bellman) changes bellman's open page: its backlinks; a
    save that renumbers bellman's equation changes td's open page; each time the served
    site equals a fresh build."""
    root = write_site(tmp_path / "site", FILES)
    live = LiveSite(root, cache_dir=tmp_path / "serve-cache")
    try:
        assert live.refresh().error is None
        watched = {"posts/bellman/index.html", "posts/td/index.html"}
        for path in watched:
            live.get(path)
        td = root / "content/posts/rl/td.md"
        td.write_text(post(title="时序差分", body="只剩 [[mc]]。\n"), encoding="utf-8")
        result = live.refresh(watched, {td})
        assert result.error is None and "posts/bellman/index.html" in result.changed_pages
        bellman_page = LexborHTMLParser(live.get("posts/bellman/index.html").decode())
        assert bellman_page.css_first("section.backlinks") is None
        assert served_equals_built(live, root, tmp_path / "out") == []

        td.write_text(TD, encoding="utf-8")
        assert live.refresh(watched, {td}).error is None
        bellman = root / "content/posts/rl/bellman.md"
        first = "$$\nx = 1 \\label{eq:first}\n$$\n\n贝尔曼方程把"
        bellman.write_text(BELLMAN.replace("贝尔曼方程把", first), encoding="utf-8")
        result = live.refresh(watched, {bellman})
        assert result.error is None and "posts/td/index.html" in result.changed_pages
        td_page = LexborHTMLParser(live.get("posts/td/index.html").decode())
        assert td_page.css_first(".post-body a.eqref").text() == "(2)"
        assert served_equals_built(live, root, tmp_path / "out") == []
    finally:
        live.close()


def test_a_heading_ending_in_an_anchor_gets_that_id(tmp_path: Path, capsys) -> None:
    """`## Title [[id]]` (Hugging Face's course notes): the id, no link, no warning; a
    note's file name at the end of a heading stays a link."""
    body = """\
    # Q 学习 [[q-learning]]

    ## 什么是 Q 学习？ [[what-is-q-learning]]

    见 [上面](#what-is-q-learning)。

    ## 先读 [[bellman]]
    """
    files = {**FILES, "content/posts/rl/td.md": post(title="Q 学习", body=body)}
    root = write_site(tmp_path / "site", files)
    assert build(root, tmp_path / "out") == 0
    assert "wikilink" not in capsys.readouterr().err
    body_html = page(tmp_path / "out", "posts/td").css_first(".post-body")
    assert body_html.css("h1") == []  # the H1 equal to the title is dropped, anchor and all
    headings = [(h.attributes["id"], h.text(deep=True)) for h in body_html.css("h2")]
    assert headings[0] == ("what-is-q-learning", "什么是 Q 学习？#")
    assert headings[1][1] == "先读 贝尔曼方程#"
    assert body_html.css_first("h2 a.wikilink").attributes["href"] == "/notes/posts/bellman/"


def test_embeds_from_the_notes_bundle_first(tmp_path: Path) -> None:
    """`![[file]]` finds the note's own bundle file before one of the same name
    elsewhere in content/, and a note name embeds as a link."""
    body = "![[diagram.png|自己的图]]\n\n![[td]]\n"
    files = {
        **FILES,
        "content/posts/rl/vit/index.md": post(title="ViT", body=body),
        "content/posts/rl/vit/diagram.png": b"own",
    }
    root = write_site(tmp_path / "site", files)
    assert build(root, tmp_path / "out") == 0
    vit = page(tmp_path / "out", "posts/vit").css_first(".post-body")
    assert vit.css_first("img").attributes["src"] == "diagram.png"
    assert (tmp_path / "out/posts/vit/diagram.png").read_bytes() == b"own"
    assert vit.css_first("a.wikilink").attributes["href"] == "/notes/posts/td/"
