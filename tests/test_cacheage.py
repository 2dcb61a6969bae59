"""The shared cache folder does not grow forever (cacheage.py): every build marks its
site's and output's entries as used, and a full build removes the entries of sites
and outputs that no build used for KEEP_DAYS days, and nothing else."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import pytest
from conftest import post, write_site

from notesite.build import build
from notesite.cacheage import KEEP_DAYS, note_store_path, remove_unused, site_entries
from notesite.serve.state import LiveSite

FILES = {"content/posts/rl/td.md": post(title="时序差分", body="更新 $V(s)$。")}
LONG_AGO = time.time() - (KEEP_DAYS + 1) * 86400
LATELY = time.time() - (KEEP_DAYS - 1) * 86400


def age(paths: list[Path], when: float) -> None:
    for path in paths:
        os.utime(path, (when, when))


def entries(cache: Path) -> list[str]:
    """The cache folder's entries that belong to one site or one output."""
    found = [p.name for p in cache.glob("notes-*")]
    return sorted(found + [f"builds/{p.name}" for p in (cache / "builds").glob("*.json")])


def other_site(cache: Path, name: str, when: float) -> list[Path]:
    """What a build of another site would have left: its note store (with sqlite's
    two companions), the loader's file, its search shards and its output's note."""
    store = note_store_path(cache, Path("/elsewhere") / name)
    made = [store.with_suffix(suffix) for suffix in (".sqlite", ".sqlite-wal", ".load")]
    for path in made:
        path.write_bytes(b"cache")
    shards = store.with_suffix(".search")
    (shards / "abc").mkdir(parents=True)
    (shards / "abc" / "x.bundle").write_bytes(b"shard")
    (cache / "builds").mkdir(exist_ok=True)
    note = cache / "builds" / f"{hashlib.md5(name.encode()).hexdigest()}.json"
    note.write_text("{}", encoding="utf-8")
    made += [shards, note]
    age(made, when)
    return made


def test_entries_unused_for_long_go_and_the_rest_stay(tmp_path: Path) -> None:
    root = write_site(tmp_path / "site", FILES)
    cache = tmp_path / "cache"
    build(root, tmp_path / "public", cache_dir=cache)
    ours = entries(cache)
    assert len(ours) >= 3  # the store, the loader's file, the output's note
    shared = sorted(p.name for p in cache.iterdir() if not p.name.startswith("notes-"))
    gone = other_site(cache, "gone", LONG_AGO)
    kept = other_site(cache, "kept", LATELY)
    half = other_site(cache, "half", LONG_AGO)
    age(half[:1], time.time())  # one of its site's entries used lately: they all stay
    # Our own entries look old too: the next build marks them used before it tidies.
    age(site_entries(cache, root), LONG_AGO)
    (root / "content/posts/rl/mc.md").write_text(post(title="蒙特卡洛"), encoding="utf-8")
    build(root, tmp_path / "public", cache_dir=cache)
    left = entries(cache)
    assert not any(path.exists() for path in gone)
    assert all(path.exists() for path in kept + half[:-1])
    assert not half[-1].exists()  # an output's note goes on its own age
    assert set(ours) <= set(left)
    assert sorted(p.name for p in cache.iterdir() if not p.name.startswith("notes-")) == shared
    # The next build reuses its notes: the store was not taken for an unused one.
    again = build(root, tmp_path / "again", cache_dir=cache)
    assert again.notes_rendered == 0


def test_an_unchanged_build_and_serve_mark_their_entries_used(tmp_path: Path) -> None:
    root = write_site(tmp_path / "site", FILES)
    cache = tmp_path / "cache"
    build(root, tmp_path / "public", cache_dir=cache)
    mine = site_entries(cache, root) + list((cache / "builds").iterdir())
    age(mine, LONG_AGO)
    unchanged = build(root, tmp_path / "public", cache_dir=cache)
    assert unchanged.notes_rendered == 0 and unchanged.written == 0
    assert all(path.stat().st_mtime > LATELY for path in mine)
    age(mine, LONG_AGO)
    LiveSite(root, cache_dir=cache)
    store_entries = site_entries(cache, root)
    assert all(path.stat().st_mtime > LATELY for path in store_entries)


def test_nothing_but_site_and_output_entries_is_removed(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    (cache / "templates-0123456789abcdef").mkdir(parents=True)
    (cache / "retired").mkdir()
    # A --cache-dir may be a folder of the user's: only names notesite gives count.
    for name in ("katex.sqlite", "notes.txt", "notes-todo.md", "notes-0123.load", "mine.json"):
        (cache / name).write_bytes(b"x")
    (cache / "notes-draft.search").mkdir()
    (cache / "builds").mkdir()
    for name in ("readme.txt", "mine.json", f"{'a' * 32}.json.bak"):
        (cache / "builds" / name).write_bytes(b"x")
    age(list(cache.rglob("*")), LONG_AGO)
    assert remove_unused(cache) == []
    assert remove_unused(tmp_path / "absent") == []


def test_an_entry_that_cannot_be_removed_stays_without_a_word(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    old = other_site(cache, "old", LONG_AGO)

    def refuse(self: Path, missing_ok: bool = False) -> None:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "unlink", refuse)
    removed = remove_unused(cache)
    assert removed == [old[3]]  # the shards' folder went; the files could not
    assert all(path.exists() for path in old[:3] + old[4:])
    assert capfd.readouterr() == ("", "")
