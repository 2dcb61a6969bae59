"""The note stage: every note's `NoteResult` (facts, formulas, rendered page and feed
entry, warnings), taken from memory (`serve`), from the persistent store (an earlier
build), or made by parsing the note, rendering its formulas and rendering it.

A result is reused only under the same key — the note's own fields plus everything
rendering reads besides (notesite's code, the versions of the Markdown, highlighting
and KaTeX packages, math and Markdown settings, the language's UI strings) — and
while every link its parse looked up (`SiteLinks.answer`) and every other note's
equation its `\\eqref`s named (`SiteLabels`) still answer the same way.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape

from notesite.errors import Problem
from notesite.fingerprint import code_fingerprint
from notesite.i18n import Strings
from notesite.loader import display_path
from notesite.markdown import (
    FeedCut,
    FormulaUse,
    MarkdownRenderer,
    NoteFacts,
    Parsed,
    RenderedDoc,
)
from notesite.mathsetup import MathSetup, NoteFormulas, ServerMath, prepare_math
from notesite.model import Post, Site
from notesite.notecache import NoteResult, NoteStore
from notesite.packedhtml import PackingBuffer
from notesite.parallel import run_phased
from notesite.sitelabels import SiteLabels
from notesite.sitelinks import SiteLinks
from notesite.urls import Urls


def digest(value: object) -> str:
    """A sha256 of a JSON-able value (other objects by their str)."""
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def render_context(site: Site, strings: Strings, server: ServerMath | None) -> str:
    """What rendering any note of one language reads besides the note itself."""
    math = site.config.math
    engine = (server.katex.version, math.macros) if server is not None else None
    # base_url: feed entries' links are absolute (a page's are the same either way).
    return digest(
        [
            code_fingerprint(),
            math.render,
            engine,
            site.config.markdown,
            strings.as_dict(),
            site.config.base_url,
        ]
    )


def note_key(post: Post, context: str) -> str:
    fields = [
        post.source.as_posix(),
        post.body,
        post.title,
        post.summary,
        post.lang,
        post.body_line,
        [p.as_posix() for p in post.bundle_assets],
        post.url,  # what the feed entry's links are resolved against
    ]
    return digest([context, fields])


@dataclass
class NotesRun:
    """The stage's output for one run."""

    results: dict[Post, NoteResult]
    math: MathSetup  # renderers and formula counts of the notes rendered in this run
    warnings: list[Problem]  # KaTeX errors (sorted), then unknown references (note order)
    rendered: list[Post] = field(default_factory=list)  # the notes not reused
    keys: dict[Post, str] = field(default_factory=dict)  # each note's key (see note_key)
    labels: SiteLabels = field(default_factory=SiteLabels)  # every note's labelled equations


class RemadeByParent(Exception):
    """A forked worker found a note's page missing from the store: the process that
    ran the note stage renders that page (see pagejobs.rendered_pages)."""


