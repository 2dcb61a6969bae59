"""An untidy notes repository: every mistake is one `path:line: message` from `build`,
`check` and `serve`, with a non-zero exit and the previous output untouched; inputs that
are merely unusual build. (More error cases, one per kind, are in test_errors.py.)"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import BASIC_CONFIG, parse_html, post, write_site
from test_errors import GOOD_POST, assert_one_error_line, run_cli

from notesite.serve.state import LiveSite
from notesite.writer import MANIFEST


@dataclass(frozen=True)
class Link:
    """A symbolic link to `target` (written as given, relative to the link's folder)."""

    target: str


def _nine_times(name: str, item: str) -> str:
    return f"{name}: &{name} [{', '.join([item] * 9)}]"


# Nine levels of nine aliases each: 9**9 (387 million) strings once expanded.
ALIAS_BOMB = "\n".join(
    [_nine_times("a", '"lol"')]
    + [_nine_times(chr(ord("a") + i), f"*{chr(ord('a') + i - 1)}") for i in range(1, 9)]
)

POST = "content/posts/rl/a.md"
TEMPLATE = "templates/post.html"


def note(front: str, body: str = "正文。\n") -> str:
    return f"---\n{front}\n---\n\n{body}"


# (id, files, path, line, fragment of the message). Lines were read off the inputs:
# front matter starts on line 2.
ERROR_CASES = [
    ("yaml-unclosed-quote", {POST: note('title: "abc\ndate: 2026-01-11')}, POST, 3, "yaml"),
    ("yaml-bad-indentation", {POST: note("title: a\n  date: b: c")}, POST, 3, "yaml"),
    ("yaml-tab-indentation", {POST: note("title: a\ntags:\n\t- x")}, POST, 4, "yaml"),
    ("yaml-unclosed-flow-list", {POST: note("tags: [a, b\ntitle: a")}, POST, 3, "yaml"),
    ("front-matter-is-a-scalar", {POST: note("just a sentence")}, POST, 2, "mapping"),
    (
        "front-matter-never-closed",
        {POST: "---\ntitle: a\ndate: 2026-01-11\n\n正文\n"},
        POST,
        1,
        "closed",
    ),
    (
        "duplicate-key",
        {POST: note("title: 一\ndate: 2026-01-11\ntitle: 二")},
        POST,
        4,
        "duplicate key 'title' (first on line 2)",
    ),
    ("title-is-a-number", {POST: note("title: 2048\ndate: 2026-01-11")}, POST, 2, "string"),
    ("title-is-a-list", {POST: note("title: [a, b]\ndate: 2026-01-11")}, POST, 2, "string"),
    ("title-is-empty", {POST: note('title: ""\ndate: 2026-01-11')}, POST, 1, "missing title"),
    ("impossible-date", {POST: note("title: a\ndate: 2026-02-30")}, POST, 3, "2026-02-30"),
    (
        "impossible-offset",
        {POST: note("title: a\ndate: 2026-01-11T10:00:00+25:00")},
        POST,
        3,
        "+25:00",
    ),
    (
        "yaml-python-object-tag",
        {POST: note('title: !!python/object/apply:os.system ["touch pwned"]\ndate: 2026-01-11')},
        POST,
        2,
        "python/object/apply:os.system",
    ),
    (
        "yaml-python-name-tag",
        {POST: note("title: a\ndate: 2026-01-11\ntags: !!python/name:os.system")},
        POST,
        4,
        "python/name:os.system",
    ),
    (
        "yaml-alias-bomb",
        {POST: note(f"title: a\ndate: 2026-01-11\n{ALIAS_BOMB}")},
        POST,
        9,  # the alias whose expansion passes the limit
        "aliases expand",
    ),
    (
        "yaml-recursive-alias",
        {POST: note("title: &t [*t]\ndate: 2026-01-11")},
        POST,
        2,
        "recursive",
    ),
    (
        "binary-file-named-md",
        {POST: bytes(range(256)) * 8},
        POST,
        2,  # the first byte that is not UTF-8 (0x80) comes after one newline (0x0a)
        "not utf-8",
    ),
    (
        "gbk-encoded",
        {POST: note("title: 中文\ndate: 2026-01-11").encode("gbk")},
        POST,
        2,
        "not utf-8",
    ),
    ("dangling-symlink", {POST: Link("gone.md")}, POST, 1, "broken symbolic link"),
    (
        "symlink-loop",
        {POST: Link("a.md")},
        POST,
        1,
        "loop",
    ),
    (
        "file-name-not-utf8",  # a zip made with a GBK code page: 笔记 in GBK bytes
        {os.fsdecode(b"content/posts/rl/\xb1\xca\xbc\xc7.md"): GOOD_POST},
        "content/posts/rl/\ufffd\u02bc\ufffd.md",  # \xca\xbc happens to be UTF-8 (ʼ)
        1,
        "file name is not utf-8",
    ),
    (
        "file-name-with-a-newline",
        {"content/posts/rl/a\nb.md": GOOD_POST},
        "content/posts/rl/a\\nb.md",
        1,
        "control character",
    ),
    (
        "template-syntax-error",
        {
            TEMPLATE: "{% extends 'base.html' %}\n{% block content %}\n{{ post.title \n{% endblock %}\n"
        },
        TEMPLATE,
        4,
        "template error",
    ),
    (
        "template-undefined-variable",
        {
            TEMPLATE: "{% extends 'base.html' %}\n{% block content %}\n\n{{ nope }}\n{% endblock %}\n"
        },
        TEMPLATE,
        4,
        "'nope' is undefined",
    ),
    (
        "template-runtime-error",  # raised by Python, not Jinja: still the template's line
        {
            TEMPLATE: "{% extends 'base.html' %}\n{% block content %}\n\n{{ 1 // 0 }}\n{% endblock %}\n"
        },
        TEMPLATE,
        4,
        "template error: ZeroDivisionError: integer division or modulo by zero",
    ),
    (
        "config-duplicate-key",
        {"notesite.yaml": BASIC_CONFIG + "page_size: 3\n"},
        "notesite.yaml",
        BASIC_CONFIG.count("\n") + 1,
        f"duplicate key 'page_size' (first on line {BASIC_CONFIG.splitlines().index('page_size: 2') + 1})",
    ),
]

# Template errors show when a page is rendered, which `check` does not do.
RENDERED_ONLY = {"template-syntax-error", "template-undefined-variable", "template-runtime-error"}


def write_files(root: Path, files: dict[str, str | bytes | Link]) -> None:
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
        if isinstance(content, Link):
            path.symlink_to(content.target)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


@pytest.fixture(scope="module")
def good_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The output of the good site, built once; each case starts from a copy of it."""
    from notesite.build import build

    root = write_site(tmp_path_factory.mktemp("good"), {"content/posts/rl/good.md": GOOD_POST})
    out = tmp_path_factory.mktemp("good-public") / "public"
    build(root, out, cache_dir=tmp_path_factory.mktemp("cache"))
    return out


@pytest.mark.parametrize(
    ("case_id", "files", "path", "line", "fragment"),
    [pytest.param(*case, id=case[0]) for case in ERROR_CASES],
)
def test_bad_input_is_one_line_everywhere_and_keeps_the_output(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    good_output: Path,
    case_id: str,
    files: dict[str, str | bytes | Link],
    path: str,
    line: int,
    fragment: str,
) -> None:
    site = write_site(tmp_path / "site", {"content/posts/rl/good.md": GOOD_POST})
    write_files(site, files)
    out = tmp_path / "public"
    shutil.copytree(good_output, out, symlinks=True)
    before = snapshot(out)
    monkeypatch.chdir(site)

    status, stdout, err = run_cli(["build", "--output", str(out)], capsys)
    assert (status, stdout) == (1, "")
    message = assert_one_error_line(err, path, line, fragment)
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["public", "site"]  # no staging left

    if case_id not in RENDERED_ONLY:
        status, stdout, _ = run_cli(["check"], capsys)
        assert status == 1
        assert stdout.splitlines() == [f"{path}:{line}: {message}"]

    live = LiveSite(Path("."), drafts=True, cache_dir=tmp_path / "serve-cache")
    try:
        result = live.refresh({"posts/good/index.html"})
    finally:
        live.close()
    assert result.error == f"{path}:{line}: {message}"  # the overlay's text


def test_a_python_tag_runs_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    marker = tmp_path / "pwned"
    front = f'title: !!python/object/apply:os.system ["touch {marker}"]\ndate: 2026-01-11'
    site = write_site(tmp_path / "site", {POST: note(front)})
    assert run_cli(["build", "--source", str(site), "--output", str(tmp_path / "o")], capsys)[0]
    assert not marker.exists()


# ---------------------------------------------------------------- inputs that must work

DEEP = 45  # deeper than any note; within markdown-it's limit of 100 (a list level is 2)

HARD_NOTES: dict[str, str | bytes] = {
    "content/posts/rl/bom.md": "\ufeff" + post("带 BOM 的笔记", body="BOM 正文。"),
    "content/posts/rl/crlf.md": post("CRLF 笔记", body="第一行\n\n第二段\n").replace("\n", "\r\n"),
    "content/posts/rl/fence.md": post(
        "未闭合代码块", body="前文。\n\n```python\nx = 1\n\n## 不是标题\n"
    ),
    "content/posts/rl/display.md": post("未闭合公式", body="前文。\n\n$$\nx = 1\n\n后文。\n"),
    "content/posts/rl/align.md": post(
        "未闭合环境", body="前文。\n\n\\begin{align}\na &= b \\\\\n\n后文。\n"
    ),
    "content/posts/rl/lists.md": post(
        "深层列表", body="".join("  " * i + f"- 第 {i} 层\n" for i in range(DEEP))
    ),
    "content/posts/rl/quotes.md": post("深层引用", body="> " * DEEP + "最里面。\n"),
    "content/posts/rl/formulas.md": post(
        "五千个公式", body="\n\n".join(f"公式 $x_{{{i % 50}}}$ 与 $y$。" for i in range(2500))
    ),
    "content/posts/rl/table.md": post(
        "两万行表格",
        body="| n | 值 |\n|---|---|\n" + "".join(f"| {i} | $v_{i % 7}$ |\n" for i in range(20000)),
    ),
}


@pytest.fixture(scope="module")
def hard_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from notesite.build import build

    config = BASIC_CONFIG.replace("\n", "\r\n")  # CRLF in notesite.yaml too
    root = write_site(tmp_path_factory.mktemp("hard"), {}, config=config)
    for relative, text in HARD_NOTES.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    out = tmp_path_factory.mktemp("hard-public") / "public"
    result = build(root, out, cache_dir=tmp_path_factory.mktemp("cache"))
    assert result.warnings == ()
    return out


def page(out: Path, slug: str):
    return parse_html(out / f"posts/{slug}/index.html")


def test_bom_and_crlf_notes_and_config_read_as_usual(hard_site: Path) -> None:
    assert page(hard_site, "bom").css_first("h1").text() == "带 BOM 的笔记"
    crlf = page(hard_site, "crlf")
    assert crlf.css_first("h1").text() == "CRLF 笔记"
    assert [p.text() for p in crlf.css(".post-body p")] == ["第一行", "第二段"]
    assert "测试站点" in crlf.css_first("title").text()


def test_an_unclosed_fence_runs_to_the_end_of_the_note(hard_site: Path) -> None:
    body = page(hard_site, "fence").css_first(".post-body")
    assert body.css_first("pre code").text().rstrip() == "x = 1\n\n## 不是标题"
    assert body.css("h2") == []


@pytest.mark.parametrize(("slug", "opening"), [("display", "$$"), ("align", "\\begin{align}")])
def test_unclosed_display_math_stays_text(hard_site: Path, slug: str, opening: str) -> None:
    body = page(hard_site, slug).css_first(".post-body")
    assert body.css(".math") == []
    assert opening in body.text()
    assert "后文。" in body.text()


def test_deeply_nested_lists_and_quotes(hard_site: Path) -> None:
    lists = page(hard_site, "lists").css_first(".post-body")
    assert len(lists.css("li")) == DEEP
    assert len(lists.css("ul")) == DEEP
    quotes = page(hard_site, "quotes").css_first(".post-body")
    assert len(quotes.css("blockquote")) == DEEP
    assert "最里面。" in quotes.text()


def test_five_thousand_formulas_in_one_note(hard_site: Path) -> None:
    formulas = page(hard_site, "formulas").css(".post-body .math")
    assert len(formulas) == 5000
    assert all(node.css_first(".katex") is not None for node in formulas)


def test_a_table_of_twenty_thousand_rows(hard_site: Path) -> None:
    rows = page(hard_site, "table").css(".post-body tbody tr")
    assert len(rows) == 20000
    assert rows[-1].css_first("td").text() == "19999"


# -------------------------------------------------- nothing from outside the site folder

SECRET = "secret-from-outside-the-site"


def test_links_images_and_symlinks_out_of_the_site_are_warnings_and_never_copied(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "secret.txt").write_text(SECRET)
    up = "../../../../secret.txt"  # from content/posts/rl/ to tmp_path
    body = (
        f"[相对]({up})\n\n![图]({up})\n\n[绝对]({tmp_path}/secret.txt)\n\n"
        f'![文件](file://{tmp_path}/secret.txt)\n\n![[{up}]]\n\n<img src="{up}" alt="图">\n'
    )
    site = write_site(tmp_path / "site", {POST: post("外链", body=body)})
    (site / "content/posts/rl/leak.png").symlink_to(tmp_path / "secret.txt")
    (site / "static").mkdir()
    (site / "static/leak.css").symlink_to(tmp_path / "secret.txt")
    (site / "static/inside.css").symlink_to(site / "notesite.yaml")  # inside: allowed
    out = tmp_path / "public"

    status, _, err = run_cli(["build", "--source", str(site), "--output", str(out)], capsys)

    assert status == 0
    assert "Traceback" not in err
    assert set(err.splitlines()) == {
        f"{site}/content/posts/rl/a.md:6: warning: link to a file outside the site (not copied): {up}",
        f"{site}/content/posts/rl/a.md:8: warning: link to a file outside the site (not copied): {up}",
        f"{site}/content/posts/rl/a.md:12: warning: link to a file outside the site (not copied): "
        f"file://{tmp_path}/secret.txt",
        f"{site}/content/posts/rl/a.md:14: warning: wikilink to a missing note: ![[{up}]]",
        f"{site}/content/posts/rl/leak.png:1: warning: symbolic link to a file outside the site (not used)",
        f"{site}/static/leak.css:1: warning: symbolic link to a file outside the site (not used)",
    }
    leaked = [path for path, data in snapshot(out).items() if SECRET.encode() in data]
    assert leaked == []
    assert (out / "static/inside.css").read_bytes() == (site / "notesite.yaml").read_bytes()
    assert not (out / "static/leak.css").exists() and not (out / "posts/rl/leak.png").exists()


# --------------------------------------------------- never delete what notesite did not write


def test_a_folder_notesite_did_not_write_is_refused_unless_forced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = write_site(tmp_path / "site", {"content/posts/rl/good.md": GOOD_POST})
    documents = tmp_path / "Documents"
    (documents / "important").mkdir(parents=True)
    (documents / "important/thesis.tex").write_text("\\documentclass{article}")
    command = ["build", "--source", str(site), "--output", str(documents)]

    status, stdout, err = run_cli(command, capsys)

    assert (status, stdout) == (1, "")
    assert_one_error_line(err, str(documents), 1, "--force")
    assert snapshot(documents) == {"important/thesis.tex": b"\\documentclass{article}"}

    assert run_cli([*command, "--force"], capsys)[0] == 0
    assert not (documents / "important").exists()
    assert (documents / "posts/good/index.html").is_file() and (documents / MANIFEST).is_file()
    assert run_cli(command, capsys)[0] == 0  # now it is ours: no --force needed


@pytest.mark.parametrize("before", ["empty", "missing"])
def test_an_empty_or_missing_output_folder_is_used_as_before(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], before: str
) -> None:
    site = write_site(tmp_path / "site", {"content/posts/rl/good.md": GOOD_POST})
    out = tmp_path / "public"
    if before == "empty":
        out.mkdir()
    assert run_cli(["build", "--source", str(site), "--output", str(out)], capsys)[0] == 0
    assert (out / "posts/good/index.html").is_file()


@pytest.mark.parametrize("inside", ["content", "content/posts", "static/out", "templates"])
def test_an_output_among_the_sources_is_refused_even_with_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], inside: str
) -> None:
    site = write_site(
        tmp_path / "site", {"content/posts/rl/good.md": GOOD_POST, "templates/x.html": "x"}
    )
    before = snapshot(site)
    output = site / inside
    command = ["build", "--source", str(site), "--output", str(output), "--force"]

    status, stdout, err = run_cli(command, capsys)

    assert (status, stdout) == (1, "")
    assert_one_error_line(err, str(output), 1, f"inside the site's {inside.split('/')[0]}/")
    assert snapshot(site) == before
