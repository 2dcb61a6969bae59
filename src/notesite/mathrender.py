"""How formulas become HTML, and where the KaTeX assets come from.

Server mode (the default): KaTeX renders every formula at build time
(`katex.py`); pages carry HTML + MathML and load only KaTeX's stylesheet.
Client mode: the TeX goes into the page HTML-escaped and KaTeX typesets it in
the browser. Either way only pages with math load anything, from the site itself.
"""

from __future__ import annotations

import os
from html import escape
from pathlib import Path

from notesite.katex import PAGE_OUTPUT, Formula, Rendered

KATEX_ENV = "NOTESITE_KATEX_DIR"
PACKAGED_KATEX = Path(__file__).with_name("katex_dist")


def client_markup(tex: str, display: bool) -> str:
    """The TeX, escaped for HTML; the theme's script hands it to KaTeX."""
    return escape(tex, quote=False)


def find_katex(site_root: Path) -> Path | None:
    """KaTeX's `dist` folder: $NOTESITE_KATEX_DIR, else an npm `katex` in the site's
    folder, the current one or this checkout (`npm ci`), else the copy the wheel
    carries (`notesite/katex_dist`, put there by hatch_build.py)."""
    candidates = []
    if os.environ.get(KATEX_ENV):
        candidates.append(Path(os.environ[KATEX_ENV]))
    for base in (site_root, Path.cwd(), Path(__file__).resolve().parents[2]):
        candidates.append(base / "node_modules" / "katex" / "dist")
    candidates.append(PACKAGED_KATEX)
    for candidate in candidates:
        if (candidate / "katex.min.js").is_file():
            return candidate
    return None


def katex_files(dist: Path) -> dict[str, Path]:
    """Output path -> source for the KaTeX script and woff2 fonts (its stylesheet is
    generated: see katexcss.py)."""
    files = {"static/katex/katex.min.js": dist / "katex.min.js"}
    for font in sorted((dist / "fonts").glob("*.woff2")):
        files[f"static/katex/fonts/{font.name}"] = font
    return files


def error_markup(tex: str, message: str) -> str:
    """Invalid TeX: shown as its source in an error style, with KaTeX's message on hover."""
    return (
        f'<span class="math-error" title="{escape(message)}">'
        f"<code>{escape(tex, quote=False)}</code></span>"
    )


class RenderedLookup:
    """A MathRenderer that serves formulas rendered beforehand in one batch."""

    def __init__(self, results: dict[Formula, Rendered], output: str = PAGE_OUTPUT) -> None:
        self.results = results
        self.output = output

    def __call__(self, tex: str, display: bool) -> str:
        rendered = self.results.get(Formula(tex, display, self.output))
        if rendered is None:  # not collected beforehand: a bug, but keep the TeX readable
            return client_markup(tex, display)
        if rendered.error is not None or rendered.html is None:
            return error_markup(tex, rendered.error or "KaTeX error")
        return rendered.html
