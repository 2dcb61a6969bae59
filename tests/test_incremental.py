"""serve's incremental decision on its own: when is a save a body-only edit?"""

from __future__ import annotations

from dataclasses import replace

import pytest
from conftest import post, write_site
from test_planner import note

from notesite.markdown import MarkdownRenderer
from notesite.mathrender import client_markup
from notesite.serve.incremental import IncrementalPipeline, listed_value

MARKDOWN = MarkdownRenderer(client_markup)
BODY = "摘要 $x$。\n\n<!--more-->\n\n正文。"


def value(post):
    return listed_value(post, MARKDOWN.render(post.body, title=post.title))


@pytest.mark.parametrize(
    ("change", "same"),
    [
        pytest.param({"body": BODY + "\n\n更多正文。"}, True, id="body-after-the-excerpt"),
        pytest.param({"body": BODY.replace("摘要", "新摘要")}, False, id="excerpt"),
        pytest.param({"body": BODY + "\n\n" + "字" * 2000}, False, id="reading-time"),
        pytest.param({"title": "新标题"}, False, id="title"),
        pytest.param({"tags": ("PPO",)}, False, id="tags"),
        pytest.param({"draft": True}, False, id="draft"),
        pytest.param({"body_line": 9}, False, id="front-matter-length"),
        pytest.param({"slug": "other"}, False, id="slug"),
    ],
)
def test_what_listings_show_decides_the_fast_path(change: dict, same: bool) -> None:
    before = note("a", 1, body=BODY)
    after = replace(before, **change)
    assert (value(before) == value(after)) is same


def test_static_files_are_listed_again_unless_only_notes_changed(tmp_path) -> None:
    root = write_site(tmp_path, {"content/posts/a.md": post("甲"), "static/a.css": "a {}"})
    pipeline = IncrementalPipeline(root, drafts=False, cache_dir=None)
    first = pipeline.read().static
    assert "static/a.css" in first
    (root / "static/b.css").write_text("b {}", encoding="utf-8")
    pipeline.invalidate({root / "content/posts/a.md"})
    assert pipeline.read().static is first  # the watcher saw a note change, nothing else
    pipeline.invalidate({root / "static/b.css"})
    assert "static/b.css" in pipeline.read().static
    (root / "static/c.md").write_text("not a note", encoding="utf-8")
    pipeline.invalidate({root / "static/c.md"})  # Markdown, but not a note
    assert "static/c.md" in pipeline.read().static
