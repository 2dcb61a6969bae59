"""Front matter is data: titles, tags, summaries and series names full of markup show as
written — escaped in HTML, attributes, feeds and JSON-LD — on every page. Raw HTML in a
note's body is the author's and stays, unless `markdown.html: false`."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree

import pytest
import yaml
from conftest import BASIC_CONFIG, build_in, parse_html
from selectolax.lexbor import LexborHTMLParser

TITLE = "</title><script>alert('t')</script> & \"q\" <b>b</b> <!-- c -->"
TAG = "<script>alert('tag')</script>"
SUMMARY = "<img src=x onerror=alert('s')> & </script>"
SERIES = "</title><script>alert('series')</script>"
BODY = 'Body with <span class="raw">raw HTML</span>.\n\n<div class="raw-block">block</div>\n'


def hostile_site(html: bool) -> tuple[dict[str, str], str]:
    meta = {"title": TITLE, "date": "2026-01-11", "tags": [TAG, 'a"b'], "summary": SUMMARY}
    front = yaml.safe_dump({**meta, "series": "s1"}, allow_unicode=True)
    note = f"---\n{front}---\n\n{BODY}"
    config = BASIC_CONFIG + f"series:\n  s1: {json.dumps({'zh': SERIES, 'en': 'S'})}\n"
    if not html:
        config += "markdown: {html: false}\n"
    return {"content/posts/rl/a.md": note}, config


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_in(tmp_path_factory, *hostile_site(html=True))


def test_no_page_runs_or_shows_markup_from_front_matter(out: Path) -> None:
    pages = sorted(out.rglob("*.html"))
    assert len(pages) > 10
    for path in pages:
        tree = LexborHTMLParser(path.read_text(encoding="utf-8"))
        for script in tree.css("script"):
            if script.attributes.get("type") == "application/ld+json":
                json.loads(script.text())  # one JSON value: nothing broke out of it
            else:
                assert "alert(" not in script.text(), path
        assert tree.css("b, img[onerror], title script") == [], path
        assert len(tree.css("title")) == 1, path


def test_the_post_shows_every_value_as_written(out: Path) -> None:
    page = parse_html(out / "posts/a/index.html")
    assert page.css_first("h1").text() == TITLE
    assert page.css_first("title").text().startswith(TITLE)
    metas = {m.attributes.get("property") or m.attributes.get("name"): m for m in page.css("meta")}
    assert metas["og:title"].attributes["content"] == TITLE
    assert metas["description"].attributes["content"] == SUMMARY
    ld = json.loads(page.css_first('script[type="application/ld+json"]').text())
    assert ld["headline"] == TITLE
    assert page.css_first(".series-box .series-name").text() == SERIES
    assert {a.text() for a in page.css(".post-tags a, .tags a")} >= {f"#{TAG}", '#a"b'}


def test_listings_and_the_feed_show_the_values_as_text(out: Path) -> None:
    home = parse_html(out / "index.html")
    assert [a.text() for a in home.css(".post-item-title a")] == [TITLE]
    assert SUMMARY in home.css_first(".post-list").text()
    entry = ElementTree.parse(out / "atom.xml").getroot().find("{http://www.w3.org/2005/Atom}entry")
    assert entry is not None
    assert entry.findtext("{http://www.w3.org/2005/Atom}title") == TITLE


def test_raw_html_in_the_body_is_kept(out: Path) -> None:
    body = parse_html(out / "posts/a/index.html").css_first(".post-body")
    assert body.css_first("span.raw").text() == "raw HTML"
    assert body.css_first("div.raw-block").text() == "block"


def test_markdown_html_false_shows_raw_html_as_text(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    site_out = build_in(tmp_path_factory, *hostile_site(html=False))
    body = parse_html(site_out / "posts/a/index.html").css_first(".post-body")
    assert body.css("span, div.raw-block") == []
    assert '<span class="raw">raw HTML</span>' in body.text()
    assert '<div class="raw-block">block</div>' in body.text()
