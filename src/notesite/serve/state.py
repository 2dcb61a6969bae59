"""The served site in memory: the last good plan, pages rendered on demand, change detection.

After each rebuild, pages are rendered lazily when requested, so a save costs
the pipeline run plus the pages someone is looking at. `refresh()` reports
which open pages changed, so only those browsers reload.
"""

from __future__ import annotations

import gc
import hashlib
import threading
from dataclasses import dataclass, field
from pathlib import Path

from notesite.errors import NotesiteError
from notesite.mathsetup import default_cache_dir
from notesite.pipeline import Pipeline, SitePlan
from notesite.theme import builtin_theme_dir


@dataclass
class RefreshResult:
    changed_pages: set[str] = field(default_factory=set)  # site-relative output files
    css_changed: bool = False
    error: str | None = None  # "path:line: message" lines when the build failed


def _digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


class LiveSite:
    def __init__(self, root: Path, drafts: bool = True, cache_dir: Path | None = None) -> None:
        self.root = root
        self.pipeline = Pipeline(root, drafts, cache_dir or default_cache_dir())
        self.lock = threading.RLock()
        self.plan: SitePlan | None = None
        self.pages: dict[str, object] = {}
        self.rendered: dict[str, bytes] = {}
        self.generated: dict[str, bytes] | None = None
        self.copies: dict[str, Path] = {}
        self.copy_digests: dict[str, str] = {}
        self.error: str | None = None

    @property
    def base_path(self) -> str:
        assert self.plan is not None
        return self.plan.site.config.base_path

    def refresh(
        self,
        watched_files: set[str] | frozenset[str] = frozenset(),
        changed: set[Path] | None = None,
    ) -> RefreshResult:
        """Rebuild from disk (forgetting `changed` files); report which `watched_files` changed."""
        with self.lock:
            self.pipeline.invalidate(changed)
            before = {path: self._digest_of(path) for path in watched_files}
            old_copies = dict(self.copy_digests)
            try:
                plan = self.pipeline.run()
            except NotesiteError as error:
                self.error = "\n".join(str(p) for p in error.problems)
                return RefreshResult(error=self.error)
            self.error = None
            if self.plan is None:
                # The first build's objects live as long as the server: keep the cyclic
                # garbage collector from walking them on every save (latency spikes).
                gc.collect()
                gc.freeze()
            self.plan = plan
            self.pages = {page.file: page for page in plan.pages}
            self.rendered = {}
            self.generated = None
            self.copies = plan.copies()
            self.copy_digests = {path: _stat_digest(source) for path, source in self.copies.items()}
            changed = {path for path in watched_files if self._digest_of(path) != before[path]}
            changed_copies = {
                path
                for path in set(old_copies) | set(self.copy_digests)
                if old_copies.get(path) != self.copy_digests.get(path)
            }
            css_only = bool(changed_copies) and all(p.endswith(".css") for p in changed_copies)
            if changed_copies and not css_only:
                changed |= set(watched_files)  # a script or image changed: reload everything open
            return RefreshResult(changed_pages=changed, css_changed=css_only)

    def _digest_of(self, path: str) -> str | None:
        content = self.get(path)
        return _digest(content) if content is not None else None

    def get(self, path: str) -> bytes | None:
        """Content of a site-relative output file (`posts/td/index.html`), or None."""
        with self.lock:
            if self.plan is None:
                return None
            if path in self.pages:
                if path not in self.rendered:
                    self.rendered[path] = self.plan.render_page(self.pages[path])  # type: ignore[arg-type]
                return self.rendered[path]
            if self.generated is None:
                self.generated = self.plan.generated_files()
            if path in self.generated:
                return self.generated[path]
            source = self.copies.get(path)
            if source is not None and source.is_file() and self._inside_allowed(source):
                return source.read_bytes()
            return None

    def _inside_allowed(self, source: Path) -> bool:
        """Never serve a file a symlink leads to outside the site, the theme or KaTeX."""
        real = source.resolve()
        allowed = [self.root.resolve(), builtin_theme_dir().resolve()]
        if self.plan is not None and self.plan.katex_dist is not None:
            allowed.append(self.plan.katex_dist.resolve())
        return any(real.is_relative_to(base) for base in allowed)

    def close(self) -> None:
        self.pipeline.close()


def _stat_digest(path: Path) -> str:
    try:
        stat = path.stat()
    except OSError:
        return "missing"
    return f"{stat.st_mtime_ns}:{stat.st_size}"
