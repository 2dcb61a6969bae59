"""Symbolic links among a site's files: followed only when they stay inside the site.

A notes repository gathers links from many tools: some dangle, some loop, some point
at a file elsewhere on the machine. The last must never be copied into a public
site, and the first two must not stop a build with a traceback.
"""

from __future__ import annotations

import errno
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class LinkProblem:
    """Why the file at a symbolic link is not used; `fatal` problems fail the build."""

    message: str
    fatal: bool


def check_link(path: Path, root: Path) -> LinkProblem | None:
    """None when `path` is a regular file or a link to a file inside `root`."""
    if not path.is_symlink():
        return None
    try:
        target = path.resolve(strict=True)
    except FileNotFoundError:
        return LinkProblem(f"broken symbolic link: {path.readlink()} does not exist", True)
    except (RuntimeError, OSError) as error:  # Python < 3.13 raises RuntimeError for loops
        if isinstance(error, OSError) and error.errno != errno.ELOOP:
            raise
        return LinkProblem("symbolic link loop: it never reaches a file", True)
    if not target.is_relative_to(root.resolve()):
        return LinkProblem("warning: symbolic link to a file outside the site (not used)", False)
    return None
