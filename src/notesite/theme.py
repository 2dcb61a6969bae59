"""Where the built-in theme lives, and the site's own overrides on top of it."""

from __future__ import annotations

from pathlib import Path

_PACKAGED = Path(__file__).parent / "theme"
_CHECKOUT = Path(__file__).resolve().parents[2]  # src/notesite -> repository root


def builtin_theme_dir() -> Path:
    """The wheel carries the theme in notesite/theme; an editable install uses the checkout."""
    if (_PACKAGED / "templates").is_dir():
        return _PACKAGED
    return _CHECKOUT


def template_dirs(site_root: Path) -> list[Path]:
    """Search order for templates: the site's own first, then the theme's."""
    return [site_root / "templates", builtin_theme_dir() / "templates"]


def static_dirs(site_root: Path) -> list[Path]:
    """Static folders in copy order: the theme's first, so the site's files overwrite them."""
    return [builtin_theme_dir() / "static", site_root / "static"]


def static_files(site_root: Path) -> dict[str, Path]:
    """Output path (under static/) -> source file, site files overriding theme files."""
    files: dict[str, Path] = {}
    for directory in static_dirs(site_root):
        if not directory.is_dir():
            continue
        for path in sorted(directory.rglob("*")):
            if path.is_file() and not path.name.startswith("."):
                files["static/" + path.relative_to(directory).as_posix()] = path
    return files
