"""Images: an image alone in a paragraph becomes a figure captioned by its alt text.

Authors of math notes put formulas in captions (`![… $2\\times 2$ …](conv.svg)`);
the caption is rendered as Markdown so that math stays math, while the `alt`
attribute gets plain text with the TeX source.
"""

from __future__ import annotations

from collections.abc import Sequence

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_core import StateCore
from markdown_it.token import Token


def plain_text(tokens: Sequence[Token]) -> str:
    """Text of inline tokens for attributes: math written back as `$tex$`."""
    parts = []
    for token in tokens:
        if token.type in ("text", "code_inline", "text_special"):
            parts.append(token.content)
        elif token.type == "math_inline":
            parts.append(f"${token.content}$")
        elif token.type == "math_inline_display":
            parts.append(f"$${token.content}$$")
        elif token.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif token.children:
            parts.append(plain_text(token.children))
    return "".join(parts)


def _mark_figures(state: StateCore) -> None:
    tokens = state.tokens
    for index in range(1, len(tokens) - 1):
        inline = tokens[index]
        if (
            inline.type == "inline"
            and tokens[index - 1].type == "paragraph_open"
            and tokens[index + 1].type == "paragraph_close"
            and not tokens[index - 1].hidden
        ):
            children = [
                c for c in inline.children or () if not (c.type == "text" and not c.content.strip())
            ]
            if len(children) == 1 and children[0].type == "image" and children[0].children:
                tokens[index - 1].type = "figure_open"
                tokens[index + 1].type = "figure_close"
                children[0].meta["figure"] = True


def _render_image(self, tokens: Sequence[Token], idx: int, options: object, env: dict) -> str:
    token = tokens[idx]
    alt = escapeHtml(plain_text(token.children or []))
    src = escapeHtml(str(token.attrGet("src") or ""))
    title = token.attrGet("title")
    title_attr = f' title="{escapeHtml(str(title))}"' if title else ""
    image = f'<img src="{src}" alt="{alt}"{title_attr} loading="lazy">'
    if token.meta.get("figure"):
        caption = self.render(token.children or [], options, env)
        return f"{image}<figcaption>{caption}</figcaption>"
    return image


def figures_plugin(md: MarkdownIt) -> None:
    md.core.ruler.push("figures", _mark_figures)
    md.add_render_rule("image", _render_image)
    md.add_render_rule("figure_open", lambda *args: "<figure>")
    md.add_render_rule("figure_close", lambda *args: "</figure>\n")
