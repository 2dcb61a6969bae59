"""Prepare the math renderer for a build: collect every formula, render them in one batch.

Server mode parses every document once to find its formulas (with file and
line), renders the ones not in the cache with KaTeX, and reports invalid TeX
as `path:line: KaTeX error: …` warnings. Client mode needs none of this.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from notesite.errors import Problem, fail
from notesite.katex import Formula, FormulaEngine, KatexRenderer, KatexUnavailable, Rendered
from notesite.loader import display_path
from notesite.markdown import FormulaUse, MarkdownRenderer, Parsed
from notesite.mathrender import RenderedLookup
from notesite.model import Post, Site

CACHE_ENV = "NOTESITE_CACHE_DIR"


def default_cache_dir() -> Path:
    """Formulas are cached by content, so one cache serves every site of the user."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "notesite"


@dataclass
class MathSetup:
    page_renderer: MarkdownRenderer  # renders posts (KaTeX HTML + MathML, or TeX for the client)
    feed_renderer: MarkdownRenderer  # renders feed entries (MathML only in server mode)
    warnings: list[Problem] = field(default_factory=list)
    formulas_total: int = 0
    formulas_rendered: int = 0  # KaTeX runs this build (the rest came from the cache)


_SETS: dict[tuple[int, str], tuple[list[FormulaUse], frozenset[Formula]]] = {}


def formula_set(uses: list[FormulaUse], output: str = "htmlAndMathml") -> frozenset[Formula]:
    """The distinct formulas of one document (memoised on the list object, which the
    pipeline keeps for as long as the document is unchanged)."""
    key = (id(uses), output)
    hit = _SETS.get(key)
    if hit is not None and hit[0] is uses:
        return hit[1]
    result = frozenset(Formula(u.tex, u.display, output) for u in uses)
    if len(_SETS) > 100_000:
        _SETS.clear()
    _SETS[key] = (uses, result)
    return result


class KatexHolder(Protocol):
    """Whoever keeps the KaTeX renderer between runs (the pipeline), with the Markdown
    renderers that read its results, the parser used for client-side math, and the
    formula engine (kept for as long as the holder lives)."""

    katex: KatexRenderer | None
    math_renderers: tuple[MarkdownRenderer, MarkdownRenderer] | None
    parser: MarkdownRenderer

    def math_engine(self, dist: Path) -> FormulaEngine: ...


def prepare_math(
    site: Site,
    parsed: dict[Post, Parsed],
    formulas: dict[Post, list[FormulaUse]],
    feed_posts: list[Post],
    cache_dir: Path | None,
    holder: KatexHolder,
    dist: Path | None,
) -> MathSetup:
    """`dist` is KaTeX's installed `dist` folder (`mathrender.find_katex`), if any."""
    if site.config.math.render == "client":
        return MathSetup(holder.parser, holder.parser)  # it renders math as escaped TeX

    if dist is None:
        raise fail(
            site.config.path,
            1,
            "math.render is 'server' but the katex npm package is not installed (run `npm ci`)",
        )
    # Sets of Formula per document are memoised with the parse; their union is cheap.
    wanted: set[Formula] = set().union(*(formula_set(formulas[post]) for post in parsed))
    wanted.update(*(formula_set(formulas[post], "mathml") for post in feed_posts))

    try:
        katex = _renderer_for(site, holder, dist, cache_dir)
        before = katex.rendered_count
        results = katex.render_all(wanted)
    except KatexUnavailable as error:
        raise fail(site.config.path, 1, f"cannot run KaTeX: {error}") from None

    failed = any(f.output != "mathml" and results[f].error is not None for f in wanted)
    warnings = [
        warning
        for post in (parsed if failed else ())
        for warning in katex_warnings(site, post, formulas[post], results)
    ]
    warnings.sort(key=lambda p: (str(p.path), p.line, p.message))
    assert holder.math_renderers is not None
    page_renderer, feed_renderer = holder.math_renderers
    return MathSetup(
        page_renderer=page_renderer,
        feed_renderer=feed_renderer,
        warnings=warnings,
        formulas_total=len(wanted),
        formulas_rendered=katex.rendered_count - before,
    )


def katex_warnings(
    site: Site, post: Post, uses: list[FormulaUse], results: dict[Formula, Rendered]
) -> list[Problem]:
    """`path:line: KaTeX error: …` for each invalid formula of one document."""
    warnings = []
    for use in uses:
        error = results[Formula(use.tex, use.display)].error
        if error is not None:
            message = error.removeprefix("KaTeX parse error: ")
            where = display_path(site.root, post.source)
            warnings.append(Problem(where, post.body_line + use.line, f"KaTeX error: {message}"))
    return warnings


def _renderer_for(
    site: Site, holder: KatexHolder, dist: Path, cache_dir: Path | None
) -> KatexRenderer:
    """The holder's renderer, made anew only when the engine or the macros changed (its
    results depend on nothing else, so a config edit such as the title keeps them)."""
    engine = holder.math_engine(dist)
    macros = dict(sorted(site.config.math.macros.items()))
    katex = holder.katex
    if katex is None or katex.engine is not engine or katex.macros != macros:
        if katex is not None:
            katex.close()
        katex = KatexRenderer(engine, macros, (cache_dir / "katex.sqlite") if cache_dir else None)
        holder.katex = katex
        # Made once per renderer: they look formulas up in its growing results.
        holder.math_renderers = (
            MarkdownRenderer(RenderedLookup(katex.memory)),
            MarkdownRenderer(RenderedLookup(katex.memory, "mathml")),
        )
    return katex
