"""The blog of this repository, built for a GitHub Pages sub-path given on the command line
(`--base-url`, replacing notesite.yaml's /notes/) and served by a plain static server under
/deep/sub/: every link, anchor and asset reachable from the home page works, none leaves
/deep/sub/, and so does every `url()` in the stylesheets the pages load."""

from __future__ import annotations

import re
import shutil
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

from browser import serve_under
from conftest import REPO
from selectolax.lexbor import LexborHTMLParser

from notesite.cli import main


def test_crawl_finds_no_broken_link_anchor_or_asset(tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(REPO / "content", site / "content")
    shutil.copy(REPO / "notesite.yaml", site / "notesite.yaml")
    config = (site / "notesite.yaml").read_text(encoding="utf-8")
    assert "base_url: https://example.github.io/notes/" in config
    output = tmp_path / "public"
    base_url = "https://example.github.io/deep/sub/"
    args = ["build", "--source", str(site), "--output", str(output), "--base-url", base_url]
    assert main([*args, "--quiet", "--cache-dir", str(tmp_path / "cache")]) == 0

    with serve_under(output, "deep/sub") as base:
        origin = base[: -len("/deep/sub/")]
        queue, seen, broken, escaping = [base], set(), [], []
        pages: dict[str, LexborHTMLParser] = {}
        anchors: list[tuple[str, str, str]] = []
        while queue:
            url = queue.pop()
            if url in seen:
                continue
            seen.add(url)
            try:
                with urllib.request.urlopen(url) as response:
                    body = response.read()
                    kind = response.headers.get("Content-Type", "")
            except urllib.error.HTTPError as error:
                broken.append((url, error.code))
                continue
            if "css" in kind:
                queue += [urljoin(url, ref) for ref in css_urls(body.decode("utf-8"))]
                continue
            if "html" not in kind:
                continue
            doc = LexborHTMLParser(body.decode("utf-8"))
            pages[url] = doc
            for node in doc.css("a[href], link[href], img[src], script[src]"):
                raw = node.attributes.get("href") or node.attributes.get("src") or ""
                target, fragment = urldefrag(urljoin(url, raw))
                parts = urlsplit(target)
                if parts.netloc == "example.github.io" and not parts.path.startswith("/deep/sub/"):
                    escaping.append((url, raw))  # canonical, hreflang, feeds: the real site
                if parts.netloc != urlsplit(base).netloc:
                    continue  # external (paper links, canonical on example.github.io)
                if not urlsplit(target).path.startswith("/deep/sub/"):
                    escaping.append((url, raw))
                    continue
                if fragment:
                    anchors.append((url, target, unquote(fragment)))
                queue.append(target)
        assert broken == [] and escaping == []
        assert any(url.endswith(".woff2") for url in seen)  # KaTeX's fonts were followed
        assert len(pages) > 50 and f"{origin}/deep/sub/en/" in pages
        missing = [
            (source, target, fragment)
            for source, target, fragment in anchors
            if target in pages and pages[target].css_first(f'[id="{fragment}"]') is None
        ]
        assert missing == []
        # 404 works at the sub-path: the page and its assets load from /deep/sub/.
        not_found = LexborHTMLParser((output / "404.html").read_text(encoding="utf-8"))
        for link in not_found.css("link[rel=stylesheet]"):
            assert link.attributes["href"].startswith("/deep/sub/")
        # Absolute URLs (canonical, feeds) carry the whole --base-url too.
        home = pages[base]
        assert home.css_first("link[rel=canonical]").attributes["href"] == base_url


def css_urls(css: str) -> list[str]:
    """The targets of a stylesheet's `url(...)`s (data: URLs and fragments left out)."""
    found = (m.strip("'\"") for m in re.findall(r"url\(\s*([^)]*?)\s*\)", css))
    return [url for url in found if url and not url.startswith(("data:", "#"))]
