"""What parsing a note yields, as typed values: `NoteFacts` and its parts.

The Markdown stage produces these; the pipeline (warnings) and `check`
(missing anchors) read them. Lines are 0-based lines of the Markdown body,
the line of the block a thing stands in (add the post's `body_line` for a
line of the file), as for `FormulaUse`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property


@dataclass(frozen=True)
class Heading:
    level: int  # 1-6
    id: str  # unique within the note
    line: int


@dataclass(frozen=True)
class Equation:
    """A `\\label{label}` in display math: the formula is numbered `number`."""

    label: str
    number: str  # "1", "2", … or the author's `\\tag{…}`
    id: str  # the fragment `\\eqref{label}` links to
    line: int


@dataclass(frozen=True)
class EquationRef:
    """An `\\eqref{key}` or `\\ref{key}`, in running text or alone in a math span."""

    key: str
    paren: bool  # `\\eqref` (shown as "(1)") rather than `\\ref` ("1")
    line: int
    context: str = ""  # the sentence it stands in (plain text), for backlinks

    @property
    def written(self) -> str:
        return f"\\{'eqref' if self.paren else 'ref'}{{{self.key}}}"


@dataclass(frozen=True)
class AnchorLink:
    """A link with a `#fragment` to this note or to a note whose URL is known."""

    line: int
    target: str  # source path of the note it points into (site-relative), "" for this note
    fragment: str  # unquoted


@dataclass(frozen=True)
class NoteLink:
    """A link (Markdown or wikilink) to a site file that resolved: a note, when the
    target is a note's source; backlinks are made of these."""

    line: int
    target: str  # the site-relative source path it points to
    context: str  # the sentence it stands in (plain text)


@dataclass(frozen=True)
class WikiProblem:
    """A `[[wikilink]]` that found no note, or several."""

    line: int
    written: str  # `[[…]]` as written
    candidates: tuple[str, ...] = ()  # source paths when ambiguous (the first is used)


@dataclass(frozen=True)
class UnresolvedLink:
    """A relative link or image whose file is not part of the site."""

    line: int
    href: str  # as written
    outside: bool = False  # it climbs out of the site folder (`../../..`): never copied


@dataclass(frozen=True)
class MissingAlt:
    """An image without alt text (see alttext.py)."""

    line: int
    src: str  # as written


@dataclass(frozen=True)
class NoteFacts:
    """What a note's parse yields besides its tokens (the same for every renderer)."""

    headings: tuple[Heading, ...] = ()
    equations: tuple[Equation, ...] = ()  # labelled formulas, in order
    equation_refs: tuple[EquationRef, ...] = ()  # in document order
    anchor_links: tuple[AnchorLink, ...] = ()
    unresolved_links: tuple[UnresolvedLink, ...] = ()
    note_links: tuple[NoteLink, ...] = ()  # links to site files, in document order
    wiki_problems: tuple[WikiProblem, ...] = ()
    missing_alt: tuple[MissingAlt, ...] = ()
    unclosed_markers: tuple[tuple[int, str], ...] = ()  # (line, `**` or `~~`) left as text
    footnotes: int = 0  # footnotes shown at the end (`fn1`…, referenced from `fnref1`…)

    @cached_property
    def equation_numbers(self) -> dict[str, str]:
        """Label -> number (a label used twice keeps its last formula, as rendering does)."""
        return {equation.label: equation.number for equation in self.equations}

    @cached_property
    def unresolved_refs(self) -> tuple[EquationRef, ...]:
        """References to a label no formula of this note has (another note's, or none)."""
        return tuple(ref for ref in self.equation_refs if ref.key not in self.equation_numbers)

    @cached_property
    def anchors(self) -> frozenset[str]:
        """Ids the rendered note has for `#fragment` links: headings, equations, footnotes."""
        ids = {heading.id for heading in self.headings}
        ids |= {equation.id for equation in self.equations}
        for number in range(1, self.footnotes + 1):
            ids |= {f"fn{number}", f"fnref{number}"}
        return frozenset(ids)
