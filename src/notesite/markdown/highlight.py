"""Code blocks highlighted at build time with Pygments (CSS classes, no inline styles)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token
from pygments import format as format_tokens
from pygments import highlight, lex
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from notesite.markdown.codeinfo import CodeInfo, parse_info
from notesite.markdown.state import rule_state

# Both keep every token colour at WCAG AA contrast (4.5:1) on the theme's code background.
LIGHT_STYLE = "xcode"
DARK_STYLE = "lightbulb"
_FORMATTER = HtmlFormatter(nowrap=True)


@lru_cache(maxsize=256)
def _lexer(language: str) -> Lexer | None:
    """A lexer for `language`, or None when Pygments does not know it (plain text)."""
    if not language:
        return None
    try:
        return get_lexer_by_name(language, stripnl=False, ensurenl=False)
    except ClassNotFound:
        return None


# Pygments is the costliest step of rendering a note, and while serving, a save
# re-renders a note whose code blocks are mostly unchanged: remember recent ones.
@lru_cache(maxsize=4096)
def highlight_code(code: str, language: str) -> str:
    lexer = _lexer(language)
    if lexer is None:
        return escapeHtml(code)
    return highlight(code, lexer, _FORMATTER)


@lru_cache(maxsize=1024)
def highlight_lines(code: str, language: str) -> tuple[str, ...]:
    """The code as one piece of HTML per line, each with its spans closed (so a line can
    be wrapped in its own element); a token spanning lines is split at the newlines."""
    lexer = _lexer(language)
    lines = code.split("\n")
    if code.endswith("\n"):
        lines.pop()
    if lexer is None:
        return tuple(escapeHtml(line) for line in lines)
    html_lines: list[str] = []
    current: list[tuple[object, str]] = []
    for kind, text in lex(code, lexer):
        *complete, rest = text.split("\n")
        for piece in complete:
            current.append((kind, piece))
            html_lines.append(_format_line(current))
            current = []
        current.append((kind, rest))
    if any(text for _, text in current):
        html_lines.append(_format_line(current))
    return tuple(html_lines)


def _format_line(tokens: list[tuple[object, str]]) -> str:
    # The formatter ends what it writes with a newline; the caller places its own.
    return format_tokens(tokens, _FORMATTER).removesuffix("\n")


def _numbered_body(code: str, info: CodeInfo) -> str:
    """Each line in a `.line` span (`.hl` when highlighted); numbers come from CSS
    counters, so neither selecting nor copying the code picks them up."""
    lines = []
    for number, html in enumerate(highlight_lines(code, info.language), start=1):
        kind = "line hl" if number in info.hl_lines else "line"
        lines.append(f'<span class="{kind}">{html}\n</span>')
    return "".join(lines)


def _code_block(body: str, classes: str, label: str = "", attributes: str = "") -> str:
    # tabindex: a block with long lines scrolls, and keyboard users must reach it to scroll it.
    return (
        f'<div class="code-block">{label}<pre class="highlight" tabindex="0">'
        f'<code class="{classes}"{attributes}>{body}</code></pre></div>\n'
    )


def _render_fence(
    self: object, tokens: Sequence[Token], idx: int, options: object, env: dict
) -> str:
    token = tokens[idx]
    state = rule_state(env)
    state.has_code = True
    key = (token.info, token.content)
    html = state.code_html.get(key)
    if html is None:
        html = state.code_html[key] = _fence_html(token)
    return html


def _fence_html(token: Token) -> str:
    """A fence's HTML: a function of its info string and code alone."""
    info = parse_info(token.info)
    language = info.language
    known = _lexer(language) is not None
    label = f'<span class="code-lang">{escapeHtml(language)}</span>' if language else ""
    classes = f"code language-{escapeHtml(language)}" if known else "plain"
    if not info.per_line:
        return _code_block(highlight_code(token.content, language), classes, label)
    numbers = ""
    if info.linenos:
        classes += " linenos"
        if info.linenostart != 1:  # the stylesheet starts the counter at 1
            numbers = f' style="counter-reset: line {info.linenostart - 1}"'
    return _code_block(_numbered_body(token.content, info), classes, label, numbers)


def _render_code_block(
    self: object, tokens: Sequence[Token], idx: int, options: object, env: dict
) -> str:
    return _code_block(escapeHtml(tokens[idx].content), "plain")


def highlight_plugin(md: MarkdownIt) -> None:
    md.add_render_rule("fence", _render_fence)
    md.add_render_rule("code_block", _render_code_block)


def pygments_css() -> str:
    """Stylesheet for highlighted code: light by default, dark when the reader prefers it."""
    light = HtmlFormatter(style=LIGHT_STYLE).get_style_defs(".highlight")
    dark = HtmlFormatter(style=DARK_STYLE).get_style_defs(".highlight")
    dark_scoped = HtmlFormatter(style=DARK_STYLE).get_style_defs('[data-theme="dark"] .highlight')
    indented = "\n".join("  " + line for line in dark.splitlines())
    return (
        "/* Generated by notesite from Pygments styles: "
        f"{LIGHT_STYLE} (light), {DARK_STYLE} (dark). */\n"
        f"{light}\n"
        "@media (prefers-color-scheme: dark) {\n"
        f"{indented.replace('.highlight', ':root:not([data-theme=light]) .highlight')}\n"
        "}\n"
        f"{dark_scoped}\n"
    )
