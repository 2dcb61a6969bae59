"""How formulas become HTML, and where the KaTeX assets come from.

Client mode: the TeX goes into the page HTML-escaped and KaTeX typesets it in
the browser; only pages with math load KaTeX, from the site itself.
"""

from __future__ import annotations

import os
from html import escape
from pathlib import Path

KATEX_ENV = "NOTESITE_KATEX_DIR"


def client_markup(tex: str, display: bool) -> str:
    """The TeX, escaped for HTML; the theme's script hands it to KaTeX."""
    return escape(tex, quote=False)


def find_katex(site_root: Path) -> Path | None:
    """The `dist` folder of an installed npm `katex` package, if any."""
    candidates = []
    if os.environ.get(KATEX_ENV):
        candidates.append(Path(os.environ[KATEX_ENV]))
    for base in (site_root, Path.cwd(), Path(__file__).resolve().parents[2]):
        candidates.append(base / "node_modules" / "katex" / "dist")
    for candidate in candidates:
        if (candidate / "katex.min.js").is_file():
            return candidate
    return None


def katex_files(dist: Path) -> dict[str, Path]:
    """Output path -> source for the KaTeX script, stylesheet and woff2 fonts."""
    files = {
        "static/katex/katex.min.js": dist / "katex.min.js",
        "static/katex/katex.min.css": dist / "katex.min.css",
    }
    for font in sorted((dist / "fonts").glob("*.woff2")):
        files[f"static/katex/fonts/{font.name}"] = font
    return files
