"""`\\label` names across notes: site-wide within a language.

A note's `\\eqref{key}` resolves in the note first (markdown/equations.py), then here:
the labelled equations of every other note of its language, by label. A label that two
notes of one language both define is a warning at the later one naming the first,
where references from other notes go: the first by source path, so the answer never
depends on the order of the work.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from notesite.errors import Problem
from notesite.loader import display_path
from notesite.markdown import NoteFacts
from notesite.markdown.equations import SiteEquation
from notesite.model import Post, Site


@dataclass(frozen=True)
class SiteLabels:
    by_lang: dict[str, dict[str, SiteEquation]] = field(default_factory=dict)
    # label, language -> every (post, line) defining it, when more than one note does
    duplicates: dict[tuple[str, str], list[tuple[Post, int]]] = field(default_factory=dict)

    @classmethod
    def of(cls, facts: dict[Post, NoteFacts], urls: dict[str, str]) -> SiteLabels:
        """`urls`: source path -> URL of every note."""
        by_lang: dict[str, dict[str, SiteEquation]] = {}
        defined: dict[tuple[str, str], list[tuple[Post, int]]] = {}
        labelled = [post for post, found in facts.items() if found.equations]
        for post in sorted(labelled, key=lambda p: p.source.as_posix()):
            own = by_lang.setdefault(post.lang, {})
            seen: set[str] = set()
            for equation in facts[post].equations:
                if equation.label in seen:  # twice in one note: the note's own matter
                    continue
                seen.add(equation.label)
                defined.setdefault((equation.label, post.lang), []).append((post, equation.line))
                if equation.label not in own:
                    href = f"{urls[post.source.as_posix()]}#{equation.id}"
                    source = post.source.as_posix()
                    own[equation.label] = SiteEquation(equation.number, href, post.title, source)
        duplicates = {key: where for key, where in defined.items() if len(where) > 1}
        return cls(by_lang, duplicates)

    def lookup(self, post: Post, key: str) -> SiteEquation | None:
        """Another note's equation `key` for a reference in `post` (None: there is none,
        or the note's own would be the first)."""
        found = self.by_lang.get(post.lang, {}).get(key)
        return found if found is not None and found.source != post.source.as_posix() else None

    def for_refs(self, post: Post, facts: NoteFacts) -> dict[str, SiteEquation | None]:
        """What each reference the note cannot resolve itself finds elsewhere."""
        return {ref.key: self.lookup(post, ref.key) for ref in facts.unresolved_refs}

    def warnings(self, site: Site) -> list[Problem]:
        """A warning at each later definition of a label, naming the first (where the
        references of other notes go)."""
        problems = []
        for (label, lang), where in sorted(self.duplicates.items()):
            (first, _), *later = where
            shown = display_path(site.root, first.source)
            for post, line in later:
                message = (
                    f"warning: \\label{{{label}}} is also defined in {shown}; references "
                    f"from other {lang} notes go there"
                )
                problems.append(
                    Problem(display_path(site.root, post.source), post.body_line + line, message)
                )
        return problems
