"""Chinese (and Japanese, Korean) text as its writers mean it (`markdown.cjk`, on by default).

Two small rules:

- **Emphasis beside full-width punctuation.** CommonMark decides whether `**`
  may open or close from the characters on either side, rules made for
  languages with spaces between words: `**注意：**后面` is left as literal
  asterisks, because `：` inside the closer is punctuation and `后` outside it
  is neither a space nor punctuation. `cjk_emphasis` recomputes the decision
  for `*`, `_` and `~` runs that touch a CJK character, following the
  CommonMark CJK-friendly amendment (commonmark-spec issue 650): a CJK
  character beside the run counts like a space would. Runs with no CJK
  neighbour keep markdown-it's decision, so Latin text is parsed exactly as
  before; `_` still never opens or closes between two letters.
- **Line breaks inside Chinese text.** Writers hard-wrap paragraphs, and a
  soft line break between two Chinese characters is drawn as a space by most
  browsers. `cjk_line_breaks` drops a soft break whose neighbours are both
  wide (East Asian Width F, W or H) and not Hangul, the rule of CSS Text's
  segment-break transformation; between Chinese and Latin text, and in
  Korean (written with spaces), the break stays. Hard breaks stay.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from markdown_it import MarkdownIt
from markdown_it.common.utils import isMdAsciiPunct, isPunctChar, isWhiteSpace
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline, emphasis, strikethrough
from markdown_it.token import Token

InlineRule = Callable[[StateInline, bool], bool]

_HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\ua960-\ua97f\uac00-\ud7ff\uffa0-\uffdc]")
# Wide characters that are emoji, not text: pictographs and the wide symbols before them.
_EMOJI = re.compile(r"[\u2300-\u2bff\U0001f000-\U0001faff]")
# Variation selectors: they belong to the character before them.
_SELECTOR = re.compile(r"[\ufe00-\ufe0e\U000e0100-\U000e01ef]")


def is_wide(char: str) -> bool:
    """A full-width, wide or half-width character (Han, kana, full-width punctuation…)."""
    return unicodedata.east_asian_width(char) in ("F", "W", "H")


def is_cjk(char: str) -> bool:
    """A CJK character for emphasis: wide text (not emoji), or Hangul."""
    return (is_wide(char) and not _EMOJI.match(char)) or bool(_HANGUL.match(char))


def joins_lines(before: str, after: str) -> bool:
    """Whether a line break between these two characters is dropped (CSS Text 3, 4.1.2)."""
    return all(is_wide(c) and not _HANGUL.match(c) for c in (before, after))


# ---------------------------------------------------------------------------- emphasis


def _is_punct(char: str) -> bool:
    return isMdAsciiPunct(ord(char)) or isPunctChar(char)


def _flanking(before: str, after: str) -> tuple[bool, bool]:
    """(left-flanking, right-flanking) of a delimiter run, CJK neighbours counting like
    spaces beside punctuation; `before`/`after` are " " at the ends of the text."""
    space_before, space_after = isWhiteSpace(ord(before)), isWhiteSpace(ord(after))
    cjk_before, cjk_after = is_cjk(before), is_cjk(after)
    # Punctuation that is not CJK: CJK punctuation (，：（）) is handled as a CJK character.
    punct_before = _is_punct(before) and not cjk_before
    punct_after = _is_punct(after) and not cjk_after
    left = not space_after and (not punct_after or space_before or punct_before or cjk_before)
    right = not space_before and (not punct_before or space_after or punct_after or cjk_after)
    return left, right


def _neighbours(state: StateInline, start: int, end: int) -> tuple[str, str]:
    before = state.src[start - 1] if start > 0 else " "
    if _SELECTOR.match(before) and start > 1:
        before = state.src[start - 2]  # the selected character decides
    after = state.src[end] if end < state.posMax else " "
    return before, after


def _cjk_aware(tokenize: InlineRule) -> InlineRule:
    """markdown-it's delimiter rule, with the open/close decision redone for runs that
    touch a CJK character (the pairing of delimiters afterwards is markdown-it's)."""

    def rule(state: StateInline, silent: bool) -> bool:
        start, known = state.pos, len(state.delimiters)
        if not tokenize(state, silent):
            return False
        before, after = _neighbours(state, start, state.pos)
        if len(state.delimiters) > known and (is_cjk(before) or is_cjk(after)):
            left, right = _flanking(before, after)
            marker = state.src[start]
            can_open, can_close = left, right
            if marker == "_":  # never inside a word: only beside punctuation
                can_open = left and (not right or _is_punct(before))
                can_close = right and (not left or _is_punct(after))
            for delimiter in state.delimiters[known:]:
                delimiter.open, delimiter.close = can_open, can_close
        return True

    return rule


def cjk_emphasis(md: MarkdownIt) -> None:
    md.inline.ruler.at("emphasis", _cjk_aware(emphasis.tokenize))
    md.inline.ruler.at("strikethrough", _cjk_aware(strikethrough.tokenize))


# ---------------------------------------------------------------------------- line breaks

# Markers with no text of their own: a line break is judged by the text beyond them
# (a link's text is text too, only underlined).
_MARKUP = frozenset(
    ("strong_open", "strong_close", "em_open", "em_close", "s_open", "s_close")
    + ("link_open", "link_close")
)


def _edge_char(children: list[Token], index: int, step: int) -> str | None:
    """The character of text nearest to children[index] in direction `step`, looking
    through emphasis and link markers; None when code, math or HTML comes first."""
    index += step
    while 0 <= index < len(children):
        child = children[index]
        if child.type == "text":
            if child.content:
                return child.content[-1] if step < 0 else child.content[0]
        elif child.type not in _MARKUP:
            return None
        index += step
    return None


def _join_cjk_lines(state: StateCore) -> None:
    for token in state.tokens:
        if token.type != "inline" or not token.children:
            continue
        children = token.children
        dropped = [
            index
            for index, child in enumerate(children)
            if child.type == "softbreak"
            and (before := _edge_char(children, index, -1)) is not None
            and (after := _edge_char(children, index, 1)) is not None
            and joins_lines(before, after)
        ]
        for index in reversed(dropped):
            del children[index]


def cjk_line_breaks(md: MarkdownIt) -> None:
    md.core.ruler.push("cjk_line_breaks", _join_cjk_lines)


def join_plain_lines(text: str) -> str:
    """Plain text (a front-matter summary) with whitespace collapsed, and line breaks
    between two wide characters dropped as in Markdown text."""
    lines = [" ".join(line.split()) for line in text.splitlines()]
    joined = ""
    for line in filter(None, lines):
        if joined and not joins_lines(joined[-1], line[0]):
            joined += " "
        joined += line
    return joined
