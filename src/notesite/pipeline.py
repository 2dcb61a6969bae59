"""The build pipeline as memoised stages, shared by `build` (once) and `serve` (on every save).

`Pipeline.run()` goes config + content -> model -> Markdown -> math -> page plan
and returns a `SitePlan` that can render any page on demand. Each stage keeps
what it computed, keyed by its inputs, so a second run after editing one note
re-reads that note, re-parses and re-renders it, and reuses everything else.
A fresh `Pipeline` (as `build` uses) computes everything once; its output is
the reference that `serve` must equal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

import jinja2

from notesite.cacheage import note_store_path
from notesite.errors import Problem, fail
from notesite.i18n import Strings, load_strings
from notesite.katex import FormulaEngine, KatexRenderer, KatexUnavailable
from notesite.katexcss import katex_stylesheet
from notesite.layout import CONTENT, is_markdown
from notesite.loader import LoadMemo, display_path, load_site
from notesite.loadstore import NoteKeys, read_loaded, write_loaded
from notesite.markdown import MarkdownRenderer, NoteFacts, RenderedDoc
from notesite.markdown.highlight import pygments_css
from notesite.mathengine import start_engine
from notesite.mathrender import client_markup, find_katex, katex_files
from notesite.mathsetup import MathSetup, ServerMath
from notesite.model import Asset, Post, Site
from notesite.notecache import NoteResult, NoteStore
from notesite.notes import NotesRun, NoteStage
from notesite.pagekeys import PageKeys, doc_keys, shown_key
from notesite.pages import PageOut, Planner, PostView
from notesite.pages.backlinks import backlinks
from notesite.pages.feeds import (
    FeedRenderer,
    feed_inputs,
    feed_posts,
    newest_date,
    site_feeds,
    sitemap_and_robots,
)
from notesite.pages.series import duplicate_orders
from notesite.render import PageRenderer, make_environment
from notesite.sitelinks import SiteLinks
from notesite.theme import builtin_theme_dir, static_files

KATEX_MISSING = (
    "warning: KaTeX not found (reinstall notesite, or run `npm ci` in a checkout); "
    "formulas will show as TeX source"
)


@dataclass(frozen=True)
class SiteInputs:
    """Everything a build reads, read at the edge by `Pipeline.read()`; the stages after
    it are functions of this value (and of the formula engine they are handed)."""

    site: Site  # config, notes, pages, assets
    strings: dict[str, Strings]  # UI strings per language
    warnings: list[Problem]  # found while reading (missing UI strings)
    katex_dist: Path | None  # where KaTeX is installed, if anywhere
    static: dict[str, Path]  # output path -> file: theme and site static files, KaTeX's


@dataclass(frozen=True)
class KeyedFile:
    """A generated file made only when asked: a build asks when `key` changed."""

    path: str
    key: str | None
    render: Callable[[], bytes]


@dataclass
class SitePlan:
    """Everything needed to produce any output file of the site."""

    site: Site
    pages: list[PageOut]
    renderer: PageRenderer
    feed_docs: dict[Post, RenderedDoc]
    katex_dist: Path | None
    static: dict[str, Path]  # SiteInputs.static
    math: MathSetup
    warnings: list[Problem] = field(default_factory=list)
    facts: dict[Post, NoteFacts] = field(default_factory=dict)  # what each note's parse found
    copies_memo: dict[str, Path] | None = field(default=None, repr=False)  # see copies()
    notes_rendered: int = 0  # notes parsed and rendered in this run (the rest were reused)
    page_keys: PageKeys | None = field(default=None, repr=False)  # see page_key()
    # Where a note's page document is read back when the plan holds it without its
    # HTML (a build: Pipeline(spill=True)).
    full_page: Callable[[Post], RenderedDoc] | None = field(default=None, repr=False)
    full_feed: Callable[[Post], RenderedDoc] | None = field(default=None, repr=False)
    note_keys: dict[Post, str] = field(default_factory=dict, repr=False)  # see shown_key

    def render_page(self, page: PageOut) -> bytes:
        entry = page.context.get("entry")
        if self.full_page is not None and entry is not None:  # its HTML was spilled
            full = replace(entry, doc=self.full_page(entry.post))
            page = replace(page, context={**page.context, "entry": full})
        return self.renderer.render(page)

    def page_key(self, page: PageOut) -> str | None:
        """A key of everything the page is made from (None: unknown, render it)."""
        return self.page_keys.key(page) if self.page_keys is not None else None

    def feed_doc(self, post: Post) -> RenderedDoc:
        """A note's feed entry (read back from the store when spilled)."""
        return self.full_feed(post) if self.full_feed is not None else self.feed_docs[post]

    def feed_files(self) -> list[KeyedFile]:
        """Every feed with a key of what it is made from (None: unknown), rendered when
        asked: a build whose feeds did not change reads no note's feed entry."""
        feeds = FeedRenderer(self.site, self.renderer, self.feed_doc)
        newest = newest_date(self.site)
        files = []
        for feed in site_feeds(self.site):
            key = None
            if self.page_keys is not None and all(p in self.note_keys for p in feed.posts):
                key = self.page_keys.file_key(feed_inputs(feed, self.note_keys, newest))
            files.append(KeyedFile(feed.path, key, partial(feeds.render, feed)))
        return files

    def generated_files(self, feeds: bool = True) -> dict[str, bytes]:
        """Feeds (unless not asked: see feed_files), sitemap, robots.txt and generated
        assets (everything that is not a page or a copy)."""
        files = {item.path: item.render() for item in self.feed_files()} if feeds else {}
        files.update(sitemap_and_robots(self.site, self.renderer, self.pages))
        files["static/css/pygments.css"] = pygments_css().encode("utf-8")
        if self.katex_dist is not None:
            files["static/katex/katex.min.css"] = katex_stylesheet(self.katex_dist)
        files[".nojekyll"] = b""  # GitHub Pages must not run Jekyll over the site
        if self.site.config.cname:
            files["CNAME"] = (self.site.config.cname + "\n").encode("utf-8")
        return files

    def copies(self) -> dict[str, Path]:
        """Output path -> source file for theme/site static files, KaTeX, content assets
        (the same object on every call: `serve` knows by identity it did not change)."""
        if self.copies_memo is None:
            self.copies_memo = self._list_copies()
        return self.copies_memo

    def _list_copies(self) -> dict[str, Path]:
        site = self.site
        copies = dict(self.static)
        for asset in site.assets:
            copies[asset.url] = site.root / asset.source
        for post in (*site.posts, *site.pages):
            bundle = post.source.parent
            for path in post.bundle_assets:
                copies[post.url + path.relative_to(bundle).as_posix()] = site.root / path
        return copies


