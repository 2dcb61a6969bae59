"""`notesite build`: config + content -> model -> Markdown -> pages -> templates -> public/."""

from __future__ import annotations

import dataclasses
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from notesite.buildmemo import BuildMemo, input_signature, problems_from_json, problems_to_json
from notesite.cacheage import mark_used, note_store_path, remove_unused, site_entries
from notesite.cachedir import cache_folder
from notesite.errors import NotesiteError, Problem, fail
from notesite.folderswap import clear_retired
from notesite.progress import Progress
from notesite.termstyle import styled
from notesite.writer import SiteWriter, WriteCounts

if TYPE_CHECKING:
    from notesite.pipeline import SitePlan
    from notesite.search import BuildIndex


RETIRED = "retired"  # in the cache folder: replaced outputs, removed by the next build


@dataclass(frozen=True)
class BuildResult:
    formulas: int  # of the notes rendered in this build (the others came from the cache)
    formulas_rendered: int
    notes: int
    notes_rendered: int  # notes parsed and rendered (the others came from the cache)
    pages: int
    files: int  # written + unchanged
    written: int  # new or changed files
    unchanged: int  # files whose bytes the output already had
    removed: int  # files of the previous output this build did not produce
    posts_per_language: dict[str, int]
    seconds: float
    warnings: tuple[Problem, ...]

    def summary(self, output: Path) -> str:
        per_language = ", ".join(f"{n} {lang}" for lang, n in self.posts_per_language.items())
        return (
            f"notesite: {self.pages:,} pages ({self.files:,} files: {self.written:,} written, "
            f"{self.unchanged:,} unchanged, {self.removed:,} removed) to {output}/; "
            f"posts: {per_language}; notes: {self.notes_rendered:,} rendered, "
            f"{self.notes - self.notes_rendered:,} from cache; formulas: {self.formulas:,} "
            f"({self.formulas_rendered:,} rendered, "
            f"{self.formulas - self.formulas_rendered:,} from cache); {self.seconds:.2f} s"
        )


def build(
    source: Path,
    output: Path,
    drafts: bool = False,
    strict: bool = False,
    cache_dir: Path | None = None,
    jobs: int = 1,
    progress: Progress | None = None,
    base_url: str | None = None,
    force: bool = False,
) -> BuildResult:
    """The whole pipeline once. `strict` turns warnings into a failed build (nothing written);
    `force` replaces an output folder that notesite did not write (see SiteWriter)."""
    started = time.perf_counter()
    progress = progress or Progress("off")
    _check_output_place(source, output)
    cache = cache_folder(cache_dir)
    # Refuses a file, or others' folder, before any work. The output it replaces goes to
    # the cache, removed by the next full build while it plans (see _build).
    writer = SiteWriter(output, force, retired=cache / RETIRED)
    memo = BuildMemo(cache, output)
    mark_used([*site_entries(cache, source), memo.path])  # see cacheage.py
    with progress.stage("checking for changes since the last build"):
        signature = input_signature(source, {"drafts": drafts, "base_url": base_url})
        summary = memo.recall(signature) if signature is not None else None
    if summary is not None:
        return _unchanged(summary, strict, started)  # nothing changed since the last build
    result = _build(source, output, writer, drafts, strict, cache, jobs, progress, base_url)
    if signature is not None:
        memo.remember(signature, _summary(result))
    return dataclasses.replace(result, seconds=time.perf_counter() - started)


def _tidy(cache: Path) -> None:
    """Remove the output the last build replaced, and entries no build used for long."""
    clear_retired(cache / RETIRED)
    remove_unused(cache)


