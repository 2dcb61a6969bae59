"""Read content/ into the site model: posts, standalone pages and assets.

All reading of the site's files happens here (and in config.py). Every
problem found is collected and raised together, each as `path:line: message`.
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from notesite import routes
from notesite.config import SERIES_KEY, load_config
from notesite.dates import parse_date
from notesite.errors import NotesiteError, Problem, fail
from notesite.filenames import printable, unusable_name
from notesite.frontmatter import Document, parse_document
from notesite.layout import (
    CONTENT,
    FOLDERS,
    Source,
    asset_url,
    group_files,
    is_markdown,
    read_path,
)
from notesite.model import Asset, Config, Post, Site
from notesite.slugs import slugify
from notesite.symlinks import LinkProblem, check_link

KNOWN_KEYS = frozenset(
    {"title", "date", "updated", "category", "tags", "lang", "translation_key", "slug"}
    | {"summary", "draft", "source", "series", "series_order"}
)


# Markdown sources with their bundle files, loose assets, and symbolic links left out
# (with whether each one fails the build).
Scan = tuple[list[Source], list[Asset], list[tuple[Problem, bool]]]

# source -> (file signature, config it was read with, bundle files, the post or its error)
LoadedFile = tuple[tuple[int, int, int], Config, tuple[Path, ...], "Post | NotesiteError"]


@dataclass
class LoadMemo:
    """What the last load read, kept by `serve` so a save re-reads only what changed."""

    files: dict[Path, LoadedFile] = field(default_factory=dict)
    scans: dict[str, Scan] = field(default_factory=dict)
    checks: tuple[tuple, list[Problem]] | None = None  # see _site_checks
    read: int = 0  # files read anew (not taken from `files`), over all loads

    def forget(self, relative: Path) -> None:
        """Forget a file, or everything below a folder (site-relative)."""
        if self.files.pop(relative, None) is None and not is_markdown(relative):
            for source in [s for s in self.files if relative in s.parents]:
                del self.files[source]

    def clear(self) -> None:
        self.files.clear()
        self.scans.clear()
        self.checks = None


def load_site(
    root: Path,
    include_drafts: bool = False,
    memo: LoadMemo | None = None,
    changed: set[Path] | None = None,
    base_url: str | None = None,
) -> Site:
    """Read the whole site. With a `memo` (kept by `serve`), unchanged files are not re-read.

    `changed` is what a file watcher knows: the site-relative paths changed since the
    last load (None: unknown). When every one is a file that was already there, the
    last folder scan is reused and only those files are looked at again. `base_url`
    overrides the config's (`--base-url`).
    """
    config = _as_before(load_config(root, base_url), memo)
    reuse_scan = memo is not None and _scan_still_valid(root, memo, changed)
    problems: list[Problem] = []
    warnings: list[Problem] = []
    posts: list[Post] = []
    pages: list[Post] = []
    assets: list[Asset] = []
    for kind, folder in FOLDERS.items():
        base = Path(CONTENT, folder)
        if not (root / base).is_dir():
            continue
        if reuse_scan and memo is not None and folder in memo.scans:
            sources, kind_assets, skipped = memo.scans[folder]
        else:
            sources, kind_assets, skipped = _scan(root, base, config)
            if memo is not None:
                memo.scans[folder] = (sources, kind_assets, skipped)
        assets.extend(kind_assets)
        for problem, fatal in skipped:
            (problems if fatal else warnings).append(problem)
        for source, bundle_assets in sources:
            trusted = reuse_scan and changed is not None and source not in changed
            loaded = _load_cached(root, source, kind, config, bundle_assets, memo, trusted)
            if isinstance(loaded, NotesiteError):
                problems.extend(loaded.problems)
                continue
            post = loaded
            if post.draft and not include_drafts:
                continue
            (posts if kind == "post" else pages).append(post)
    problems.extend(_site_checks(posts + pages, config, memo))
    if problems:
        shown = [Problem(display_path(root, p.path), p.line, p.message) for p in problems]
        raise NotesiteError(sorted(shown, key=lambda p: (str(p.path), p.line)))
    posts.sort(key=lambda p: (p.sort_date, p.date, str(p.source)), reverse=True)
    pages.sort(key=lambda p: str(p.source))
    return Site(
        root=root,
        config=config,
        posts=tuple(posts),
        pages=tuple(pages),
        assets=tuple(sorted(assets, key=lambda a: a.url)),
        warnings=tuple(Problem(display_path(root, p.path), p.line, p.message) for p in warnings),
    )


def _scan_still_valid(root: Path, memo: LoadMemo, changed: set[Path] | None) -> bool:
    """Whether the last folder scan still lists every file: only known files changed."""
    if changed is None or not memo.scans:
        return False
    known = {source for sources, _, _ in memo.scans.values() for source, _ in sources}
    return changed <= known and all((root / path).is_file() for path in changed)


def _as_before(config: Config, memo: LoadMemo | None) -> Config:
    """The config object the memo was filled with, if equal to `config`: then each
    remembered file is checked against it by identity, not by a deep comparison."""
    for _, before, _, _ in (memo.files if memo else {}).values():
        return before if before == config else config
    return config


def display_path(root: Path, relative: Path | str) -> Path:
    """A site file's path as the user can open it from the current folder."""
    return Path(relative) if root == Path(".") else root / relative