class Pipeline:
    """The stages of a build with their memos; `run()` may be called again after edits."""

    def __init__(
        self,
        root: Path,
        drafts: bool,
        cache_dir: Path | None,
        jobs: int = 1,
        spill: bool = False,
        base_url: str | None = None,
    ) -> None:
        self.root = root
        self.base_url = base_url  # --base-url: replaces the config's
        self.jobs = jobs  # processes for rendering (see parallel.py)
        self.spill = spill  # keep notes' page HTML in the store, not in memory (build)
        self.drafts = drafts
        self.cache_dir = cache_dir
        self.load_memo = LoadMemo()
        self.load_changed = False  # whether the last read loaded any file anew
        self.keys_read: NoteKeys = {}  # note keys as the cache had them (see keep_loaded)
        self.parser = MarkdownRenderer(client_markup)  # made again by read() for `markdown:`
        self.notes = NoteStage(NoteStore(None), jobs)  # the store is opened by read()
        self.views: dict[tuple, PostView] = {}
        self.server: ServerMath | None = None  # see server_math()
        # see _static_files
        self.static: tuple[Path | None, dict[str, Path], list[Problem]] | None = None
        self.engine: FormulaEngine | None = None  # lives until close(), across config edits
        self.engine_dist: Path | None = None
        self.settings: object = None  # config + strings the memos were made with
        self.templates: jinja2.Environment | None = None
        self.links: tuple[tuple, SiteLinks] | None = None  # see _site_links
        self.last: tuple[SitePlan, dict[Post, RenderedDoc]] | None = None
        self.changed: set[Path] | None = None  # what a watcher says changed (serve only)

    def server_math(self, site: Site, katex_dist: Path | None) -> ServerMath | None:
        """Server-side math for this site's macros, made anew only when they (or the
        engine) changed; None in client mode or without KaTeX."""
        if site.config.math.render != "server" or katex_dist is None:
            return None
        try:
            engine = self.math_engine(katex_dist)
        except KatexUnavailable as error:
            raise fail(site.config.path, 1, f"cannot run KaTeX: {error}") from None
        macros, options = site.config.math.macros, site.config.markdown
        if self.server is None or not self.server.serves(engine, macros, options):
            if self.server is not None:
                self.server.katex.close()
            cache = (self.cache_dir / "katex.sqlite") if self.cache_dir else None
            self.server = ServerMath.create(engine, macros, cache, options)
        return self.server

    @property
    def katex(self) -> KatexRenderer | None:
        return self.server.katex if self.server is not None else None

    def math_engine(self, dist: Path) -> FormulaEngine:
        """The formula engine for KaTeX's `dist` folder, started once and kept."""
        if self.engine is None or self.engine_dist != dist:
            if self.engine is not None:
                self.engine.close()
            self.engine = start_engine(dist)
            self.engine_dist = dist
        return self.engine

    def _start_math_engine(self, site: Site, katex_dist: Path | None) -> None:
        """Start the formula engine now, in the background: a build that read a note anew
        may well have a formula no cache knows, and Node.js with KaTeX takes about 0.1 s
        to start, time the loading and parsing of the notes can hide."""
        if site.config.math.render != "server" or katex_dist is None:
            return
        try:
            self.math_engine(katex_dist).start()
        except KatexUnavailable:
            return  # said where the formulas are rendered (server_math)

    def while_pages_render(self) -> None:
        """A build's bookkeeping, done while its pages render: the note store's log
        copied into its file (see NoteStore.defer_checkpoints), and what the loader
        read kept for the next build."""
        self.notes.store.checkpoint()
        self.keep_loaded()

    def keep_loaded(self) -> None:
        """Leave what the loader read in the cache for the next build (loadstore.py)."""
        keys = self.notes.keys
        if self.cache_dir is not None and (self.load_changed or keys != self.keys_read):
            write_loaded(self._loaded_path(), self.load_memo, keys)

    def _loaded_path(self) -> Path:
        assert self.cache_dir is not None
        return note_store_path(self.cache_dir, self.root).with_suffix(".load")

    def close(self) -> None:
        self.notes.store.close()
        if self.katex is not None:
            self.katex.close()
        if self.engine is not None:
            self.engine.close()
            self.engine = None

    def run(self) -> SitePlan:
        """The whole pipeline: read the site, then plan every page."""
        return self.plan_site(self.read())

    def read(self) -> SiteInputs:
        """The edge: config, content, UI strings, static files, KaTeX (reusing what did
        not change)."""
        if self.spill and self.cache_dir is not None and not self.load_memo.files:
            files, self.keys_read = read_loaded(self._loaded_path())  # a build's
            self.load_memo.files.update(files)
        read_before = self.load_memo.read
        site = load_site(
            self.root, self.drafts, self.load_memo, self.changed, base_url=self.base_url
        )
        self.load_changed = self.load_memo.read != read_before
        if self.cache_dir is not None and self.notes.store.path is None:
            store = NoteStore(note_store_path(self.cache_dir, self.root))
            if self.spill:  # a build: see while_pages_render
                store.defer_checkpoints()
            self.notes = NoteStage(store, self.jobs, light=self.spill)
            self.notes.keys = dict(self.keys_read)
        strings, warnings = site_strings(site)
        warnings += duplicate_orders(site)
        katex_dist = find_katex(self.root)
        if self.spill and self.load_changed:
            self._start_math_engine(site, katex_dist)
        static, static_warnings = self._static_files(katex_dist)
        warnings += [*site.warnings, *static_warnings]
        settings = (site.config, {lang: s.as_dict() for lang, s in strings.items()})
        if settings != self.settings:  # config or UI strings changed: nothing is reusable
            self.drop_memos()  # formula results stay: they depend on macros only
            self.settings = settings
            if self.parser.options != site.config.markdown:
                self.parser = MarkdownRenderer(client_markup, site.config.markdown)
        return SiteInputs(site, strings, warnings, katex_dist, static)

    def _static_files(self, katex_dist: Path | None) -> tuple[dict[str, Path], list[Problem]]:
        """Theme and site static files and KaTeX's, and the symbolic links left out; the
        last listing (the same object) when a watcher says only notes changed."""
        notes_only = self.changed is not None and all(
            is_markdown(path) and path.parts[:1] == (CONTENT,) for path in self.changed
        )
        if notes_only and self.static is not None and self.static[0] == katex_dist:
            return self.static[1], self.static[2]
        files, skipped = static_files(self.root)
        if katex_dist is not None:
            files.update(katex_files(katex_dist))
        self.static = (katex_dist, files, skipped)
        return files, skipped

    def drop_memos(self) -> None:
        """Forget post views and the last plan (note results are keyed by their settings)."""
        self.last = None
        self.views.clear()

    def plan_site(self, inputs: SiteInputs) -> SitePlan:
        """Every note's result (reused or made), then the pages."""
        site, strings, katex_dist = inputs.site, inputs.strings, inputs.katex_dist
        in_feeds = feed_posts(site)
        notes = self.render_notes(site, strings, in_feeds, katex_dist)
        results, spilled = self.notes.spill(notes) if self.spill else (notes.results, False)
        # Spilled, feed entries are read back when a feed is written (SitePlan.feed_doc).
        feed_docs = {} if spilled else {p: results[p].feed or results[p].page for p in in_feeds}
        docs = {post: result.page for post, result in results.items()}
        live = set(docs)
        for key in [k for k in self.views if k[0] not in live]:
            del self.views[key]
        facts = {post: result.facts for post, result in results.items()}
        linked = backlinks(site, facts, docs, notes.labels)
        pages = Planner(site, docs, strings, self.views, linked).plan()
        return self.make_plan(inputs, pages, notes, feed_docs, results, spilled)

    def make_plan(
        self,
        inputs: SiteInputs,
        pages: list[PageOut],
        notes: NotesRun,
        feed_docs: dict[Post, RenderedDoc],
        results: dict[Post, NoteResult],
        spilled: bool = False,
    ) -> SitePlan:
        """The plan of these pages (a full run's, or serve's body-only save's)."""
        site, katex_dist = inputs.site, inputs.katex_dist
        warnings = inputs.warnings + notes.warnings
        if katex_dist is None and any(page.has_math for page in pages):
            warnings.append(Problem(site.config.path, 1, KATEX_MISSING))
        plan = SitePlan(
            site,
            pages,
            self.page_renderer(site, inputs.strings, pages, katex_dist is not None),
            feed_docs,
            katex_dist,
            inputs.static,
            notes.math,
            warnings,
            facts={post: result.facts for post, result in results.items()},
            notes_rendered=len(notes.rendered),
            full_page=self.notes.full_page if spilled else None,
            full_feed=self.notes.full_feed if spilled else None,
            # What pages and feeds show of a note: its key and what other notes answered.
            note_keys={p: shown_key(notes.keys[p], r.lookups) for p, r in results.items()},
        )
        described = ((plan.note_keys[p], r.page, r.feed) for p, r in results.items())
        keys = doc_keys(described)
        plan.page_keys = PageKeys(site, inputs.strings, pages, katex_dist is not None, keys)
        self.last = (plan, {post: result.page for post, result in results.items()})
        return plan

    def render_notes(
        self, site: Site, strings: dict[str, Strings], in_feeds: list[Post], katex: Path | None
    ) -> NotesRun:
        server = self.server_math(site, katex)
        links = self._site_links(site)
        return self.notes.run(site, strings, in_feeds, server, self.parser, links)

    def page_renderer(
        self, site: Site, strings: dict[str, Strings], pages: list[PageOut], katex: bool
    ) -> PageRenderer:
        if self.templates is None:
            compiled = self.cache_dir if self.spill else None  # a build's: see compiled_templates
            self.templates = make_environment(self.root, reload=not self.spill, compiled=compiled)
        return PageRenderer(site, strings, pages, katex=katex, env=self.templates)

    def _site_links(self, site: Site) -> SiteLinks:
        """What links can point to (memoised: most saves change no URL, name or title)."""
        items = (*site.posts, *site.pages, *site.assets)
        key = (site.config, tuple(_link_facts(item) for item in items))
        if self.links is None or self.links[0] != key:
            self.links = (key, SiteLinks.of(site))
        return self.links[1]


