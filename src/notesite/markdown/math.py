"""Math as atomic Markdown tokens: `$…$`, `$$…$$`, `\\(…\\)`, `\\[…\\]`, bare environments.

Inside math nothing is Markdown: the TeX between the delimiters reaches the
renderer byte for byte. The rules, also written down in the README:

- `$…$` is inline math when the opening `$` is not followed by whitespace and
  the closing `$` is not preceded by whitespace; `\\$` is a literal dollar
  (inside or outside math). A span whose opening `$` is followed by a digit
  *and* whose closing `$` is followed by a digit is currency, not math
  (`costs $5, not $10`). Code spans inside the search are skipped over.
- `$$…$$` is display math, on its own lines (a block, which may interrupt a
  paragraph) or inside a paragraph.
- `\\(…\\)` inline, `\\[…\\]` display, and the Markdown-escaped `\\\\(…\\\\)` /
  `\\\\[…\\\\]` that some authors write so that other renderers keep the
  backslash.
- `\\begin{align}…\\end{align}` (and the other environments in ENVIRONMENTS)
  is display math, the environment included in the TeX.
- In GFM tables a `|` inside math does not split the cell, and `\\|` stays `\\|`.
"""

from __future__ import annotations

import importlib
import re
import types
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

from notesite.markdown.state import rule_state

ENVIRONMENTS = (
    "equation",
    "align",
    "gather",
    "multline",
    "eqnarray",
    "alignat",
    "flalign",
    "split",
)
_BEGIN = re.compile(r"\\begin\{(?P<env>(?:" + "|".join(ENVIRONMENTS) + r")\*?)\}")

# renderer(tex, display) -> the HTML that goes inside the math element
MathRenderer = Callable[[str, bool], str]


def math_element(inner_html: str, display: bool, block: bool = False, id: str = "") -> str:
    """The element around rendered math: a div for display blocks, spans in running text."""
    tag = "div" if block else "span"
    kind = "math-display" if display else "math-inline"
    id_attr = f' id="{id}"' if id else ""
    return f'<{tag}{id_attr} class="math {kind}">{inner_html}</{tag}>'


@dataclass(frozen=True)
class MathSpan:
    """A math span found in a string: TeX in src[tex_start:tex_end], span ends at `end`."""

    tex_start: int
    tex_end: int
    end: int
    display: bool
    delimiter: str


def _is_escaped(src: str, pos: int) -> bool:
    """True if src[pos] is preceded by an odd number of backslashes."""
    count = 0
    while pos - count - 1 >= 0 and src[pos - count - 1] == "\\":
        count += 1
    return count % 2 == 1


def _skip_code_span(src: str, pos: int, limit: int) -> int:
    """If a code span starts at src[pos] (a backtick run), return its end, else pos + run."""
    run_end = pos
    while run_end < limit and src[run_end] == "`":
        run_end += 1
    run = src[pos:run_end]
    search = run_end
    while True:
        found = src.find(run, search, limit)
        if found == -1:
            return run_end
        after = found + len(run)
        if after < limit and src[after] == "`":
            search = after
            while search < limit and src[search] == "`":
                search += 1
            continue
        return after


def _find_unescaped(src: str, needle: str, start: int, limit: int) -> int:
    pos = src.find(needle, start, limit)
    while pos != -1 and _is_escaped(src, pos):
        pos = src.find(needle, pos + 1, limit)
    return pos


def _dollar_span(src: str, pos: int, limit: int) -> MathSpan | None:
    if src.startswith("$$", pos):
        close = _find_unescaped(src, "$$", pos + 2, limit)
        if close == -1 or not src[pos + 2 : close].strip():
            return None
        return MathSpan(pos + 2, close, close + 2, True, "$$")
    start = pos + 1
    if start >= limit or src[start].isspace():
        return None
    index = start
    while index < limit:
        char = src[index]
        if char == "\\":
            index += 2
            continue
        if char == "`":
            index = _skip_code_span(src, index, limit)
            continue
        if char == "\n" and index + 1 < limit and src[index + 1] == "\n":
            return None
        if char == "$" and src[start].isdigit() and src[index + 1 : index + 2].isdigit():
            return None  # "$5 … $10": prices, not math
        if char == "$" and not src[index - 1].isspace():
            if index == start:
                return None
            return MathSpan(start, index, index + 1, False, "$")
        index += 1
    return None


