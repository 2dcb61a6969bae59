"""Prepare the math renderer for a build: collect every formula, render them in one batch.

Server mode parses every document once to find its formulas (with file and
line), renders the ones not in the cache with KaTeX, and reports invalid TeX
as `path:line: KaTeX error: …` warnings. Client mode needs none of this.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from notesite.errors import Problem, fail
from notesite.katex import (
    FEED_OUTPUT,
    Formula,
    FormulaEngine,
    KatexRenderer,
    KatexUnavailable,
    Rendered,
)
from notesite.loader import display_path
from notesite.markdown import FormulaUse, MarkdownRenderer
from notesite.mathrender import RenderedLookup
from notesite.model import MarkdownConfig, Post, Site


@dataclass
class MathSetup:
    page_renderer: MarkdownRenderer  # renders posts (KaTeX HTML + MathML, or TeX for the client)
    feed_renderer: MarkdownRenderer  # renders feed entries (MathML only in server mode)
    # KaTeX errors of the notes rendered, by note (the note stage keeps them with each note)
    note_warnings: dict[Post, list[Problem]] = field(default_factory=dict)
    formulas_total: int = 0
    formulas_rendered: int = 0  # KaTeX runs this build (the rest came from the cache)


@dataclass(frozen=True)
class NoteFormulas:
    """A note's formulas: each use (with its line, for error messages) and the distinct
    formulas to render for its page and for a feed entry. Made once per parse."""

    uses: tuple[FormulaUse, ...]
    page: frozenset[Formula]  # KaTeX HTML + MathML
    feed: frozenset[Formula]  # MathML only

    @classmethod
    def of(cls, uses: list[FormulaUse]) -> NoteFormulas:
        return cls(
            tuple(uses),
            frozenset(Formula(u.tex, u.display) for u in uses),
            frozenset(Formula(u.tex, u.display, FEED_OUTPUT) for u in uses),
        )


def prepare_math(
    site: Site,
    notes: Sequence[Post],
    formulas: dict[Post, NoteFormulas],
    feed_posts: list[Post],
    server: ServerMath | None,
    parser: MarkdownRenderer,
) -> MathSetup:
    """Render every formula of the site. `server` is None when KaTeX is not installed;
    `parser` renders math as escaped TeX (client mode)."""
    if site.config.math.render == "client":
        return MathSetup(parser, parser)
    if server is None:
        raise fail(
            site.config.path,
            1,
            "math.render is 'server' but KaTeX is not installed "
            "(reinstall notesite, or run `npm ci` in a checkout)",
        )
    # Sets of Formula per document are made with the parse; their union is cheap.
    wanted: set[Formula] = set().union(*(formulas[post].page for post in notes))
    wanted.update(*(formulas[post].feed for post in feed_posts))

    katex = server.katex
    try:
        before = katex.rendered_count
        results = katex.render_all(wanted)
    except KatexUnavailable as error:
        raise fail(site.config.path, 1, f"cannot run KaTeX: {error}") from None

    failed = any(f.output != FEED_OUTPUT and results[f].error is not None for f in wanted)
    note_warnings = {
        post: katex_warnings(site, post, formulas[post].uses, results)
        for post in (notes if failed else ())
    }
    return MathSetup(
        page_renderer=server.page_renderer,
        feed_renderer=server.feed_renderer,
        note_warnings=note_warnings,
        formulas_total=len(wanted),
        formulas_rendered=katex.rendered_count - before,
    )


def katex_warnings(
    site: Site, post: Post, uses: Sequence[FormulaUse], results: dict[Formula, Rendered]
) -> list[Problem]:
    """`path:line: KaTeX error: …` for each invalid formula of one document."""
    where = display_path(site.root, post.source)
    warnings = []
    for use in uses:
        error = results[Formula(use.tex, use.display)].error
        if error is not None:
            message = error.removeprefix("KaTeX parse error: ")
            warnings.append(Problem(where, post.body_line + use.line, f"KaTeX error: {message}"))
    return warnings


@dataclass(frozen=True)
class ServerMath:
    """Server-side math for one engine and one set of macros: the renderer (memory, cache,
    engine) and the Markdown renderers that look its growing results up."""

    katex: KatexRenderer
    page_renderer: MarkdownRenderer  # KaTeX HTML + MathML
    feed_renderer: MarkdownRenderer  # MathML only

    @classmethod
    def create(
        cls,
        engine: FormulaEngine,
        macros: dict[str, str],
        cache_path: Path | None,
        options: MarkdownConfig,
    ) -> ServerMath:
        katex = KatexRenderer(engine, macros, cache_path)
        return cls(
            katex,
            MarkdownRenderer(RenderedLookup(katex.memory), options),
            MarkdownRenderer(RenderedLookup(katex.memory, FEED_OUTPUT), options),
        )

    def serves(
        self, engine: FormulaEngine, macros: dict[str, str], options: MarkdownConfig
    ) -> bool:
        """Its results stay valid: they depend on the engine and the macros only (so a
        config edit such as the title keeps them); its Markdown renderers on `markdown:`."""
        same_macros = self.katex.macros == dict(sorted(macros.items()))
        same_options = self.page_renderer.options == options
        return self.katex.engine is engine and same_macros and same_options
