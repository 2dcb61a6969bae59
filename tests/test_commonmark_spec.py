"""notesite's Markdown renderer against every example of the CommonMark spec.

The examples come from npm's `commonmark-spec` package (pinned in package.json,
installed by `npm ci`). notesite's own markup is first translated back to plain
CommonMark HTML (`plain_commonmark`: heading ids and anchors, code-block
wrappers and labels, figures, lazy images); what differs after that is a
deliberate addition, listed in `DELIBERATE` with its reason.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from notesite.markdown import MarkdownRenderer
from notesite.mathrender import client_markup

REPO = Path(__file__).resolve().parents[1]

MATH = "notesite's math: $…$ and \\[…\\] are formulas"
EMPTY_QUOTE = "markdown-it-py writes an empty block quote on one line (same DOM)"
DELIBERATE = {
    12: MATH + " (`\\[\\\\\\]` is display math)",
    218: EMPTY_QUOTE,
    239: EMPTY_QUOTE,
    240: EMPTY_QUOTE,
}


def spec_examples() -> list[dict]:
    if not (REPO / "node_modules" / "commonmark-spec").is_dir() or shutil.which("node") is None:
        pytest.fail("commonmark-spec is not installed: run `npm ci` (the README's test command)")
    script = "process.stdout.write(JSON.stringify(require('commonmark-spec').tests))"
    done = subprocess.run(
        ["node", "-e", script], cwd=REPO, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


_CODE_BLOCK = re.compile(
    r'<div class="code-block">(?:<span class="code-lang">(?P<lang>[^<]*)</span>)?'
    r'<pre class="highlight" tabindex="0"><code class="[^"]*">(?P<body>.*?)</code></pre></div>',
    re.S,
)
_HEADING_ID = re.compile(r'(<h[1-6]) id="[^"]*"')
_HEADING_ANCHOR = re.compile(r'<a class="heading-anchor" href="[^"]*" aria-hidden="true">#</a>')
_FIGURE = re.compile(r"<figure>(<img [^>]*>)<figcaption>.*?</figcaption></figure>", re.S)
_IMG = re.compile(r'<img ([^>]*?) loading="lazy">')  # ours; raw HTML <img> is left alone
_PYGMENTS_SPAN = re.compile(r'<span class="[^"]*">|</span>')


def plain_commonmark(html: str) -> str:
    """notesite's HTML with its deliberate markup translated back to CommonMark's."""

    def code_block(match: re.Match[str]) -> str:
        language = match["lang"]
        body = _PYGMENTS_SPAN.sub("", match["body"])
        attribute = f' class="language-{language}"' if language else ""
        return f"<pre><code{attribute}>{body}</code></pre>"

    html = _CODE_BLOCK.sub(code_block, html)
    html = _HEADING_ANCHOR.sub("", _HEADING_ID.sub(r"\1", html))
    html = _FIGURE.sub(r"<p>\1</p>", html)
    return _IMG.sub(r"<img \1 />", html)


EXAMPLES = spec_examples()
RENDERER = MarkdownRenderer(client_markup)


@pytest.mark.parametrize(
    "example", EXAMPLES, ids=[f"{e['number']}-{e['section']}" for e in EXAMPLES]
)
def test_commonmark_example(example: dict) -> None:
    markdown = example["markdown"].replace("→", "\t")
    expected = example["html"].replace("→", "\t")
    got = plain_commonmark(RENDERER.render(markdown).html)
    if example["number"] in DELIBERATE:
        assert got != expected, "now agrees with the spec: drop it from DELIBERATE"
    else:
        assert got == expected
