"""The state notesite's markdown-it rules share while one text is parsed and rendered.

markdown-it-py hands every rule the same `env` mapping; ours keep one typed
`RuleState` in it (under `ENV_KEY`, spelled only here) rather than loose
string keys. Core rules record what they find (ids, labels, links); render
rules read the inputs and the numbering and set `has_math` / `has_code`.
Only `notesite.markdown` sees this; the rest of notesite gets `NoteFacts`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from markdown_it.token import Token

from notesite.markdown.facts import (
    AnchorLink,
    Equation,
    EquationRef,
    Heading,
    MissingAlt,
    NoteLink,
    UnresolvedLink,
    WikiProblem,
)
from notesite.slugs import UniqueIds

ENV_KEY = "notesite"

# resolve(target_path_relative_to_site_root) -> URL or None
Resolver = Callable[[str], "str | None"]
# resolve_wiki(kind, name) -> what a `[[name]]` ("note") or `![[name]]` ("embed") is;
# see markdown/wikilinks.py for the answers.
WikiResolver = Callable[[str, str], Any]


@dataclass
class RuleState:
    # Given by the caller.
    title: str = ""  # a leading H1 equal to it is dropped
    source_dir: str = ""  # folder of the note, for relative links
    resolve_link: Resolver | None = None  # None: links stay as written
    resolve_wiki: WikiResolver | None = None  # None: `[[…]]` stays text
    # Other notes' labelled equations, for `\\eqref` (given when rendering).
    site_labels: Mapping[str, Any] = field(default_factory=dict)
    admonition_titles: Mapping[str, str] = field(default_factory=dict)
    # Where the document will be read from (feed entries): URLs are made absolute
    # against it (see htmlurls.py); None keeps them as written.
    link_base: str | None = None
    # Recorded by the core rules (parsing).
    ids: UniqueIds = field(default_factory=UniqueIds)
    headings: list[Heading] = field(default_factory=list)
    toc_tokens: list[tuple[int, str, list[Token]]] = field(default_factory=list)
    equations: list[Equation] = field(default_factory=list)
    equation_numbers: dict[str, str] = field(default_factory=dict)
    equation_refs: list[EquationRef] = field(default_factory=list)
    anchor_links: list[AnchorLink] = field(default_factory=list)
    unresolved_links: list[UnresolvedLink] = field(default_factory=list)
    note_links: list[NoteLink] = field(default_factory=list)
    contexts: dict[str, list[Token]] = field(default_factory=dict)  # see markdown/context.py
    wiki_problems: list[WikiProblem] = field(default_factory=list)
    missing_alt: list[MissingAlt] = field(default_factory=list)
    unclosed_markers: list[tuple[int, str]] = field(default_factory=list)  # (line, run)
    # A code block's HTML by (info, code): every render of one parse shares it (a copy
    # of the state keeps the same dict), so the feed entry does not run Pygments again.
    code_html: dict[tuple[str, str], str] = field(default_factory=dict)
    # Set by the render rules.
    has_math: bool = False
    has_code: bool = False


def rule_state(env: MutableMapping[str, Any]) -> RuleState:
    """The state in `env`, created empty for a text parsed without one."""
    state = env.get(ENV_KEY)
    if state is None:
        state = env[ENV_KEY] = RuleState()
    return state


def tokens_with_lines(tokens: list[Token], line: int = 0) -> Iterator[tuple[Token, int]]:
    """Every token, depth first, with the 0-based line of the block it stands in."""
    for token in tokens:
        here = token.map[0] if token.map else line
        yield token, here
        if token.children:
            yield from tokens_with_lines(token.children, here)