def _build(
    source: Path,
    output: Path,
    writer: SiteWriter,
    drafts: bool,
    strict: bool,
    cache: Path,
    jobs: int,
    progress: Progress,
    base_url: str | None,
) -> BuildResult:
    """The whole pipeline: load, plan, render and write."""
    # Imported here: an unchanged build needs none.
    from notesite.pipeline import Pipeline
    from notesite.search import BuildIndex
    from notesite.shardstore import ShardStore

    started = time.perf_counter()
    clearing = threading.Thread(target=_tidy, args=(cache,), daemon=True)
    clearing.start()  # the last build's old output: unlinking overlaps the planning
    # Notes' HTML waits in the note store until its page is written (bounded memory).
    pipeline = Pipeline(source, drafts, cache, jobs, spill=True, base_url=base_url)
    search: BuildIndex | None = None
    try:
        with progress.stage("planning"):
            inputs = pipeline.read()
            if inputs.site.config.search:
                shards = ShardStore(note_store_path(cache, source).with_suffix(".search"))
                search = BuildIndex(inputs.site.config, writer, jobs, shards)
                # A note to render is a page that changes: its shard is indexed anew.
                pipeline.notes.before_rendering = search.warm_up
            plan = pipeline.plan_site(inputs)
        pipeline.notes.store.commit()  # rendered notes: the page workers read them there
        if strict and plan.warnings:
            raise NotesiteError(plan.warnings)
        counts = write(plan, writer, progress, jobs, search, meanwhile=pipeline.while_pages_render)
    finally:
        if search is not None:
            search.close()  # a build that failed before write(): the warm-up stopped
        pipeline.close()
        clearing.join()
    site = plan.site
    return BuildResult(
        formulas=plan.math.formulas_total,
        formulas_rendered=plan.math.formulas_rendered,
        notes=len(plan.facts),
        notes_rendered=plan.notes_rendered,
        pages=len(plan.pages),
        files=counts.written + counts.unchanged,
        written=counts.written,
        unchanged=counts.unchanged,
        removed=counts.removed,
        posts_per_language=dict(
            sorted(Counter(p.lang for p in site.posts).items(), key=lambda item: item[0])
        ),
        seconds=time.perf_counter() - started,
        warnings=tuple(plan.warnings),
    )


def _summary(result: BuildResult) -> dict[str, object]:
    """What an unchanged build says about the output (see buildmemo.py)."""
    return {
        "notes": result.notes,
        "pages": result.pages,
        "files": result.files,
        "posts_per_language": result.posts_per_language,
        "warnings": problems_to_json(result.warnings),
    }


def _unchanged(summary: dict[str, Any], strict: bool, started: float) -> BuildResult:
    """The result of a build whose inputs and output are as the last build left them."""
    warnings = problems_from_json(summary["warnings"])
    if strict and warnings:
        raise NotesiteError(list(warnings))
    return BuildResult(
        formulas=0,
        formulas_rendered=0,
        notes=summary["notes"],
        notes_rendered=0,
        pages=summary["pages"],
        files=summary["files"],
        written=0,
        unchanged=summary["files"],
        removed=0,
        posts_per_language=summary["posts_per_language"],
        seconds=time.perf_counter() - started,
        warnings=warnings,
    )


# The site's own folders: an output there would replace the sources (even with --force).
SOURCE_FOLDERS = ("content", "static", "templates")


def _check_output_place(source: Path, output: Path) -> None:
    """Refuse an output that holds the site, or lies in one of its source folders."""
    source_resolved, output_resolved = source.resolve(), output.resolve()
    if output_resolved == source_resolved or output_resolved in source_resolved.parents:
        raise fail(output, 1, "the output folder must not contain the site folder")
    for name in SOURCE_FOLDERS:
        folder = source_resolved / name
        if output_resolved == folder or folder in output_resolved.parents:
            raise fail(output, 1, f"the output folder must not be inside the site's {name}/")


