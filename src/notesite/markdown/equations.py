"""Numbered equations: `\\label{eq:x}` in display math, `\\eqref{eq:x}` / `\\ref{eq:x}` elsewhere.

KaTeX has no `\\label`; we number labelled display formulas in order
(1), (2) … within a post, add `\\tag{n}` unless the author wrote a `\\tag`,
give the math element an id, and turn every `\\eqref{key}` into a link to it.
An `\\eqref` may stand in running text or alone in a math span (`$\\eqref{x}$`).
One to a label the note does not have renders as `??(key)`; the parse records
every reference (`NoteFacts.equation_refs`), so the pipeline can warn about it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

from notesite.markdown.facts import Equation, EquationRef
from notesite.markdown.state import rule_state, tokens_with_lines
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
    for token, line in tokens_with_lines(state.tokens):
        if token.type == "math_inline":
            match = _REF.match(token.content)
            if match:
                token.type = "equation_ref"
                token.meta["key"] = match.group(2)
                token.meta["paren"] = bool(match.group(1))
        if token.type == "equation_ref":
            found.equation_refs.append(EquationRef(token.meta["key"], token.meta["paren"], line))


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


def _render_ref(self: object, tokens: Sequence[Token], idx: int, options: object, env: dict) -> str:
    token = tokens[idx]
    key = token.meta["key"]
    number = rule_state(env).equation_numbers.get(key)
    if number is None:  # reported from the parse (`NoteFacts.unresolved_refs`)
        return f'<span class="eqref missing">??({escapeHtml(key)})</span>'
    text = f"({number})" if token.meta["paren"] else number
    return f'<a class="eqref" href="#{escapeHtml(equation_id(key))}">{escapeHtml(text)}</a>'


def equations_plugin(md: MarkdownIt) -> None:
    md.inline.ruler.before("math_inline", "equation_ref", _ref_inline)
    md.core.ruler.after("inline", "equation_numbers", _number_equations)
    md.add_render_rule("equation_ref", _render_ref)
