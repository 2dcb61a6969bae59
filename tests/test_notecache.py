"""The note store on its own: entries written only at commit, pruned after builds without
use, and saves while serving do not count as builds."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest

from notesite.markdown import MarkdownRenderer
from notesite.mathrender import client_markup
from notesite.notecache import HEADS_AT_ONCE, KEEP_UNUSED_BUILDS, NoteResult, NoteStore


def result(text: str) -> NoteResult:
    renderer = MarkdownRenderer(client_markup)
    parsed = renderer.parse(text)
    page = renderer.render(parsed)
    return NoteResult(parsed.facts, page, None, (), (), ())


def test_entries_appear_only_after_commit(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite"
    store = NoteStore(path)
    # Stored now, in the open transaction (a build): put gives the head as stored.
    assert store.put("a", result("正文")) is not None
    # Kept in memory (a save while serving).
    assert store.put("b", result("另一篇"), now=False) is None
    assert store.get("a") is not None and store.get("b") is not None  # this process
    assert NoteStore(path).get("a") is None  # another process sees nothing yet
    assert NoteStore(path).get("b") is None
    store.commit()
    found = NoteStore(path).get("a")
    assert found is not None and found.page.html == result("正文").page.html
    assert NoteStore(path).get("b") is not None


def test_the_head_put_gives_back_holds_no_second_copy_of_its_text(tmp_path: Path) -> None:
    """Pickling a str makes CPython keep its UTF-8 form inside it: a build keeps the
    head read back from its row instead, whose strings are single copies."""
    whole = result("强化学习的**价值函数**与策略梯度。" * 20)
    head = NoteStore(tmp_path / "notes.sqlite").put("a", whole)
    assert head is not None and head.page.summary_html == whole.page.summary_html
    assert head.facts == whole.facts and head.page.html == ""

    def single_copy(text: str) -> bool:
        return sys.getsizeof(text) == sys.getsizeof("".join(list(text)))

    assert not head.page.summary_html.isascii()
    assert single_copy(head.page.summary_html) and single_copy(head.page.summary_text)
    assert not single_copy(whole.page.summary_html)  # the pickled one has its copy


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


def test_heads_reads_many_entries_at_once_and_skips_damaged_ones(tmp_path: Path) -> None:
    """`heads` (a build reads every note's head) finds what `get(key, body=False)` finds,
    over more keys than one query takes, and leaves out a damaged row."""
    path = tmp_path / "notes.sqlite"
    store = NoteStore(path)
    keys = [f"note-{number}" for number in range(HEADS_AT_ONCE + 7)]
    made = result("正文 $x$")
    for key in keys:
        store.put(key, made)
    store.commit()
    store.put("pending", result("未提交"), now=False)
    store.db.execute("UPDATE notes SET payload = substr(payload, 1, 20) WHERE key = 'note-3'")
    store.db.execute("UPDATE notes SET payload = x'00' || payload WHERE key = 'note-600'")
    store.db.commit()

    reader = NoteStore(path)
    found = reader.heads([*keys, "absent"])

    damaged = {"note-3", "note-600"}
    assert sorted(found) == sorted(set(keys) - damaged)
    for key in ("note-0", f"note-{HEADS_AT_ONCE + 6}"):
        assert found[key] == reader.get(key, body=False)
        assert found[key].page.summary_html == made.page.summary_html != ""
        assert found[key].page.html == ""  # a head: the page's HTML is a row of its own
    assert all(reader.get(key, body=False) is None for key in damaged)
    assert set(store.heads(["pending", "note-1"])) == {"pending", "note-1"}


def _heads_read(path: Path, text: str) -> NoteStore:
    """A store that read the heads (as a build does) after entry "a" of `text` was
    stored and committed by another."""
    writer = NoteStore(path)
    writer.put("a", result(text))
    writer.commit()
    reader = NoteStore(path)
    assert set(reader.heads(["a"])) == {"a"}
    return reader


def test_a_head_read_once_is_not_read_again_for_its_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build reads every head (`heads`); a page's worker then reads only its note's
    HTML row, not the head's row again."""
    store = _heads_read(tmp_path / "notes.sqlite", "正文 $x$")
    tables: list[str] = []
    load = NoteStore._load
    monkeypatch.setattr(
        NoteStore, "_load", lambda self, table, key: tables.append(table) or load(self, table, key)
    )
    found = store.get("a", feed=False, encoded=True, lazy=True)
    assert (
        found is not None and b"".join(found.page.pieces()) == result("正文 $x$").page.html.encode()
    )
    assert tables == []


def test_a_head_read_before_its_entry_changed_does_not_serve_the_new_html(tmp_path: Path) -> None:
    """Another process stored other HTML under the key after this one read the head
    (kept in `heads_known`): the head is never paired with HTML it does not describe;
    the row fails the head's checksum, and the entry is a miss (rendered again)."""
    path = tmp_path / "notes.sqlite"
    reader = _heads_read(path, "第一版")
    other = NoteStore(path)
    other.put("a", result("第二版，更长的正文"))
    other.commit()
    assert reader.get("a", feed=False, encoded=True, lazy=True) is None
    assert reader.get("a", feed=False, encoded=True) is None


def test_a_builds_store_copies_its_log_into_the_file_only_when_asked(tmp_path: Path) -> None:
    """A build's connection leaves a long write-ahead log after its commit (SQLite would
    copy it into the database file there, with both cores waiting) and copies it while
    pages render (`checkpoint`); meanwhile and after, every entry reads back whole."""
    path = tmp_path / "notes.sqlite"
    log = path.with_name(path.name + "-wal")
    store = NoteStore(path)
    store.defer_checkpoints()
    draw = random.Random(7)  # text that packing cannot shrink: the log's size is the data's
    characters = [chr(code) for code in range(0x4E00, 0x9FA5)]
    texts = {f"n{i}": "".join(draw.choices(characters, k=200_000)) for i in range(10)}
    for key, text in texts.items():
        store.put(key, result(text))
    store.commit()
    # Far past SQLite's 1,000-page checkpoint: the entries are still in the log only.
    assert log.stat().st_size > 4_000_000 > path.stat().st_size
    reader = NoteStore(path)  # a page worker's connection reads through the log
    assert reader.get("n3") is not None
    store.checkpoint()
    assert path.stat().st_size > 4_000_000
    reader.close()
    store.close()
    again = NoteStore(path)
    for key, text in texts.items():
        found = again.get(key)
        assert found is not None and found.page.html == result(text).page.html