def _load_cached(
    root: Path,
    source: Path,
    kind: str,
    config: Config,
    bundle_assets: tuple[Path, ...],
    memo: LoadMemo | None,
    trusted: bool = False,
) -> Post | NotesiteError:
    """`_load_post`, reusing the previous result while the file and config are unchanged.

    `trusted`: the watcher reported no change to this file, so not even a stat is needed.
    """
    cache = memo.files if memo is not None else None
    if trusted and cache is not None:
        hit = cache.get(source)
        if hit and (hit[1] is config or hit[1] == config) and hit[2] == bundle_assets:
            return hit[3]
    stat = (root / source).stat()
    signature = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
    if cache is not None:
        hit = cache.get(source)
        same_config = hit is not None and (hit[1] is config or hit[1] == config)
        if hit and hit[0] == signature and same_config and hit[2] == bundle_assets:
            return hit[3]
    try:
        result: Post | NotesiteError = _load_post(root, source, kind, config, bundle_assets)
    except NotesiteError as error:
        result = error
    if memo is not None:
        memo.files[source] = (signature, config, bundle_assets, result)
        memo.read += 1
    return result


def _walk_files(base: Path) -> list[Path]:
    """Every visible file under `base`, sorted (os.walk: much cheaper than Path.rglob)."""
    found = []
    for folder, subfolders, names in os.walk(base):
        subfolders[:] = [d for d in subfolders if not d.startswith(".")]
        found.extend(Path(folder, name) for name in names if not name.startswith("."))
    return sorted(found)


def _scan(root: Path, base: Path, config: Config) -> Scan:
    """Find Markdown sources (with their bundle files) and loose assets under `base`
    (site-relative); which is which is the content layout's decision. Symbolic links
    that dangle, loop or leave the site are left out, each with its problem."""
    files: list[Path] = []
    skipped: list[tuple[Problem, bool]] = []
    for path in _walk_files(root / base):
        relative = path.relative_to(root)
        bad_name = unusable_name(relative)
        problem = check_link(path, root) if bad_name is None else LinkProblem(bad_name, True)
        if problem is None:
            files.append(relative)
        else:
            skipped.append((Problem(printable(relative), 1, problem.message), problem.fatal))
    sources, loose = group_files(files, base, config.languages)
    return sources, [Asset(source=path, url=asset_url(path)) for path in loose], skipped