def _link_facts(item: Post | Asset) -> tuple:
    """What `SiteLinks` reads of a note or asset."""
    if isinstance(item, Asset):
        return (item.source, item.url)
    return (item.source, item.url, item.title, item.lang, item.translation_key, item.bundle_assets)


def site_strings(site: Site) -> tuple[dict[str, Strings], list[Problem]]:
    """UI strings per language, and a warning for each language missing some of them."""
    dirs = [builtin_theme_dir() / "templates", site.root / "templates"]
    default_language = site.config.default_language
    default = load_strings(dirs, default_language)
    strings: dict[str, Strings] = {}
    warnings: list[Problem] = []
    for lang in site.config.languages:
        own = load_strings(dirs, lang)
        strings[lang] = Strings(own, default)
        missing = sorted(set(default) - set(own))
        if missing:
            site_file = site.root / "templates" / "i18n" / f"{lang}.yaml"
            where = (
                display_path(site.root, site_file.relative_to(site.root))
                if site_file.is_file()
                else display_path(site.root, Path("templates") / "i18n" / f"{lang}.yaml")
            )
            warnings.append(
                Problem(
                    where,
                    1,
                    f"warning: {len(missing)} UI strings missing for '{lang}', "
                    f"shown in '{default_language}': {', '.join(missing)}",
                )
            )
    return strings, warnings
