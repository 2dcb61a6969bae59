"""The copy of a note's page that Pagefind reads: each formula reduced to what Pagefind
reads of it, the text of its TeX annotation; Pagefind is told to skip the rest
(search.EXCLUDE): KaTeX's HTML rendering and the MathML elements beside the annotation.

Pagefind's index of the copy is the index of the page, since it leaves those elements
out either way. The exception is an anchor's text (an element with an `id`): Pagefind
takes all of it, skipped parts too, so formulas inside the elements notesite gives an id
(headings, labelled equations, footnotes) are left whole. An element with an id in a
note's raw HTML is not looked for: a formula there loses KaTeX's glyphs from the
anchor's text, which the search shows as a sub-result's title.

Pagefind reads far less: KaTeX's markup is most of a page with many formulas (a 20 MiB
note makes a 440 MB page and a 68 MB copy, which Pagefind indexes in a third of the
time). Only formulas KaTeX wrote, recognised whole, are shortened; any
other shape (a formula in raw HTML that does not close) is left as it is, which at
worst costs Pagefind the time it always took.
"""

from __future__ import annotations

import functools
import re

_KATEX = b'<span class="katex">'
_KATEX_HTML = b'<span class="katex-html"'
_ANNOTATION = b'<annotation encoding="application/x-tex">'
_SPAN_TAG = re.compile(rb"<span\b|(</)span>")  # group 1: an end tag (see _element_end)
# Distinct formulas remembered per stripper: a page repeats its formulas, a site shares
# many; past this the memory starts again (it is a speed-up, never needed for the result).
_MEMORY = 20_000


class SearchCopy:
    """Shortens pages for Pagefind, remembering each formula it has taken apart."""

    def __init__(self) -> None:
        # The formula's TeX annotation (or b"" when it has none) -> (whole, shortened).
        self.known: dict[bytes, list[tuple[bytes, bytes]]] = {}

    def __call__(self, page: bytes) -> bytes:
        shortened = self._shortened(page)
        return searched_parts(shortened) or shortened

    def _shortened(self, page: bytes) -> bytes:
        """The page with each formula reduced to its TeX (see the module's docstring)."""
        pieces: list[bytes] = []
        done = 0  # page[:done] is in pieces
        anchors = _Anchors(page)
        at = page.find(_KATEX)
        while at != -1:
            found = None if anchors.holds(at) else self._formula_at(page, at)
            if found is None:
                at = page.find(_KATEX, at + len(_KATEX))
                continue
            whole, short = found
            pieces += (page[done:at], short)
            done = at + len(whole)
            at = page.find(_KATEX, done)
        if not pieces:
            return page
        pieces.append(page[done:])
        return b"".join(pieces)

    def _formula_at(self, page: bytes, at: int) -> tuple[bytes, bytes] | None:
        """The formula starting at `at` and its shortened form, or None if it cannot be
        read (its span does not close)."""
        key = _annotation(page, at)
        candidates = self.known.get(key, ())
        for whole, short in candidates:
            if page.startswith(whole, at):
                return whole, short
        end = span_end(page, at)
        if end is None:
            return None
        whole = page[at:end]
        short = shortened(whole)
        if len(self.known) >= _MEMORY:
            self.known.clear()
        self.known.setdefault(key, []).append((whole, short))
        return whole, short


class _Anchors:
    """Where a page's formulas are inside an element with an id that notesite wrote,
    asked in increasing order of position."""

    def __init__(self, page: bytes) -> None:
        self.page = page
        self.heading = self._heading_from(0)  # the next heading's start (or -1)
        start = page.find(b'<section class="footnotes">')
        end = page.find(b"</section>", start) if start != -1 else -1
        self.footnotes = (start, end if end != -1 else len(page)) if start != -1 else (-1, -1)

    def holds(self, at: int) -> bool:
        start, end = self.footnotes
        return start <= at < end or self._in_heading(at) or self._labelled(at)

    def _in_heading(self, at: int) -> bool:
        while self.heading != -1 and self.heading < at:
            end = self.page.find(b"</h", self.heading)
            if end == -1 or end > at:
                return True
            self.heading = self._heading_from(end)
        return False

    def _heading_from(self, position: int) -> int:
        at = self.page.find(b"<h", position)
        while at != -1 and self.page[at + 2 : at + 3] not in _HEADING_DIGITS:
            at = self.page.find(b"<h", at + 2)
        return at

    def _labelled(self, at: int) -> bool:
        """Whether the formula's math element (math.math_element) has an id."""
        before = self.page[max(0, at - 512) : at]
        math = before.rfind(b'class="math ')
        return math != -1 and b' id="' in before[before.rfind(b"<", 0, math) : math]


_HEADING_DIGITS = {b"1", b"2", b"3", b"4", b"5", b"6"}


# An element Pagefind reads when a page marks its body: the body's elements, and those
# that carry metadata, filters or sort keys (which may stand outside the body).
_SEARCHED = re.compile(
    rb"<([a-zA-Z][a-zA-Z0-9]*)\b[^>]*\bdata-pagefind-(?:body|meta|filter|sort)\b[^>]*>"
)
_HEAD_KEPT = re.compile(rb"<title\b[^>]*>.*?</title>|<meta\b[^>]*>", re.DOTALL)
_VOID = {b"area", b"base", b"br", b"col", b"embed", b"hr", b"img", b"input", b"link", b"meta"}
_VOID |= {b"source", b"track", b"wbr"}