class NoteStage:
    """Makes or reuses every note's result; keeps this run's results in memory."""

    def __init__(self, store: NoteStore, jobs: int = 1, light: bool = False) -> None:
        self.store = store
        self.jobs = jobs  # processes for rendering (see parallel.py)
        # A build reads stored notes without their page HTML (see spill, full_page).
        self.light = light
        self.last_inputs: tuple | None = None  # what the last run rendered with
        self.last_labels = SiteLabels()  # the last run's table of labelled equations
        self.memory: dict[str, NoteResult] = {}
        # post -> (context, key): the loader hands back the same Post while its file is
        # unchanged, so a save does not hash every note again.
        self.keys: dict[Post, tuple[str, str]] = {}
        self.pid = os.getpid()  # a forked page renderer leaves remaking to this process
        # Called once a run knows it has notes to render (a build warms Pagefind up then).
        self.before_rendering: Callable[[], object] | None = None

    def run(
        self,
        site: Site,
        strings: dict[str, Strings],
        in_feeds: list[Post],
        server: ServerMath | None,
        parser: MarkdownRenderer,
        links: SiteLinks,
    ) -> NotesRun:
        contexts = {lang: render_context(site, s, server) for lang, s in strings.items()}
        feeds = set(in_feeds)
        results: dict[Post, NoteResult] = {}
        keys: dict[Post, str] = {}
        todo: list[Post] = []
        for post in (*site.posts, *site.pages):
            keys[post] = self._key(post, contexts[post.lang])
        stored = self._stored([key for key in keys.values() if key not in self.memory])
        for post, key in keys.items():
            found = self.memory.get(key) or stored.get(key)
            if found is not None and _still_valid(found, post in feeds, post, links):
                self.store.keep(key)
                results[post] = found
            else:
                todo.append(post)
        self.last_inputs = (site, strings, feeds, server, parser, links)
        if todo and self.before_rendering is not None:
            self.before_rendering()
        job = self._render(site, strings, todo, feeds, server, parser, links, results, keys)
        math, labels = job.math, job.labels
        # A reused note whose references to other notes' equations now find something
        # else (renumbered, moved, retitled) is rendered again, with the same table.
        stale = [
            post for post in results if post not in todo and _stale_refs(post, results, labels)
        ]
        if stale:
            again = self._render(
                site, strings, stale, feeds, server, parser, links, results, keys, labels
            )
            math = _merged(math, again.math)
            todo += stale
        self.last_labels = labels
        self.keys = {post: (contexts[post.lang], key) for post, key in keys.items()}
        self.memory = {keys[post]: result for post, result in results.items()}
        ordered = {post: results[post] for post in (*site.posts, *site.pages)}
        return NotesRun(ordered, math, _warnings(site, ordered, labels), todo, keys, labels)

    def _stored(self, keys: list[str]) -> dict[str, NoteResult]:
        """The store's entries among `keys`: heads only for a build, which reads bodies
        when it writes a page or feed (full_page, full_feed)."""
        if self.light:
            return self.store.heads(keys)
        found = ((key, self.store.get(key)) for key in keys)
        return {key: result for key, result in found if result is not None}

    def spill(self, run: NotesRun) -> tuple[dict[Post, NoteResult], bool]:
        """Commit the run's results to the store and return them without their page HTML
        (a build holds one page's HTML at a time; `full_page` reads it back), and True;
        without a store, the results whole, and False."""
        self.memory.clear()
        if self.store.db is None:
            return run.results, False
        # Should the commit fail, a page whose body is not in the store is rendered
        # again by full_page: slower, never wrong.
        self.store.commit()
        return {post: result.head() for post, result in run.results.items()}, True

    def full_page(self, post: Post) -> RenderedDoc:
        """A spilled note's page document, from the store (without its feed entry);
        made again if its stored body turns out damaged (only its head was read when
        the run began)."""
        found = self.store.get(self.keys[post][1], feed=False, encoded=True, lazy=True)
        if found is None and os.getpid() != self.pid:
            raise RemadeByParent(post.source)  # not here: KaTeX is the parent's
        return (found or self._remade(post)).page

    def full_feed(self, post: Post) -> RenderedDoc:
        """A spilled note's feed entry (the note is in a feed), like `full_page`: the
        page's HTML is not read unless the entry is the page document."""
        found = self.store.get(self.keys[post][1], body=False, feed=True, encoded=True)
        if found is not None and found.feed is not None:
            return found.feed
        whole = self._remade(post)
        return whole.feed or whole.page

    def _remade(self, post: Post) -> NoteResult:
        assert self.last_inputs is not None
        site, strings, feeds, server, parser, links = self.last_inputs
        remade: dict[Post, NoteResult] = {}
        keys = {post: self.keys[post][1]}
        labels = self.last_labels
        self._render(
            site, strings, [post], feeds, server, parser, links, remade, keys, labels, whole=True
        )
        return remade[post]

    def forget(self) -> None:
        """Drop what this process made (after a crash: it may be half-made)."""
        self.memory.clear()
        self.keys.clear()
        self.store.discard()

    def _key(self, post: Post, context: str) -> str:
        known = self.keys.get(post)
        if known is not None and known[0] == context:
            return known[1]
        return note_key(post, context)

    def _render(
        self,
        site: Site,
        strings: dict[str, Strings],
        todo: list[Post],
        feeds: set[Post],
        server: ServerMath | None,
        parser: MarkdownRenderer,
        links: SiteLinks,
        results: dict[Post, NoteResult],
        keys: dict[Post, str],
        labels: SiteLabels | None = None,
        whole: bool = False,
    ) -> _Job:
        """Parse the notes in `todo`, render all their formulas in one batch, render them
        (parse and render spread over processes when there are many). Each result goes
        to the store as it arrives; a build keeps only its head (see spill) unless asked
        for the `whole` result. Between the two, the table of labelled equations is made
        from `results` and the new parses, unless given."""
        others = {post: result.facts for post, result in results.items() if post not in todo}
        job = _Job(site, strings, todo, feeds, server, parser, links, others, labels)
        job.encoded = self.light  # a build: HTML as UTF-8, made group by group (render_pair)

        def done(index: int, documents: tuple[RenderedDoc, RenderedDoc | None]) -> None:
            post = todo[index]
            result = self._result(post, job, index, documents)
            stored = self.store.put(keys[post], result, now=self.light)
            results[post] = result if whole or not self.light or stored is None else stored

        run_phased(_parse_one, _render_one, job.between, job, len(todo), self.jobs, done)
        assert job.math is not None
        return job

    def _result(
        self,
        post: Post,
        job: _Job,
        index: int,
        documents: tuple[RenderedDoc, RenderedDoc | None],
    ) -> NoteResult:
        assert job.math is not None and job.found is not None and job.named is not None
        facts, _, lookups = job.found[index]
        page, feed = documents
        for key, answer in job.named[index].items():
            lookups[("label", key)] = answer
        return NoteResult(
            facts=facts,
            page=page,
            feed=feed,
            reference_warnings=reference_warnings(facts),
            katex_warnings=tuple(
                (w.line - post.body_line, w.message) for w in job.math.note_warnings.get(post, ())
            ),
            lookups=tuple(sorted(lookups.items(), key=lambda item: item[0])),
            has_feed=feed is not None,
        )


