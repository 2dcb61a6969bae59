"""User errors: one line `path:line: message` on stderr, exit status 1, no traceback."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import BASIC_CONFIG, REPO, post, write_site

from notesite.cli import main

GOOD_POST = post("好文章", "2026-01-11", "正文。", tags="[RL]")

# Each case: (id, files written besides notesite.yaml, config text, expected path, expected line,
#             a fragment the message must contain (case-insensitive)).
CONTENT_CASES = [
    (
        "empty-draft",
        {"content/posts/rl/a.md": "---\ntitle: A\ndate: 2026-01-11\ndraft:\n---\n\n正文。\n"},
        "content/posts/rl/a.md",
        4,
        "draft must be true or false",
    ),
    (
        "front-matter-yaml-syntax",
        {"content/posts/rl/a.md": "---\ndate: 2026-01-11\ntitle: a: b\n---\n\n正文。\n"},
        "content/posts/rl/a.md",
        3,
        "yaml",
    ),
    (
        "front-matter-is-a-list",
        {"content/posts/rl/a.md": "---\n- title\n- date\n---\n\n正文。\n"},
        "content/posts/rl/a.md",
        2,
        "mapping",
    ),
    (
        "missing-title",
        {"content/posts/rl/a.md": "---\ndate: 2026-01-11\ntags: [RL]\n---\n\n正文。\n"},
        "content/posts/rl/a.md",
        1,
        "title",
    ),
    (
        "missing-date",
        {"content/posts/rl/a.md": "---\ntitle: 标题\ntags: [RL]\n---\n\n正文。\n"},
        "content/posts/rl/a.md",
        1,
        "date",
    ),
    (
        "invalid-date",
        {"content/posts/rl/a.md": "---\ntitle: 标题\ntags: [RL]\ndate: 2026-13-45\n---\n\nx\n"},
        "content/posts/rl/a.md",
        4,
        "2026-13-45",
    ),
    (
        "invalid-updated",
        {
            "content/posts/rl/a.md": (
                "---\ntitle: 标题\ndate: 2026-01-11\n\nupdated: yesterday\n---\n\nx\n"
            )
        },
        "content/posts/rl/a.md",
        5,
        "yesterday",
    ),
    (
        "unknown-category-front-matter",
        {"content/posts/rl/a.md": "---\ntitle: 标题\ndate: 2026-01-11\ncategory: ml\n---\n\nx\n"},
        "content/posts/rl/a.md",
        4,
        "ml",
    ),
    (
        "unknown-category-folder",
        {"content/posts/ml/a.md": post()},
        "content/posts/ml/a.md",
        1,
        "ml",
    ),
    (
        "unknown-language-front-matter",
        {
            "content/posts/rl/a.md": (
                "---\ntitle: 标题\ndate: 2026-01-11\ntags: [a]\nlang: fr\n---\n\nx\n"
            )
        },
        "content/posts/rl/a.md",
        5,
        "fr",
    ),
    (
        "unknown-language-suffix",
        {"content/posts/rl/x.fr.md": post()},
        "content/posts/rl/x.fr.md",
        1,
        "fr",
    ),
    (
        "duplicate-url-two-categories",
        {"content/posts/rl/same.md": post("一"), "content/posts/cv/same.md": post("二")},
        # Sorted by path, the cv file owns the URL and the rl file is reported.
        "content/posts/rl/same.md",
        1,
        "/posts/same/",
    ),
    (
        "duplicate-url-page-and-language-home",
        # A zh page with slug `en` would be written over the English home page /en/.
        {"content/posts/rl/a.md": post(), "content/pages/en.md": post("英文")},
        "content/pages/en.md",
        1,
        "/en/",
    ),
    (
        "two-zh-posts-in-one-translation-group",
        {
            "content/posts/rl/a.md": post("一", translation_key="group"),
            "content/posts/rl/b.md": post("二", translation_key="group"),
        },
        "content/posts/rl/b.md",
        1,
        "group",
    ),
    (
        "not-utf8-bom16",
        {"content/posts/rl/a.md": b"\xff\xfe-\x00-\x00-\x00\n\x00"},
        "content/posts/rl/a.md",
        1,
        "utf-8",
    ),
    (
        "not-utf8-later-line",
        {"content/posts/rl/a.md": b"---\ntitle: a\ndate: 2026-01-11\n---\n\n\xe9t\xe9\n"},
        "content/posts/rl/a.md",
        6,
        "utf-8",
    ),
    (
        "empty-file",
        {"content/posts/rl/a.md": ""},
        "content/posts/rl/a.md",
        1,
        "empty",
    ),
    (
        "no-front-matter",
        {"content/posts/rl/a.md": "# 标题\n\n正文。\n"},
        "content/posts/rl/a.md",
        1,
        "front matter",
    ),
    (
        "unknown-front-matter-key",
        {"content/posts/rl/a.md": "---\ntitle: 标题\ndate: 2026-01-11\ncatgory: rl\n---\n\nx\n"},
        "content/posts/rl/a.md",
        4,
        "catgory",
    ),
]

CONFIG_CASES = [
    (
        "config-yaml-syntax",
        "title: T\nlanguages:\n  zh: {name: 中文\ndefault_language: zh\n",
        "yaml",
    ),
    (
        "config-unknown-top-level-key",
        BASIC_CONFIG + "pagesize: 5\n",
        "pagesize",
    ),
    (
        "config-page-size-wrong-type",
        BASIC_CONFIG.replace("page_size: 2", 'page_size: "ten"'),
        "page_size",
    ),
    (
        "config-unknown-timezone",
        BASIC_CONFIG.replace("timezone: Asia/Shanghai", "timezone: Mars/Olympus_Mons"),
        "Mars/Olympus_Mons",
    ),
    (
        "config-default-language-not-declared",
        BASIC_CONFIG.replace("default_language: zh", "default_language: fr"),
        "fr",
    ),
    (
        "config-missing-title",
        "\n".join(line for line in BASIC_CONFIG.splitlines() if not line.startswith("title")),
        "title",
    ),
]


def _expected_config_line(config: str, case_id: str) -> int:
    """The line the error should point at, found from the text (not from notesite)."""
    lines = config.splitlines()
    wanted = {
        "config-unknown-top-level-key": "pagesize:",
        "config-page-size-wrong-type": "page_size:",
        "config-unknown-timezone": "timezone:",
        "config-default-language-not-declared": "default_language:",
    }
    if case_id == "config-yaml-syntax":
        # The unclosed flow mapping `{name: 中文` is reported where YAML gives up:
        # at the next line, where the flow mapping cannot continue.
        return 4
    if case_id == "config-missing-title":
        return 1
    return next(i for i, line in enumerate(lines, start=1) if line.startswith(wanted[case_id]))


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(args)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def assert_one_error_line(err: str, path: str, line: int, fragment: str) -> str:
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1, f"expected exactly one line on stderr, got: {err!r}"
    match = re.fullmatch(r"(.+?):(\d+): (\S.*)", lines[0])
    assert match, f"not `path:line: message`: {lines[0]!r}"
    assert match.group(1) == path
    assert int(match.group(2)) == line
    assert fragment.lower() in match.group(3).lower()
    return match.group(3)


@pytest.mark.parametrize(
    ("files", "path", "line", "fragment"),
    [pytest.param(*case[1:], id=case[0]) for case in CONTENT_CASES],
)
def test_content_error_is_one_line_with_path_and_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    files: dict[str, str | bytes],
    path: str,
    line: int,
    fragment: str,
) -> None:
    site = write_site(tmp_path / "site", {"content/posts/rl/good.md": GOOD_POST, **files})
    monkeypatch.chdir(site)
    out = tmp_path / "public"

    status, stdout, err = run_cli(["build", "--source", ".", "--output", str(out)], capsys)

    assert status == 1
    assert_one_error_line(err, path, line, fragment)
    assert stdout == ""
    assert not out.exists()


@pytest.mark.parametrize(
    ("case_id", "config", "fragment"),
    [pytest.param(*case, id=case[0]) for case in CONFIG_CASES],
)
def test_config_error_is_one_line_with_path_and_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    case_id: str,
    config: str,
    fragment: str,
) -> None:
    site = write_site(tmp_path / "site", {"content/posts/rl/good.md": GOOD_POST}, config=config)
    monkeypatch.chdir(site)
    out = tmp_path / "public"

    status, stdout, err = run_cli(["build", "--source", ".", "--output", str(out)], capsys)

    assert status == 1
    assert_one_error_line(err, "notesite.yaml", _expected_config_line(config, case_id), fragment)
    assert stdout == ""
    assert not out.exists()


def test_missing_config_file_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.chdir(empty)

    status, _, err = run_cli(["build", "--source", ".", "--output", str(tmp_path / "o")], capsys)

    assert status == 1
    assert_one_error_line(err, "notesite.yaml", 1, "notesite.yaml")


def test_several_broken_files_each_get_their_own_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    site = write_site(
        tmp_path / "site",
        {
            "content/posts/rl/a.md": "---\ndate: 2026-01-11\n---\n\nx\n",
            "content/posts/cv/b.md": "---\ntitle: b\ndate: 2026-02-30\n---\n\nx\n",
        },
    )
    monkeypatch.chdir(site)

    status, _, err = run_cli(["build", "--output", str(tmp_path / "public")], capsys)

    assert status == 1
    assert "Traceback" not in err
    lines = err.splitlines()
    assert [line.split(": ", 1)[0] for line in lines] == [
        "content/posts/cv/b.md:3",
        "content/posts/rl/a.md:1",
    ]


def test_error_path_names_the_file_when_source_is_another_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`path` must open the broken file from where the command was run (editors jump to it)."""
    write_site(
        tmp_path / "site",
        {"content/posts/rl/a.md": "---\ntitle: 标题\ndate: 2026-13-45\n---\n\nx\n"},
    )
    monkeypatch.chdir(tmp_path)

    status, _, err = run_cli(["build", "--source", "site", "--output", "public"], capsys)

    assert status == 1
    assert_one_error_line(err, str(Path("site/content/posts/rl/a.md")), 3, "2026-13-45")


