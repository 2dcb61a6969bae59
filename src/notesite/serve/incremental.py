"""What only `serve` needs of the pipeline: watcher hints, the body-only fast path, and a
clean start after a failed rebuild.

`IncrementalPipeline.run()` reads the site like a build, then asks whether the save
changed one note's body and nothing that listings, neighbours or feeds' order show of
it. That is decided by comparing two values per note: `listed_value`, every field of
the note but its body, and its document's `teaser` (title, excerpt, reading time), the
fields listing templates read; and `linked_value`, what its links and labels give
other notes' pages (backlinks, equation references). If so, only that note's page
(and feed entry) is made again and the rest of the last plan is reused; otherwise the
full run follows.
"""

from __future__ import annotations

import dataclasses
from dataclasses import replace
from pathlib import Path

from notesite.i18n import Strings
from notesite.markdown import NoteFacts, RenderedDoc
from notesite.model import Post, Site
from notesite.pages import PageOut, Planner
from notesite.pages.backlinks import mentions
from notesite.pages.feeds import feed_posts
from notesite.pages.posts import shows_other_math
from notesite.pipeline import Pipeline, SiteInputs, SitePlan
from notesite.sitelabels import SiteLabels


def linked_value(post: Post, facts: NoteFacts, labels: SiteLabels) -> tuple[object, ...]:
    """What other notes' pages show of a note's links and labels (their backlinks,
    their references to its equations), without lines: a line added above keeps it."""
    return (
        tuple(mentions(post, facts, labels)),
        tuple((eq.label, eq.number, eq.id) for eq in facts.equations),
    )


def listed_value(post: Post, doc: RenderedDoc) -> tuple[object, ...]:
    """What any page other than the note's own shows of it, as one comparable value."""
    fields = tuple(getattr(post, f.name) for f in dataclasses.fields(post) if f.name != "body")
    return fields + doc.teaser


class IncrementalPipeline(Pipeline):
    """The pipeline as `serve` drives it, once per save."""

    def __init__(
        self, root: Path, drafts: bool, cache_dir: Path | None, base_url: str | None = None
    ) -> None:
        super().__init__(root, drafts, cache_dir, base_url=base_url)
        self.body_only_runs = 0  # runs that reused the last plan (see _body_only_edit)

    def invalidate(self, paths: set[Path] | None) -> None:
        """Forget what was read from these files (a save can keep size and mtime tick).

        `paths` from a watcher also let the next run skip the folder scan when only
        existing files changed; None means "unknown", so the next run checks everything.
        """
        if paths is None:
            self.changed = None
            return
        root = self.root.resolve()
        changed: set[Path] = set()
        for path in paths:
            try:
                relative = path.resolve().relative_to(root)
            except ValueError:
                continue
            changed.add(relative)
            self.load_memo.forget(relative)
        self.changed = changed

    def forget(self) -> None:
        """Drop every memo (the next run starts from scratch); the engine stays."""
        self.drop_memos()
        self.notes.forget()
        self.load_memo.clear()
        self.links = None
        self.settings = None
        self.templates = None
        self.static = None
        self.changed = None
        if self.server is not None:
            self.server.katex.close()
        self.server = None

    def run(self) -> SitePlan:
        inputs = self.read()
        fast = self._body_only_edit(inputs)
        if fast is not None:
            self.body_only_runs += 1
            return fast
        return self.plan_site(inputs)

    def _edited_note(self, site: Site) -> tuple[Post, Post] | None:
        """(before, after) when exactly one note changed and the rest is the same."""
        assert self.last is not None
        last = self.last[0].site
        old_items, new_items = (*last.posts, *last.pages), (*site.posts, *site.pages)
        if len(old_items) != len(new_items) or site.assets != last.assets:
            return None
        changed = [(a, b) for a, b in zip(old_items, new_items, strict=True) if a is not b]
        return changed[0] if len(changed) == 1 else None

    def _body_only_edit(self, inputs: SiteInputs) -> SitePlan | None:
        """The common save while writing. Returns None whenever it is not certain that
        only the note's own page changed (the full run follows)."""
        site, strings = inputs.site, inputs.strings
        if self.last is None or (edited := self._edited_note(site)) is None:
            return None
        old, new = edited
        last_plan, last_docs = self.last
        if inputs.katex_dist != last_plan.katex_dist:
            return None
        in_feeds = feed_posts(site)
        # Every other note comes from memory; new formulas cost a round trip to the engine.
        notes = self.render_notes(site, strings, in_feeds, inputs.katex_dist)
        doc = notes.results[new].page
        if listed_value(old, last_docs[old]) != listed_value(new, doc):
            return None
        before = linked_value(old, last_plan.facts[old], notes.labels)
        if before != linked_value(new, notes.results[new].facts, notes.labels):
            return None
        docs = {post: result.page for post, result in notes.results.items()}
        pages = self._pages_with(last_plan.pages, old, new, doc, site, docs, strings)
        feed_docs = {post: notes.results[post].feed or docs[post] for post in in_feeds}
        plan = self.make_plan(inputs, pages, notes, feed_docs, notes.results)
        if inputs.static is last_plan.static:  # and the assets are equal (_edited_note)
            plan.copies_memo = last_plan.copies_memo
        return plan

    def _pages_with(
        self,
        pages: list[PageOut],
        old: Post,
        new: Post,
        doc: RenderedDoc,
        site: Site,
        docs: dict[Post, RenderedDoc],
        strings: dict[str, Strings],
    ) -> list[PageOut]:
        """The last plan's pages with the note's own page showing its new version."""
        planner = Planner(site, docs, strings, self.views)
        updated = []
        for page in pages:
            entry = page.context.get("entry")
            if entry is not None and entry.post is old:
                page = replace(
                    page,
                    context={**page.context, "entry": planner.view(new)},
                    has_math=doc.has_math or shows_other_math(page.context),
                    has_code=doc.has_code,
                )
            updated.append(page)
        for key in [k for k in self.views if k[0] is old]:
            del self.views[key]
        return updated
