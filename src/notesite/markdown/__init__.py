"""Markdown to HTML: markdown-it-py with notesite's rules for math, headings, links, code."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Protocol

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.tasklists import tasklists_plugin

from notesite.markdown.admonitions import admonitions_plugin
from notesite.markdown.alttext import alt_text_plugin
from notesite.markdown.callouts import callouts_plugin
from notesite.markdown.cjk import cjk_emphasis, cjk_line_breaks, join_plain_lines
from notesite.markdown.context import MAX_CHARS
from notesite.markdown.equations import equations_plugin, reference_as_text
from notesite.markdown.excerpt import (
    excerpt_pieces,
    more_marker_index,
    pieces_html,
    pieces_text,
    reading_minutes,
    render_before_more,
)
from notesite.markdown.facts import NoteFacts
from notesite.markdown.figures import figures_plugin, plain_text
from notesite.markdown.headings import TocEntry, headings_plugin, toc_entries
from notesite.markdown.highlight import highlight_plugin
from notesite.markdown.htmlurls import absolute_links_plugin, first_image
from notesite.markdown.links import links_plugin
from notesite.markdown.math import MathRenderer, math_plugin
from notesite.markdown.mathemphasis import math_emphasis_plugin
from notesite.markdown.normalize import normalize_plugin
from notesite.markdown.state import (
    ENV_KEY,
    Resolver,
    RuleState,
    WikiResolver,
    rule_state,
    tokens_with_lines,
)
from notesite.markdown.unclosed import unclosed_markers_plugin
from notesite.markdown.wikilinks import wikilinks_plugin
from notesite.model import MarkdownConfig

__all__ = [
    "FeedCut",
    "FormulaUse",
    "MarkdownRenderer",
    "NoteFacts",
    "Parsed",
    "RenderedDoc",
    "TocEntry",
]

MATH_TOKENS = {"math_inline": False, "math_inline_display": True, "math_block": True}
GROUP_TOKENS = 2000  # tokens rendered at a time by render_pair (a group ends with a block)
# A feed entry stops after the group of blocks that takes its HTML past this many bytes
# and ends with a link to the note (FeedCut): a reader gets a note of any size whole up
# to about a book chapter (the real corpus's largest entry is 229 KB), not the 220 MB
# a 20 MiB note would make, in every feed it is in.
FEED_ENTRY_LIMIT = 1 << 20


def body_groups(tokens: list[Token], size: int = GROUP_TOKENS) -> Iterator[tuple[int, int]]:
    """(start, end) of runs of whole top-level blocks of at least `size` tokens (the last
    may be shorter). A cut falls only before a top-level block that is not a closing
    token and not after a hidden one: markdown-it's renderer looks one token back for a
    hidden paragraph and one ahead of an opening token, so the runs rendered apart
    join to the HTML of the whole."""
    start = 0
    for index in range(size, len(tokens)):
        token = tokens[index]
        if index - start < size or token.level != 0 or token.nesting == -1:
            continue
        if tokens[index - 1].hidden or tokens[index - 1].level != 0:
            continue
        yield start, index
        start = index
    if start < len(tokens):
        yield start, len(tokens)


@dataclass(frozen=True)
class FeedCut:
    """Where a feed entry stops (`limit` bytes of HTML, then the group that passes it)
    and the HTML that ends a cut entry (a link to the note)."""

    tail: str
    limit: int = FEED_ENTRY_LIMIT

    def reached(self, written: int) -> bool:
        """Whether an entry of `written` bytes so far stops before its next group."""
        return written >= self.limit


@dataclass(frozen=True)
class Parsed:
    """A parsed document: its tokens and facts; any renderer of this package renders it."""

    tokens: list[Token]
    facts: NoteFacts
    title: str
    summary: str | None
    # What the rules recorded, for rendering (TOC tokens, equation numbers, admonition titles).
    state: RuleState = field(repr=False, compare=False)

    @cached_property
    def reading_minutes(self) -> int:
        """Counted once: the page and the feed entry render the same parse."""
        return reading_minutes(self.tokens)


@dataclass(frozen=True)
class FormulaUse:
    tex: str
    display: bool
    line: int  # 0-based line in the Markdown text


class ByteSource(Protocol):
    """Bytes read when wanted, a piece at a time (see notecache.StoredHtml)."""

    def pieces(self) -> Iterator[bytes]: ...


class HtmlBuffer(Protocol):
    """Where `render_pair` writes a document's UTF-8 HTML (`io.BytesIO`, or one that
    packs it as it is written)."""

    def write(self, data: bytes, /) -> int: ...

    def tell(self) -> int: ...

    def getvalue(self) -> bytes | ByteSource: ...


@dataclass(frozen=True)
class RenderedDoc:
    html: str
    toc: tuple[TocEntry, ...]
    summary_html: str
    summary_text: str  # plain text (math as TeX) for meta descriptions
    truncated: bool  # the summary leaves text out ("read more")
    reading_minutes: int
    title_html: str  # the title as inline Markdown: math in titles stays math
    has_math: bool  # the page has math (so it loads KaTeX)
    summary_has_math: bool  # the title or excerpt shown on listings has math
    has_code: bool
    # (plain text, HTML, has math) of each sentence a link to a site file or another
    # note's equation stands in: what that note's backlinks show (see context.py).
    contexts: tuple[tuple[str, str, bool], ...] = ()
    title_text: str = ""  # the title as plain text (math as TeX): social cards, feeds
    image: str | None = None  # the first image's URL as the page has it (social cards)
    # The HTML as UTF-8, when `html` is left empty (a build: see render_pair), or where
    # to read it (a page's HTML left in the note store until its page is written).
    encoded: bytes | ByteSource | None = field(default=None, repr=False)

    @property
    def text(self) -> str:
        """The HTML, whichever way it is held."""
        return b"".join(self.pieces()).decode() if self.encoded is not None else self.html

    def pieces(self) -> Iterator[bytes]:
        """The UTF-8 HTML (`encoded`), a piece at a time."""
        if isinstance(self.encoded, bytes):
            yield self.encoded
        elif self.encoded is not None:
            yield from self.encoded.pieces()

    @property
    def teaser(self) -> tuple[object, ...]:
        """What listings and neighbours show of the document (not its body): the one
        value `serve` compares to know that a save changed only the note's own page."""
        return (
            self.title_html,
            self.summary_html,
            self.summary_text,
            self.truncated,
            self.reading_minutes,
            self.summary_has_math,
        )