def test_subprocess_reports_one_line_and_exit_status_1(tmp_path: Path) -> None:
    site = write_site(
        tmp_path / "site",
        {
            "content/posts/rl/good.md": GOOD_POST,
            "content/posts/rl/a.md": "---\ntitle: 标题\ndate: 2026-01-11\ncategory: ml\n---\n\nx\n",
        },
    )
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
    result = subprocess.run(
        [sys.executable, "-m", "notesite", "build", "--source", ".", "--output", "../public"],
        cwd=site,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )

    assert result.returncode == 1
    assert_one_error_line(result.stderr, "content/posts/rl/a.md", 4, "ml")
    assert result.stdout == ""
    assert not (tmp_path / "public").exists()


def test_subprocess_config_error(tmp_path: Path) -> None:
    config = BASIC_CONFIG.replace("page_size: 2", "page_size: ten")
    site = write_site(tmp_path / "site", {"content/posts/rl/good.md": GOOD_POST}, config=config)
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
    result = subprocess.run(
        [sys.executable, "-m", "notesite", "build", "--output", "../public"],
        cwd=site,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )

    assert result.returncode == 1
    line = _expected_config_line(config, "config-page-size-wrong-type")
    assert_one_error_line(result.stderr, "notesite.yaml", line, "page_size")


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.mark.parametrize(
    "breakage",
    [
        pytest.param(
            ("content/posts/rl/good.md", "---\ntitle: 好\ndate: 2026-13-45\n---\n\nx\n"),
            id="bad-date",
        ),
        pytest.param(("content/posts/cv/good.md", post("撞车")), id="duplicate-url"),
        pytest.param(("notesite.yaml", BASIC_CONFIG + "bogus: 1\n"), id="bad-config"),
        pytest.param(
            ("templates/post.html", "{% extends 'base.html' %}{% block content %}{{ nope.x }}"),
            id="template-error",
        ),
    ],
)
def test_failed_build_leaves_previous_output_untouched(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    breakage: tuple[str, str],
) -> None:
    site = write_site(tmp_path / "site", {"content/posts/rl/good.md": GOOD_POST})
    out = tmp_path / "public"
    monkeypatch.chdir(site)
    assert run_cli(["build", "--output", str(out)], capsys)[0] == 0
    before = _snapshot(out)
    assert "posts/good/index.html" in before

    relative, text = breakage
    (site / relative).parent.mkdir(parents=True, exist_ok=True)
    (site / relative).write_text(text, encoding="utf-8")
    status, _, err = run_cli(["build", "--output", str(out)], capsys)

    assert status == 1
    assert "Traceback" not in err
    assert len(err.splitlines()) == 1
    assert _snapshot(out) == before
    # No staging or retired folders are left next to the output.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["public", "site"]


@pytest.mark.parametrize("where", ["site", "parent"])
def test_output_equal_to_or_containing_the_site_is_refused(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    where: str,
) -> None:
    site = write_site(tmp_path / "site", {"content/posts/rl/good.md": GOOD_POST})
    before = _snapshot(site)
    monkeypatch.chdir(tmp_path)
    output = "site" if where == "site" else "."

    status, stdout, err = run_cli(["build", "--source", "site", "--output", output], capsys)

    assert status == 1
    assert stdout == ""
    assert_one_error_line(err, output, 1, "output")
    assert _snapshot(site) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]
