"""KaTeX's stylesheet as the site serves it: its `@font-face` rules name only the woff2
fonts the site ships (every browser that runs KaTeX reads woff2), so no URL in it is broken.

Made at build time from the installed npm package; nothing of KaTeX is kept in the repository.
"""

from __future__ import annotations

import re
from pathlib import Path

# `src:url(fonts/X.woff2) format("woff2"),url(fonts/X.woff) format("woff"),url(...ttf)...`
_SOURCES = re.compile(r"src:\s*(url\([^)]*\.woff2\)\s*format\([\"']woff2[\"']\))[^;}]*")


def woff2_only(css: str) -> str:
    """`css` with each `src:` list cut down to its woff2 entry."""
    return _SOURCES.sub(r"src:\1", css)


def katex_stylesheet(dist: Path) -> bytes:
    return woff2_only((dist / "katex.min.css").read_text(encoding="utf-8")).encode("utf-8")
