"""What notesite's own code and its rendering packages are: a change to either makes
every stored note stale (notes.py) and every build's inputs different (buildmemo.py).
Light on imports, so an unchanged build need not load the Markdown machinery."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from notesite import distversions

# Packages whose output ends up in a rendered note.
RENDERING_PACKAGES = ("markdown-it-py", "mdit-py-plugins", "pygments")


@cache
def code_fingerprint() -> str:
    """notesite's own source and the rendering packages' versions: a changed rule, an
    edited checkout or an upgrade makes every stored note stale."""
    digest = hashlib.sha256()
    package = Path(__file__).parent
    for path in sorted(package.rglob("*.py")) + sorted(package.rglob("*.js")):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    for name in RENDERING_PACKAGES:
        digest.update(f"{name}={distversions.version(name)}".encode())
    return digest.hexdigest()
