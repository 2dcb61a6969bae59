"""Search while serving: the site's Pagefind bundle, made when a browser asks for it.

A save never indexes: it only gives the server a new plan. The bundle is made (the
notes' pages rendered and Pagefind run over them, as `build` does, so the files are the
same) when a file of it is asked for and the notes' pages have changed since the last
one was made — in practice when a reader opens the search box after an edit. Indexing
runs in the HTTP thread that asked, outside the site's lock, so saves go on meanwhile.

Pagefind names its index files by their content; a page that loaded the last bundle's
`pagefind-entry.json` may still ask for that bundle's files after the next one is made,
so those are kept until the one after.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

from notesite.errors import NotesiteError
from notesite.pages import PageOut
from notesite.pipeline import SitePlan
from notesite.search import (
    SEARCH_DIR,
    SHARDS_FILE,
    IndexedPage,
    PlacePage,
    Shard,
    index_shards,
    plan_shards,
    shards_file,
)
from notesite.searchcopy import SearchCopy
from notesite.shardstore import ShardStore


def named_by_content(path: str) -> bool:
    """Pagefind's index chunks, fragments and metadata, whose names are their hashes."""
    if not path.startswith(f"{SEARCH_DIR}/"):
        return False
    return "/fragment/" in path or "/index/" in path or path.endswith(".pf_meta")


class LiveSearch:
    def __init__(self, store: ShardStore | None = None) -> None:
        self.store = store or ShardStore(None)
        self.lock = threading.Lock()  # one bundle made at a time
        self.plan: SitePlan | None = None  # the plan the bundle was last checked against
        self.shard_files: dict[str, tuple[str | None, dict[str, bytes]]] = {}  # folder ->
        self.files: dict[str, bytes] = {}  # path -> bytes of the current bundle
        self.older: dict[str, bytes] = {}  # the bundle before it
        self.runs = 0  # refreshes that ran Pagefind (tests: a save must not make it run)

    def get(
        self,
        path: str,
        plan: SitePlan,
        pages: list[PageOut],
        render: Callable[[PageOut], bytes],
    ) -> bytes | None:
        """The bundle's file `path` for `plan`, whose notes' pages are `pages`."""
        with self.lock:
            if named_by_content(path) and (found := self.files.get(path) or self.older.get(path)):
                return found  # the same name is the same bytes, whichever bundle has it
            if plan is not self.plan:
                self._refresh(plan, pages, render)
            return self.files.get(path)

    def _refresh(
        self, plan: SitePlan, pages: list[PageOut], render: Callable[[PageOut], bytes]
    ) -> None:
        """Index again the shards whose pages changed since the last bundle (as `build`)."""
        self.plan = plan
        languages = plan.site.config.languages
        listed = [IndexedPage(p.file, languages[p.lang].locale, plan.page_key(p)) for p in pages]
        shards = plan_shards(listed)
        page_keys = {page.file: page.key for page in listed}
        keys = {shard: shard.key(page_keys) for shard in shards}
        changed = [s for s in shards if keys[s] is None or self._kept_key(s) != keys[s]]
        if not changed and {s.folder for s in shards} == set(self.shard_files):
            return
        stale = [s for s in changed if not self._from_store(s, keys[s])]
        self.runs += bool(stale)
        by_file = {page.file: page for page in pages}
        copy = SearchCopy()
        try:
            made = _index(
                stale,
                lambda file, target: target.write_bytes(copy(render(by_file[file]))),
                plan,
                self.store,
            )
            for shard in stale:
                bundle = made.get(shard.folder, {})
                self.shard_files[shard.folder] = (keys[shard], bundle)
                if (key := keys[shard]) is not None and bundle:
                    self.store.put(key, shard.to_store(bundle.items()))
            self.shard_files = {s.folder: self.shard_files[s.folder] for s in shards}
            files = self._bundle(shards, plan)
        except NotesiteError as error:  # Pagefind missing or failing: no search, say why
            print("\n".join(str(p) for p in error.problems), file=sys.stderr, flush=True)
            self.shard_files, files = {}, {}
        self.older, self.files = self.files, files

    def _bundle(self, shards: list[Shard], plan: SitePlan) -> dict[str, bytes]:
        """Every shard's files, and the list of those that have any."""
        files = {path: data for _, made in self.shard_files.values() for path, data in made.items()}
        listed = [shard for shard in shards if self.shard_files[shard.folder][1]]
        if listed:
            files[SHARDS_FILE] = shards_file(listed, plan.site.config.path)
        return files

    def _from_store(self, shard: Shard, key: str | None) -> bool:
        """Take the shard's bundle from the store (a build or an earlier server made it)."""
        stored = self.store.get(key) if key is not None else None
        if not stored:
            return False
        self.shard_files[shard.folder] = (key, dict(shard.in_site(stored)))
        return True

    def _kept_key(self, shard: Shard) -> str | None:
        kept = self.shard_files.get(shard.folder)
        return kept[0] if kept is not None else None


def _index(
    shards: list[Shard], place: PlacePage, plan: SitePlan, store: ShardStore
) -> dict[str, dict[str, bytes]]:
    """The bundles of these shards: shard folder -> (path -> bytes), from `store` for
    the shards whose search copies some build or server indexed already."""
    work = Path(tempfile.mkdtemp(prefix="notesite-search-"))
    try:
        made: dict[str, dict[str, bytes]] = {}
        config_path = plan.site.config.path
        for shard, path, content in index_shards(shards, place, work, config_path, store=store):
            made.setdefault(shard.folder, {})[path] = content
        return made
    finally:
        shutil.rmtree(work, ignore_errors=True)
