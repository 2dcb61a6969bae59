"""`::: note` / `::: warning` / `::: tip` containers, titled in the page's language."""

from __future__ import annotations

from collections.abc import Sequence

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token
from mdit_py_plugins.container import container_plugin

from notesite.markdown.state import rule_state

KINDS = ("note", "tip", "warning", "danger", "info")


def _renderer(kind: str):
    def render(self: object, tokens: Sequence[Token], idx: int, options: object, env: dict) -> str:
        token = tokens[idx]
        if token.nesting == -1:
            return "</div>\n"
        custom = token.info.strip()[len(kind) :].strip()
        titles = rule_state(env).admonition_titles
        title = custom or titles.get(kind, kind.capitalize())
        return (
            f'<div class="admonition admonition-{kind}">'
            f'<p class="admonition-title">{escapeHtml(title)}</p>\n'
        )

    return render


def admonitions_plugin(md: MarkdownIt) -> None:
    for kind in KINDS:
        container_plugin(md, kind, render=_renderer(kind))
