"""Pages rendered over forked processes, each written to disk by the process that
rendered it.

Rendering a page is a function of the plan (Jinja over data made by the note stage, a
note's HTML read back from the note store), so workers forked after planning render
any page as this process would: the bytes are the same whatever the scheduling. Each
worker reads the store through a connection of its own (see NoteStore._reader), and
writes the page into the writer's staging folder and, for a note's page, its search
copy beside Pagefind's scratch folder: what comes back is a file's name, size and
digest, never the page, so neither the pages nor their writing pass through this
process.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from notesite.notes import RemadeByParent
from notesite.parallel import map_in_order
from notesite.writer import StagedFile, Staging, stage_file

if TYPE_CHECKING:
    from notesite.pages import PageOut
    from notesite.pipeline import SitePlan
    from notesite.search import SearchCopies


@dataclass(frozen=True)
class PageOutlet:
    """Where a rendered page goes: the writer's staging folder (see SiteWriter.adopt)
    and, when the site is searched, the search copies."""

    staging: Staging
    copies: SearchCopies | None

    def put(self, number: int, page: PageOut, content: bytes) -> StagedFile:
        if self.copies is not None:
            self.copies.put(page, content)
        return stage_file(self.staging, self.staging.name(page.file, number), content)


def rendered_pages(
    plan: SitePlan, pages: list[PageOut], outlet: PageOutlet, jobs: int
) -> Generator[StagedFile, None, None]:
    """Each page rendered and put into `outlet`, in the order of `pages`, by up to
    `jobs` processes (this one alone for few pages, or `jobs=1`)."""
    made = map_in_order(_render_in_worker, (plan, pages, outlet), len(pages), jobs)
    for number, (page, staged) in enumerate(zip(pages, made, strict=True)):
        # None: its note's stored HTML was gone; remade here, where KaTeX runs.
        yield staged or outlet.put(number, page, plan.render_page(page))


def _render_in_worker(
    state: tuple[SitePlan, list[PageOut], PageOutlet], index: int
) -> StagedFile | None:
    plan, pages, outlet = state
    try:
        return outlet.put(index, pages[index], plan.render_page(pages[index]))
    except RemadeByParent:
        return None