@dataclass
class _Job:
    """What the processes rendering notes share (forked: nothing is sent but indices)."""

    site: Site
    strings: dict[str, Strings]
    todo: list[Post]
    feeds: set[Post]
    server: ServerMath | None
    parser: MarkdownRenderer
    links: SiteLinks
    others: dict[Post, NoteFacts]  # the facts of every note not in `todo`
    labels: SiteLabels | None = None  # given, or made between the phases
    encoded: bool = False  # render with render_pair (a build), else render (serve)
    math: MathSetup | None = None  # set between the phases, in the parent
    formulas_loaded: bool = False  # per process: see _render_one
    found: list | None = None  # phase one's facts, formulas and lookups, by index
    named: list | None = None  # other notes' equations each note's references find

    def between(self, found: list[tuple[NoteFacts, NoteFormulas, dict]]) -> tuple:
        """Between the phases, in the parent: the table of labelled equations, and
        every formula of the parsed notes through KaTeX. Returns what the workers'
        renderers need: the other notes' equations the new notes name, and the
        rendered formulas (None in client mode)."""
        self.found = found
        if self.labels is None:
            parsed = {post: item[0] for post, item in zip(self.todo, found, strict=True)}
            self.labels = SiteLabels.of({**self.others, **parsed}, self.links.targets)
        self.named = [
            self.labels.for_refs(post, item[0]) for post, item in zip(self.todo, found, strict=True)
        ]
        return self.named, self._render_formulas(found)

    def _render_formulas(self, found: list[tuple[NoteFacts, NoteFormulas, dict]]) -> dict | None:
        formulas = {post: item[1] for post, item in zip(self.todo, found, strict=True)}
        in_feeds = [post for post in self.todo if post in self.feeds]
        self.math = prepare_math(self.site, self.todo, formulas, in_feeds, self.server, self.parser)
        if self.server is None or self.math.page_renderer is self.parser:
            return None
        wanted = set().union(*(f.page | f.feed for f in formulas.values()))
        memory = self.server.katex.memory
        return {formula: memory[formula] for formula in wanted if formula in memory}


def _parse_one(job: _Job, index: int) -> tuple[tuple, Parsed]:
    parsed, formulas, lookups = parse_note(job.parser, job.todo[index], job.strings, job.links)
    return (parsed.facts, formulas, lookups), parsed


def _render_one(
    job: _Job, index: int, parsed: Parsed, message: tuple
) -> tuple[RenderedDoc, RenderedDoc | None]:
    """The page document of one parsed note, and its feed entry if it is in a feed."""
    named, formulas = message
    labels = {key: found for key, found in named[index].items() if found is not None}
    post = job.todo[index]
    # A feed entry is read away from the page: its links are absolute.
    base = Urls(job.site.config).absolute(post.url) if post in job.feeds else None
    if formulas is None:  # client mode: TeX for the browser
        page_renderer = feed_renderer = job.parser
    else:
        assert job.server is not None
        if not job.formulas_loaded:  # a forked worker's copy of the results is behind
            job.server.katex.memory.update(formulas)
            job.formulas_loaded = True
        page_renderer, feed_renderer = job.server.page_renderer, job.server.feed_renderer
    cut = FeedCut(_feed_tail(base, job.strings[post.lang])) if base else None
    if job.encoded:  # a build: packed here, in the worker, for the note store (see spill)
        feed = feed_renderer if base else None
        return page_renderer.render_pair(
            parsed, labels, feed=feed, link_base=base, feed_cut=cut, buffer=PackingBuffer
        )
    page = page_renderer.render(parsed, labels)
    if base is None:
        return page, None
    return page, feed_renderer.render_feed(parsed, labels, link_base=base, feed_cut=cut)


