"""`notesite build`: config + content -> model -> Markdown -> pages -> templates -> public/."""

from __future__ import annotations

import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from notesite.errors import NotesiteError, Problem, fail
from notesite.i18n import Strings, load_strings
from notesite.loader import display_path, load_site
from notesite.markdown import MarkdownRenderer, Parsed, RenderedDoc
from notesite.markdown.highlight import pygments_css
from notesite.mathrender import client_markup, find_katex, katex_files
from notesite.mathsetup import default_cache_dir, prepare_math
from notesite.model import Post, Site
from notesite.pages import Planner
from notesite.render import PageRenderer
from notesite.theme import builtin_theme_dir, static_files
from notesite.urls import Urls
from notesite.writer import write_site

FEED_SIZE = 20


@dataclass(frozen=True)
class BuildResult:
    formulas: int
    formulas_rendered: int
    pages: int
    files: int
    posts_per_language: dict[str, int]
    seconds: float
    warnings: tuple[Problem, ...]

    def summary(self, output: Path) -> str:
        per_language = ", ".join(f"{n} {lang}" for lang, n in self.posts_per_language.items())
        return (
            f"notesite: wrote {self.pages} pages ({self.files} files) to {output}; "
            f"posts: {per_language}; formulas: {self.formulas} "
            f"({self.formulas_rendered} rendered, {self.formulas - self.formulas_rendered} "
            f"from cache); {self.seconds:.2f} s"
        )


def parse_documents(
    site: Site, strings: dict[str, Strings], parser: MarkdownRenderer
) -> tuple[dict[Post, Parsed], list[Problem]]:
    """Parse every post and page once, resolving links between notes and files."""
    urls = Urls(site.config)
    targets = {p.source.as_posix(): urls.path(p.url) for p in (*site.posts, *site.pages)}
    targets.update({a.source.as_posix(): urls.path(a.url) for a in site.assets})
    parsed: dict[Post, Parsed] = {}
    warnings: list[Problem] = []
    for post in (*site.posts, *site.pages):
        # Files of a bundle are copied beside its page, so relative references stay as written.
        bundle_files = {
            path.as_posix(): path.relative_to(post.source.parent).as_posix()
            for path in post.bundle_assets
        }

        def resolve(target: str, bundle_files: dict[str, str] = bundle_files) -> str | None:
            return targets.get(target) or bundle_files.get(target)

        parsed[post] = parser.parse(
            post.body,
            title=post.title,
            summary=post.summary,
            source_dir=post.source.parent.as_posix(),
            resolve_link=resolve,
            admonition_titles=strings[post.lang].as_dict(),
        )
        for line, href in parsed[post].env.get("unresolved_links", []):
            warnings.append(
                Problem(
                    display_path(site.root, post.source),
                    post.body_line + line,
                    f"warning: link to a missing file: {href}",
                )
            )
    return parsed, warnings


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


def build(
    source: Path,
    output: Path,
    drafts: bool = False,
    strict: bool = False,
    cache_dir: Path | None = None,
) -> BuildResult:
    """The whole pipeline. `strict` turns warnings into a failed build (nothing written)."""
    started = time.perf_counter()
    source_resolved, output_resolved = source.resolve(), output.resolve()
    if output_resolved == source_resolved or output_resolved in source_resolved.parents:
        raise fail(output, 1, "the output folder must not contain the site folder")
    site = load_site(source, include_drafts=drafts)
    strings, string_warnings = site_strings(site)
    in_feeds = feed_posts(site)
    parsed, link_warnings = parse_documents(site, strings, MarkdownRenderer(client_markup))
    math = prepare_math(site, parsed, in_feeds, cache_dir or default_cache_dir())
    docs = {post: math.page_renderer.render(tokens) for post, tokens in parsed.items()}
    warnings = string_warnings + math.warnings + link_warnings
    katex = find_katex(source)
    pages = Planner(site, docs, strings).plan()
    if katex is None and any(page.has_math for page in pages):
        warnings.append(
            Problem(
                site.config.path,
                1,
                "warning: KaTeX not found (run `npm ci`); formulas will show as TeX source",
            )
        )
    if strict and warnings:
        raise NotesiteError(warnings)
    feed_docs = (
        docs
        if math.feed_renderer is math.page_renderer
        else {post: math.feed_renderer.render(parsed[post]) for post in in_feeds}
    )
    renderer = PageRenderer(site, strings, pages, katex=katex is not None)
    files = {page.file: renderer.render(page) for page in pages}
    files.update(_feeds_and_sitemap(site, renderer, feed_docs, pages))
    files["static/css/pygments.css"] = pygments_css().encode("utf-8")
    files[".nojekyll"] = b""

    copies = static_files(site.root)
    if katex is not None:
        copies.update(katex_files(katex))
    for asset in site.assets:
        copies[asset.url] = site.root / asset.source
    for post in (*site.posts, *site.pages):
        bundle = post.source.parent
        for path in post.bundle_assets:
            copies[post.url + path.relative_to(bundle).as_posix()] = site.root / path
    count = write_site(output, files, copies)
    return BuildResult(
        formulas=math.formulas_total,
        formulas_rendered=math.formulas_rendered,
        pages=len(pages),
        files=count,
        posts_per_language=dict(
            sorted(Counter(p.lang for p in site.posts).items(), key=lambda item: item[0])
        ),
        seconds=time.perf_counter() - started,
        warnings=tuple(warnings),
    )


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


def print_warnings(warnings: tuple[Problem, ...]) -> None:
    for warning in warnings:
        print(warning, file=sys.stderr)
