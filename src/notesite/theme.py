"""Where the built-in theme lives, and the site's own overrides on top of it."""

from __future__ import annotations

from pathlib import Path

from notesite.errors import Problem
from notesite.filenames import printable, unusable_name
from notesite.symlinks import LinkProblem, check_link

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


def static_files(site_root: Path) -> tuple[dict[str, Path], list[Problem]]:
    """Output path (under static/) -> source file, site files overriding theme files;
    and the site's symbolic links left out (dangling, looping or leaving the site)."""
    files: dict[str, Path] = {}
    skipped: list[Problem] = []
    for directory in static_dirs(site_root):
        if not directory.is_dir():
            continue
        inside = site_root if directory == site_root / "static" else directory
        for path in sorted(directory.rglob("*")):
            if path.name.startswith(".") or path.is_dir():
                continue
            bad_name = unusable_name(path)
            problem = check_link(path, inside) if bad_name is None else LinkProblem(bad_name, False)
            if problem is not None:
                message = problem.message.removeprefix("warning: ")
                skipped.append(Problem(printable(path), 1, f"warning: {message}"))
            elif path.is_file():
                files["static/" + path.relative_to(directory).as_posix()] = path
    return files, skipped
