"""The note store on its own: entries written only at commit, pruned after builds without
use, and saves while serving do not count as builds."""

from __future__ import annotations

from pathlib import Path

from notesite.markdown import MarkdownRenderer
from notesite.mathrender import client_markup
from notesite.notecache import KEEP_UNUSED_BUILDS, NoteResult, NoteStore


def result(text: str) -> NoteResult:
    renderer = MarkdownRenderer(client_markup)
    parsed = renderer.parse(text)
    page = renderer.render(parsed)
    return NoteResult(parsed.facts, page, None, (), (), ())


def test_entries_appear_only_after_commit(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite"
    store = NoteStore(path)
    store.put("a", result("正文"))  # stored now, in the open transaction (a build)
    store.put("b", result("另一篇"), now=False)  # kept in memory (a save while serving)
    assert store.holds("a") and not store.holds("b")
    assert store.get("a") is not None and store.get("b") is not None  # this process
    assert NoteStore(path).get("a") is None  # another process sees nothing yet
    assert NoteStore(path).get("b") is None
    store.commit()
    found = NoteStore(path).get("a")
    assert found is not None and found.page.html == result("正文").page.html
    assert NoteStore(path).get("b") is not None


def test_unused_entries_go_after_some_builds_and_saves_are_not_builds(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite"
    first = NoteStore(path)
    first.put("old", result("旧"))
    first.put("kept", result("留"))
    first.commit()
    serving = NoteStore(path)
    for _ in range(KEEP_UNUSED_BUILDS * 3):  # many saves while serving, using "kept" only
        serving.get("kept")
        serving.commit(prune=False)
    assert NoteStore(path).get("old") is not None
    for _ in range(KEEP_UNUSED_BUILDS + 1):
        build = NoteStore(path)
        assert build.get("kept") is not None
        build.commit()
    assert NoteStore(path).get("old") is None
    assert NoteStore(path).get("kept") is not None
