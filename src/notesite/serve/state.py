"""The served site in memory: the last good plan, pages rendered on demand, change detection.

After each rebuild, pages are rendered lazily when requested, so a save costs
the pipeline run plus the pages someone is looking at. `refresh()` reports
which open pages changed, so only those browsers reload.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import hashlib
import threading
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from notesite.cacheage import mark_used, note_store_path, site_entries
from notesite.cachedir import cache_folder
from notesite.errors import NotesiteError
from notesite.katex import KatexUnavailable
from notesite.pages import PageOut
from notesite.pipeline import KeyedFile, SitePlan
from notesite.search import SEARCH_DIR, indexed
from notesite.serve.incremental import IncrementalPipeline
from notesite.serve.search import LiveSearch
from notesite.shardstore import ShardStore
from notesite.theme import builtin_theme_dir


@dataclass
class RefreshResult:
    changed_pages: set[str] = field(default_factory=set)  # site-relative output files
    css_changed: bool = False
    error: str | None = None  # "path:line: message" lines when the build failed
    warnings: str | None = None  # warnings about files saved while serving, one per line
    details: str | None = None  # the traceback of an unexpected failure (a bug), for the terminal


def _digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


COMMIT_EVERY = 20  # saves whose rendered notes wait in memory before going to the store


class LiveSite:
    def __init__(
        self,
        root: Path,
        drafts: bool = True,
        cache_dir: Path | None = None,
        base_url: str | None = None,
    ) -> None:
        self.root = root
        cache = cache_folder(cache_dir)
        mark_used(site_entries(cache, root))  # see cacheage.py
        self.pipeline = IncrementalPipeline(root, drafts, cache, base_url)
        self.lock = threading.RLock()
        self.plan: SitePlan | None = None
        self.pages: dict[str, PageOut] = {}
        self.rendered: dict[str, bytes] = {}
        self.generated: dict[str, bytes] | None = None
        self.feeds: dict[str, KeyedFile] = {}  # rendered when asked for (see get)
        self.copies: dict[str, Path] = {}
        self.copy_digests: dict[str, str] = {}
        self.error: str | None = None
        self.warnings: str | None = None  # of the last save, for pages opened after it
        self.touched: set[Path] = set()  # files saved since the server started
        # The search bundle, made when asked for, never on a save; shards kept by builds
        # (and by this server) are taken from the store.
        self.search = LiveSearch(ShardStore(note_store_path(cache, root).with_suffix(".search")))

    @property
    def base_path(self) -> str:
        assert self.plan is not None
        return self.plan.site.config.base_path

    def refresh(
        self,
        watched_files: set[str] | frozenset[str] = frozenset(),
        changed: set[Path] | None = None,
    ) -> RefreshResult:
        """Rebuild from disk (forgetting `changed` files); report which `watched_files` changed.

        Never raises: a mistake in the input or a bug in notesite both come back as
        `error`, and the last good pages stay served until a later refresh succeeds."""
        with self.lock:
            self.pipeline.invalidate(changed)
            self.touched |= {path.resolve() for path in changed or ()}
            before = {path: self._digest_of(path) for path in watched_files}
            try:
                plan = self.pipeline.run()
                pages = {page.file: page for page in plan.pages}
                # Pages someone is looking at are rendered now, so a template error is
                # reported here rather than on their next request.
                shown = {p: plan.render_page(pages[p]) for p in watched_files if p in pages}
            except NotesiteError as error:
                self.error = "\n".join(str(p) for p in error.problems)
                return RefreshResult(error=self.error)
            except Exception as error:  # a bug: keep serving the last good pages
                return self._crashed(error)
            self.error = None
            if self.plan is None:  # the first build's notes; the saves' wait (keep_rendered)
                self.pipeline.notes.store.commit(prune=False)
            self.warnings = _warnings_about(plan, self.touched)
            changed_copies = self._adopt(plan, pages, shown)
            changed = {path for path in watched_files if self._digest_of(path) != before[path]}
            css_only = bool(changed_copies) and all(p.endswith(".css") for p in changed_copies)
            if changed_copies and not css_only:
                changed |= set(watched_files)  # a script or image changed: reload everything open
            return RefreshResult(
                changed_pages=changed, css_changed=css_only, warnings=self.warnings
            )

    def _crashed(self, error: Exception) -> RefreshResult:
        details = traceback.format_exc()
        self.pipeline.forget()  # its memos may be half-updated; start afresh next time
        self.error = (
            f"internal error: {type(error).__name__}: {error}\n"
            "This is a bug in notesite, not a mistake in your notes; the traceback is "
            "in the terminal running `notesite serve`. The next save tries again."
        )
        return RefreshResult(error=self.error, details=details)

    def _adopt(
        self, plan: SitePlan, pages: dict[str, PageOut], shown: dict[str, bytes]
    ) -> set[str]:
        """Serve `plan` from now on; return the copied files (static, assets) that changed."""
        if self.plan is None:
            # The first build's objects live as long as the server: keep the cyclic
            # garbage collector from walking them on every save (latency spikes).
            gc.collect()
            gc.freeze()
        self.plan = plan
        self.pages = pages
        self.rendered = dict(shown)
        self.generated = None
        copies = plan.copies()
        if copies is self.copies:
            return set()  # the pipeline kept the list: only Markdown files changed
        old_copies = self.copy_digests
        self.copies = copies
        self.copy_digests = {path: _stat_digest(source) for path, source in copies.items()}
        return {
            path
            for path in set(old_copies) | set(self.copy_digests)
            if old_copies.get(path) != self.copy_digests.get(path)
        }

    def keep_math_warm(self) -> None:
        """Have a live KaTeX worker (started, or restarted if it died), so that a save
        with a new formula costs a round trip to it rather than a process start."""
        with self.lock:
            plan = self.plan
            if plan is None or plan.katex_dist is None:
                return
            if plan.site.config.math.render != "server":
                return
            # No Node.js: nothing to keep warm; the next build that needs KaTeX says so.
            with contextlib.suppress(KatexUnavailable, OSError):
                self.pipeline.math_engine(plan.katex_dist).start(1)

    def _digest_of(self, path: str) -> str | None:
        content = self.get(path)
        return _digest(content) if content is not None else None

    def get(self, path: str) -> bytes | None:
        """Content of a site-relative output file (`posts/td/index.html`), or None."""
        if path.startswith(f"{SEARCH_DIR}/"):
            return self._search_file(path)
        with self.lock:
            if self.plan is None:
                return None
            if path in self.pages:
                if path not in self.rendered:
                    self.rendered[path] = self.plan.render_page(self.pages[path])
                return self.rendered[path]
            if self.generated is None:
                self.generated = self.plan.generated_files(feeds=False)
                self.feeds = {item.path: item for item in self.plan.feed_files()}
            if path in self.feeds:  # one feed, not all of them, for one request
                self.generated[path] = self.feeds.pop(path).render()
            if path in self.generated:
                return self.generated[path]
            source = self.copies.get(path)
            if source is not None and source.is_file() and self._inside_allowed(source):
                return source.read_bytes()
            return None

    def _search_file(self, path: str) -> bytes | None:
        """A file of the search bundle, made now if the notes changed since the last one
        (see serve/search.py): the plan is taken under the lock, the indexing is not."""
        with self.lock:
            plan = self.plan
            if plan is None or not plan.site.config.search:
                return None
            pages = [page for page in plan.pages if indexed(page)]
            rendered = {
                page.file: self.rendered[page.file] for page in pages if page.file in self.rendered
            }

        def render(page: PageOut) -> bytes:
            return rendered.get(page.file) or plan.render_page(page)

        return self.search.get(path, plan, pages, render)

    def _inside_allowed(self, source: Path) -> bool:
        """Never serve a file a symlink leads to outside the site, the theme or KaTeX."""
        real = source.resolve()
        allowed = [self.root.resolve(), builtin_theme_dir().resolve()]
        if self.plan is not None and self.plan.katex_dist is not None:
            allowed.append(self.plan.katex_dist.resolve())
        return any(real.is_relative_to(base) for base in allowed)

    def keep_rendered(self) -> None:
        """Store the notes saves rendered once COMMIT_EVERY of them wait in memory. Called
        after the open pages were sent a save's pages, so that save does not wait for
        the store's write."""
        with self.lock:
            store = self.pipeline.notes.store
            if len(store.pending) >= COMMIT_EVERY:
                store.commit(prune=False)

    def close(self) -> None:
        with self.lock:
            self.pipeline.notes.store.commit(prune=False)  # what the saves rendered
            self.pipeline.close()


def _warnings_about(plan: SitePlan, touched: set[Path]) -> str | None:
    """The plan's warnings about files saved while serving: the writer's work in hand
    (warnings about files nobody touched were printed at start; repeating them on every
    save would hide the new ones)."""
    lines = [str(w) for w in plan.warnings if _resolved(str(w.path)) in touched]
    return "\n".join(lines) or None


@functools.lru_cache(maxsize=4096)
def _resolved(path: str) -> Path:
    """A warning's path as the watcher names it (remembered: the same few hundred
    paths are asked for on every save)."""
    return Path(path).resolve()


def _stat_digest(path: Path) -> str:
    try:
        stat = path.stat()
    except OSError:
        return "missing"
    return f"{stat.st_mtime_ns}:{stat.st_size}"
