"""Where notesite keeps its caches (formulas, rendered notes, build notes) by default."""

from __future__ import annotations

import os
from pathlib import Path

from notesite.errors import NotesiteError, fail

CACHE_ENV = "NOTESITE_CACHE_DIR"


def default_cache_dir() -> Path:
    """Formulas are cached by content, so one cache serves every site of the user."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "notesite"


def cache_folder(chosen: Path | None) -> Path:
    """The cache folder to use (`chosen`, else the default), made if it is missing; a
    path that cannot be a folder (a file on the way, no permission) is a user error,
    said in one line, before any work."""
    folder = chosen or default_cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise _unusable(folder, error) from None
    return folder


def _unusable(folder: Path, error: OSError) -> NotesiteError:
    reason = error.strerror or str(error)
    return fail(folder, 1, f"cannot use this cache folder: {reason} (--cache-dir or ${CACHE_ENV})")
