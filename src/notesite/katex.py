"""Formulas through the cache: what to render, what is known, and the engine that renders.

`KatexRenderer` takes batches of formulas and returns their KaTeX HTML. It asks
its memory (this process's results) first, then the on-disk `FormulaCache`,
and only sends what neither knows to the formula engine (`nodekatex.NodeKatex`,
passed in). Formulas are cached by (TeX, display, output, macros, KaTeX
version), so a rebuild renders only new ones.

Thread safety: `serve` rebuilds from watcher threads while the first build ran
on the main thread, so both classes here lock around their state and open
sqlite with `check_same_thread=False`; every call is safe from any thread.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple, Protocol

PAGE_OUTPUT = "htmlAndMathml"  # a page's formulas: KaTeX's HTML and, hidden, MathML
FEED_OUTPUT = "mathml"  # a feed entry's: MathML only


class Formula(NamedTuple):
    """A formula to render. A named tuple, not a dataclass: sets and dicts of them are
    made per note and merged site-wide, and a tuple hashes and compares in C."""

    tex: str
    display: bool
    output: str = PAGE_OUTPUT  # or FEED_OUTPUT, for feeds


@dataclass(frozen=True)
class Rendered:
    html: str | None
    error: str | None


def mathml_of(page: Rendered) -> Rendered | None:
    """A formula's feed form (KaTeX's `mathml` output) made from its page form
    (`htmlAndMathml`), or None when the page form is not as expected. KaTeX builds both
    from one tree: the page form holds the same `<math>` element wrapped in
    `katex-mathml` beside the HTML, the feed form wraps it in `katex` alone; an error
    is the same for both (checked on the real corpus's 2,371 formulas, and in
    tests/test_katex_engine.py)."""
    if page.html is None:
        return page
    start, end = page.html.find("<math"), page.html.find("</math>")
    if start < 0 or end < start:
        return None
    return Rendered(f'<span class="katex">{page.html[start : end + len("</math>")]}</span>', None)


class KatexUnavailable(Exception):
    """No JavaScript engine or no KaTeX, or the engine failed."""


class FormulaEngine(Protocol):
    """Renders formulas with one KaTeX version (Node.js workers, or another engine)."""

    version: str

    def render(self, formulas: Sequence[Formula], macros: dict[str, str]) -> list[Rendered]:
        """Results in the order of `formulas`."""
        ...

    def start(self, count: int = 1) -> None:
        """Be ready for the next batch (serve calls it so a save costs no start-up)."""
        ...

    def close(self) -> None: ...


def katex_version(dist: Path) -> str:
    """The version of KaTeX in a `dist` folder: the wheel's copy has a VERSION file,
    an npm package its package.json one level up."""
    if (dist / "VERSION").is_file():
        return (dist / "VERSION").read_text(encoding="utf-8").strip()
    return json.loads((dist.parent / "package.json").read_text(encoding="utf-8"))["version"]


class FormulaCache:
    """sqlite file of rendered formulas; one row per cache key."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.db: sqlite3.Connection | None = None
        self.lock = threading.Lock()
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Used from whichever thread rebuilds; self.lock keeps uses one at a time.
            self.db = sqlite3.connect(path, check_same_thread=False)
            # A cache can lose its last rows on a power cut without harm; waiting for the
            # disk on every save with a new formula costs more (WAL stays consistent).
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute(
                "CREATE TABLE IF NOT EXISTS formulas (key TEXT PRIMARY KEY, html TEXT, error TEXT)"
            )

    def get_many(self, keys: list[str]) -> dict[str, Rendered]:
        if self.db is None or not keys:
            return {}
        found: dict[str, Rendered] = {}
        with self.lock:
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                marks = ",".join("?" * len(chunk))
                for key, html, error in self.db.execute(
                    f"SELECT key, html, error FROM formulas WHERE key IN ({marks})", chunk
                ):
                    found[key] = Rendered(html, error)
        return found

    def put_many(self, rows: dict[str, Rendered]) -> None:
        if self.db is None or not rows:
            return
        with self.lock, self.db:
            self.db.executemany(
                "INSERT OR REPLACE INTO formulas VALUES (?, ?, ?)",
                [(key, r.html, r.error) for key, r in rows.items()],
            )

    def close(self) -> None:
        with self.lock:
            if self.db is not None:
                self.db.close()
                self.db = None


class KatexRenderer:
    """Renders batches of formulas for one set of macros: memory, then cache, then engine."""

    def __init__(
        self, engine: FormulaEngine, macros: dict[str, str], cache_path: Path | None
    ) -> None:
        self.engine = engine
        self.version = engine.version
        self.macros = dict(sorted(macros.items()))
        self.cache = FormulaCache(cache_path)
        self.rendered_count = 0  # formulas made here (not from cache; see _made)
        self.memory: dict[Formula, Rendered] = {}  # this process's results: no disk on re-runs
        self.lock = threading.Lock()

    def key(self, formula: Formula) -> str:
        material = json.dumps(
            [formula.tex, formula.display, formula.output, self.macros, self.version],
            ensure_ascii=False,
        )
        return hashlib.sha256(material.encode("utf-8")).hexdigest()

    def render_all(self, formulas: Iterable[Formula]) -> dict[Formula, Rendered]:
        """Render what is not known yet; return every result of this renderer (a superset
        of `formulas`; callers only look up)."""
        with self.lock:
            missing = {f for f in formulas if f not in self.memory}
            if missing:
                order = sorted(missing, key=lambda f: (f.tex, f.display, f.output))
                self.memory.update(self._render_uncached(order))
            return self.memory

    def _render_uncached(self, unique: list[Formula]) -> dict[Formula, Rendered]:
        keys = {formula: self.key(formula) for formula in unique}
        cached = self.cache.get_many(list(keys.values()))
        results = {f: cached[k] for f, k in keys.items() if k in cached}
        missing = [f for f in unique if f not in results]
        if missing:
            fresh = self._made(missing, results)
            self.rendered_count += len(fresh)
            self.cache.put_many({keys[f]: r for f, r in fresh.items()})
            results.update(fresh)
        return results

    def _made(
        self, missing: list[Formula], known: dict[Formula, Rendered]
    ) -> dict[Formula, Rendered]:
        """`missing` rendered by the engine, except the feed forms whose page form is
        known or rendered here: taken out of it (see mathml_of)."""
        wanted = set(missing)
        pages = {f: f._replace(output=PAGE_OUTPUT) for f in missing if f.output == FEED_OUTPUT}
        derivable = {
            feed: page
            for feed, page in pages.items()
            if page in wanted or page in known or page in self.memory
        }
        to_engine = [f for f in missing if f not in derivable]
        made = dict(zip(to_engine, self.engine.render(to_engine, self.macros), strict=True))
        left: list[Formula] = []
        for formula, page in derivable.items():
            derived = mathml_of(made.get(page) or known.get(page) or self.memory[page])
            if derived is None:
                left.append(formula)
            else:
                made[formula] = derived
        if left:  # a page form not as KaTeX writes it: render the feed form itself
            made.update(zip(left, self.engine.render(left, self.macros), strict=True))
        return made

    def close(self) -> None:
        """Closes the cache; the engine belongs to whoever made it."""
        self.cache.close()
