"""What the loader read, kept between builds (loadstore.py): a build reads and parses
again only the notes whose file changed, and a damaged or stale file costs only that."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import BASIC_CONFIG, output_tree, post, record_calls, write_site

import notesite.loader
import notesite.notes
import notesite.pipeline
from notesite import search
from notesite.build import build
from notesite.errors import NotesiteError, fail
from notesite.pages import PageOut
from notesite.pipeline import SitePlan

FILES = {
    f"content/posts/rl/n{i}.md": post(title=f"笔记 {i}", body=f"第 {i} 篇。") for i in range(5)
}


def sources_of_calls(
    monkeypatch: pytest.MonkeyPatch, module: object, name: str, source: Callable[..., Path]
) -> list[str]:
    """The note (`source` of the arguments) of each call of `module.name` from now on;
    the function still runs."""
    seen: list[str] = []
    real = getattr(module, name)

    def counting(*args: object) -> object:
        seen.append(source(*args).as_posix())
        return real(*args)

    monkeypatch.setattr(module, name, counting)
    return seen


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The sources the loader read and parsed (not taken from a memo)."""
    return sources_of_calls(
        monkeypatch, notesite.loader, "_load_post", lambda root, source, *_: source
    )


def test_a_build_parses_only_the_notes_that_changed(tmp_path: Path, parsed: list[str]) -> None:
    root = write_site(tmp_path / "site", FILES)
    cache = tmp_path / "cache"
    build(root, tmp_path / "public", cache_dir=cache)
    assert len(parsed) == 5
    parsed.clear()
    (root / "content/posts/rl/n3.md").write_text(post(title="笔记 3", body="改。"), "utf-8")
    (root / "content/posts/rl/n9.md").write_text(post(title="新", body="新的。"), "utf-8")
    build(root, tmp_path / "public", cache_dir=cache)
    assert sorted(parsed) == ["content/posts/rl/n3.md", "content/posts/rl/n9.md"]
    build(root, tmp_path / "fresh", cache_dir=tmp_path / "fresh-cache")
    assert output_tree(tmp_path / "public") == output_tree(tmp_path / "fresh")


def test_a_config_change_reads_every_note_again(tmp_path: Path, parsed: list[str]) -> None:
    root = write_site(tmp_path / "site", FILES)
    cache = tmp_path / "cache"
    build(root, tmp_path / "public", cache_dir=cache)
    parsed.clear()
    (root / "notesite.yaml").write_text(BASIC_CONFIG + "search: false\n", "utf-8")
    build(root, tmp_path / "public", cache_dir=cache)
    assert len(parsed) == 5


@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage", "other-code"])
def test_a_damaged_or_stale_file_is_ignored(tmp_path: Path, parsed: list[str], damage: str) -> None:
    root = write_site(tmp_path / "site", FILES)
    cache = tmp_path / "cache"
    build(root, tmp_path / "public", cache_dir=cache)
    (kept,) = cache.glob("notes-*.load")
    data = kept.read_bytes()
    head, payload = data.split(b"\n", 1)
    if damage == "truncate":
        kept.write_bytes(data[: len(data) // 2])
    elif damage == "flip":
        kept.write_bytes(data[:-3] + bytes([data[-3] ^ 1]) + data[-2:])
    elif damage == "garbage":
        kept.write_bytes(b"not a pickle at all")
    else:  # written by another version of notesite
        fields = head.split(b" ")
        kept.write_bytes(b" ".join([fields[0], b"0" * 64, fields[2]]) + b"\n" + payload)
    parsed.clear()
    (root / "content/posts/rl/n0.md").write_text(post(title="笔记 0", body="改。"), "utf-8")
    build(root, tmp_path / "public", cache_dir=cache)
    assert len(parsed) == 5  # nothing trusted: every note read again
    build(root, tmp_path / "fresh", cache_dir=tmp_path / "fresh-cache")
    assert output_tree(tmp_path / "public") == output_tree(tmp_path / "fresh")


@pytest.fixture
def keyed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The notes whose note-store key was computed (not taken from the cache)."""
    return sources_of_calls(
        monkeypatch, notesite.notes, "note_key", lambda post, context: post.source
    )


def test_note_keys_are_computed_again_only_for_changed_notes_or_settings(
    tmp_path: Path, keyed: list[str]
) -> None:
    """Each note's key (a hash of its whole text) is kept with what the loader read: a
    build hashes only the notes that changed, and all of them when what rendering reads
    besides the note changes (here the site's base URL, which feed entries' links use)."""
    root = write_site(tmp_path / "site", FILES)
    cache = tmp_path / "cache"
    build(root, tmp_path / "public", cache_dir=cache)
    assert len(keyed) == 5
    keyed.clear()
    (root / "content/posts/rl/n3.md").write_text(post(title="笔记 3", body="改。"), "utf-8")
    build(root, tmp_path / "public", cache_dir=cache)
    assert keyed == ["content/posts/rl/n3.md"]
    keyed.clear()
    build(root, tmp_path / "public", cache_dir=cache, base_url="https://elsewhere.example/")
    assert len(keyed) == 5
    build(
        root,
        tmp_path / "fresh",
        cache_dir=tmp_path / "fresh-cache",
        base_url="https://elsewhere.example/",
    )
    assert output_tree(tmp_path / "public") == output_tree(tmp_path / "fresh")


def test_what_the_loader_read_is_kept_while_pagefind_indexes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The load store is written while the pages render (beside them, once the first is
    in), before the build waits for Pagefind; a build that fails before any page is in
    does not write it, and the next build reads the edited note again."""
    events: list[str] = []
    real_render = SitePlan.render_page
    record_calls(monkeypatch, events, notesite.pipeline, "write_loaded", "kept")
    record_calls(monkeypatch, events, search.BuildIndex, "write", "waited")
    record_calls(monkeypatch, events, SitePlan, "render_page", "page")
    root = write_site(tmp_path / "site", FILES)
    cache, out = tmp_path / "cache", tmp_path / "public"
    build(root, out, cache_dir=cache, jobs=1)
    assert events.count("kept") == events.count("waited") == 1
    assert events.index("page") < events.index("kept") < events.index("waited")
    events.clear()

    def failing(plan: SitePlan, page: PageOut) -> bytes:
        raise fail(root / "templates", 1, "template error: out of cheese")

    monkeypatch.setattr(SitePlan, "render_page", failing)
    note = root / "content/posts/rl/n2.md"
    note.write_text(note.read_text(encoding="utf-8") + "\n又一段。\n", encoding="utf-8")
    with pytest.raises(NotesiteError):
        build(root, out, cache_dir=cache, jobs=1)
    assert "kept" not in events
    monkeypatch.setattr(SitePlan, "render_page", real_render)
    build(root, out, cache_dir=cache, jobs=1)
    build(root, tmp_path / "fresh", jobs=1)
    assert output_tree(out) == output_tree(tmp_path / "fresh")
