"""Build progress: a bar on a terminal, at most a line per stage elsewhere, nothing with
--quiet. Delays of 0 (always shown) and an hour (never shown) keep these tests untimed."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from conftest import post, write_site

from notesite.build import build
from notesite.cli import main
from notesite.progress import Progress

NOTES = {f"content/posts/rl/n{i}.md": post(f"笔记{i}", f"2026-01-{i + 1:02d}") for i in range(12)}


def test_plain_lines_one_per_stage_whatever_the_number_of_pages(tmp_path: Path) -> None:
    stream = io.StringIO()
    result = build(
        write_site(tmp_path / "site", NOTES),
        tmp_path / "out",
        progress=Progress("lines", stream, delay=0),
    )
    lines = stream.getvalue().splitlines()
    assert [re.sub(r"[\d.]+ s$", "N s", line) for line in lines] == [
        "notesite: checking for changes since the last build: N s",
        "notesite: planning: N s",
        f"notesite: rendering {result.pages:,} pages: N s",
        "notesite: writing feeds and copies: N s",
        "notesite: indexing 12 notes for search: N s",
    ]
    assert result.pages > len(lines) * 4


@pytest.mark.parametrize("kind", ["lines", "bar"], ids=["plain-lines", "terminal-bar"])
def test_nothing_shown_for_stages_quicker_than_the_delay(tmp_path: Path, kind: str) -> None:
    stream = io.StringIO()
    build(
        write_site(tmp_path / "site", NOTES),
        tmp_path / "out",
        progress=Progress(kind, stream, delay=3600),
    )
    assert stream.getvalue() == ""


def test_a_bar_on_a_terminal(tmp_path: Path) -> None:
    stream = io.StringIO()
    result = build(
        write_site(tmp_path / "site", NOTES),
        tmp_path / "out",
        progress=Progress("bar", stream, delay=0),
    )
    shown = stream.getvalue()
    assert "notesite: planning…\r\x1b[K" in shown  # a status line, erased when the stage ends
    assert f"\rnotesite: rendering {result.pages:,} pages:   0%|" in shown  # the bar (tqdm)
    assert f"| 0/{result.pages} [" in shown
    assert "\n" not in shown  # the bar and status lines leave nothing behind


def test_a_failed_stage_prints_no_line(tmp_path: Path) -> None:
    stream = io.StringIO()
    broken = {**NOTES, "templates/post.html": "{{ nope.x }}"}
    with pytest.raises(Exception, match="nope"):
        build(
            write_site(tmp_path / "site", broken),
            tmp_path / "out",
            progress=Progress("lines", stream, delay=0),
        )
    lines = stream.getvalue().splitlines()
    assert [line.rsplit(":", 1)[0] for line in lines] == [
        "notesite: checking for changes since the last build",
        "notesite: planning",  # the rendering stage failed: no line for it
    ]


def test_quiet_prints_only_problems(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_site(tmp_path / "site", NOTES)
    assert main(["build", "--quiet", "--source", str(root), "--output", str(tmp_path / "out")]) == 0
    assert capsys.readouterr() == ("", "")
    assert (tmp_path / "out/posts/n0/index.html").is_file()


class FakeStderr(io.StringIO):
    def __init__(self, terminal: bool) -> None:
        super().__init__()
        self.terminal = terminal

    def isatty(self) -> bool:
        return self.terminal


@pytest.mark.parametrize(
    ("terminal", "quiet", "mode"),
    [(True, False, "bar"), (False, False, "lines"), (True, True, "off"), (False, True, "off")],
)
def test_the_command_line_shows_a_bar_only_when_stderr_is_a_terminal(
    monkeypatch: pytest.MonkeyPatch, terminal: bool, quiet: bool, mode: str
) -> None:
    stderr = FakeStderr(terminal)
    monkeypatch.setattr("sys.stderr", stderr)
    progress = Progress.for_command_line(quiet)
    assert progress.mode == mode
    if mode == "bar":
        assert progress.stream is stderr