def write(
    plan: SitePlan,
    writer: SiteWriter,
    progress: Progress,
    jobs: int = 1,
    search: BuildIndex | None = None,
    meanwhile: Callable[[], object] | None = None,
) -> WriteCounts:
    """Render the pages one at a time into the writer, then the feeds and generated
    files, then the copies, and the search index (`search`, closed here before the
    output changes); the output changes only once all of them succeeded. A rendered
    file wins over a copy of the same path (a site's own `static/css/pygments.css`, a
    bundle's `index.html`). `meanwhile` runs on a thread of its own while the pages
    render, once their workers are forked (see Aside)."""
    rendered = {page.file for page in plan.pages}
    aside = Aside(meanwhile)
    with writer:
        try:
            _write_pages(plan, writer, progress, search, jobs, aside)
            aside.join()
            with progress.stage("writing feeds and copies"):
                for item in plan.feed_files():  # made only when their key changed
                    if not writer.reuse(item.path, item.key):
                        writer.write(item.path, item.render(), item.key)
                    rendered.add(item.path)
                for path, content in plan.generated_files(feeds=False).items():
                    writer.write(path, content)
                    rendered.add(path)
                for path, source in plan.copies().items():
                    if path not in rendered:
                        writer.copy(path, source)
            if search is not None:
                with progress.stage(f"indexing {len(search.keys):,} notes for search"):
                    search.write()
        finally:
            aside.wait()  # on the way out of an error: the thread still uses the store
            if search is not None:  # Pagefind stopped, its scratch gone: then the output
                search.close()
    assert writer.counts is not None  # committed
    return writer.counts


class Aside:
    """A function run on a thread of its own, started once no process will be forked
    any more (a fork copies no thread, and would copy the locks it holds: SQLite's
    among them), its error raised by `join`."""

    def __init__(self, function: Callable[[], object] | None) -> None:
        self.function = function
        self.thread: threading.Thread | None = None
        self.error: BaseException | None = None

    def start(self) -> None:
        """Start the function, unless it was started already (or there is none)."""
        if self.function is None or self.thread is not None:
            return
        self.thread = threading.Thread(target=self._run, name="build-aside", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        assert self.function is not None
        try:
            self.function()
        except BaseException as error:  # raised in the build's thread, by join()
            self.error = error

    def wait(self) -> None:
        if self.thread is not None:
            self.thread.join()

    def join(self) -> None:
        """Start the function if it was never started; wait for it; raise its error."""
        self.start()
        self.wait()
        if self.error is not None:
            error, self.error = self.error, None
            raise error


def _write_pages(
    plan: SitePlan,
    writer: SiteWriter,
    progress: Progress,
    search: BuildIndex | None,
    jobs: int,
    aside: Aside,
) -> None:
    """Each page kept (made from the same inputs as the output's file) or rendered (over
    up to `jobs` processes), and shown to the search index as such, in order. `aside`
    starts once the first page is in: its workers are forked then."""
    from notesite.pagejobs import PageOutlet, rendered_pages
    from notesite.search import indexed

    pages = search.order(plan.pages) if search is not None else plan.pages
    count = len(pages)
    with progress.stage(f"rendering {count:,} pages", total=count, unit=" pages") as stage:
        # Keys first where a decision waits for them: whether the output's file can be
        # kept, and (search) whether a note's shard can (BuildIndex.keep_unchanged);
        # the others' keys are made while the workers render (a new output's pages).
        first = [p for p in pages if writer.knows(p.file) or (search is not None and indexed(p))]
        keys = {page.file: plan.page_key(page) for page in first}
        # Those made from other inputs than the output's file are rendered.
        kept = {file for file, key in keys.items() if writer.reuse(file, key)}
        if search is not None:
            search.keep_unchanged(keys)
            pages = search.waiting_first(pages)  # Pagefind starts as early as it can
        todo = [page for page in pages if page.file not in kept]
        outlet = PageOutlet(writer.open_staging(), search.copies() if search else None)
        # Closed on the way out of an error: its workers stop before staging goes.
        with closing(rendered_pages(plan, todo, outlet, jobs)) as made:
            for page in pages:
                key = keys[page.file] if page.file in keys else plan.page_key(page)
                was_kept = page.file in kept
                staged = None if was_kept else next(made)
                if staged is not None:
                    aside.start()  # the workers are forked by now
                if search is not None:  # first: Pagefind may start on its shard meanwhile
                    search.page(page, key, rendered=staged is not None)
                if staged is not None:
                    writer.adopt(page.file, staged, key)
                stage.update()


def print_warnings(warnings: tuple[Problem, ...]) -> None:
    for warning in warnings:
        print(styled(warning, sys.stderr), file=sys.stderr)
