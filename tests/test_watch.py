"""The watcher's debounce: which events start a rebuild, and how soon."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from watchdog.events import FileClosedEvent, FileModifiedEvent

from notesite.serve.watch import Debouncer, watch


def _debouncer(delay: float) -> tuple[Debouncer, list[set[Path]], threading.Event]:
    calls: list[set[Path]] = []
    fired = threading.Event()

    def callback(paths: set[Path]) -> None:
        calls.append(paths)
        fired.set()

    return Debouncer(callback, delay, ignore=[]), calls, fired


def test_a_closed_file_ends_the_save_at_once(tmp_path: Path) -> None:
    debouncer, calls, fired = _debouncer(delay=30.0)  # a quiet period the test never waits out
    note = tmp_path / "content" / "a.md"
    debouncer.on_any_event(FileModifiedEvent(str(note)))
    debouncer.on_any_event(FileClosedEvent(str(note)))
    assert fired.wait(5)
    assert calls == [{note}]


def test_other_events_wait_for_the_quiet_period(tmp_path: Path) -> None:
    debouncer, calls, fired = _debouncer(delay=0.3)
    note = tmp_path / "content" / "a.md"
    started = time.monotonic()
    debouncer.on_any_event(FileModifiedEvent(str(note)))
    assert not fired.wait(0.1)  # still quiet-waiting
    assert fired.wait(5)
    assert time.monotonic() - started >= 0.3
    assert calls == [{note}]


def test_editor_scratch_files_start_nothing(tmp_path: Path) -> None:
    debouncer, calls, fired = _debouncer(delay=0.0)
    for name in (".a.md.swp", "a.md~", "4913"):
        debouncer.on_any_event(FileClosedEvent(str(tmp_path / name)))
    assert not fired.wait(0.2)
    assert calls == []


def test_one_save_is_one_rebuild(tmp_path: Path) -> None:
    """A real save through the real watcher: the folder's own "modified" event, which
    watchdog reports after the file is closed, starts no second rebuild."""
    calls: list[set[Path]] = []
    observer = watch(tmp_path, calls.append, 0.003, ignore=[])
    try:
        time.sleep(0.3)
        note = tmp_path / "a.md"
        for round_no in range(3):
            note.write_text(f"version {round_no}", encoding="utf-8")
            time.sleep(0.3)
    finally:
        observer.stop()
        observer.join(timeout=2)
    assert calls == [{note}] * 3


def test_a_root_given_as_dot_is_watched_in_its_subfolders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`notesite serve` in the site's folder watches `.`: saves below it are seen, with
    paths that do not depend on the working folder."""
    note = tmp_path / "content" / "posts" / "a.md"
    note.parent.mkdir(parents=True)
    note.write_text("first", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    calls: list[set[Path]] = []
    observer = watch(Path("."), calls.append, 0.003, ignore=[])
    try:
        time.sleep(0.3)
        note.write_text("second", encoding="utf-8")
        for _ in range(50):
            if calls:
                break
            time.sleep(0.1)
    finally:
        observer.stop()
        observer.join(timeout=2)
    assert calls == [{note}]