def _load_post(
    root: Path, source: Path, kind: str, config: Config, bundle_assets: tuple[Path, ...]
) -> Post:
    doc = parse_document((root / source).read_bytes(), source)
    meta = doc.meta
    for key in meta:
        if key not in KNOWN_KEYS:
            raise _at(doc, source, key, f"unknown front matter key '{key}'")
    layout = read_path(source, config.languages)
    # Checked in this order, so a note with several mistakes reports the same first one.
    title = _title(doc, source)
    date = _required_date(doc, source, config)
    updated = _date(doc, source, "updated", config) if meta.get("updated") else None
    lang = _language(doc, source, layout.lang, config)
    category = _category(doc, source, kind, layout.category, config)
    tags = _tags(doc, source)
    slug = _slug(doc, source, layout.name, config)
    series, series_order = _series(doc, source)
    if series is not None and kind != "post":
        raise _at(doc, source, "series", "series are made of posts, not standalone pages")
    prefix = "" if lang == config.default_language else f"{lang}/"
    return Post(
        source=source,
        body_line=doc.body_line,
        kind=kind,
        title=title,
        date=date,
        updated=updated,
        category=category,
        tags=tags,
        lang=lang,
        translation_key=str(meta.get("translation_key", layout.translation_key)),
        slug=slug,
        url=routes.post(prefix, slug) if kind == "post" else routes.standalone(prefix, slug),
        summary=_optional(doc, source, "summary", str, None, "summary must be a string"),
        draft=_optional(doc, source, "draft", bool, False, "draft must be true or false"),
        source_link=_optional(doc, source, "source", str, None, "source must be a URL string"),
        body=doc.body,
        bundle_assets=bundle_assets,
        key_lines={str(k[0]): line for k, line in doc.lines.items() if len(k) == 1},
        series=series,
        series_order=series_order,
    )


def _title(doc: Document, source: Path) -> str:
    title = doc.meta.get("title")
    if title is None or (isinstance(title, str) and not title.strip()):
        raise fail(source, 1, "missing title in front matter")
    if isinstance(title, dict | list):
        raise _at(doc, source, "title", "title must be a string")
    if not isinstance(title, str):  # `title: 2048` or `title: yes`: YAML made it a number
        raise _at(doc, source, "title", f'title must be a string (quote it: title: "{title}")')
    return str(title).strip()


def _required_date(doc: Document, source: Path, config: Config) -> datetime:
    if "date" not in doc.meta or doc.meta["date"] in (None, ""):
        raise fail(source, 1, "missing date in front matter")
    return _date(doc, source, "date", config)


def _language(doc: Document, source: Path, suffix: str | None, config: Config) -> str:
    """Front matter `lang:`, else the file name's suffix, else the site's default."""
    lang = doc.meta.get("lang", suffix or config.default_language)
    if not isinstance(lang, str) or lang not in config.languages:
        key = "lang" if "lang" in doc.meta else None
        message = f"unknown language '{lang}' (declared: {', '.join(config.languages)})"
        raise _at(doc, source, key, message)
    return lang


def _slug(doc: Document, source: Path, name: str, config: Config) -> str:
    explicit = "slug" in doc.meta
    slug_text = doc.meta.get("slug", name)
    if not isinstance(slug_text, str | int | float):
        raise _at(doc, source, "slug", "slug must be a string")
    # An explicit slug is the author's choice; only derived ones follow `slugify:`.
    slug = slugify(str(slug_text), "unicode" if explicit else config.slug_style)
    if not slug:
        raise _at(doc, source, "slug" if explicit else None, "cannot make a URL slug")
    return slug


def _optional(
    doc: Document, source: Path, key: str, kind: type, default: object, message: str
) -> Any:
    """An optional front matter value of one type, or `default` when it is absent. An
    empty value (`key:` alone) is allowed only where the default is None."""
    value = doc.meta.get(key, default)
    if not isinstance(value, kind) and not (value is None and default is None):
        raise _at(doc, source, key, message)
    return value


def _at(doc: Document, source: Path, key: str | None, message: str) -> NotesiteError:
    return fail(source, doc.lines.get((key,), 1) if key else 1, message)


def _date(doc: Document, source: Path, key: str, config: Config) -> datetime:
    try:
        return parse_date(doc.meta[key], config.timezone)
    except ValueError as error:
        raise _at(doc, source, key, f"{key}: {error}") from None


def _category(
    doc: Document, source: Path, kind: str, folder: str | None, config: Config
) -> str | None:
    """The front matter's category, else `folder` (the layout's category folder)."""
    if kind != "post":
        return None
    value: Any = doc.meta.get("category")
    if value is None:
        value = folder
        if value is None:
            return None
        if value not in config.categories:
            raise fail(
                source, 1, f"unknown category '{value}' (folder name; declare it in notesite.yaml)"
            )
        return value
    if not isinstance(value, str) or value not in config.categories:
        known = ", ".join(config.categories) or "none declared"
        raise _at(doc, source, "category", f"unknown category '{value}' (known: {known})")
    return value


