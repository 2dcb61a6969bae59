"""`notesite new`: create a note with valid front matter at the right path."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import yaml

from notesite.config import load_config
from notesite.errors import fail
from notesite.frontmatter import parse_document
from notesite.loader import CONTENT, display_path
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
    """Write the note and return its path (relative to the current folder)."""
    config = load_config(root)
    lang = lang or config.default_language
    if lang not in config.languages:
        raise fail(
            Path("--lang"),
            1,
            f"unknown language '{lang}' (declared: {', '.join(config.languages)})",
        )
    if translation_of is not None:
        original = translation_of if translation_of.is_absolute() else Path.cwd() / translation_of
        if not original.is_file():
            raise fail(translation_of, 1, "--translation-of: no such note")
        meta = parse_document(original.read_bytes(), translation_of).meta
        category = category or meta.get("category") or original.parent.name
        folder = original.parent
        name = folder.name if original.name.startswith("index") else original.name.split(".")[0]
        if original.name.startswith("index"):
            folder, bundle = folder.parent, True
    else:
        category = category or next(iter(config.categories), None)
        name = slugify(title, config.slug_style)
        folder = root / CONTENT / "posts" / category if category else root / CONTENT / "posts"
        if not name:
            raise fail(Path("title"), 1, "cannot make a file name from this title")
    if category is not None and category not in config.categories:
        known = ", ".join(config.categories)
        raise fail(Path("--category"), 1, f"unknown category '{category}' (known: {known})")
    suffix = "" if lang == config.default_language else f".{lang}"
    path = folder / name / f"index{suffix}.md" if bundle else folder / f"{name}{suffix}.md"
    if path.exists():
        raise fail(
            display_path(root, path.relative_to(root)) if path.is_relative_to(root) else path,
            1,
            "already exists; not overwritten",
        )
    moment = (now or datetime.now(config.timezone)).astimezone(config.timezone)
    front = {"title": title, "date": moment.strftime("%Y-%m-%d %H:%M"), "category": category}
    front.update({"tags": [], "draft": True})
    if front["category"] is None:
        del front["category"]
    text = "---\n" + yaml.safe_dump(front, allow_unicode=True, sort_keys=False) + "---\n\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
