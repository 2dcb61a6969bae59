"""`notesite new`: create a note with valid front matter at the right path.

Where the file goes is the content layout's decision (`layout.py`), the same
rules the loader reads it back with: a translation lands beside its original
under a name with the same translation key.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from notesite.config import load_config
from notesite.errors import fail
from notesite.frontmatter import parse_document
from notesite.layout import LayoutError, note_file, posts_folder, read_path, translation_file
from notesite.loader import display_path
from notesite.model import Config
from notesite.slugs import slugify


def new_note(
    root: Path,
    title: str,
    category: str | None = None,
    lang: str | None = None,
    translation_of: Path | None = None,
    bundle: bool = False,
    now: datetime | None = None,
) -> Path:
    """Write the note and return its path (`root` joined with its site-relative path)."""
    config = load_config(root)
    lang = lang or config.default_language
    if lang not in config.languages:
        raise fail(
            Path("--lang"),
            1,
            f"unknown language '{lang}' (declared: {', '.join(config.languages)})",
        )
    if translation_of is not None:
        relative, category, kept = _translation(
            root, translation_of, category, lang, bundle, config
        )
    else:
        category = category or next(iter(config.categories), None)
        relative, kept = _new_path(title, category, lang, bundle, config), {}
    path = root / relative
    if path.exists():
        raise fail(display_path(root, relative), 1, "already exists; not overwritten")
    moment = (now or datetime.now(config.timezone)).astimezone(config.timezone)
    front: dict[str, Any] = {
        "title": title,
        "date": moment.strftime("%Y-%m-%d %H:%M"),
        "category": category,
    }
    front.update({**kept, "tags": [], "draft": True})
    if front["category"] is None:
        del front["category"]
    text = "---\n" + yaml.safe_dump(front, allow_unicode=True, sort_keys=False) + "---\n\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _new_path(title: str, category: str | None, lang: str, bundle: bool, config: Config) -> Path:
    """A new note's site-relative path: named after its title, in its category folder."""
    name = slugify(title, config.slug_style)
    if not name:
        raise fail(Path("title"), 1, "cannot make a file name from this title")
    _check_category(category, config)
    try:
        return note_file(
            posts_folder(category), name, lang, config.default_language, config.languages, bundle
        )
    except LayoutError as error:  # e.g. the title "Index"
        raise fail(Path("title"), 1, str(error)) from None


def _translation(
    root: Path, given: Path, category: str | None, lang: str, bundle: bool, config: Config
) -> tuple[Path, str | None, dict[str, Any]]:
    """A translation's site-relative path (beside its original, same translation key), its
    category and the front matter it must share with the original."""
    original, meta = _original(root, given, config)
    category = category or meta.get("category") or read_path(original, config.languages).category
    _check_category(category, config)
    # An explicit group is joined only by naming it too.
    kept = {"translation_key": str(meta["translation_key"])} if "translation_key" in meta else {}
    # Translations of a note usually belong to its series, at the same place.
    kept.update({key: meta[key] for key in ("series", "series_order") if key in meta})
    try:
        path = translation_file(original, lang, config.default_language, config.languages, bundle)
    except LayoutError as error:
        raise fail(given, 1, str(error)) from None
    return path, category, kept


def _original(root: Path, given: Path, config: Config) -> tuple[Path, dict[str, Any]]:
    """The note `--translation-of` names: its site-relative path and its front matter."""
    original = given if given.is_absolute() else Path.cwd() / given
    if not original.is_file():
        raise fail(given, 1, "--translation-of: no such note")
    try:
        relative = original.resolve().relative_to(root.resolve())
    except ValueError:
        raise fail(given, 1, f"--translation-of: not a file of the site in {root}") from None
    try:
        read_path(relative, config.languages)  # the loader would never read it otherwise
    except LayoutError as error:
        raise fail(given, 1, f"--translation-of: {error}") from None
    return relative, parse_document(original.read_bytes(), given).meta


def _check_category(category: str | None, config: Config) -> None:
    if category is not None and category not in config.categories:
        known = ", ".join(config.categories)
        raise fail(Path("--category"), 1, f"unknown category '{category}' (known: {known})")