def _feed_tail(url: str, strings: Strings) -> str:
    """What ends a feed entry cut short (see FeedCut): a link to the whole note."""
    link = f'<a href="{escape(url)}">{escape(strings["read_more"])}</a>'
    return f'<p class="feed-more">{link}</p>\n'


def _still_valid(result: NoteResult, in_feed: bool, post: Post, links: SiteLinks) -> bool:
    """Whether a stored result may be reused as far as the site's files and names go
    (references to other notes' equations are checked after the run: `_stale_refs`)."""
    if in_feed and not result.has_feed:
        return False
    return all(
        links.answer(post, kind, name) == answer
        for (kind, name), answer in result.lookups
        if kind != "label"
    )


def _stale_refs(post: Post, results: dict[Post, NoteResult], labels: SiteLabels) -> bool:
    """A reused note whose `\\eqref`s to other notes now find another answer."""
    return any(
        labels.lookup(post, key) != answer
        for (kind, key), answer in results[post].lookups
        if kind == "label"
    )


def _merged(first: MathSetup, second: MathSetup | None) -> MathSetup:
    if second is None:
        return first
    first.note_warnings.update(second.note_warnings)
    first.formulas_total += second.formulas_total
    first.formulas_rendered += second.formulas_rendered
    return first


def parse_note(
    parser: MarkdownRenderer, post: Post, strings: dict[str, Strings], links: SiteLinks
) -> tuple[Parsed, NoteFormulas, dict[tuple[str, str], object]]:
    """Parse one note with its links resolved: the parse, its formulas (title and
    summary too) and the questions it asked of `links`, with their answers."""
    lookups: dict[tuple[str, str], object] = {}

    def ask(kind: str, name: str) -> object:  # remembered: see _still_valid
        lookups[(kind, name)] = links.answer(post, kind, name)
        return lookups[(kind, name)]

    parsed = parser.parse(
        post.body,
        title=post.title,
        summary=post.summary,
        source_dir=post.source.parent.as_posix(),
        resolve_link=lambda target: ask("link", target),  # type: ignore[return-value]
        resolve_wiki=ask,
        admonition_titles=strings[post.lang].as_dict(),
    )
    formulas = parser.formulas(parsed)
    for text in (post.title, post.summary or ""):
        formulas += [
            FormulaUse(use.tex, use.display, -post.body_line + 1)
            for use in parser.formulas(text, inline=True)
        ]
    return parsed, NoteFormulas.of(formulas), lookups


def reference_warnings(facts: NoteFacts) -> tuple[tuple[int, str], ...]:
    """(line in the body, message) for the links of a note that find nothing (its
    equation references are judged against the whole site: see `_warnings`), and for its
    images without alt text."""
    warnings = [
        (link.line, f"warning: link to a file outside the site (not copied): {link.href}")
        if link.outside
        else (link.line, f"warning: link to a missing file: {link.href}")
        for link in facts.unresolved_links
    ]
    warnings += [
        (image.line, f"warning: image without alt text: {image.src}") for image in facts.missing_alt
    ]
    for problem in facts.wiki_problems:
        if problem.candidates:
            names = ", ".join(problem.candidates)
            message = (
                f"warning: ambiguous wikilink {problem.written}: {names} (linked to the first)"
            )
        else:
            message = f"warning: wikilink to a missing note: {problem.written}"
        warnings.append((problem.line, message))
    warnings += [
        (
            line,
            f"warning: '{run}' opens or closes nothing and shows as written (pair it or escape it)",
        )
        for line, run in facts.unclosed_markers
    ]
    return tuple(sorted(warnings))


def _warnings(site: Site, results: dict[Post, NoteResult], labels: SiteLabels) -> list[Problem]:
    katex: list[Problem] = []
    references: list[Problem] = []
    for post, result in results.items():
        if not (result.katex_warnings or result.reference_warnings or result.facts.unresolved_refs):
            continue  # most notes: no path to make (a save in `serve` renders them all)
        where = display_path(site.root, post.source)
        katex += [Problem(where, post.body_line + line, m) for line, m in result.katex_warnings]
        references += [
            Problem(where, post.body_line + line, m) for line, m in result.reference_warnings
        ]
        references += [
            Problem(
                where,
                post.body_line + ref.line,
                f"warning: unknown equation reference {ref.written}: no \\label{{{ref.key}}} "
                f"in this note or any other {post.lang} note",
            )
            for ref in result.facts.unresolved_refs
            if labels.lookup(post, ref.key) is None
        ]
    katex.sort(key=lambda p: (str(p.path), p.line, p.message))
    return katex + references + labels.warnings(site)