_BRACKETS = (
    # (opening, closing, display) -- longest first
    ("\\\\(", "\\\\)", False),
    ("\\\\[", "\\\\]", True),
    ("\\(", "\\)", False),
    ("\\[", "\\]", True),
)


def find_math(src: str, pos: int, limit: int | None = None) -> MathSpan | None:
    """The math span starting exactly at src[pos], if any (the one scanner for all uses)."""
    limit = len(src) if limit is None else limit
    char = src[pos] if pos < limit else ""
    if char == "$":
        return _dollar_span(src, pos, limit)
    if char != "\\":
        return None
    for opening, closing, display in _BRACKETS:
        if src.startswith(opening, pos):
            close = src.find(closing, pos + len(opening), limit)
            if close == -1 or not src[pos + len(opening) : close].strip():
                return None
            return MathSpan(pos + len(opening), close, close + len(closing), display, opening)
    match = _BEGIN.match(src, pos)
    if match and match.end() <= limit:
        end_marker = f"\\end{{{match.group('env')}}}"
        close = src.find(end_marker, match.end(), limit)
        if close != -1:
            end = close + len(end_marker)
            return MathSpan(pos, end, end, True, "env")
    return None


# ---------------------------------------------------------------- inline rule


def _math_inline(state: StateInline, silent: bool) -> bool:
    if state.src[state.pos] not in "$\\":
        return False
    if state.src[state.pos] == "$" and _is_escaped(state.src, state.pos):
        return False
    span = find_math(state.src, state.pos, state.posMax)
    if span is None:
        return False
    if not silent:
        token = state.push("math_inline_display" if span.display else "math_inline", "math", 0)
        token.content = state.src[span.tex_start : span.tex_end]
        token.markup = span.delimiter
    state.pos = span.end
    return True


# ----------------------------------------------------------------- block rule


def _line(state: StateBlock, line: int) -> str:
    return state.src[state.bMarks[line] + state.tShift[line] : state.eMarks[line]]


def _block_closing(opening: str, first_line_text: str) -> str | None:
    if opening == "$$":
        return "$$"
    if opening in ("\\[", "\\\\["):
        return opening.replace("[", "]")
    match = _BEGIN.match(first_line_text)
    return f"\\end{{{match.group('env')}}}" if match else None


