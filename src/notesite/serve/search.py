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

import sys
import threading
from collections.abc import Callable
from pathlib import Path

from notesite.errors import NotesiteError
from notesite.pages import PageOut
from notesite.pipeline import SitePlan
from notesite.search import SEARCH_DIR, Scratch, search_key

_NAMED_BY_CONTENT = (f"{SEARCH_DIR}/fragment/", f"{SEARCH_DIR}/index/")


def named_by_content(path: str) -> bool:
    return path.startswith(_NAMED_BY_CONTENT) or path.endswith(".pf_meta")


class LiveSearch:
    def __init__(self) -> None:
        self.lock = threading.Lock()  # one bundle made at a time
        self.plan: SitePlan | None = None  # the plan the bundle was last checked against
        self.key: str | None = None
        self.files: dict[str, bytes] = {}  # path -> bytes of the current bundle
        self.older: dict[str, bytes] = {}  # the bundle before it
        self.runs = 0  # how many times Pagefind ran (tests: a save must not make it run)

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
        key = search_key((page.file, plan.page_key(page)) for page in pages)
        self.plan = plan
        if key is not None and key == self.key:
            return
        self.runs += 1
        try:
            files = make_bundle(pages, render, plan.site.config.path) if pages else {}
        except NotesiteError as error:  # Pagefind missing or failing: no search, say why
            print("\n".join(str(p) for p in error.problems), file=sys.stderr, flush=True)
            files, key = {}, None
        self.older, self.files, self.key = self.files, files, key


def make_bundle(
    pages: list[PageOut], render: Callable[[PageOut], bytes], config_path: Path
) -> dict[str, bytes]:
    """The bundle of these pages, as `build` writes it (path -> bytes)."""
    with Scratch() as scratch:
        for page in pages:
            scratch.add(page.file, render(page))
        return dict(scratch.bundle(config_path))
