"""The shortcut of a build in which nothing changed: no loading, planning or rendering.

A successful build leaves a note in the cache folder (`builds/`, one file per output
folder): the signature of its inputs, a digest of the manifest it wrote and its
summary (counts and warnings). The next build computes the signature again — from the
stat (size, mtime, inode) of every file it could read: `notesite.yaml`, `content/`,
`templates/`, `static/`, the theme's files and KaTeX's, plus notesite's own code, the
versions of the packages whose output ends up in the site, and the build's options —
and when the signature, the manifest and every file of the output are as that build
left them, the output is already what this build would write: it says so and stops.

Anything else takes the whole pipeline: a missing or damaged note, an edited, added,
removed or renamed file, a changed option, an output file touched by hand. A folder
reached through a symbolic link (whose contents a stat of the link does not show) or a
file that cannot be read turns the shortcut off. The note is written after the commit,
atomically, and names the manifest that commit wrote, so the note of a build that was
killed never matches.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path
from typing import Any

from notesite import distversions
from notesite.errors import Problem
from notesite.fingerprint import RENDERING_PACKAGES, code_fingerprint
from notesite.mathrender import find_katex
from notesite.theme import builtin_theme_dir
from notesite.writer import MANIFEST, SiteWriter

_FORMAT = 1
# Besides RENDERING_PACKAGES, packages whose work is in the output: templates, the
# front matter's reading, the search index.
_PACKAGES = (*RENDERING_PACKAGES, "jinja2", "markupsafe", "pyyaml", "pagefind-bin-extended")
SITE_FOLDERS = ("content", "templates", "static")


class NoSignature(Exception):
    """The inputs cannot be told apart by stat alone: take the whole pipeline."""


def input_signature(source: Path, options: dict[str, Any]) -> str | None:
    """A digest of everything a build of `source` with `options` reads; None when that
    cannot be known from stats (see the module docstring)."""
    hasher = hashlib.sha256(f"{_FORMAT}\0{code_fingerprint()}\0".encode())
    hasher.update(json.dumps(options, sort_keys=True, default=str).encode())
    for name in _PACKAGES:
        found = distversions.version(name)
        hasher.update((f"{name}={found}\0" if found else f"{name} missing\0").encode())
    katex = find_katex(source)
    theme = builtin_theme_dir()
    roots = [(str(source / "notesite.yaml"), source / "notesite.yaml")]
    roots += [(f"site/{name}", source / name) for name in SITE_FOLDERS]
    roots += [(f"theme/{name}", theme / name) for name in ("templates", "static")]
    roots += [("katex", katex)] if katex is not None else []
    try:
        for label, root in roots:
            hasher.update(f"{label}\0{root.resolve()}\0".encode())
            for line in _tree_lines(root):
                hasher.update(line)
    except NoSignature:
        return None
    return hasher.hexdigest()


def _tree_lines(root: Path) -> list[bytes]:
    """One line per file below `root` (or `root` itself): its path and stat signature."""
    if not root.is_dir():
        return [_file_line("", root)] if os.path.lexists(root) else [b"absent\0"]
    lines = []
    for folder, folders, files in os.walk(root, onerror=_no_signature):
        for name in folders:
            if os.path.islink(os.path.join(folder, name)):
                raise NoSignature(name)  # its contents would go unseen
        relative = os.path.relpath(folder, root)
        lines += [_file_line(os.path.join(relative, name), Path(folder, name)) for name in files]
    return sorted(lines)


def _file_line(name: str, path: Path) -> bytes:
    try:
        info = path.stat()  # a link's target, as the build reads it
        link = os.readlink(path) if path.is_symlink() else ""
    except OSError as error:
        raise NoSignature(str(path)) from error
    if not stat.S_ISREG(info.st_mode):
        raise NoSignature(str(path))  # a fifo, a folder behind a link…
    fields = (name, link, info.st_size, info.st_mtime_ns, info.st_ino, info.st_dev)
    return ("\0".join(str(field) for field in fields) + "\n").encode("utf-8", "surrogateescape")


def _no_signature(error: OSError) -> None:
    raise NoSignature(str(error))


class BuildMemo:
    """The note of the last successful build into one output folder."""

    def __init__(self, cache_dir: Path, output: Path) -> None:
        place = hashlib.sha256(str(output.resolve()).encode()).hexdigest()[:32]
        self.path = cache_dir / "builds" / f"{place}.json"
        self.output = output

    def recall(self, signature: str) -> dict[str, Any] | None:
        """The summary of the last build, if it had this signature and the output is
        exactly as it left it; else None."""
        try:
            note = json.loads(self.path.read_bytes())
            if note["format"] != _FORMAT or note["signature"] != signature:
                return None
            if note["manifest"] != _manifest_digest(self.output):
                return None
            summary = note["summary"]
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return summary if SiteWriter(self.output).as_recorded() else None

    def remember(self, signature: str, summary: dict[str, Any]) -> None:
        note = {
            "format": _FORMAT,
            "signature": signature,
            "manifest": _manifest_digest(self.output),
            "summary": summary,
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        temporary.write_text(json.dumps(note, ensure_ascii=False), encoding="utf-8")
        os.replace(temporary, self.path)


def _manifest_digest(output: Path) -> str | None:
    try:
        return hashlib.sha256((output / MANIFEST).read_bytes()).hexdigest()
    except OSError:
        return None


def problems_to_json(problems: tuple[Problem, ...]) -> list[list[Any]]:
    return [[str(p.path), p.line, p.message] for p in problems]


def problems_from_json(items: list[list[Any]]) -> tuple[Problem, ...]:
    return tuple(Problem(Path(path), int(line), str(message)) for path, line, message in items)
