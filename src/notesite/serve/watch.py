"""Watch the site folder with watchdog; rebuild when a save ends or after a short quiet period.

Editors save in different ways (write in place, write a temporary file and
rename it over the note, delete and recreate); every one of them ends in a
created, modified or moved event somewhere under the site, so any event
schedules a rebuild. Folders that disappear and come back are fine because
the observer watches the site root recursively.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

IGNORED_PARTS = {".git", "node_modules", "__pycache__", ".venv", ".pytest_cache", ".hypothesis"}


def is_editor_scratch(name: str) -> bool:
    """Hidden files, vim swap/backup files and vim's `4913` probe: never site content
    (the loader skips hidden files too), so they need no rebuild of their own."""
    return name.startswith(".") or name.endswith(("~", ".swp", ".swx", ".tmp")) or name == "4913"


class Debouncer(FileSystemEventHandler):
    """Collects the paths of events and calls back with them after `delay` of quiet."""

    def __init__(
        self, callback: Callable[[set[Path]], None], delay: float, ignore: list[Path]
    ) -> None:
        self.callback = callback
        self.pending: set[Path] = set()
        self.delay = delay
        self.ignore = [str(p) for p in ignore]
        self.timer: threading.Timer | None = None
        self.lock = threading.Lock()

    def relevant(self, event: FileSystemEvent) -> bool:
        for raw in (event.src_path, getattr(event, "dest_path", "")):
            path = raw.decode() if isinstance(raw, bytes) else raw
            if not path:
                continue
            if any(path.startswith(prefix) for prefix in self.ignore):
                continue
            if IGNORED_PARTS.intersection(Path(path).parts) or is_editor_scratch(Path(path).name):
                continue
            return True
        return False

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write") or not self.relevant(event):
            return
        # A folder is "modified" whenever a file in it is written (watchdog reports it
        # after the file's own events); only its creation, deletion or renaming says
        # anything about the files below it.
        if event.is_directory and event.event_type == "modified":
            return
        with self.lock:
            for raw in (event.src_path, getattr(event, "dest_path", "")):
                if raw:
                    self.pending.add(Path(raw.decode() if isinstance(raw, bytes) else raw))
            if self.timer is not None:
                self.timer.cancel()
            # A file closed after writing is a save that has ended: rebuild at once
            # rather than after the quiet period (the events of one save come before it).
            finished = event.event_type == "closed" and not event.is_directory
            self.timer = threading.Timer(0 if finished else self.delay, self.fire)
            self.timer.daemon = True
            self.timer.start()

    def fire(self) -> None:
        with self.lock:
            paths, self.pending = self.pending, set()
        if paths:  # empty: an earlier timer of the same burst took them
            self.callback(paths)


def watch(root: Path, callback: Callable[[set[Path]], None], delay: float, ignore: list[Path]):
    observer = Observer()
    # Absolute: given `.` (serve run in the site's folder), watchdog 7's inotify observer
    # watches no folder below it ("Path b'./content' is not under watched root b'.'").
    handler = Debouncer(callback, delay, [path.absolute() for path in ignore])
    observer.schedule(handler, str(root.absolute()), recursive=True)
    observer.daemon = True
    observer.start()
    return observer
