"""Command-line conventions: exit codes in --help, --base-url, --quiet and --verbose,
colour only on a terminal and never with NO_COLOR, `serve --open`."""

from __future__ import annotations

import io
import stat
import time
from pathlib import Path

import pytest
from conftest import parse_html, post, write_site
from serving import start_server, stop_server

from notesite.cli import main
from notesite.errors import Problem
from notesite.termstyle import styled


@pytest.mark.parametrize("command", [[], ["build"], ["serve"], ["check"], ["init"], ["new"]])
def test_help_documents_exit_codes(command: list[str], capsys) -> None:
    with pytest.raises(SystemExit) as leaving:
        main([*command, "--help"])
    assert leaving.value.code == 0
    text = capsys.readouterr().out
    assert "exit status:" in text and "130" in text and "NO_COLOR" in text


def test_version_names_the_math_engine(capsys, monkeypatch) -> None:
    monkeypatch.setenv("NOTESITE_MATH_ENGINE", "embedded")
    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.splitlines()[1].startswith("math engine: embedded V8")


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return write_site(tmp_path / "site", {"content/posts/rl/a.md": post(body="见 $x^2$。")})


@pytest.mark.parametrize("command", ["build", "check", "serve"])
def test_bad_base_url_is_a_usage_error(command: str, site: Path, capsys) -> None:
    with pytest.raises(SystemExit) as leaving:
        main([command, "--source", str(site), "--base-url", "example.com/notes"])
    assert leaving.value.code == 2
    assert "--base-url: expected an http(s) URL" in capsys.readouterr().err


def test_base_url_replaces_the_configs(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "public"
    args = ["build", "--source", str(site), "--output", str(out), "-q"]
    assert main([*args, "--base-url", "https://example.org/deep"]) == 0
    page = parse_html(out / "index.html")
    assert page.css_first("link[rel=canonical]").attributes["href"] == "https://example.org/deep/"
    stylesheets = [n.attributes["href"] for n in page.css("link[rel=stylesheet]")]
    assert stylesheets and all(href.startswith("/deep/") for href in stylesheets)
    assert "/deep/" not in (site / "notesite.yaml").read_text(encoding="utf-8")


def test_check_with_base_url_reports_like_build(site: Path, capsys) -> None:
    (site / "content/posts/rl/b.md").write_text(post(body="[x](missing.md)"), encoding="utf-8")
    assert main(["check", "--source", str(site), "--base-url", "/sub/", "--strict"]) == 1
    assert "missing.md" in capsys.readouterr().out
    assert main(["check", "--source", str(site), "--strict", "-q"]) == 1
    assert capsys.readouterr().out == ""  # quiet: the exit status tells
    assert main(["check", "--source", str(site), "-v"]) == 0
    assert capsys.readouterr().err.strip().endswith("0 errors, 1 warnings")


def test_quiet_and_verbose_builds(site: Path, tmp_path: Path, capsys) -> None:
    args = ["build", "--source", str(site), "--output", str(tmp_path / "out")]
    assert main([*args, "--quiet"]) == 0
    assert capsys.readouterr().out == ""
    assert main([*args, "--verbose"]) == 0  # nothing changed: the shortcut's one stage
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("notesite: math engine: ")
    assert lines[1].startswith("notesite: checking for changes since the last build: ")
    assert lines[2].startswith("notesite: ") and " pages (" in lines[2] and len(lines) == 3
    (site / "content/posts/rl/a.md").write_text(post(title="改"), encoding="utf-8")
    assert main([*args, "--verbose"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any(line.startswith("notesite: planning: ") for line in lines)  # every stage
    assert lines[-1].startswith("notesite: ") and " pages (" in lines[-1]
    with pytest.raises(SystemExit) as leaving:
        main([*args, "--quiet", "--verbose"])
    assert leaving.value.code == 2


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_colour_only_on_a_terminal_and_never_with_no_color(monkeypatch) -> None:
    warning = Problem("a.md", 3, "warning: KaTeX error: x")
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert "\x1b[33m" in styled(warning, Terminal())
    assert styled(warning, io.StringIO()) == "a.md:3: warning: KaTeX error: x"
    monkeypatch.setenv("NO_COLOR", "1")
    assert styled(warning, Terminal()) == "a.md:3: warning: KaTeX error: x"


def test_serve_open_opens_the_browser_at_the_sites_address(
    site: Path, tmp_path: Path, monkeypatch
) -> None:
    opened = tmp_path / "opened"
    browser = tmp_path / "browser.sh"
    browser.write_text(f'#!/bin/sh\necho "$1" > {opened}\n')
    browser.chmod(browser.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("BROWSER", str(browser))  # webbrowser runs $BROWSER URL
    process, url = start_server(site, "--open", "--base-url", "https://example.org/blog/")
    try:
        deadline = time.monotonic() + 10
        while not opened.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert opened.read_text().strip() == url and url.endswith("/blog/")
    finally:
        stop_server(process)


@pytest.mark.parametrize("command", ["build", "check", "serve"])
def test_a_cache_folder_that_cannot_be_made_is_one_line(
    command: str, site: Path, tmp_path: Path, capsys
) -> None:
    """A file where the cache folder should be (or no permission): one line naming the
    folder, exit 1, no traceback, and a build's output as it was."""
    out = tmp_path / "public"
    assert main(["build", "--source", str(site), "--output", str(out), "-q"]) == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    cache = blocker / "cache"
    args = {"build": ["--output", str(out)], "check": [], "serve": ["--port", "0"]}[command]
    status = main([command, "--source", str(site), "--cache-dir", str(cache), *args])
    error = capsys.readouterr().err
    assert status == 1
    assert error.splitlines() == [
        f"{cache}:1: cannot use this cache folder: Not a directory "
        "(--cache-dir or $NOTESITE_CACHE_DIR)"
    ]
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
