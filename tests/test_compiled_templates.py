"""Templates compiled by one build are taken by the next (render.compiled_templates),
only while their source is the same; a damaged or unwritable store compiles anew."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest
from conftest import output_tree, post, write_site

from notesite.build import build
from notesite.theme import builtin_theme_dir


def _site(root: Path) -> Path:
    return write_site(root, {"content/posts/rl/td.md": post(body="正文 $x$。")})


@pytest.fixture
def compiles(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the templates Jinja compiles from source."""
    names: list[str] = []
    compile_source = jinja2.Environment.compile

    def counted(self, source, name=None, filename=None, raw=False, defer_init=False):  # type: ignore[no-untyped-def]
        names.append(name)
        return compile_source(self, source, name, filename, raw, defer_init)

    monkeypatch.setattr(jinja2.Environment, "compile", counted)
    return names


def test_the_next_build_compiles_no_template_and_writes_the_same(
    tmp_path: Path, compiles: list[str]
) -> None:
    root, cache = _site(tmp_path / "site"), tmp_path / "cache"
    build(root, tmp_path / "first", cache_dir=cache)
    assert "base.html" in compiles and "post.html" in compiles
    (folder,) = cache.glob("templates-*")
    compiles.clear()
    build(root, tmp_path / "second", cache_dir=cache)
    assert compiles == []
    assert output_tree(tmp_path / "second") == output_tree(tmp_path / "first")
    fresh = build(root, tmp_path / "fresh", cache_dir=tmp_path / "fresh-cache")
    assert fresh.pages and output_tree(tmp_path / "fresh") == output_tree(tmp_path / "second")


def test_an_edited_template_is_compiled_again(tmp_path: Path, compiles: list[str]) -> None:
    root, cache = _site(tmp_path / "site"), tmp_path / "cache"
    build(root, tmp_path / "first", cache_dir=cache)
    base = (builtin_theme_dir() / "templates/base.html").read_text(encoding="utf-8")
    edited = base.replace("</body>", '<p id="edited-footer">新的页脚</p></body>')
    assert edited != base
    (root / "templates").mkdir()
    (root / "templates/base.html").write_text(edited, encoding="utf-8")
    compiles.clear()
    build(root, tmp_path / "second", cache_dir=cache)
    assert compiles == ["base.html"]  # the others are as before
    assert "新的页脚" in (tmp_path / "second/posts/td/index.html").read_text(encoding="utf-8")


def test_damaged_compiled_templates_are_compiled_again(tmp_path: Path) -> None:
    root, cache = _site(tmp_path / "site"), tmp_path / "cache"
    build(root, tmp_path / "first", cache_dir=cache)
    (folder,) = cache.glob("templates-*")
    kept = sorted(folder.iterdir())
    assert kept
    for number, path in enumerate(kept):
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2] if number % 2 else b"\0" * len(data))
    build(root, tmp_path / "second", cache_dir=cache)
    assert output_tree(tmp_path / "second") == output_tree(tmp_path / "first")


def test_a_store_that_cannot_be_made_only_compiles(tmp_path: Path, compiles: list[str]) -> None:
    """A file where the folder goes (permissions would not stop the tests' root user)."""
    root, cache = _site(tmp_path / "site"), tmp_path / "cache"
    build(root, tmp_path / "first", cache_dir=cache)
    (folder,) = cache.glob("templates-*")
    for path in folder.iterdir():
        path.unlink()
    folder.rmdir()
    folder.write_text("not a folder", encoding="utf-8")
    compiles.clear()
    build(root, tmp_path / "second", cache_dir=cache)
    assert "base.html" in compiles and folder.is_file()
    assert output_tree(tmp_path / "second") == output_tree(tmp_path / "first")


def test_a_build_reads_the_note_template_once_not_once_a_note(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whether `post.html` writes a note's HTML in one place is asked of its source once
    per compiled template, not once per note page; an edited template is asked again."""
    files = {f"content/posts/rl/n{i}.md": post(body=f"第 {i} 篇，$x_{i}$。") for i in range(12)}
    root = write_site(tmp_path / "site", files)
    reads: list[str] = []
    get_source = jinja2.FileSystemLoader.get_source

    def counted(self, environment, template):  # type: ignore[no-untyped-def]
        reads.append(template)
        return get_source(self, environment, template)

    monkeypatch.setattr(jinja2.FileSystemLoader, "get_source", counted)
    build(root, tmp_path / "out", cache_dir=tmp_path / "cache", jobs=1)
    assert reads.count("post.html") <= 2  # Jinja's load, and ours
    theme_post = (builtin_theme_dir() / "templates" / "post.html").read_text(encoding="utf-8")
    # A site's own post.html that writes the note's HTML twice: the body is not spliced.
    (root / "templates").mkdir(exist_ok=True)
    (root / "templates" / "post.html").write_text(
        theme_post.replace("{% block content %}", "{% block content %}<!-- twice -->", 1).replace(
            "</article>", "<aside hidden>{{ entry.doc.html | safe }}</aside></article>", 1
        ),
        encoding="utf-8",
    )
    reads.clear()
    build(root, tmp_path / "again", cache_dir=tmp_path / "cache", jobs=1)
    assert reads.count("post.html") <= 2
    before, after = (
        (tmp_path / out / "posts" / "n3" / "index.html").read_text(encoding="utf-8")
        for out in ("out", "again")
    )
    assert after.count("<aside hidden><p>第 3 篇") == 1
    assert after.count("第 3 篇") == before.count("第 3 篇") + 1
