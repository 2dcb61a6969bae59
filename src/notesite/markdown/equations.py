"""Numbered equations: `\\label{eq:x}` in display math, `\\eqref{eq:x}` / `\\ref{eq:x}` elsewhere.

KaTeX has no `\\label`; we number labelled display formulas in order
(1), (2) … within a post, add `\\tag{n}` unless the author wrote a `\\tag`,
give the math element an id, and turn every `\\eqref{key}` into a link to it.
An `\\eqref` may stand in running text or alone in a math span (`$\\eqref{x}$`).
A label the note does not have is looked up among the other notes of its language
(`RuleState.site_labels`, given when rendering: see `notesite.sitelabels`); the
link then goes to that note and names it. Unknown anywhere, it renders as `??(key)`.
The parse records every reference (`NoteFacts.equation_refs`), so the pipeline can
warn about it and find backlinks.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

from notesite.markdown.context import inline_children, record_context
from notesite.markdown.facts import Equation, EquationRef
from notesite.markdown.state import RuleState, rule_state, tokens_with_lines
from notesite.slugs import slugify

_LABEL = re.compile(r"\\label\{([^{}]+)\}")
_TAG = re.compile(r"\\tag\*?\{([^{}]*)\}")
_REF = re.compile(r"^\s*\\(eq)?ref\{([^{}]+)\}\s*$")
_REF_AT = re.compile(r"\\(eq)?ref\{([^{}]+)\}")


def equation_id(key: str) -> str:
    return "eq-" + (slugify(key) or "x")


def _number_equations(state: StateCore) -> None:
    found = rule_state(state.env)
    numbers = found.equation_numbers
    count = 0
    for token, line in tokens_with_lines(state.tokens):
        if token.type not in ("math_block", "math_inline_display"):
            continue
        labels = _LABEL.findall(token.content)
        if not labels:
            continue
        content = _LABEL.sub("", token.content)
        tag = _TAG.search(content)
        if tag:
            number = tag.group(1)
        else:
            count += 1
            number = str(count)
            content = content.rstrip() + f" \\tag{{{number}}}"
        token.content = content
        token.meta["id"] = equation_id(labels[0])
        for label in labels:
            numbers[label] = number
            found.equations.append(Equation(label, number, equation_id(label), line))
    # References are resolved after all labels are known (they may point forward).
    for siblings, index, token, line in inline_children(state.tokens):
        if token.type == "math_inline":
            match = _REF.match(token.content)
            if match:
                token.type = "equation_ref"
                token.meta["key"] = match.group(2)
                token.meta["paren"] = bool(match.group(1))
        if token.type == "equation_ref":
            context = record_context(found.contexts, siblings, index)
            ref = EquationRef(token.meta["key"], token.meta["paren"], line, context)
            found.equation_refs.append(ref)


def _ref_inline(state: StateInline, silent: bool) -> bool:
    """A bare `\\eqref{key}` in running text."""
    if not state.src.startswith("\\", state.pos):
        return False
    match = _REF_AT.match(state.src, state.pos)
    if match is None:
        return False
    if not silent:
        token = state.push("equation_ref", "", 0)
        token.meta["key"] = match.group(2)
        token.meta["paren"] = bool(match.group(1))
    state.pos = match.end()
    return True


def _resolve(key: str, found: RuleState) -> tuple[str, str, str] | None:
    """(number, href, note title) of the equation `key` names: this note's, else another
    note's (`site_labels`); None when neither has it."""
    number = found.equation_numbers.get(key)
    if number is not None:
        return number, f"#{equation_id(key)}", ""
    if key in found.site_labels:
        elsewhere: SiteEquation = found.site_labels[key]
        return elsewhere.number, elsewhere.href, elsewhere.note_title
    return None


def _shown(token: Token, number: str) -> str:
    return f"({number})" if token.meta["paren"] else number


def _render_ref(self: object, tokens: Sequence[Token], idx: int, options: object, env: dict) -> str:
    token = tokens[idx]
    key = token.meta["key"]
    resolved = _resolve(key, rule_state(env))
    if resolved is None:  # reported as a warning (see notes.py)
        return f'<span class="eqref missing">??({escapeHtml(key)})</span>'
    number, href, title = resolved
    title_attr = f' title="{escapeHtml(title)}"' if title else ""
    text = escapeHtml(_shown(token, number))
    return f'<a class="eqref" href="{escapeHtml(href)}"{title_attr}>{text}</a>'


def reference_as_text(token: Token, found: RuleState) -> Token:
    """An `equation_ref` token as the text it shows, for a page other than its note's
    (a link from there would point into the wrong page)."""
    resolved = _resolve(token.meta["key"], found)
    text = Token("text", "", 0)
    text.content = _shown(token, resolved[0]) if resolved else f"??({token.meta['key']})"
    return text


@dataclass(frozen=True)
class SiteEquation:
    """A labelled equation of another note, as `\\eqref` shows and links to it."""

    number: str
    href: str  # the note's URL with the equation's fragment
    note_title: str
    source: str  # the note's source path (site-relative)


def equations_plugin(md: MarkdownIt) -> None:
    md.inline.ruler.before("math_inline", "equation_ref", _ref_inline)
    md.core.ruler.after("inline", "equation_numbers", _number_equations)
    md.add_render_rule("equation_ref", _render_ref)
