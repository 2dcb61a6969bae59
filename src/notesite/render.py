"""Turn planned pages into HTML with Jinja templates (site templates override the theme's)."""

from __future__ import annotations

import contextlib
import hashlib
import io
import shutil
import weakref
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from notesite import routes
from notesite.errors import NotesiteError, fail
from notesite.fingerprint import code_fingerprint
from notesite.i18n import Strings
from notesite.model import Site
from notesite.pages import PageOut
from notesite.search import indexed
from notesite.social import social
from notesite.theme import template_dirs
from notesite.urls import Urls

# Where a note's body goes when its HTML is held as UTF-8 (a build: `RenderedDoc.encoded`):
# the template is rendered around this mark and the body's bytes are put in its place, so
# a very large note's HTML is neither decoded (a string of CJK text takes 2 bytes a
# character) nor copied into the template's output. No note or setting can hold a NUL.
BODY_MARK = "\x00notesite body\x00"
# How the theme's post.html and page.html write the body: a template that writes it so,
# once, gets the mark's way; any other (a site's own) gets the decoded HTML.
BODY_EXPRESSION = "{{ entry.doc.html | safe }}"


def make_environment(
    site_root: Path, reload: bool = True, compiled: Path | None = None
) -> jinja2.Environment:
    """The theme's templates; `reload`: each use of a template first checks whether its
    file changed (serve), which a build, rendering every page from the templates as they
    were when it started using them, does not (a stat per template and include, for
    each page: a tenth of rendering a site's pages). `compiled`: the cache folder, where
    compiled templates are kept (see compiled_templates)."""
    loader = jinja2.FileSystemLoader([str(d) for d in template_dirs(site_root)])
    return jinja2.Environment(
        loader=loader,
        auto_reload=reload,
        bytecode_cache=compiled_templates(compiled) if compiled is not None else None,
        autoescape=jinja2.select_autoescape(["html", "xml"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def compiled_templates(cache_dir: Path) -> jinja2.BytecodeCache | None:
    """Templates compiled by earlier builds, in a folder of the cache named after
    notesite's code (which sets the environment's options) and Jinja's version. Jinja
    takes a template's compiled code only while the template's source is the same, so an
    edited template is compiled again; compiling the theme took about 50 ms of a
    one-note build, and as much in every process that renders pages."""
    versions = f"{code_fingerprint()} jinja2 {jinja2.__version__}"
    folder = cache_dir / f"templates-{hashlib.sha256(versions.encode()).hexdigest()[:16]}"
    try:
        if not folder.is_dir():
            for old in cache_dir.glob("templates-*"):  # another notesite's or Jinja's
                shutil.rmtree(old, ignore_errors=True)
            folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None  # compiled anew each time
    return _CompiledTemplates(str(folder))


class _CompiledTemplates(jinja2.FileSystemBytecodeCache):
    """Jinja's cache of compiled templates in files, where a file that cannot be read or
    written means compiling the template, never a failed build."""

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except OSError:
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


class PageRenderer:
    def __init__(
        self,
        site: Site,
        strings: dict[str, Strings],
        pages: list[PageOut],
        katex: bool,
        env: jinja2.Environment | None = None,
    ) -> None:
        self.site = site
        self.config = site.config
        self.strings = strings
        self.urls = Urls(site.config)
        # A long-lived environment (serve) keeps compiled templates; Jinja re-reads changed files.
        self.env = env or make_environment(site.root)
        self.env.globals.update(url=self.urls.path, absolute_url=self.urls.absolute)
        self.katex = katex
        self.by_route: dict[tuple[Any, ...], dict[str, PageOut]] = {}
        for page in pages:
            self.by_route.setdefault(page.route, {})[page.lang] = page
        self.has_series = ("series_index",) in self.by_route  # planned if a note has a series
        # A search box only where there is an index: search on, and notes to index.
        self.search = site.config.search and any(indexed(page) for page in pages)

    def languages(self, page: PageOut) -> list[dict[str, Any]]:
        """One entry per site language: where this page is in that language, if anywhere."""
        counterparts = self.by_route.get(page.route, {})
        rows = []
        for code, language in self.config.languages.items():
            target = counterparts.get(code)
            home = self.urls.prefix(code)
            rows.append(
                {
                    "code": code,
                    "name": language.name,
                    "locale": language.locale,
                    "current": code == page.lang,
                    "exists": target is not None,
                    "url": self.urls.path(target.url if target else home),
                    "absolute": self.urls.absolute(target.url) if target else None,
                }
            )
        return rows

    def x_default(self, page: PageOut) -> str | None:
        """hreflang x-default: the default language's version, else the first that exists."""
        counterparts = self.by_route.get(page.route, {})
        for code in [self.config.default_language, *self.config.languages]:
            if code in counterparts:
                return self.urls.absolute(counterparts[code].url)
        return None

    def context(self, page: PageOut) -> dict[str, Any]:
        lang = page.lang
        prefix = self.urls.prefix(lang)
        strings = self.strings[lang]
        languages = self.languages(page)
        canonical = self.urls.absolute(page.url)
        return {
            "site": {
                "title": self.config.text(self.config.title, lang),
                "description": self.config.text(self.config.description, lang),
                "author": self.config.author,
                "base_url": self.config.base_url,
                "home_url": self.urls.path(prefix),
                "feed_url": self.urls.path(routes.feed(prefix)),
                "search": self.search,
                "nav": [
                    {"title": strings["home"], "url": self.urls.path(prefix), "route": "home"},
                    {
                        "title": strings["categories"],
                        "url": self.urls.path(routes.categories(prefix)),
                        "route": "categories",
                    },
                    {
                        "title": strings["tags"],
                        "url": self.urls.path(routes.tags(prefix)),
                        "route": "tags",
                    },
                    {
                        "title": strings["archives"],
                        "url": self.urls.path(routes.archives(prefix)),
                        "route": "archives",
                    },
                    *self._series_nav(prefix, strings),
                    *[
                        {"title": p.title, "url": self.urls.path(p.url), "route": "page"}
                        for p in self.site.pages
                        if p.lang == lang
                    ],
                ],
            },
            "lang": lang,
            "locale": self.config.languages[lang].locale,
            "t": strings,
            "page": page,
            "languages": languages,
            "canonical": canonical,
            "feeds": self._feeds(page, prefix),
            "social": social(self.config, self.urls, page, canonical, languages),
            "x_default": self.x_default(page),
            # Server mode needs only KaTeX's stylesheet; client mode also its script.
            "load_katex": page.has_math and self.katex,
            "math_mode": self.config.math.render,
            "math_macros": self.config.math.macros,
            **page.context,
        }

    def _feeds(self, page: PageOut, prefix: str) -> list[Any]:
        """The feeds a page advertises: its category's first (on a category listing),
        then its language's."""
        own = page.context.get("category_feed")
        title = self.config.text(self.config.title, page.lang)
        site_feed = {"title": title, "url": self.urls.path(routes.feed(prefix))}
        return [own, site_feed] if own is not None else [site_feed]

    def _series_nav(self, prefix: str, strings: Strings) -> list[dict[str, str]]:
        """The header's link to the series index, if the site has a series."""
        if not self.has_series:
            return []
        url = self.urls.path(routes.series_index(prefix))
        return [{"title": strings["series"], "url": url, "route": "series_index"}]

    def render(self, page: PageOut) -> bytes:
        try:
            template = self.env.get_template(page.template)
            doc = getattr(page.context.get("entry"), "doc", None)
            if doc is not None and doc.encoded is not None:
                return self._render_encoded(template, page)
            return template.render(self.context(page)).encode("utf-8")
        except jinja2.TemplateSyntaxError as error:
            raise fail(
                error.filename or error.name or page.template,
                error.lineno,
                f"template error: {error.message}",
            ) from None
        except jinja2.TemplateError as error:
            where, line = _template_place(error)
            raise fail(where or page.template, line, f"template error: {error}") from None
        except NotesiteError:
            raise
        except Exception as error:  # `{{ 1 // 0 }}`, `{{ none + 1 }}`: the template's
            where, line = _template_place(error)
            if where is None:
                raise  # not from a template: ours
            message = f"template error: {type(error).__name__}: {error}"
            raise fail(where, line, message) from None

    def _render_encoded(self, template: jinja2.Template, page: PageOut) -> bytes:
        """A page whose note's HTML is UTF-8: the template around BODY_MARK, the bytes
        in its place (or, for a template that does not write the body as the theme
        does, the template given the decoded HTML)."""
        entry = page.context["entry"]
        doc = entry.doc
        if writes_body_once(self.env, page.template):
            marked = replace(entry, doc=replace(doc, html=BODY_MARK, encoded=None))
            text = template.render(self.context(_with_entry(page, marked)))
            before, found, after = text.partition(BODY_MARK)
            if found and BODY_MARK not in after:
                out = io.BytesIO()
                out.write(before.encode("utf-8"))
                for piece in doc.pieces():  # from the note store: never all of it twice
                    out.write(piece)
                out.write(after.encode("utf-8"))
                return out.getvalue()  # BytesIO hands over its buffer: no copy
        whole = replace(entry, doc=replace(doc, html=doc.text, encoded=None))
        return template.render(self.context(_with_entry(page, whole))).encode("utf-8")

    def render_named(self, template_name: str, context: dict[str, Any]) -> bytes:
        return self.env.get_template(template_name).render(context).encode("utf-8")


def _with_entry(page: PageOut, entry: Any) -> PageOut:
    return replace(page, context={**page.context, "entry": entry})


# Answers per compiled template (an edited template file is a new object): the loader
# reads the file each time it is asked, and a build asks for every note's page.
_WRITES_ONCE: weakref.WeakKeyDictionary[jinja2.Template, dict[tuple[str, str], bool]] = (
    weakref.WeakKeyDictionary()
)


def writes_once(env: jinja2.Environment, name: str, variable: str, expression: str) -> bool:
    """Whether template `name` uses `variable` once, written as `expression` (as the
    theme's templates write a note's HTML), so a mark in its place can be spliced."""
    answers = _WRITES_ONCE.setdefault(env.get_template(name), {})
    question = (variable, expression)
    if question not in answers:
        assert env.loader is not None
        source = env.loader.get_source(env, name)[0]
        answers[question] = _writes_once(source, variable, expression)
    return answers[question]


@cache
def _writes_once(source: str, variable: str, expression: str) -> bool:
    return source.count(variable) == 1 and expression in source


def writes_body_once(env: jinja2.Environment, name: str) -> bool:
    """Whether template `name` writes the note's HTML as the theme does, and only there."""
    return writes_once(env, name, "entry.doc.html", BODY_EXPRESSION)


def _template_place(error: Exception) -> tuple[str | None, int]:
    """The template file and line from a runtime error's traceback (the innermost
    template frame: an included partial, not the page that included it)."""
    traceback = error.__traceback__
    where, line = None, 1
    while traceback is not None:
        filename = traceback.tb_frame.f_code.co_filename
        if filename.endswith((".html", ".xml", ".txt")):
            where, line = filename, traceback.tb_lineno
        traceback = traceback.tb_next
    return where, line
