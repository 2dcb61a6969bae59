"""Markdown to HTML: markdown-it-py with notesite's rules for math, headings, links, code."""

from __future__ import annotations

from dataclasses import dataclass

from markdown_it import MarkdownIt
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.tasklists import tasklists_plugin

from notesite.markdown.admonitions import admonitions_plugin
from notesite.markdown.excerpt import (
    excerpt_pieces,
    more_marker_index,
    pieces_html,
    pieces_text,
    reading_minutes,
    render_before_more,
)
from notesite.markdown.figures import figures_plugin
from notesite.markdown.headings import TocEntry, headings_plugin, toc_entries
from notesite.markdown.highlight import highlight_plugin
from notesite.markdown.links import Resolver, links_plugin
from notesite.markdown.math import MathRenderer, math_plugin

__all__ = ["MarkdownRenderer", "RenderedDoc", "TocEntry"]


@dataclass(frozen=True)
class RenderedDoc:
    html: str
    toc: tuple[TocEntry, ...]
    summary_html: str
    summary_text: str  # plain text (math as TeX) for meta descriptions
    truncated: bool  # the summary leaves text out ("read more")
    reading_minutes: int
    has_math: bool  # the page has math (so it loads KaTeX)
    summary_has_math: bool  # the excerpt shown on listings has math
    has_code: bool
    unresolved_links: tuple[tuple[int, str], ...]  # (0-based body line, href)


class MarkdownRenderer:
    """One configured parser; `render` is a pure function of its arguments."""

    def __init__(self, math_renderer: MathRenderer) -> None:
        self.math_renderer = math_renderer
        md = MarkdownIt("commonmark", {"html": True, "typographer": False})
        md.enable(["table", "strikethrough"])
        md.use(math_plugin, renderer=math_renderer)
        md.use(footnote_plugin)
        md.use(tasklists_plugin)
        md.use(admonitions_plugin)
        md.use(headings_plugin)
        md.use(links_plugin)
        md.use(figures_plugin)
        md.use(highlight_plugin)
        self.md = md

    def render(
        self,
        body: str,
        *,
        title: str = "",
        summary: str | None = None,
        source_dir: str = "",
        resolve_link: Resolver | None = None,
        admonition_titles: dict[str, str] | None = None,
    ) -> RenderedDoc:
        env: dict = {
            "title": title,
            "source_dir": source_dir,
            "resolve_link": resolve_link,
            "admonition_titles": admonition_titles or {},
        }
        tokens = self.md.parse(body, env)
        html = self.md.renderer.render(tokens, self.md.options, env)
        pieces, truncated = excerpt_pieces(tokens)
        more = more_marker_index(tokens)
        summary_env = dict(env, has_math=False)
        if summary is not None:
            summary_html = self.md.renderInline(summary, summary_env).strip()
            summary_text = " ".join(summary.split())
            truncated = True
        elif more is not None:
            summary_html = render_before_more(self.md, tokens, more, summary_env)
            summary_text = pieces_text(excerpt_pieces(tokens[:more])[0])
            truncated = True
        else:
            summary_html = pieces_html(pieces, self.math_renderer)
            summary_env["has_math"] = any(piece.kind == "math" for piece in pieces)
            summary_text = pieces_text(pieces)
            if truncated:
                summary_html += "…"
                summary_text += "…"
        return RenderedDoc(
            html=html,
            toc=toc_entries(self.md, env),
            summary_html=summary_html,
            summary_text=summary_text,
            truncated=truncated,
            reading_minutes=reading_minutes(tokens),
            has_math=bool(env.get("has_math")),
            summary_has_math=bool(summary_env.get("has_math")),
            has_code=bool(env.get("has_code")),
            unresolved_links=tuple(env.get("unresolved_links", [])),
        )