def _raw_html_as_text(tokens: list[Token]) -> list[Token]:
    """Front matter is data, not markup: a tag in a title or summary shows as written
    (escaped) on every page, feed and card, whatever `markdown.html` says for bodies."""
    for token in tokens:
        for child in token.children or ():
            if child.type == "html_inline":
                child.type = "text"
    return tokens


class MarkdownRenderer:
    """One configured parser; `render` is a pure function of its arguments."""

    def __init__(self, math_renderer: MathRenderer, options: MarkdownConfig | None = None) -> None:
        self.math_renderer = math_renderer
        self.options = options or MarkdownConfig()  # the `markdown:` settings
        self.cjk = self.options.cjk  # markdown.cjk: see markdown/cjk.py
        # CommonMark's preset stops at 20 levels of nesting and drops what is deeper (a
        # list 10 deep loses its text); markdown-it's own default, 100, keeps real notes.
        md = MarkdownIt(
            "commonmark", {"html": self.options.html, "typographer": False, "maxNesting": 100}
        )
        md.enable(["table", "strikethrough"])
        md.use(normalize_plugin)
        if self.cjk:
            md.use(cjk_emphasis)
            md.use(cjk_line_breaks)
        md.use(math_plugin, renderer=math_renderer)
        md.use(math_emphasis_plugin)
        md.use(unclosed_markers_plugin)
        md.use(equations_plugin)
        md.use(footnote_plugin)
        md.use(tasklists_plugin)
        md.use(admonitions_plugin)
        md.use(callouts_plugin)
        md.use(headings_plugin)
        md.use(wikilinks_plugin)
        md.use(alt_text_plugin)  # before links: it reports the `src` as written
        md.use(links_plugin)
        md.use(figures_plugin)
        md.use(highlight_plugin)
        md.use(absolute_links_plugin)  # last: it wraps the other plugins' render rules
        self.md = md

    def formulas(self, text: str | Parsed, inline: bool = False) -> list[FormulaUse]:
        """Every formula of a Markdown text (after equation numbering), with its line."""
        if isinstance(text, Parsed):
            tokens = text.tokens
        else:
            tokens = self.md.parseInline(text, {}) if inline else self.md.parse(text, {})
        return [
            FormulaUse(token.content, MATH_TOKENS[token.type], line)
            for token, line in tokens_with_lines(tokens)
            if token.type in MATH_TOKENS
        ]

    def parse(
        self,
        body: str,
        *,
        title: str = "",
        summary: str | None = None,
        source_dir: str = "",
        resolve_link: Resolver | None = None,
        resolve_wiki: WikiResolver | None = None,
        admonition_titles: dict[str, str] | None = None,
    ) -> Parsed:
        """The tokens and facts of a document; any renderer of this class can render it."""
        state = RuleState(
            title=title,
            source_dir=source_dir,
            resolve_link=resolve_link,
            resolve_wiki=resolve_wiki,
            admonition_titles=admonition_titles or {},
        )
        env: dict = {ENV_KEY: state}
        tokens = self.md.parse(body, env)
        facts = NoteFacts(
            headings=tuple(state.headings),
            equations=tuple(state.equations),
            equation_refs=tuple(state.equation_refs),
            anchor_links=tuple(state.anchor_links),
            unresolved_links=tuple(state.unresolved_links),
            note_links=tuple(state.note_links),
            wiki_problems=tuple(state.wiki_problems),
            missing_alt=tuple(state.missing_alt),
            unclosed_markers=tuple(state.unclosed_markers),
            # mdit-py-plugins' footnote plugin keeps its own state in env.
            footnotes=len(env.get("footnotes", {}).get("list", {})),
        )
        return Parsed(tokens, facts, title, summary, state)

    def render(
        self,
        body: str | Parsed,
        site_labels: Mapping[str, object] | None = None,
        *,
        link_base: str | None = None,
        **options: object,
    ) -> RenderedDoc:
        """HTML and its by-products for a body (parsed here unless already parsed);
        `site_labels`: other notes' equations `\\eqref` may name (see equations.py);
        `link_base`: the absolute URL every link and image is resolved against (feeds)."""
        parsed = body if isinstance(body, Parsed) else self.parse(body, **options)  # type: ignore[arg-type]
        env = self._render_env(parsed, site_labels, link_base)
        html = self.md.renderer.render(parsed.tokens, self.md.options, env)
        return self._document(parsed, env, html)

    def render_pair(
        self,
        parsed: Parsed,
        site_labels: Mapping[str, object] | None = None,
        *,
        feed: MarkdownRenderer | None = None,
        link_base: str | None = None,
        feed_cut: FeedCut | None = None,
        group_tokens: int = GROUP_TOKENS,
        buffer: Callable[[], HtmlBuffer] = io.BytesIO,
    ) -> tuple[RenderedDoc, RenderedDoc | None]:
        """The page document and, given `feed` (the renderer of feed entries, with
        `link_base`), the feed entry of a parse, as `render` makes them but with their
        HTML as UTF-8 in `encoded` (and `html` empty). The body is rendered a group of
        top-level blocks at a time and each group's tokens are let go once both
        documents have it, so a very large note never holds its tokens and its whole
        HTML at once (a Python string of CJK text takes 2 bytes a character; UTF-8 about
        1 for KaTeX's markup). The feed entry stops as `feed_cut` says (see
        render_feed). `buffer` makes what each document's HTML is written into; its
        `getvalue()` becomes `encoded` (a build's packs as it goes: packedhtml.py). The
        parse cannot be rendered again."""
        renderers = [(self, None)] + ([(feed, link_base)] if feed is not None else [])
        made = []
        for renderer, base in renderers:
            env = renderer._render_env(parsed, site_labels, base)
            # The by-products first (they read tokens the body lets go of); rendering
            # them sets nothing the body reads (see _document).
            made.append((renderer, env, renderer._document(parsed, env, ""), buffer()))
        tokens = parsed.tokens
        cut = feed_cut or FeedCut("")
        feed_cut_here = False
        for start, end in body_groups(tokens, group_tokens):
            group = tokens[start:end]
            for index, (renderer, env, _, out) in enumerate(made):
                if index == 1 and cut.reached(out.tell()):
                    feed_cut_here = True
                    continue
                out.write(renderer.md.renderer.render(group, renderer.md.options, env).encode())
            del group
            tokens[start:end] = [None] * (end - start)  # type: ignore[list-item]
        if feed_cut_here:
            made[1][3].write(cut.tail.encode())
        docs = [
            replace(
                doc,
                encoded=out.getvalue(),  # BytesIO hands over its buffer: no copy
                has_math=rule_state(env).has_math,
                has_code=rule_state(env).has_code,
            )
            for _, env, doc, out in made
        ]
        return docs[0], (docs[1] if feed is not None else None)

    def render_feed(
        self,
        parsed: Parsed,
        site_labels: Mapping[str, object] | None = None,
        *,
        link_base: str | None = None,
        feed_cut: FeedCut | None = None,
        group_tokens: int = GROUP_TOKENS,
    ) -> RenderedDoc:
        """A feed entry as `render` makes a document (the parse stays reusable), the body
        rendered a group of blocks at a time as render_pair does and stopped there the
        same way: once `feed_cut.limit` bytes are written, the rest is left out and
        `feed_cut.tail` ends it."""
        cut = feed_cut or FeedCut("")
        env = self._render_env(parsed, site_labels, link_base)
        pieces: list[str] = []
        written = 0
        for start, end in body_groups(parsed.tokens, group_tokens):
            if cut.reached(written):
                pieces.append(cut.tail)
                break
            html = self.md.renderer.render(parsed.tokens[start:end], self.md.options, env)
            pieces.append(html)
            written += len(html.encode())
        return self._document(parsed, env, "".join(pieces))

    def _render_env(
        self, parsed: Parsed, site_labels: Mapping[str, object] | None, link_base: str | None
    ) -> dict:
        # Rendering records has_math etc. in a copy: the parse stays reusable.
        state = replace(
            parsed.state,
            has_math=False,
            has_code=False,
            site_labels=site_labels or {},
            link_base=link_base,
        )
        return {ENV_KEY: state}

    def _document(self, parsed: Parsed, env: dict, html: str) -> RenderedDoc:
        """A document around its body's `html`: TOC, excerpt, title, contexts. What these
        render only sets `has_math` in `env` for math the body has too (headings)."""
        tokens, title, summary = parsed.tokens, parsed.title, parsed.summary
        state = rule_state(env)
        pieces, truncated = excerpt_pieces(tokens)
        more = more_marker_index(tokens)
        summary_env: dict = {ENV_KEY: replace(state, has_math=False)}
        if summary is not None:
            # A fresh env: the body's footnotes must not be appended to the summary.
            fresh = RuleState(admonition_titles=state.admonition_titles)
            summary_env = {ENV_KEY: fresh}
            summary_tokens = _raw_html_as_text(self.md.parseInline(summary, summary_env))
            summary_html = self.md.renderer.render(summary_tokens, self.md.options, summary_env)
            summary_html = summary_html.strip()
            summary_text = join_plain_lines(summary) if self.cjk else " ".join(summary.split())
            truncated = True
        elif more is not None:
            summary_html = render_before_more(self.md, tokens, more, summary_env)
            summary_text = pieces_text(excerpt_pieces(tokens[:more])[0])
            truncated = True
        else:
            summary_html = pieces_html(pieces, self.math_renderer)
            rule_state(summary_env).has_math = any(piece.kind == "math" for piece in pieces)
            summary_text = pieces_text(pieces)
            if truncated:
                summary_html += "…"
                summary_text += "…"
        title_env: dict = {}
        title_tokens = _raw_html_as_text(self.md.parseInline(title, title_env) if title else [])
        title_html = self.md.renderer.render(title_tokens, self.md.options, title_env).strip()
        contexts = tuple(
            self._render_context(text, pieces, state) for text, pieces in state.contexts.items()
        )
        toc = toc_entries(self.md, env)
        return RenderedDoc(
            html=html,
            title_html=title_html,
            toc=toc,
            summary_html=summary_html,
            summary_text=summary_text,
            truncated=truncated,
            reading_minutes=parsed.reading_minutes,
            has_math=state.has_math,
            summary_has_math=rule_state(summary_env).has_math or rule_state(title_env).has_math,
            has_code=state.has_code,
            contexts=contexts,
            title_text=plain_text(title_tokens).strip(),
            image=first_image(tokens, {link.href for link in parsed.facts.unresolved_links}),
        )

    def _render_context(
        self, text: str, pieces: list[Token], state: RuleState
    ) -> tuple[str, str, bool]:
        """A link's sentence as HTML for another page: an equation reference becomes
        its number as text (a link from there would point into the wrong page)."""
        if len(text) >= MAX_CHARS:  # cut in the middle: the plain text says where
            return text, escapeHtml(text), False
        shown = []
        for piece in pieces:
            if piece.type == "equation_ref":
                piece = reference_as_text(piece, state)
            shown.append(piece)
        env: dict = {ENV_KEY: replace(state, has_math=False)}
        html = self.md.renderer.render(shown, self.md.options, env).strip()
        return text, html, rule_state(env).has_math
