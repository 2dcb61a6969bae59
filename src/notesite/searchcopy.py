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

import re

_KATEX = b'<span class="katex">'
_KATEX_HTML = b'<span class="katex-html"'
_ANNOTATION = b'<annotation encoding="application/x-tex">'
_SPAN_TAG = re.compile(rb"<span\b|</span>")
# Distinct formulas remembered per stripper: a page repeats its formulas, a site shares
# many; past this the memory starts again (it is a speed-up, never needed for the result).
_MEMORY = 20_000


class SearchCopy:
    """Shortens pages for Pagefind, remembering each formula it has taken apart."""

    def __init__(self) -> None:
        # The formula's TeX annotation (or b"" when it has none) -> (whole, shortened).
        self.known: dict[bytes, list[tuple[bytes, bytes]]] = {}

    def __call__(self, page: bytes) -> bytes:
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
        end = _span_end(page, at)
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


def _annotation(page: bytes, at: int) -> bytes:
    """The TeX annotation of the formula at `at`, if the next one is its own (a key
    only: a wrong one finds no formula that matches, and the formula is read whole)."""
    start = page.find(_ANNOTATION, at)
    if start == -1:
        return b""
    start += len(_ANNOTATION)
    end = page.find(b"</annotation>", start)
    return page[start:end] if end != -1 else b""


def _span_end(text: bytes, at: int) -> int | None:
    """Where the `<span` element starting at `at` ends (past its `</span>`), or None."""
    depth = 0
    for tag in _SPAN_TAG.finditer(text, at):
        depth += -1 if tag.group() == b"</span>" else 1
        if depth == 0:
            return tag.end()
    return None


def shortened(formula: bytes) -> bytes:
    """What Pagefind reads of a `.katex` span: the text of its TeX annotation, in the
    span (it skips the rest: the `.katex-html` span, and the MathML beside the
    annotation). A formula without an annotation loses only its `.katex-html` span."""
    start = formula.find(_ANNOTATION)
    end = formula.find(b"</annotation>", start)
    if start != -1 and end != -1:
        return _KATEX + formula[start + len(_ANNOTATION) : end] + b"</span>"
    html_at = formula.find(_KATEX_HTML)
    if html_at != -1 and (html_end := _span_end(formula, html_at)) is not None:
        formula = formula[:html_at] + formula[html_end:]
    return formula
