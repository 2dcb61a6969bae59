"""`notesite check`: validate a site without writing it, for writers and for CI.

It runs the same pipeline as `build` (so every build error and warning is
found: front matter, config, duplicate URLs, missing files, missing UI
strings, invalid TeX) and adds what only a checker looks for: links to
`#anchors` that do not exist on the target page.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from notesite.errors import NotesiteError, Problem
from notesite.loader import display_path
from notesite.markdown.equations import equation_id
from notesite.mathsetup import default_cache_dir
from notesite.pipeline import Pipeline


@dataclass(frozen=True)
class Finding:
    problem: Problem
    severity: str  # "error" or "warning"

    @property
    def message(self) -> str:
        return self.problem.message.removeprefix("warning: ")


def _anchors(env: dict) -> set[str]:
    """Ids a rendered document has: headings, numbered equations, footnotes."""
    ids = set(env["ids"].taken) if "ids" in env else set()
    ids |= {equation_id(key) for key in env.get("equation_numbers", {})}
    footnotes = env.get("footnotes", {}).get("list", {})
    for number in range(len(footnotes)):
        ids |= {f"fn{number + 1}", f"fnref{number + 1}"}
    return ids


def find_problems(root: Path, drafts: bool = False) -> list[Finding]:
    pipeline = Pipeline(root, drafts, default_cache_dir())
    try:
        plan = pipeline.run()
    except NotesiteError as error:
        return [Finding(problem, "error") for problem in error.problems]
    finally:
        pipeline.close()
    findings = [Finding(problem, "warning") for problem in plan.warnings]
    parsed = {post.source.as_posix(): tokens for post, tokens in pipeline.parsed_by_post.items()}
    anchors = {source: _anchors(tokens.env) for source, tokens in parsed.items()}
    for post, tokens in pipeline.parsed_by_post.items():
        for line, target, fragment in tokens.env.get("anchor_links", []):
            known = anchors.get(target or post.source.as_posix())
            if known is not None and fragment not in known:
                where = f" in {target}" if target else ""
                findings.append(
                    Finding(
                        Problem(
                            display_path(root, post.source),
                            post.body_line + line,
                            f"link to a missing anchor #{fragment}{where}",
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
