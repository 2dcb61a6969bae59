"""KaTeX's stylesheet as the site serves it names only the woff2 fonts the site ships."""

from __future__ import annotations

import re

from conftest import REPO

from notesite.katexcss import katex_stylesheet, woff2_only

DIST = REPO / "node_modules" / "katex" / "dist"


def test_font_faces_keep_only_woff2() -> None:
    rule = (
        "@font-face{font-family:KaTeX_AMS;src:url(fonts/KaTeX_AMS-Regular.woff2) "
        'format("woff2"),url(fonts/KaTeX_AMS-Regular.woff) format("woff"),'
        'url(fonts/KaTeX_AMS-Regular.ttf) format("truetype")}.katex{color:red}'
    )
    assert woff2_only(rule) == (
        "@font-face{font-family:KaTeX_AMS;src:url(fonts/KaTeX_AMS-Regular.woff2) "
        'format("woff2")}.katex{color:red}'
    )


def test_every_url_of_the_installed_stylesheet_is_a_shipped_font() -> None:
    original = (DIST / "katex.min.css").read_text(encoding="utf-8")
    css = katex_stylesheet(DIST).decode("utf-8")
    urls = re.findall(r"url\(([^)]*)\)", css)
    assert urls and all(url.endswith(".woff2") and (DIST / url).is_file() for url in urls)
    # Every face is still declared, and nothing else changed.
    assert css.count("@font-face") == original.count("@font-face") == len(urls)
    without_sources = re.compile(r"src:[^;}]*")
    assert without_sources.sub("", css) == without_sources.sub("", original)
