"""The build pipeline as memoised stages, shared by `build` (once) and `serve` (on every save).

`Pipeline.run()` goes config + content -> model -> Markdown -> math -> page plan
and returns a `SitePlan` that can render any page on demand. Each stage keeps
what it computed, keyed by its inputs, so a second run after editing one note
re-reads that note, re-parses and re-renders it, and reuses everything else.
A fresh `Pipeline` (as `build` uses) computes everything once; its output is
the reference that `serve` must equal.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from notesite.errors import Problem
from notesite.i18n import Strings, load_strings
from notesite.katex import KatexRenderer
from notesite.loader import LoadCache, WatchHint, display_path, load_site
from notesite.markdown import FormulaUse, MarkdownRenderer, Parsed, RenderedDoc
from notesite.markdown.highlight import pygments_css
from notesite.mathrender import client_markup, find_katex, katex_files
from notesite.mathsetup import MathSetup, prepare_math
from notesite.model import Post, Site
from notesite.pages import PageOut, Planner, PostView
from notesite.render import PageRenderer, make_environment
from notesite.theme import builtin_theme_dir, static_files
from notesite.urls import Urls

FEED_SIZE = 20


@dataclass
class SitePlan:
    """Everything needed to produce any output file of the site."""

    site: Site
    pages: list[PageOut]
    renderer: PageRenderer
    feed_docs: dict[Post, RenderedDoc]
    katex_dist: Path | None
    math: MathSetup
    warnings: list[Problem] = field(default_factory=list)

    def render_page(self, page: PageOut) -> bytes:
        return self.renderer.render(page)

    def generated_files(self) -> dict[str, bytes]:
        """Feeds, sitemap and generated assets (everything that is not a page or a copy)."""
        files = _feeds_and_sitemap(self.site, self.renderer, self.feed_docs, self.pages)
        files["static/css/pygments.css"] = pygments_css().encode("utf-8")
        files[".nojekyll"] = b""  # GitHub Pages must not run Jekyll over the site
        if self.site.config.cname:
            files["CNAME"] = (self.site.config.cname + "\n").encode("utf-8")
        return files

    def copies(self) -> dict[str, Path]:
        """Output path -> source file for theme/site static files, KaTeX, content assets."""
        site = self.site
        copies = static_files(site.root)
        if self.katex_dist is not None:
            copies.update(katex_files(self.katex_dist))
        for asset in site.assets:
            copies[asset.url] = site.root / asset.source
        for post in (*site.posts, *site.pages):
            bundle = post.source.parent
            for path in post.bundle_assets:
                copies[post.url + path.relative_to(bundle).as_posix()] = site.root / path
        return copies


def _fingerprint(value: object) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()


class Pipeline:
    """The stages of a build with their memos; `run()` may be called again after edits."""

    def __init__(self, root: Path, drafts: bool, cache_dir: Path | None) -> None:
        self.root = root
        self.drafts = drafts
        self.cache_dir = cache_dir
        self.load_cache: LoadCache = {}
        self.parser = MarkdownRenderer(client_markup)
        self.parsed: dict[tuple, tuple[Parsed, list[Problem], list[FormulaUse]]] = {}
        self.docs: dict[tuple, RenderedDoc] = {}
        self.views: dict[tuple, PostView] = {}
        self.katex: KatexRenderer | None = None
        self.settings: object = None  # config + strings the memos were made with
        self.templates: jinja2.Environment | None = None
        self.parsed_by_post: dict[Post, Parsed] = {}
        self.hint: WatchHint | None = None  # set by invalidate() when a watcher drives runs

    def invalidate(self, paths: set[Path] | None) -> None:
        """Forget what was read from these files (a save can keep size and mtime tick).

        `paths` from a watcher also let the next run skip the folder scan when only
        existing files changed; None means "unknown", so the next run checks everything.
        """
        if paths is None:
            self.hint = None
            return
        root = self.root.resolve()
        changed: set[Path] = set()
        for path in paths:
            try:
                relative = path.resolve().relative_to(root)
            except ValueError:
                continue
            changed.add(relative)
            if self.load_cache.pop(relative, None) is None and relative.suffix != ".md":
                # A folder: forget everything below it.
                for source in [s for s in self.load_cache if relative in s.parents]:
                    del self.load_cache[source]
        scans = self.hint.scans if self.hint is not None else {}
        self.hint = WatchHint(changed, scans)

    def close(self) -> None:
        if self.katex is not None:
            self.katex.close()

    def run(self) -> SitePlan:
        site = load_site(
            self.root, include_drafts=self.drafts, cache=self.load_cache, hint=self.hint
        )
        strings, warnings = site_strings(site)
        settings = (site.config, {lang: s.as_dict() for lang, s in strings.items()})
        if settings != self.settings:  # config or UI strings changed: nothing is reusable
            self.parsed.clear()
            self.docs.clear()
            self.views.clear()
            self.close()
            self.katex = None
            self.settings = settings
        parsed, link_warnings, formulas = self.parse_documents(site, strings)
        self.parsed_by_post = parsed  # for `check`, which inspects the parse environments
        in_feeds = feed_posts(site)
        math = prepare_math(site, parsed, formulas, in_feeds, self.cache_dir, self)
        docs = {post: self.render_doc(post, parsed, math, "page") for post in parsed}
        feed_docs = (
            docs
            if math.feed_renderer is math.page_renderer
            else {post: self.render_doc(post, parsed, math, "feed") for post in in_feeds}
        )
        warnings = warnings + math.warnings + link_warnings
        katex_dist = find_katex(self.root)
        live = set(docs)
        for key in [k for k in self.views if k[0] not in live]:
            del self.views[key]
        pages = Planner(site, docs, strings, self.views).plan()
        if katex_dist is None and any(page.has_math for page in pages):
            warnings.append(
                Problem(
                    site.config.path,
                    1,
                    "warning: KaTeX not found (run `npm ci`); formulas will show as TeX source",
                )
            )
        if self.templates is None:
            self.templates = make_environment(self.root)
        renderer = PageRenderer(
            site, strings, pages, katex=katex_dist is not None, env=self.templates
        )
        return SitePlan(site, pages, renderer, feed_docs, katex_dist, math, warnings)

    def render_doc(self, post: Post, parsed: dict, math: MathSetup, kind: str) -> RenderedDoc:
        key = (kind, id(parsed[post]))  # a Parsed lives in self.parsed while it is current
        doc = self.docs.get(key)
        if doc is None:
            renderer = math.page_renderer if kind == "page" else math.feed_renderer
            doc = renderer.render(parsed[post])
            self.docs[key] = doc
        return doc

    def parse_documents(
        self, site: Site, strings: dict[str, Strings]
    ) -> tuple[dict[Post, Parsed], list[Problem], dict[Post, list[FormulaUse]]]:
        """Parse every post and page (reusing unchanged ones), resolving links."""
        urls = Urls(site.config)
        targets = {p.source.as_posix(): urls.path(p.url) for p in (*site.posts, *site.pages)}
        targets.update({a.source.as_posix(): urls.path(a.url) for a in site.assets})
        targets_key = _fingerprint(targets)
        parsed: dict[Post, Parsed] = {}
        formulas: dict[Post, list[FormulaUse]] = {}
        warnings: list[Problem] = []
        live_keys = set()
        for post in (*site.posts, *site.pages):
            key = (
                post.source,
                post.body,
                post.title,
                post.summary,
                post.lang,
                post.body_line,
                post.bundle_assets,
                targets_key,
            )
            live_keys.add(key)
            if key not in self.parsed:
                self.parsed[key] = self._parse(site, post, strings, targets)
            parsed[post], post_warnings, formulas[post] = self.parsed[key]
            warnings.extend(post_warnings)
        for stale in set(self.parsed) - live_keys:  # keep memory bounded while serving
            gone = self.parsed.pop(stale)[0]
            self.docs.pop(("page", id(gone)), None)
            self.docs.pop(("feed", id(gone)), None)
        return parsed, warnings, formulas

    def _parse(
        self, site: Site, post: Post, strings: dict[str, Strings], targets: dict[str, str]
    ) -> tuple[Parsed, list[Problem], list[FormulaUse]]:
        # Files of a bundle are copied beside its page, so relative references stay as written.
        bundle_files = {
            path.as_posix(): path.relative_to(post.source.parent).as_posix()
            for path in post.bundle_assets
        }

        def resolve(target: str) -> str | None:
            return targets.get(target) or bundle_files.get(target)

        parsed = self.parser.parse(
            post.body,
            title=post.title,
            summary=post.summary,
            source_dir=post.source.parent.as_posix(),
            resolve_link=resolve,
            admonition_titles=strings[post.lang].as_dict(),
        )
        warnings = [
            Problem(
                display_path(site.root, post.source),
                post.body_line + line,
                f"warning: link to a missing file: {href}",
            )
            for line, href in parsed.env.get("unresolved_links", [])
        ]
        formulas = self.parser.formulas(parsed)
        for text in (post.title, post.summary or ""):
            formulas += [
                FormulaUse(use.tex, use.display, -post.body_line + 1)
                for use in self.parser.formulas(text, inline=True)
            ]
        return parsed, warnings, formulas


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


def feed_posts(site: Site) -> list[Post]:
    return [
        post
        for lang in site.config.languages
        for post in [p for p in site.posts if p.lang == lang][:FEED_SIZE]
    ]


def _feeds_and_sitemap(
    site: Site, renderer: PageRenderer, docs: dict[Post, RenderedDoc], pages: list
) -> dict[str, bytes]:
    urls = Urls(site.config)
    files: dict[str, bytes] = {}
    for lang in site.config.languages:
        prefix = urls.prefix(lang)
        posts = [p for p in site.posts if p.lang == lang][:FEED_SIZE]
        files[f"{prefix}atom.xml"] = renderer.render_named(
            "atom.xml",
            {
                "title": site.config.text(site.config.title, lang),
                "author": site.config.author,
                "lang": lang,
                "feed_url": urls.absolute(f"{prefix}atom.xml"),
                "home_url": urls.absolute(prefix),
                "updated": max((p.sort_date for p in posts), default=None),
                "entries": [
                    {"post": p, "url": urls.absolute(p.url), "html": docs[p].html} for p in posts
                ],
            },
        )
    files["sitemap.xml"] = renderer.render_named(
        "sitemap.xml",
        {"urls": sorted(urls.absolute(p.url) for p in pages if p.url != "404.html")},
    )
    return files