def _math_block(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    if state.sCount[start_line] - state.blkIndent >= 4:
        return False
    # Asked at the start of every line of a paragraph: most start with neither opening.
    start = state.bMarks[start_line] + state.tShift[start_line]
    if state.src[start : start + 1] not in ("$", "\\"):
        return False
    first = _line(state, start_line)
    opening = next(
        (o for o in ("$$", "\\\\[", "\\[") if first.startswith(o)),
        "\\begin" if _BEGIN.match(first) else None,
    )
    if opening is None:
        return False
    closing = _block_closing(opening, first)
    if closing is None:
        return False
    # Environments keep their \begin/\end; other delimiters are dropped. The TeX
    # is the source between them as written (line breaks and indentation kept).
    keep = opening == "\\begin"
    tex_from = 0 if keep else len(opening)
    close_at = first.find(closing, 1 if keep else len(opening))
    if close_at != -1:
        if first[close_at + len(closing) :].strip():
            return False  # text after the math on the same line: an inline span
        pieces = [first[tex_from : close_at + (len(closing) if keep else 0)]]
        last_line = start_line
    else:
        pieces = [first[tex_from:]]
        line = start_line + 1
        while True:
            if line >= end_line:
                return False
            if state.sCount[line] < state.blkIndent and not state.isEmpty(line):
                return False  # the container (list item, quote) ended first
            raw = state.src[state.bMarks[line] : state.eMarks[line]]
            stripped = raw.rstrip()
            if stripped.endswith(closing):
                pieces.append(stripped if keep else stripped[: -len(closing)])
                break
            if closing in stripped:
                return False  # closed mid-line with text after it: leave it to the paragraph
            pieces.append(raw)
            line += 1
        last_line = line
    if silent:
        return True
    token = state.push("math_block", "math", 0)
    token.block = True
    token.content = "\n".join(pieces)
    token.markup = "env" if keep else opening
    token.map = [start_line, last_line + 1]
    state.line = last_line + 1
    return True


# ---------------------------------------------------------- table cell splits


def split_table_row(row: str) -> list[str]:
    """GFM cell split that treats math spans and `[[wikilinks]]` as atoms.

    Outside math `\\|` is an escaped pipe (the backslash is dropped, as GFM
    says); inside math both `|` and `\\|` are TeX and stay as written.
    """
    cells: list[str] = []
    current: list[str] = []
    pos = 0
    while pos < len(row):
        char = row[pos]
        if char in "$\\" and not (char == "$" and _is_escaped(row, pos)):
            span = find_math(row, pos)
            if span is not None:
                current.append(row[pos : span.end])
                pos = span.end
                continue
        if char == "[" and row.startswith("[[", pos) and (end := row.find("]]", pos)) != -1:
            current.append(row[pos : end + 2])  # a wikilink's `|text` stays in its cell
            pos = end + 2
            continue
        if char == "\\" and pos + 1 < len(row) and row[pos + 1] == "|":
            current.append("|")
            pos += 2
            continue
        if char == "\\" and pos + 1 < len(row):
            current.append(row[pos : pos + 2])
            pos += 2
            continue
        if char == "|":
            cells.append("".join(current))
            current = []
        else:
            current.append(char)
        pos += 1
    cells.append("".join(current))
    return cells


def _math_aware_table() -> Callable[..., bool]:
    """markdown-it's own GFM table rule, with its cell splitter replaced by ours.

    The rule looks `escapedSplit` up in its module globals; giving a copy of the
    function its own globals changes the splitter for our parser only.
    """
    # The package re-exports the function under the module's name, so ask for the module.
    original = importlib.import_module("markdown_it.rules_block.table").table
    namespace = dict(original.__globals__)
    namespace["escapedSplit"] = split_table_row
    return types.FunctionType(
        original.__code__, namespace, original.__name__, original.__defaults__, original.__closure__
    )


# ------------------------------------------------------------------ rendering


def _render_math_token(renderer: MathRenderer) -> Callable[..., str]:
    def render(self: object, tokens: Sequence[Token], idx: int, options: object, env: dict) -> str:
        token = tokens[idx]
        display = token.type != "math_inline"
        rule_state(env).has_math = True
        block = token.type == "math_block"
        html = math_element(
            renderer(token.content, display), display, block, token.meta.get("id", "")
        )
        return html + "\n" if block else html

    return render


def math_plugin(md: MarkdownIt, renderer: MathRenderer) -> None:
    """Register the math rules on `md`; `renderer(tex, display)` makes the HTML."""
    md.inline.ruler.before("escape", "math_inline", _math_inline)
    md.block.ruler.before(
        "fence",
        "math_block",
        _math_block,
        {"alt": ["paragraph", "reference", "blockquote", "list"]},
    )
    if "table" in [rule.name for rule in md.block.ruler.__rules__]:
        md.block.ruler.at("table", _math_aware_table(), {"alt": ["paragraph", "reference"]})
    render = _render_math_token(renderer)
    for name in ("math_inline", "math_inline_display", "math_block"):
        md.add_render_rule(name, render)
