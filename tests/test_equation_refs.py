"""`\\eqref` / `\\ref` to a label the note does not have: a `path:line` warning in `build`
(an error with `--strict`) and in the `serve` overlay, on the fast path and the full run.
(`notesite check` is covered with the other defects in test_check.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import BASIC_CONFIG, parse_html, post, write_site

from notesite.cli import main
from notesite.pipeline import Pipeline
from notesite.serve.state import LiveSite

NOTE = "content/posts/rl/bellman.md"
SUMMARY = "贝尔曼方程的摘要。\n\n<!--more-->\n\n"
GOOD_BODY = SUMMARY + "$$\nV(s) = r + \\gamma V(s') \\label{eq:v}\n$$\n\n由 \\eqref{eq:v} 可知。\n"
BAD_BODY = GOOD_BODY + "\n又见 \\eqref{eq:x}。\n\n以及 $\\ref{eq:y}$。\n"


def line_of(path: Path, text: str) -> int:
    """1-based line of the first line of the file containing `text`."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, start=1) if text in line)


def expected_warnings(root: Path, shown_as: str = NOTE) -> list[str]:
    note = root / NOTE
    return [
        f"{shown_as}:{line_of(note, 'eq:x')}: warning: unknown equation reference "
        "\\eqref{eq:x}: no \\label{eq:x} in this note or any other zh note",
        f"{shown_as}:{line_of(note, 'eq:y')}: warning: unknown equation reference "
        "\\ref{eq:y}: no \\label{eq:y} in this note or any other zh note",
    ]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_build_warns_with_path_and_line_and_renders_the_reference_as_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_site(tmp_path / "site", {NOTE: post(title="贝尔曼", body=BAD_BODY)})
    monkeypatch.chdir(root)
    out = tmp_path / "public"

    assert main(["build", "--output", str(out)]) == 0
    assert capsys.readouterr().err.splitlines() == expected_warnings(root)
    page = parse_html(out / "posts/bellman/index.html")
    assert [(a.attributes["href"], a.text()) for a in page.css(".post-body a.eqref")] == [
        ("#eq-eq-v", "(1)")
    ]
    missing = [span.text() for span in page.css(".post-body span.eqref.missing")]
    assert missing == ["??(eq:x)", "??(eq:y)"]


def test_strict_build_fails_and_leaves_the_previous_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_site(tmp_path / "site", {NOTE: post(title="贝尔曼", body=GOOD_BODY)})
    monkeypatch.chdir(root)
    out = tmp_path / "public"
    assert main(["build", "--strict", "--output", str(out)]) == 0
    assert capsys.readouterr().err == ""
    before = snapshot(out)

    (root / NOTE).write_text(post(title="贝尔曼", body=BAD_BODY), encoding="utf-8")
    assert main(["build", "--strict", "--output", str(out)]) == 1
    captured = capsys.readouterr()
    assert captured.err.splitlines() == expected_warnings(root)
    assert "Traceback" not in captured.err and captured.out == ""
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["public", "site"]


SERVER_MATH = BASIC_CONFIG + "math:\n  render: server\n"
# Besides the bad references, a note saved while serving may have a missing file and
# invalid TeX: the fast path must give every warning, in the order of a full run.
OTHER_PROBLEMS = "\n![图](missing.png)\n\n坏公式 $\\frac{a$。\n"


@pytest.mark.parametrize(
    ("edit", "fast_path"),
    [
        pytest.param(lambda body: body + OTHER_PROBLEMS, True, id="body-only-edit"),
        pytest.param(
            lambda body: body.replace("摘要", "新摘要") + OTHER_PROBLEMS,
            False,
            id="excerpt-edit-full-run",
        ),
    ],
)
def test_serve_reports_unknown_references_in_the_saved_note(
    tmp_path: Path, edit, fast_path: bool
) -> None:
    root = write_site(
        tmp_path / "site",
        {
            NOTE: post(title="贝尔曼", body=GOOD_BODY),
            "content/posts/rl/td.md": post(title="时序差分", body="正文。\n"),
        },
        SERVER_MATH,
    )
    note = root / NOTE
    live = LiveSite(root)
    try:
        assert live.refresh().warnings is None
        note.write_text(post(title="贝尔曼", body=edit(BAD_BODY)), encoding="utf-8")
        result = live.refresh({"posts/bellman/index.html"}, changed={note})
        assert result.error is None
        assert live.pipeline.body_only_runs == (1 if fast_path else 0)
        assert result.warnings is not None
        lines = result.warnings.splitlines()
        for line in expected_warnings(root, shown_as=str(note)):
            assert line in lines
        assert any(": warning: link to a missing file: missing.png" in w for w in lines)
        assert any(": KaTeX error: " in w for w in lines)
        # The same warnings, in the same order, as a fresh full run of the pipeline.
        assert live.plan is not None
        fresh = Pipeline(root, True, None)
        try:
            assert live.plan.warnings == fresh.run().warnings
        finally:
            fresh.close()
        assert result.changed_pages == {"posts/bellman/index.html"}

        note.write_text(post(title="贝尔曼", body=edit(GOOD_BODY)), encoding="utf-8")
        result = live.refresh(changed={note})
        assert result.warnings is not None
        assert "unknown equation reference" not in result.warnings
    finally:
        live.close()
