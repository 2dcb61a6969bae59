"""Random front matter and Markdown: loading and rendering either succeed or raise
notesite's own error (a `path:line` problem), never another exception, and what they
make is the same every time."""

from __future__ import annotations

import shutil
import string
from pathlib import Path

import pytest
import yaml
from conftest import BASIC_CONFIG, write_site
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from notesite.errors import NotesiteError
from notesite.loader import KNOWN_KEYS, load_site
from notesite.markdown import MarkdownRenderer
from notesite.mathrender import client_markup
from notesite.pipeline import Pipeline

CONFIG = BASIC_CONFIG + "math: {render: client}\n"  # no KaTeX process: the middle is fuzzed
NOTE = "content/posts/rl/fuzz.md"
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Any character UTF-8 can carry: CJK, emoji, control characters, BOMs, line separators.
CHARACTERS = st.characters(blacklist_categories=("Cs",))
TEXT = st.text(CHARACTERS, max_size=40)

# Pieces notes are made of, and their broken halves.
FRAGMENTS = [
    "$x_1$",
    "$$\n\\sum_{i=1}^n i\n$$",
    "$$ a \\label{eq:a} $$",
    "\\eqref{eq:a}",
    "\\begin{align} a &= b \\\\ c &= d \\end{align}",
    "\\begin{align}",
    "$",
    "$$",
    "\\(",
    "强化学习",
    "**粗体**",
    "*強調*",
    "😀👩‍👩‍👧",
    "[[td]]",
    "[[td|时序差分]]",
    "[[#标题]]",
    "![[pic.png]]",
    "[[",
    "> [!NOTE]\n> 提示",
    "> [!warning]- 折叠",
    "> [!",
    "```python\nx = 1\n```",
    "```",
    "| a | $b|c$ |\n|---|---|\n| 1 | 2 |",
    "- 列表\n  - 嵌套",
    "[链接](../cv/x.md#sec)",
    "![图](pic.png)",
    "<div>raw</div>",
    "<!--more-->",
    "[^1]\n\n[^1]: 脚注",
    "# 标题",
    "::: note\n提示\n:::",
    "\x00\x07\x1b\u2028\ufeff",
]
BODY = st.lists(st.one_of(st.sampled_from(FRAGMENTS), TEXT), max_size=12).flatmap(
    lambda parts: st.sampled_from(["\n", "\n\n", " ", ""]).map(lambda sep: sep.join(parts))
)

SCALAR = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), TEXT, st.sampled_from(["2026-01-11"])
)
VALUE = st.recursive(
    SCALAR,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=6,
)
KEYS = st.sampled_from(sorted(KNOWN_KEYS) + ["titel", "", "日期"])
FRONT_MATTER = st.one_of(
    st.dictionaries(KEYS, VALUE, max_size=8).map(
        lambda meta: yaml.safe_dump(meta, allow_unicode=True)
    ),
    st.text(CHARACTERS | st.sampled_from(list(":-[]{}&*!|>'\"#\n\t ")), max_size=80),
)
VALID_FRONT = st.fixed_dictionaries(
    {"title": TEXT.filter(lambda t: t.strip() != ""), "date": st.just("2026-01-11")},
    optional={"tags": st.lists(TEXT, max_size=3), "summary": TEXT},
).map(lambda meta: yaml.safe_dump(meta, allow_unicode=True))


def _write_note(root: Path, front: str, body: str) -> None:
    (root / NOTE).write_bytes(f"---\n{front}\n---\n{body}".encode("utf-8", "surrogatepass"))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    files = {
        "content/posts/rl/td.md": "---\ntitle: 时序差分\ndate: 2026-01-10\n---\n\n## 标题\n",
        "content/posts/rl/pic.png": b"\x89PNG\r\n\x1a\n",
    }
    return write_site(tmp_path_factory.mktemp("fuzz"), files, CONFIG)


@FUZZ
@given(front=FRONT_MATTER, body=BODY)
def test_loading_any_note_succeeds_or_is_a_user_error(site: Path, front: str, body: str) -> None:
    _write_note(site, front, body)
    try:
        loaded = load_site(site, include_drafts=True)
    except NotesiteError as error:
        assert error.problems and all(p.line >= 1 for p in error.problems)
        assert all("\n" not in p.message for p in error.problems)
        return
    assert any(p.source == Path(NOTE) for p in loaded.posts + loaded.pages)


RENDERER = MarkdownRenderer(client_markup)


@settings(max_examples=300, deadline=None)
@given(BODY)
def test_rendering_any_markdown_succeeds_and_is_deterministic(body: str) -> None:
    first = RENDERER.render(body)
    again = MarkdownRenderer(client_markup).render(body)
    assert first == again


@FUZZ
@given(front=VALID_FRONT, body=BODY, tail=st.text(string.printable, max_size=10))
def test_a_whole_site_with_any_note_plans_and_renders_the_same_twice(
    site: Path, tmp_path_factory: pytest.TempPathFactory, front: str, body: str, tail: str
) -> None:
    _write_note(site, front, body + tail)
    outputs = []
    for _ in range(2):
        cache = tmp_path_factory.mktemp("cache")
        pipeline = Pipeline(site, True, cache, jobs=1)
        try:
            plan = pipeline.run()
            outputs.append({page.file: plan.render_page(page) for page in plan.pages})
        except NotesiteError as error:
            outputs.append({"error": str(error).encode()})
        finally:
            pipeline.close()
            shutil.rmtree(cache, ignore_errors=True)
    assert outputs[0] == outputs[1]
    assert "error" not in outputs[0] or b"fuzz.md:" in outputs[0]["error"]