def searched_parts(page: bytes) -> bytes | None:
    """A page that marks its body for Pagefind (`data-pagefind-body`) cut down to what
    Pagefind reads of it: its `<html>` tag (the language), the head's title and meta
    tags, and each element with a `data-pagefind-` body, meta, filter or sort attribute,
    whole and in order. Pagefind indexes only those elements' text on such a page, so
    the index is the same (checked on three corpora, and in test_searchcopy), and an
    edit of the theme's header, footer, scripts or styles leaves the copies, and so
    each shard's index, as they were (see search.copies_key). None, to use the page as
    it is: no body marked, an element that does not close, or a `data-pagefind-`
    attribute elsewhere."""
    html = _HTML_TAG.search(page)
    head_end = page.find(b"</head>")
    if html is None or head_end == -1 or b"data-pagefind-body" not in page:
        return None
    parts: list[bytes] = []
    done = head_end
    for tag in _SEARCHED.finditer(page, head_end):
        if tag.start() < done:
            continue  # inside an element already kept
        name = tag.group(1).lower()
        end = tag.end() if name in _VOID else _element_end(_tags_named(name), page, tag.start())
        if end is None:
            return None
        parts.append(page[tag.start() : end])
        done = end
    head = b"".join(_HEAD_KEPT.findall(page, html.end(), head_end))
    kept = sum(part.count(b"data-pagefind-") for part in (head, *parts))
    if page.count(b"data-pagefind-") != kept:
        return None  # an attribute of Pagefind's that these elements do not hold
    body = b"\n".join(parts)
    return (
        b"<!DOCTYPE html>\n"
        + html.group()
        + b"<head>"
        + head
        + b"</head><body>"
        + body
        + b"</body></html>\n"
    )


_HTML_TAG = re.compile(rb"<html\b[^>]*>")


def _element_end(tags: re.Pattern[bytes], page: bytes, at: int) -> int | None:
    """Where the element starting at `at` ends (past its end tag), or None; `tags`
    matches the start and end tags of its name, its group 1 only in an end tag."""
    depth = 0
    for tag in tags.finditer(page, at):
        depth += -1 if tag.group(1) else 1
        if depth == 0:
            return tag.end()
    return None


def span_end(page: bytes, at: int) -> int | None:
    """`_element_end(_SPAN_TAG, page, at)`: where the span starting at `at` ends, found
    with `bytes.find` and `bytes.count` (a KaTeX formula has about a hundred spans;
    taking each tag as a regex match was most of a copy's time). While `depth` spans
    are open, none of the next `depth - 1` end tags can close the first, so the spans
    they open are counted once for all of them. Exact when each `<span` in the element
    starts a tag as the regex reads it (followed by a space or `>`, as KaTeX writes
    them); anything else is left to the regex."""
    if not page.startswith(b"<span", at):
        return _element_end(_SPAN_TAG, page, at)
    depth = 1
    position = at + 1  # past the first span's `<`: it is counted in `depth`
    while depth > 0:
        stretch_start = position
        for _ in range(depth):
            close = page.find(b"</span>", position)
            if close == -1:  # unclosed, or a `<span…` that is no span tag: see below
                return _element_end(_SPAN_TAG, page, at)
            position = close + len(b"</span>")
        depth += page.count(b"<span", stretch_start, position) - depth
    tags = page.count(b"<span", at, position)
    plain = page.count(b"<span ", at, position) + page.count(b"<span>", at, position)
    return position if tags == plain else _element_end(_SPAN_TAG, page, at)


@functools.cache
def _tags_named(name: bytes) -> re.Pattern[bytes]:
    """Start and end tags of elements called `name`, in any case."""
    return re.compile(rb"<(/?)" + re.escape(name) + rb"\b[^>]*>", re.IGNORECASE)


def _annotation(page: bytes, at: int) -> bytes:
    """The TeX annotation of the formula at `at`, if the next one is its own (a key
    only: a wrong one finds no formula that matches, and the formula is read whole)."""
    start = page.find(_ANNOTATION, at)
    if start == -1:
        return b""
    start += len(_ANNOTATION)
    end = page.find(b"</annotation>", start)
    return page[start:end] if end != -1 else b""


def shortened(formula: bytes) -> bytes:
    """What Pagefind reads of a `.katex` span: the text of its TeX annotation, in the
    span (it skips the rest: the `.katex-html` span, and the MathML beside the
    annotation). A formula without an annotation loses only its `.katex-html` span."""
    start = formula.find(_ANNOTATION)
    end = formula.find(b"</annotation>", start)
    if start != -1 and end != -1:
        return _KATEX + formula[start + len(_ANNOTATION) : end] + b"</span>"
    html_at = formula.find(_KATEX_HTML)
    if html_at != -1 and (html_end := _element_end(_SPAN_TAG, formula, html_at)) is not None:
        formula = formula[:html_at] + formula[html_end:]
    return formula
