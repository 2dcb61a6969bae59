"""`notesite check`: each planted defect is reported with path:line in all three formats."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import BASIC_CONFIG, output_tree, post, write_site

from notesite.build import build
from notesite.cli import main
from notesite.markdown import MarkdownRenderer

GOOD = {
    "content/posts/rl/td.md": post(
        title="时序差分", body="## 更新规则\n\n见 [贝尔曼](bellman.md#推导)。\n"
    ),
    "content/posts/rl/bellman.md": post(title="贝尔曼", body="## 推导\n\n正文。\n"),
}

DEFECTS = [
    # (id, files to add or replace, expected path, line, severity, message start)
    (
        "unclosed-strong-emphasis",
        {
            "content/posts/rl/td.md": post(
                title="时序差分", body="正文。\n\n第一行\n第二行 **没有关上\n"
            )
        },
        "content/posts/rl/td.md",
        9,
        "warning",
        "'**' opens or closes nothing and shows as written",
    ),
    (
        "wikilink-to-nothing",
        {"content/posts/rl/td.md": post(title="时序差分", body="见 [[没有这篇]]。\n")},
        "content/posts/rl/td.md",
        6,
        "warning",
        "wikilink to a missing note: [[没有这篇]]",
    ),
    (
        "ambiguous-wikilink",
        {
            "content/posts/cv/bellman.md": post(title="另一个", body="正文。\n", slug="b2"),
            "content/posts/rl/td.md": post(title="时序差分", body="正文。\n\n见 [[bellman]]。\n"),
        },
        "content/posts/rl/td.md",
        8,
        "warning",
        "ambiguous wikilink [[bellman]]: content/posts/cv/bellman.md, content/posts/rl/bellman.md",
    ),
    (
        "wikilink-to-a-missing-heading",
        {"content/posts/rl/td.md": post(title="时序差分", body="见 [[bellman#不存在]]。\n")},
        "content/posts/rl/td.md",
        6,
        "error",
        "link to a missing anchor #不存在 in content/posts/rl/bellman.md",
    ),
    (
        "label-in-two-notes",
        {
            "content/posts/rl/bellman.md": post(
                title="贝尔曼", body="## 推导\n\n$$\nv = r \\label{eq:v}\n$$\n"
            ),
            "content/posts/rl/td.md": post(
                title="时序差分", body="## 更新规则\n\n$$\nv = 1 \\label{eq:v}\n$$\n"
            ),
        },
        "content/posts/rl/td.md",
        8,
        "warning",
        "\\label{eq:v} is also defined in content/posts/rl/bellman.md",
    ),
    (
        "missing-anchor-in-other-note",
        {
            "content/posts/rl/td.md": post(
                title="时序差分", body="见 [贝尔曼](bellman.md#不存在)。\n"
            )
        },
        "content/posts/rl/td.md",
        6,
        "error",
        "link to a missing anchor #不存在 in content/posts/rl/bellman.md",
    ),
    (
        "missing-anchor-on-same-page",
        {"content/posts/rl/td.md": post(title="时序差分", body="正文\n\n[上面](#没有这节)\n")},
        "content/posts/rl/td.md",
        8,
        "error",
        "link to a missing anchor #没有这节",
    ),
    (
        "missing-file",
        {"content/posts/rl/td.md": post(title="时序差分", body="![图](missing.png)\n")},
        "content/posts/rl/td.md",
        6,
        "warning",
        "link to a missing file: missing.png",
    ),
    (
        "image-without-alt",
        {
            "content/posts/rl/td.md": post(title="时序差分", body="正文\n\n![](fig.png)\n"),
            "content/posts/rl/fig.png": "png",
        },
        "content/posts/rl/td.md",
        8,
        "warning",
        "image without alt text: fig.png",
    ),
    (
        "raw-img-without-alt",
        {
            "content/posts/rl/td.md": post(
                title="时序差分",
                body='正文\n\n<p>图 <img src="fig.png"> 与 <img src="fig.png" alt=""></p>\n',
            ),
            "content/posts/rl/fig.png": "png",
        },
        "content/posts/rl/td.md",
        8,
        "warning",
        "image without alt text: fig.png",
    ),
    (
        "invalid-tex",
        {"content/posts/rl/td.md": post(title="时序差分", body="坏公式 $\\frac{a$。\n")},
        "content/posts/rl/td.md",
        6,
        "warning",
        "KaTeX error:",
    ),
    (
        "bad-date",
        {"content/posts/rl/td.md": "---\ntitle: 时序差分\ndate: 2026-13-45\n---\n"},
        "content/posts/rl/td.md",
        3,
        "error",
        "date: invalid date",
    ),
    (
        "duplicate-url",
        {"content/posts/cv/td.md": post(title="另一个 TD")},
        "content/posts/rl/td.md",
        1,
        "error",
        "URL /posts/td/ is also the URL of content/posts/cv/td.md",
    ),
    (
        "unknown-config-key",
        {"notesite.yaml@": "bad-key"},
        "notesite.yaml",
        14,
        "error",
        "unknown key 'titel'",
    ),
    (
        "missing-ui-strings",
        {"templates/i18n/en.yaml": "latest_updates: Newest\n", "notesite.yaml@": "ja"},
        "templates/i18n/ja.yaml",
        1,
        "warning",
        "",
    ),
    (
        "unknown-equation-reference",
        {
            "content/posts/rl/td.md": post(
                title="时序差分", body="## 更新规则\n\n由 \\eqref{eq:td} 可知。\n"
            )
        },
        "content/posts/rl/td.md",
        8,
        "warning",
        "unknown equation reference \\eqref{eq:td}: no \\label{eq:td} in this note or any other zh note",
    ),
]


def plant(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        if name == "notesite.yaml@" and text == "bad-key":
            with (root / "notesite.yaml").open("a", encoding="utf-8") as config_file:
                config_file.write("titel: typo\n")
            continue
        if name == "notesite.yaml@":
            config = (root / "notesite.yaml").read_text(encoding="utf-8")
            (root / "notesite.yaml").write_text(
                config.replace(
                    "  en: {name: English, locale: en}\n",
                    "  en: {name: English, locale: en}\n  ja: {name: 日本語, locale: ja}\n",
                ),
                encoding="utf-8",
            )
            continue
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_clean_site_passes(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(write_site(tmp_path / "site", GOOD, BASIC_CONFIG))
    assert main(["check"]) == 0
    assert capsys.readouterr().out == ""
    assert not (tmp_path / "site/public").exists()  # check writes nothing


@pytest.mark.parametrize(
    ("files", "path", "line", "severity", "message"),
    [pytest.param(*case[1:], id=case[0]) for case in DEFECTS],
)
def test_each_defect_in_every_format(
    tmp_path: Path, capsys, monkeypatch, files, path, line, severity, message
) -> None:
    root = write_site(tmp_path / "site", GOOD, BASIC_CONFIG)
    plant(root, files)
    monkeypatch.chdir(root)
    status = 1 if severity == "error" else 0

    assert main(["check"]) == status
    text = capsys.readouterr().out.strip().splitlines()
    prefix = f"{path}:{line}: " + ("warning: " if severity == "warning" else "")
    assert len(text) == 1 and text[0].startswith(prefix + message), text

    assert main(["check", "--format", "github"]) == status
    github = capsys.readouterr().out.strip().splitlines()
    assert len(github) == 1 and github[0].startswith(
        f"::{severity} file={path},line={line}::{message}"
    )

    assert main(["check", "--format", "json"]) == status
    [row] = json.loads(capsys.readouterr().out)
    assert (row["path"], row["line"], row["severity"]) == (path, line, severity)
    assert row["message"].startswith(message)

    assert main(["check", "--strict"]) == 1  # warnings fail with --strict
    capsys.readouterr()


def test_check_shares_the_build_cache_both_ways(tmp_path: Path, capsys, monkeypatch) -> None:
    """`check` in a pull request after a build (or before one) renders only the notes the
    cache does not know, says what a check from nothing says, and leaves its notes for
    the next build, which then equals a fresh build."""
    parses: list[str] = []
    real_parse = MarkdownRenderer.parse

    def parse(renderer: MarkdownRenderer, *args, **kwargs):  # type: ignore[no-untyped-def]
        parses.append(kwargs.get("title", ""))
        return real_parse(renderer, *args, **kwargs)

    monkeypatch.setattr(MarkdownRenderer, "parse", parse)
    files = {**GOOD, "content/posts/rl/td.md": post(title="时序差分", body="见 [[没有这篇]]。\n")}
    root = write_site(tmp_path / "site", files, BASIC_CONFIG)
    cache = tmp_path / "cache"
    build(root, tmp_path / "public", cache_dir=cache, jobs=1)
    parses.clear()
    monkeypatch.chdir(root)
    assert main(["check", "--cache-dir", str(cache), "--jobs", "1", "--format", "json"]) == 0
    assert parses == []  # every note from the build's cache
    from_cache = json.loads(capsys.readouterr().out)
    assert main(["check", "--cache-dir", str(tmp_path / "empty"), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == from_cache
    assert [row["message"] for row in from_cache] == ["wikilink to a missing note: [[没有这篇]]"]
    plant(root, {"content/posts/rl/bellman.md": post(title="贝尔曼", body="## 推导\n\n改过。\n")})
    parses.clear()
    assert main(["check", "--cache-dir", str(cache), "--jobs", "1"]) == 0
    assert parses == ["贝尔曼"]  # the edited note alone
    result = build(root, tmp_path / "public", cache_dir=cache, jobs=1)
    assert result.notes_rendered == 0  # check left it in the cache
    build(root, tmp_path / "fresh", cache_dir=tmp_path / "fresh-cache", jobs=1)
    assert output_tree(tmp_path / "public") == output_tree(tmp_path / "fresh")
