"""What saves while serving render goes to the note store now and then, and never
before the save's pages are out (LiveSite.keep_rendered, after the push)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from conftest import post, write_site

from notesite.serve.state import COMMIT_EVERY, LiveSite


def _stored_notes(cache: Path) -> int:
    (store,) = cache.glob("notes-*.sqlite")
    with sqlite3.connect(store) as db:
        return db.execute("SELECT count(*) FROM notes").fetchone()[0]


def test_saves_reach_the_store_after_their_pages_not_during_the_rebuild(tmp_path: Path) -> None:
    root = write_site(tmp_path / "site", {"content/posts/rl/td.md": post(body="第 0 版。")})
    cache = tmp_path / "cache"
    note = root / "content/posts/rl/td.md"
    live = LiveSite(root, drafts=True, cache_dir=cache)
    try:
        assert live.refresh().error is None
        first = _stored_notes(cache)  # the first build's notes are stored at once
        assert first == 1
        for number in range(1, COMMIT_EVERY + 1):
            note.write_text(post(body=f"第 {number} 版。"), encoding="utf-8")
            assert live.refresh({"posts/td/index.html"}, changed={note}).error is None
            assert _stored_notes(cache) == first  # the save's rebuild wrote nothing
            live.keep_rendered()
            stored = COMMIT_EVERY + first if number == COMMIT_EVERY else first
            assert _stored_notes(cache) == stored  # written once COMMIT_EVERY waited
        page = live.get("posts/td/index.html")
        assert page is not None and f"第 {COMMIT_EVERY} 版" in page.decode()
    finally:
        live.close()
