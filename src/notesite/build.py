"""`notesite build`: config + content -> model -> Markdown -> pages -> templates -> public/."""

from __future__ import annotations

import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from notesite.errors import NotesiteError, Problem, fail
from notesite.mathsetup import default_cache_dir
from notesite.pipeline import Pipeline
from notesite.writer import write_site


@dataclass(frozen=True)
class BuildResult:
    formulas: int
    formulas_rendered: int
    pages: int
    files: int
    posts_per_language: dict[str, int]
    seconds: float
    warnings: tuple[Problem, ...]

    def summary(self, output: Path) -> str:
        per_language = ", ".join(f"{n} {lang}" for lang, n in self.posts_per_language.items())
        return (
            f"notesite: wrote {self.pages} pages ({self.files} files) to {output}; "
            f"posts: {per_language}; formulas: {self.formulas} "
            f"({self.formulas_rendered} rendered, {self.formulas - self.formulas_rendered} "
            f"from cache); {self.seconds:.2f} s"
        )


def build(
    source: Path,
    output: Path,
    drafts: bool = False,
    strict: bool = False,
    cache_dir: Path | None = None,
    jobs: int = 1,
) -> BuildResult:
    """The whole pipeline once. `strict` turns warnings into a failed build (nothing written)."""
    started = time.perf_counter()
    source_resolved, output_resolved = source.resolve(), output.resolve()
    if output_resolved == source_resolved or output_resolved in source_resolved.parents:
        raise fail(output, 1, "the output folder must not contain the site folder")
    pipeline = Pipeline(source, drafts, cache_dir or default_cache_dir(), jobs)
    try:
        plan = pipeline.run()
        pipeline.notes.store.commit()  # rendered notes, for the next build
    finally:
        pipeline.close()
    if strict and plan.warnings:
        raise NotesiteError(plan.warnings)
    files = {page.file: plan.render_page(page) for page in plan.pages}
    files.update(plan.generated_files())
    count = write_site(output, files, plan.copies())
    site = plan.site
    return BuildResult(
        formulas=plan.math.formulas_total,
        formulas_rendered=plan.math.formulas_rendered,
        pages=len(plan.pages),
        files=count,
        posts_per_language=dict(
            sorted(Counter(p.lang for p in site.posts).items(), key=lambda item: item[0])
        ),
        seconds=time.perf_counter() - started,
        warnings=tuple(plan.warnings),
    )


def print_warnings(warnings: tuple[Problem, ...]) -> None:
    for warning in warnings:
        print(warning, file=sys.stderr)
