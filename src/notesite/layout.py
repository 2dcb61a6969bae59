"""Content layout: what a file's name and place under `content/` say about a note.

The loader (reading a site) and `notesite new` (writing a note) both ask this
module, so the naming rules of the content format live in one place:

- `content/posts/<category>/<name>.md` is the note <name>, `content/pages/<name>.md`
  a standalone page; folders below the category folder change nothing but the path.
- `<name>.<lang>.md` is <name> in <lang> when <lang> is a site language or looks like
  a language code (`x.fr.md` on a zh/en site is then reported by the loader, not
  published as a note `x.fr`); `td.v2.md` is the note `td.v2`.
- Exactly `index.md` / `index.<lang>.md` is the page of its folder and takes the
  folder's name (`ppo/index.md` is the note `ppo`); `indexing.md` is just `indexing`.
  A folder below `content/posts` or `content/pages` holding such a page is a bundle:
  its other files are copied beside the page; other Markdown files in it are not read.
- The translation key defaults to the path under `content/` without the language
  suffix and `.md` (`posts/rl/td`; an index page's folder), so `td.md` and `td.en.md`
  form one translation group. The note's name is the default slug text.
- A post's category defaults to its first folder under `content/posts/`.
- A file that is not Markdown and not in a bundle is copied to its path under `content/`.

Only paths are looked at here; no file is read or written.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

CONTENT = "content"
FOLDERS = {"post": "posts", "page": "pages"}  # kind of document -> its folder in content/
_KINDS = {folder: kind for kind, folder in FOLDERS.items()}
MARKDOWN = ".md"
INDEX = "index"
# What a language code looks like (zh, en, yue, zh-hk): such a suffix is read as a language
# even when the site does not declare it, so `x.fr.md` is reported rather than published
# as a note named "x.fr"; `td.v2` does not look like one.
_LANGUAGE_CODE = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]+)?")

# A Markdown source with the site-relative paths of its bundle's other files.
Source = tuple[Path, tuple[Path, ...]]


class LayoutError(ValueError):
    """A path or name the content layout cannot express (the message says why)."""


@dataclass(frozen=True)
class NotePath:
    """What a Markdown source's path says about its note; front matter may override
    `lang` (`lang:`), the translation key (`translation_key:`), the slug (`slug:`) and
    the category (`category:`)."""

    kind: str  # "post" or "page", from the folder under content/
    name: str  # "td" for td.en.md; an index page's folder name; the default slug text
    lang: str | None  # from a `.<lang>.md` suffix, else None
    index: bool  # index.md / index.<lang>.md: the page of its folder
    translation_key: str  # "posts/rl/td": the path under content/ without suffixes
    category: str | None  # a post's first folder under content/posts/, if any


def is_markdown(path: Path) -> bool:
    return path.suffix == MARKDOWN


def split_language(stem: str, languages: Collection[str]) -> tuple[str, str | None]:
    """`td.en` -> ("td", "en"); `td.v2` -> ("td.v2", None); `x.fr` -> ("x", "fr") even
    where fr is not a site language (the loader reports it)."""
    head, dot, tail = stem.rpartition(".")
    if dot and head and (tail in languages or _LANGUAGE_CODE.fullmatch(tail)):
        return head, tail
    return stem, None


def is_index_page(file_name: str, languages: Collection[str]) -> bool:
    """Exactly `index.md` or `index.<lang>.md`; not `indexing.md`, not `index.v2.md`."""
    if not file_name.endswith(MARKDOWN):
        return False
    return split_language(file_name[: -len(MARKDOWN)], languages)[0] == INDEX


def _name_and_language(path: Path, languages: Collection[str]) -> tuple[str, str | None, bool]:
    """(note name, suffix language, is an index page) read from the file name alone."""
    stem, lang = split_language(path.name[: -len(MARKDOWN)], languages)
    if stem == INDEX:
        return path.parent.name, lang, True
    return stem, lang, False


def read_path(source: Path, languages: Collection[str]) -> NotePath:
    """What `source` (site-relative: `content/posts/rl/td.en.md`) says about its note."""
    parts = source.parts
    if len(parts) < 3 or parts[0] != CONTENT or parts[1] not in _KINDS:
        raise LayoutError(f"not under {CONTENT}/posts or {CONTENT}/pages")
    if not is_markdown(source):
        raise LayoutError(f"not a Markdown ({MARKDOWN}) file")
    name, lang, index = _name_and_language(source, languages)
    relative = source.relative_to(CONTENT)
    # An index page and its translations are grouped by their folder.
    key = relative.parent if index else relative.parent / name
    return NotePath(_KINDS[parts[1]], name, lang, index, key.as_posix(), _category_folder(relative))


def _category_folder(relative: Path) -> str | None:
    """("posts", "rl", "td.md") -> "rl"; a post directly in content/posts has none."""
    parts = relative.parts
    return parts[1] if parts[0] == FOLDERS["post"] and len(parts) > 2 else None


def asset_url(source: Path) -> str:
    """A loose file keeps its place: `content/posts/img/x.png` -> `posts/img/x.png`."""
    return source.relative_to(CONTENT).as_posix()


def group_files(
    files: Sequence[Path], base: Path, languages: Collection[str]
) -> tuple[list[Source], list[Path]]:
    """Sort the files under `base` (`content/posts`, site-relative, sorted) into Markdown
    sources, each with its bundle's files, and loose files (assets)."""
    # `base` itself is never a bundle: content/posts/index.md is an ordinary note.
    bundle_dirs = {p.parent for p in files if is_index_page(p.name, languages) and p.parent != base}
    bundle_files: dict[Path, list[Path]] = {folder: [] for folder in bundle_dirs}
    sources: list[Source] = []
    indexes: list[Path] = []
    loose: list[Path] = []
    for path in files:
        # The innermost bundle owns a file, so a bundle may hold another one.
        bundle = next((d for d in path.parents if d in bundle_dirs), None) if bundle_dirs else None
        if bundle is not None:
            if path.parent == bundle and is_index_page(path.name, languages):
                indexes.append(path)
            elif not is_markdown(path):
                bundle_files[bundle].append(path)
        elif is_markdown(path):
            sources.append((path, ()))
        else:
            loose.append(path)
    for index in indexes:  # every language of a bundle's page gets all its files
        sources.append((index, tuple(sorted(bundle_files[index.parent]))))
    sources.sort(key=lambda item: item[0])
    return sources, loose


