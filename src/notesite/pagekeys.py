"""A fingerprint of everything one page's HTML is made from.

The writer records each page's key beside the file it wrote; a later build whose key
for that page is the same, and whose file is still as written, leaves the page alone
without rendering it. The key covers what the whole site shares (notesite's code, every
template file, the config, the UI strings, the site's pages and routes, whether KaTeX is
there) and the page itself: its fields and its context, where a rendered note stands for
its note key (which covers the note's text and its rendering settings).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from notesite.i18n import Strings
from notesite.markdown import RenderedDoc
from notesite.model import Post, Site
from notesite.notes import code_fingerprint, digest
from notesite.pages import PageOut
from notesite.theme import template_dirs


class Unkeyable(Exception):
    """A context value the key cannot describe: the page is always rendered."""


def template_digest(site_root: Path) -> str:
    hasher = hashlib.sha256()
    for folder in template_dirs(site_root):
        for path in sorted(folder.rglob("*")) if folder.is_dir() else ():
            if path.is_file():
                hasher.update(str(path).encode() + b"\0" + path.read_bytes() + b"\0")
    return hasher.hexdigest()


class PageKeys:
    """Keys of one plan's pages; `doc_keys` maps each rendered note (by identity) to a
    string that changes whenever its HTML could."""

    def __init__(
        self,
        site: Site,
        strings: dict[str, Strings],
        pages: list[PageOut],
        katex: bool,
        doc_keys: dict[int, str],
    ) -> None:
        self.site, self.strings, self.pages, self.katex = site, strings, pages, katex
        self.doc_keys = doc_keys
        self.common: str | None = None
        self.seen: dict[int, Any] = {}  # id -> description, for objects shared by pages

    def _common(self) -> str:
        if self.common is None:
            shared = [
                code_fingerprint(),
                template_digest(self.site.root),
                repr(self.site.config),
                {lang: s.as_dict() for lang, s in self.strings.items()},
                [(p.title, p.url, p.lang) for p in self.site.pages],
                [(repr(p.route), p.lang, p.url) for p in self.pages],
                self.katex,
            ]
            self.common = digest(shared)
        return self.common

    def key(self, page: PageOut) -> str | None:
        """The page's key, or None when part of its context cannot be described."""
        try:
            fields = [repr(page.route), page.lang, page.url, page.template, page.title]
            described = self._describe(page.context)
        except Unkeyable:
            return None
        return _fingerprint([self._common(), fields, page.has_math, page.has_code, described])

    def file_key(self, described: Any) -> str:
        """The key of a generated file (a feed) made from the shared inputs and
        `described` (nested lists of plain values)."""
        return _fingerprint([self._common(), described])

    def _describe(self, value: Any) -> Any:
        if type(value) in _PLAIN or isinstance(value, str | int | float | bool):
            return value
        known = self.seen.get(id(value))
        if known is not None:
            return known
        described = self._describe_new(value)
        if _field_names(type(value)) is not None:  # shared by many pages: keep it short
            described = _fingerprint(described)
        if not isinstance(value, tuple):
            self.seen[id(value)] = described  # the plan keeps these objects alive
        return described

    def _describe_new(self, value: Any) -> Any:
        if isinstance(value, RenderedDoc):
            if id(value) not in self.doc_keys:
                raise Unkeyable(type(value).__name__)
            return ["doc", self.doc_keys[id(value)]]
        names = _field_names(type(value))
        if isinstance(value, Post):
            assert names is not None
            return ["post", *(repr(getattr(value, name)) for name in names if name != "body")]
        if names is not None:
            items = [self._describe(getattr(value, name)) for name in names]
            return [type(value).__name__, *items]
        if isinstance(value, dict):
            return [[repr(k), self._describe(v)] for k, v in value.items()]
        if isinstance(value, list | tuple):
            return [self._describe(item) for item in value]
        raise Unkeyable(type(value).__name__)


_PLAIN = frozenset({type(None), str, int, float, bool})  # described as themselves


@functools.cache
def _field_names(kind: type) -> tuple[str, ...] | None:
    """The fields of a dataclass, None for any other type (asked once per type)."""
    if not dataclasses.is_dataclass(kind):
        return None
    return tuple(field.name for field in dataclasses.fields(kind))


def _fingerprint(described: Any) -> str:
    """A sha256 of a description (nested lists of plain values, whose repr is exact and
    cheaper than JSON)."""
    return hashlib.sha256(repr(described).encode()).hexdigest()


def shown_key(note_key: str, lookups: tuple) -> str:
    """The key of a note's rendered documents: its note key, which covers its own text
    and settings, and the answers its parse got from other notes (their URLs, titles,
    equation numbers), which its HTML shows too: a retitled note changes the pages
    and feeds of the notes that link to it."""
    return f"{note_key}:{_fingerprint(lookups)}"


def doc_keys(results: Iterable[tuple[str, RenderedDoc, RenderedDoc | None]]) -> dict[int, str]:
    """(note key, page document, feed document) -> identity map of documents to keys."""
    keys: dict[int, str] = {}
    for note_key, page, feed in results:
        keys[id(page)] = note_key + ":page"
        if feed is not None and feed is not page:
            keys[id(feed)] = note_key + ":feed"
    return keys