def _tags(doc: Document, source: Path) -> tuple[str, ...]:
    value = doc.meta.get("tags", [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(t, str | int | float) for t in value):
        raise _at(doc, source, "tags", "tags must be a list of strings")
    seen: dict[str, None] = {}
    for tag in value:
        text = str(tag).strip()
        if text and slugify(text):
            seen.setdefault(text, None)
    return tuple(seen)


def _series(doc: Document, source: Path) -> tuple[str | None, int | None]:
    """`series:` (a key like rl-course) and `series_order:` (an integer, only with a series)."""
    series, order = doc.meta.get("series"), doc.meta.get("series_order")
    if series is not None and (not isinstance(series, str) or not SERIES_KEY.match(series)):
        message = f"series must be a key like rl-course (a-z, 0-9, - and _), not {series!r}"
        raise _at(doc, source, "series", message)
    if order is not None and (isinstance(order, bool) or not isinstance(order, int)):
        raise _at(doc, source, "series_order", f"series_order must be an integer, not {order!r}")
    if order is not None and series is None:
        raise _at(doc, source, "series_order", "series_order without a series")
    return series, order


def _site_checks(items: list[Post], config: Config, memo: LoadMemo | None) -> list[Problem]:
    """Unique URLs and consistent translation groups, recomputed only when a field they
    read changed (a save to a note's body changes none)."""
    key = (
        tuple(
            (p.source, p.kind, p.slug, p.url, p.lang, p.translation_key, p.date, p.category)
            + ("translation_key" in p.key_lines, p.key_lines.get("category", 1))
            for p in items
        ),
        tuple(config.languages),
        config.default_language,
    )
    if memo is not None and memo.checks is not None and memo.checks[0] == key:
        return list(memo.checks[1])
    problems = _check_unique_urls(items, set(config.languages))
    problems += _check_translations(items, config.default_language)
    if memo is not None:
        memo.checks = (key, problems)
    return list(problems)


def _check_unique_urls(items: list[Post], languages: set[str]) -> list[Problem]:
    problems = []
    owners: dict[str, Path] = {}
    # Pages may not take the first URL segments notesite generates itself.
    reserved = {f"{segment}/" for segment in routes.RESERVED_SEGMENTS | languages}
    for item in sorted(items, key=lambda p: str(p.source)):
        if item.kind == "page" and f"{item.slug}/" in reserved:
            problems.append(Problem(item.source, 1, f"URL /{item.url} is reserved by notesite"))
        if item.url in owners:
            problems.append(
                Problem(item.source, 1, f"URL /{item.url} is also the URL of {owners[item.url]}")
            )
        else:
            owners[item.url] = item.source
    return problems


def _check_translations(items: list[Post], default_language: str) -> list[Problem]:
    """One note per language in a group; translations share their original's category;
    an explicit `translation_key` must find a partner."""
    problems = []
    groups: dict[tuple[str, str], list[Post]] = defaultdict(list)
    for item in items:
        groups[(item.kind, item.translation_key)].append(item)
    for (_, key), members in sorted(groups.items()):
        by_language: dict[str, list[Post]] = defaultdict(list)
        for member in sorted(members, key=lambda p: str(p.source)):
            by_language[member.lang].append(member)
        for lang, same in sorted(by_language.items()):
            for other in same[1:]:
                problems.append(
                    Problem(
                        other.source,
                        1,
                        f"translation group '{key}' already has a '{lang}' post: {same[0].source}",
                    )
                )
        members = sorted(members, key=lambda p: (p.lang != default_language, p.date, str(p.source)))
        original = members[0]
        if len(members) == 1 and "translation_key" in original.key_lines:
            problems.append(
                Problem(
                    original.source,
                    original.key_lines["translation_key"],
                    f"translation_key '{key}' matches no other note",
                )
            )
        for translation in members[1:]:
            if translation.category != original.category:
                problems.append(
                    Problem(
                        translation.source,
                        translation.key_lines.get("category", 1),
                        f"category '{translation.category}' differs from '{original.category}' "
                        f"of its original {original.source}",
                    )
                )
    return problems