def file_name(name: str, lang: str, default_language: str) -> str:
    """`td` in en -> `td.en.md`; the default language takes no suffix."""
    suffix = "" if lang == default_language else f".{lang}"
    return f"{name}{suffix}{MARKDOWN}"


def posts_folder(category: str | None) -> Path:
    """Where a new post of `category` goes: `content/posts/<category>`."""
    folder = Path(CONTENT, FOLDERS["post"])
    return folder / category if category else folder


def note_file(
    folder: Path,
    name: str,
    lang: str,
    default_language: str,
    languages: Collection[str],
    bundle: bool = False,
) -> Path:
    """The file of the note `name` in `lang`: `folder/name.lang.md`, or for a bundle
    `folder/name/index.lang.md`. A name the loader would read as another note (`index`
    outside a bundle, or ending in `.<lang>`) is refused rather than silently renamed."""
    if bundle:
        path = folder / name / file_name(INDEX, lang, default_language)
    else:
        path = folder / file_name(name, lang, default_language)
    wanted = (name, None if lang == default_language else lang)
    read_name, read_lang, _ = _name_and_language(path, languages)
    if (read_name, read_lang) != wanted:
        raise LayoutError(f"the file {path.name} would be read as the note '{read_name}'")
    return path


def translation_file(
    source: Path,
    lang: str,
    default_language: str,
    languages: Collection[str],
    bundle: bool = False,
) -> Path:
    """The translation of `source` into `lang`: beside it and named so that it has the
    same translation key. `rl/td.v2.md` -> `rl/td.v2.en.md`, `rl/indexing.md` ->
    `rl/indexing.en.md`, `rl/ppo/index.md` -> `rl/ppo/index.en.md`; with `bundle`,
    `rl/td.md` -> `rl/td/index.en.md` (an index page groups by its folder)."""
    note = read_path(source, languages)
    if note.index:
        return source.parent / file_name(INDEX, lang, default_language)
    return note_file(source.parent, note.name, lang, default_language, languages, bundle)
