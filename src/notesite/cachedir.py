"""Where notesite keeps its caches (formulas, rendered notes, build notes) by default."""

from __future__ import annotations

import os
from pathlib import Path

CACHE_ENV = "NOTESITE_CACHE_DIR"


def default_cache_dir() -> Path:
    """Formulas are cached by content, so one cache serves every site of the user."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "notesite"
