"""Server-side KaTeX: a pool of long-lived Node.js workers and an on-disk cache.

Why Node.js running the npm `katex` package (see docs/ARCHITECTURE.md for the
measurements): it is the reference implementation, it is already installed
for the site's KaTeX stylesheet and fonts, and one worker process renders a
whole build's formulas after a single start. Formulas are cached by
(TeX, display, output, macros, KaTeX version), so a rebuild renders only new ones.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

WORKER = Path(__file__).with_name("katex_worker.js")


@dataclass(frozen=True)
class Formula:
    tex: str
    display: bool
    output: str = "htmlAndMathml"  # or "mathml" for feeds


@dataclass(frozen=True)
class Rendered:
    html: str | None
    error: str | None


class KatexUnavailable(Exception):
    """Node.js or the katex package is missing."""


def katex_version(package_dir: Path) -> str:
    return json.loads((package_dir / "package.json").read_text(encoding="utf-8"))["version"]


class FormulaCache:
    """sqlite file of rendered formulas; one row per cache key."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.db: sqlite3.Connection | None = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(path)
            self.db.execute(
                "CREATE TABLE IF NOT EXISTS formulas (key TEXT PRIMARY KEY, html TEXT, error TEXT)"
            )

    def get_many(self, keys: list[str]) -> dict[str, Rendered]:
        if self.db is None or not keys:
            return {}
        found: dict[str, Rendered] = {}
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
        with self.db:
            self.db.executemany(
                "INSERT OR REPLACE INTO formulas VALUES (?, ?, ?)",
                [(key, r.html, r.error) for key, r in rows.items()],
            )

    def close(self) -> None:
        if self.db is not None:
            self.db.close()


class KatexRenderer:
    """Renders batches of formulas with KaTeX, through the cache, in parallel workers."""

    def __init__(
        self,
        package_dir: Path,
        macros: dict[str, str],
        cache_path: Path | None,
        workers: int | None = None,
    ) -> None:
        node = shutil.which("node")
        if node is None:
            raise KatexUnavailable("Node.js (`node`) is not on PATH")
        self.node = node
        self.package_dir = package_dir.resolve()
        self.version = katex_version(package_dir)
        self.macros = dict(sorted(macros.items()))
        self.cache = FormulaCache(cache_path)
        self.workers = workers or max(1, min(os.cpu_count() or 1, 4))
        self.rendered_count = 0  # formulas KaTeX actually ran on (not from cache)
        self.memory: dict[Formula, Rendered] = {}  # this process's results: no disk on re-runs

    def key(self, formula: Formula) -> str:
        material = json.dumps(
            [formula.tex, formula.display, formula.output, self.macros, self.version],
            ensure_ascii=False,
        )
        return hashlib.sha256(material.encode("utf-8")).hexdigest()

    def render_all(self, formulas: Iterable[Formula]) -> dict[Formula, Rendered]:
        """Render what is not known yet; return every result of this renderer (a superset
        of `formulas`; callers only look up)."""
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
            fresh = self._run_workers(missing)
            self.rendered_count += len(fresh)
            self.cache.put_many({keys[f]: r for f, r in fresh.items()})
            results.update(fresh)
        return results

    def _run_workers(self, formulas: list[Formula]) -> dict[Formula, Rendered]:
        # Small batches are not worth a second process start.
        count = max(1, min(self.workers, len(formulas) // 200 or 1))
        chunks = [formulas[i::count] for i in range(count)]
        results: dict[Formula, Rendered] = {}
        errors: list[BaseException] = []

        def run(chunk: list[Formula]) -> None:
            try:
                results.update(self._run_one(chunk))
            except BaseException as error:  # re-raised in the calling thread
                errors.append(error)

        threads = [threading.Thread(target=run, args=(chunk,)) for chunk in chunks]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise errors[0]
        return results

    def _run_one(self, formulas: list[Formula]) -> dict[Formula, Rendered]:
        requests = "".join(
            json.dumps(
                {
                    "id": index,
                    "tex": formula.tex,
                    "display": formula.display,
                    "output": formula.output,
                    "macros": self.macros,
                },
                ensure_ascii=False,
            )
            + "\n"
            for index, formula in enumerate(formulas)
        )
        completed = subprocess.run(
            [self.node, str(WORKER), str(self.package_dir)],
            input=requests.encode("utf-8"),
            capture_output=True,
            check=False,
        )
        if completed.returncode != 0:
            lines = completed.stderr.decode("utf-8", "replace").strip().splitlines()
            errors = [line for line in lines if "Error" in line] or lines
            raise KatexUnavailable(errors[0] if errors else "the KaTeX worker failed")
        results: dict[Formula, Rendered] = {}
        for line in completed.stdout.decode("utf-8").splitlines():
            reply = json.loads(line)
            if "id" in reply:
                results[formulas[reply["id"]]] = Rendered(reply.get("html"), reply.get("error"))
        if len(results) != len(formulas):
            raise KatexUnavailable("the KaTeX worker answered only part of the formulas")
        return results

    def close(self) -> None:
        self.cache.close()
