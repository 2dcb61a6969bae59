"""Cache entries that no build has used for a long time, removed.

One cache folder serves every site of the user (formulas are cached by content), and
it holds an entry per site folder (`notes-<site>.*`: its note store, the loader's
file, its search shards) and per output folder (`builds/<output>.json`, the note of
its last build). A site that was moved, renamed or given up would leave its entries
forever, some tens of megabytes each. Every build and `serve` mark their own entries as
used when they start (their modification time: a build with nothing changed opens none
of them, and a note store another build is using must not look unused), and a full
build removes those of sites and outputs that no build has used for `KEEP_DAYS` days. The
formula store, shared by every site, and the compiled templates (replaced when
notesite changes) are not entries of one site and stay.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import time
from contextlib import suppress
from pathlib import Path

KEEP_DAYS = 60
_SITE_PREFIX = "notes-"
_SITE_ENTRY = re.compile(r"notes-[0-9a-f]{16}\.(sqlite|sqlite-wal|sqlite-shm|load|search)")
BUILDS = "builds"
_BUILD_NOTE = re.compile(r"[0-9a-f]{32}\.json")  # see buildmemo.BuildMemo


def note_store_path(cache_dir: Path, root: Path) -> Path:
    """One store per site folder, so sites do not evict each other's notes; the site's
    other entries are named after it (`.load`, `.search`)."""
    site_id = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:16]
    return cache_dir / f"{_SITE_PREFIX}{site_id}.sqlite"


def mark_used(entries: list[Path]) -> None:
    """Give the entries that exist the time of now as their modification time."""
    for entry in entries:
        with suppress(OSError):  # absent (the first build), or not ours to touch
            os.utime(entry)


def site_entries(cache_dir: Path, root: Path) -> list[Path]:
    """The entries of the site in folder `root` (named as its note store)."""
    store = note_store_path(cache_dir, root)
    return sorted(cache_dir.glob(f"{store.stem}.*"))


def remove_unused(cache: Path) -> list[Path]:
    """Remove the sites' and outputs' entries that no build has used for KEEP_DAYS
    days (a site's only when none of its entries was used since); return them. Only
    names notesite gives are looked at: a --cache-dir may hold other files too."""
    cutoff = time.time() - KEEP_DAYS * 86400
    groups: dict[str, list[Path]] = {}
    for entry in _named(cache, _SITE_ENTRY):
        groups.setdefault(entry.name.split(".", 1)[0], []).append(entry)
    groups.update({str(note): [note] for note in _named(cache / BUILDS, _BUILD_NOTE)})
    removed = []
    for entries in groups.values():
        if all(_modified(entry) < cutoff for entry in entries):
            for entry in entries:
                _remove(entry)
            removed += [entry for entry in entries if not os.path.lexists(entry)]
    return sorted(removed)


def _named(folder: Path, name: re.Pattern[str]) -> list[Path]:
    try:
        return [entry for entry in folder.iterdir() if name.fullmatch(entry.name)]
    except OSError:
        return []


def _modified(entry: Path) -> float:
    try:
        return entry.stat(follow_symlinks=False).st_mtime
    except OSError:
        return float("inf")  # cannot tell: kept


def _remove(entry: Path) -> None:
    """Remove a file or a folder; one that cannot be removed stays (it is a cache)."""
    if entry.is_dir() and not entry.is_symlink():
        shutil.rmtree(entry, ignore_errors=True)
    else:
        with suppress(OSError):
            entry.unlink(missing_ok=True)
