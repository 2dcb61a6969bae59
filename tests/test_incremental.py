"""serve's incremental decision on its own: when is a save a body-only edit?"""

from __future__ import annotations

from dataclasses import replace

import pytest
from test_planner import note

from notesite.markdown import MarkdownRenderer
from notesite.mathrender import client_markup
from notesite.serve.incremental import listed_value

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
