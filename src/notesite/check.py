"""`notesite check`: validate a site without writing it, for writers and for CI.

It runs the same pipeline as `build` (so every build error and warning is
found: front matter, config, duplicate URLs, missing files, missing UI
strings, invalid TeX, unknown equation references) and adds what only a
checker looks for: links to `#anchors` that do not exist on the target page.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from notesite.cachedir import cache_folder
from notesite.errors import NotesiteError, Problem
from notesite.loader import display_path
from notesite.pipeline import Pipeline


@dataclass(frozen=True)
class Finding:
    problem: Problem
    severity: str  # "error" or "warning"

    @property
    def message(self) -> str:
        return self.problem.message.removeprefix("warning: ")


def find_problems(
    root: Path,
    drafts: bool = False,
    base_url: str | None = None,
    cache_dir: Path | None = None,
    jobs: int = 1,
) -> list[Finding]:
    """Every problem of the site. Run as a build runs its pipeline (notes over `jobs`
    processes, each reused from the build cache while its inputs are the same), and
    what it rendered and read is left in the cache for the next check or build."""
    cache = cache_folder(cache_dir)
    pipeline = Pipeline(root, drafts, cache, jobs, spill=True, base_url=base_url)
    try:
        plan = pipeline.run()
        pipeline.notes.store.commit()
        pipeline.keep_loaded()
    except NotesiteError as error:
        return [Finding(problem, "error") for problem in error.problems]
    finally:
        pipeline.close()
    findings = [Finding(problem, "warning") for problem in plan.warnings]
    anchors = {post.source.as_posix(): facts.anchors for post, facts in plan.facts.items()}
    for post, facts in plan.facts.items():
        for link in facts.anchor_links:
            known = anchors.get(link.target or post.source.as_posix())
            if known is not None and link.fragment not in known:
                where = f" in {link.target}" if link.target else ""
                findings.append(
                    Finding(
                        Problem(
                            display_path(root, post.source),
                            post.body_line + link.line,
                            f"link to a missing anchor #{link.fragment}{where}",
                        ),
                        "error",
                    )
                )
    return sorted(findings, key=lambda f: (str(f.problem.path), f.problem.line, f.message))


def report(findings: list[Finding], fmt: str) -> str:
    if fmt == "json":
        rows = [
            {
                "path": str(f.problem.path),
                "line": f.problem.line,
                "severity": f.severity,
                "message": f.message,
            }
            for f in findings
        ]
        return json.dumps(rows, ensure_ascii=False, indent=2)
    if fmt == "github":
        # GitHub Actions workflow commands: annotations on the files in a pull request.
        return "\n".join(
            f"::{f.severity} file={f.problem.path},line={f.problem.line}::"
            + f.message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
            for f in findings
        )
    return "\n".join(
        f"{f.problem.path}:{f.problem.line}: {'warning: ' if f.severity == 'warning' else ''}"
        f"{f.message}"
        for f in findings
    )


def exit_status(findings: list[Finding], strict: bool) -> int:
    failing = [f for f in findings if f.severity == "error" or strict]
    return 1 if failing else 0
