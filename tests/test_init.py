"""`notesite init`: a starter site that builds strictly, in any languages, and never
overwrites a file; its Pages workflow passes actionlint and deploys with pip."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest import parse_html
from test_workflows import actionlint

from notesite.cli import main

STARTER = {
    "notesite.yaml",
    ".gitignore",
    ".github/workflows/pages.yml",
    "content/posts/rl/discounted-return.md",
    "content/posts/rl/discounted-return.en.md",
    "content/pages/about.md",
    "content/pages/about.en.md",
}


def files_in(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def test_starter_site_builds_strictly_in_both_languages(tmp_path: Path, capsys) -> None:
    assert main(["init", str(tmp_path / "site")]) == 0
    assert files_in(tmp_path / "site") == STARTER
    printed = capsys.readouterr().out.splitlines()
    assert printed[-3:] == [
        f"  cd {tmp_path / 'site'}",
        "  notesite serve --open",
        '  notesite new "My first real note"',
    ]
    out = tmp_path / "public"
    assert main(["build", "--source", str(tmp_path / "site"), "--output", str(out), "-q"]) == 0
    zh = parse_html(out / "posts/discounted-return/index.html")
    assert zh.css_first("html").attributes["lang"] == "zh-CN"
    assert zh.css_first(".post-body .katex-display") is not None
    assert zh.css_first(".post-body pre code") is not None  # the code block
    assert "折扣回报" in zh.css_first("h1").text()
    en = parse_html(out / "en/posts/discounted-return/index.html")
    assert en.css_first("h1").text().strip().startswith("First note")
    assert parse_html(out / "about/index.html").css_first("h1").text().strip() == "关于"
    assert (out / "en/about/index.html").is_file()


def test_languages_default_and_title(tmp_path: Path, capsys) -> None:
    site = tmp_path / "site"
    args = ["init", str(site), "--languages", "ja,en", "--default", "en", "--title", "Deep Notes"]
    assert main(args) == 0
    config = yaml.safe_load((site / "notesite.yaml").read_text(encoding="utf-8"))
    assert config["default_language"] == "en" and list(config["languages"]) == ["en", "ja"]
    assert config["title"] == {"en": "Deep Notes", "ja": "Deep Notes"}
    # No theme strings for ja: init gives the site a copy of the English ones to translate.
    assert (site / "templates/i18n/ja.yaml").is_file()
    assert (site / "content/posts/rl/discounted-return.ja.md").is_file()
    out = tmp_path / "public"
    assert main(["build", "--source", str(site), "--output", str(out), "--strict", "-q"]) == 0
    home = parse_html(out / "index.html")
    assert home.css_first("html").attributes["lang"] == "en"
    assert "Deep Notes" in home.css_first("title").text()
    assert parse_html(out / "ja/index.html").css_first("html").attributes["lang"] == "ja"


@pytest.mark.parametrize(
    ("args", "wrong"),
    [
        (["--languages", "zh,Chinese"], "--languages: 'Chinese' is not a language code"),
        (["--languages", "zh,en,zh"], "--languages: give each language once"),
        (["--languages", "zh,en", "--default", "fr"], "--default: 'fr' is not one of"),
    ],
)
def test_bad_options_are_one_line_and_write_nothing(
    tmp_path: Path, capsys, args: list[str], wrong: str
) -> None:
    assert main(["init", str(tmp_path / "site"), *args]) == 1
    error = capsys.readouterr().err
    assert error.startswith(wrong) and error.count("\n") == 1
    assert not (tmp_path / "site").exists()


def test_refuses_to_overwrite_and_writes_nothing(tmp_path: Path, capsys) -> None:
    site = tmp_path / "site"
    (site / "content/pages").mkdir(parents=True)
    mine = "---\ntitle: Mine\ndate: 2026-01-01\n---\n\nMy own words.\n"
    (site / "content/pages/about.md").write_text(mine, encoding="utf-8")
    assert main(["init", str(site)]) == 1
    error = capsys.readouterr().err
    assert error == (
        f"{site / 'content/pages/about.md'}:1: already exists; "
        "notesite init never overwrites (choose an empty folder)\n"
    )
    assert (site / "content/pages/about.md").read_text(encoding="utf-8") == mine
    assert files_in(site) == {"content/pages/about.md"}  # nothing else was written


def test_refuses_an_existing_site(tmp_path: Path, capsys) -> None:
    assert main(["init", "-q", str(tmp_path)]) == 0
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert main(["init", str(tmp_path)]) == 1
    assert "(and 6 more of the starter's files)" in capsys.readouterr().err
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before


def test_workflow_passes_actionlint_and_deploys_with_pip(tmp_path: Path) -> None:
    assert main(["init", "-q", str(tmp_path)]) == 0
    workflow_file = tmp_path / ".github/workflows/pages.yml"
    result = actionlint(workflow_file)
    assert result.returncode == 0, result.stdout + result.stderr
    workflow = yaml.safe_load(workflow_file.read_text(encoding="utf-8"))
    assert workflow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    steps = workflow["jobs"]["build"]["steps"]
    runs = "\n".join(step.get("run", "") for step in steps)
    assert "pip install" in runs and "npm" not in runs and "sed" not in runs
    assert 'notesite build --strict --base-url "$PAGES_URL"' in runs
    pages = next(step for step in steps if step.get("id") == "pages")
    assert pages["uses"].startswith("actions/configure-pages@")
    assert any(step.get("uses", "").startswith("actions/upload-pages-artifact@") for step in steps)
    deploy = workflow["jobs"]["deploy"]
    assert deploy["needs"] == "build" and deploy["steps"][0]["uses"].startswith("actions/deploy-")


def test_a_file_in_the_way_is_a_one_line_error(tmp_path: Path, capsys) -> None:
    (tmp_path / "site").write_text("not a folder", encoding="utf-8")
    assert main(["init", str(tmp_path / "site")]) == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "cannot write" in error and "Traceback" not in error
    assert (tmp_path / "site").read_text(encoding="utf-8") == "not a folder"
