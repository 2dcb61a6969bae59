"""Full-text search: a Pagefind index of the notes' pages, made by Pagefind's own binary.

The notes' pages (as the site serves them) are laid out in a scratch folder, Pagefind
(`pagefind_extended`, the build that segments Chinese into words) indexes that folder
and writes its bundle — index fragments, WebAssembly, scripts — which goes into the
site as `pagefind/`. What Pagefind reads of a page is decided by the theme's markup:
`data-pagefind-body` (the note's body) and `data-pagefind-meta` (title, category, date);
formulas are read as their TeX (`EXCLUDE`). One language index per `<html lang>`.

The bundle is a function of the indexed pages, so its key (`search_key`) is made of
their page keys: a build whose notes' pages are all unchanged keeps the last bundle
without running Pagefind. The Python API of the `pagefind` package is not used: its
service client polls for each answer every 0.1 s (a 1,000-note site would take minutes),
where one run of the binary over a folder takes a second or two.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Iterator
from importlib import metadata
from pathlib import Path

from notesite import routes
from notesite.errors import fail
from notesite.pages import PageOut
from notesite.writer import SiteWriter

SEARCH_DIR = routes.SEARCH
ENTRY = f"{SEARCH_DIR}/pagefind-entry.json"
# Left out of what Pagefind reads: KaTeX's rendering of a formula (its HTML glyphs and
# the MathML elements), keeping the MathML annotation, which is the formula's TeX
# source; and signs that are not text: the `#` permalink of every heading, the `↩︎` back
# from a footnote, a callout's icon.
EXCLUDE = (
    ".katex-html, .katex-mathml semantics > :not(annotation), "
    ".heading-anchor, .footnote-backref, .callout-icon"
)
_OPTIONS = f"exclude={EXCLUDE}"  # part of the key: other options, other bundle


def indexed(page: PageOut) -> bool:
    """Whether a page is a note's page (searched), not a listing or a standalone page."""
    return page.route[0] == "post"


def search_key(pages: Iterable[tuple[str, str | None]]) -> str | None:
    """A key of the bundle made from these (file, page key) pairs; None if a page has no key."""
    hasher = hashlib.sha256(f"{_pagefind_version()}\0{_OPTIONS}\0".encode())
    for file, key in sorted(pages):
        if key is None:
            return None
        hasher.update(f"{file}\0{key}\0".encode())
    return hasher.hexdigest()


def _pagefind_version() -> str:
    try:
        return metadata.version("pagefind-bin-extended")
    except metadata.PackageNotFoundError:
        return "missing"


class Scratch:
    """The pages to index, laid out as in the site, in a folder of their own (removed by
    `close`); `bundle()` runs Pagefind over them."""

    def __init__(self, folder: Path | None = None) -> None:
        if folder is None:
            folder = Path(tempfile.mkdtemp(prefix="notesite-search-"))
        else:
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
        self.folder = folder
        self.site = folder / "site"
        self.pages = 0

    def add(self, file: str, content: bytes) -> None:
        self._target(file).write_bytes(content)

    def link(self, file: str, source: Path) -> None:
        """Index `source` (a page of the output) as `file`, without copying it if possible."""
        target = self._target(file)
        try:
            os.link(source, target)
        except OSError:
            shutil.copyfile(source, target)

    def _target(self, file: str) -> Path:
        target = self.site / file
        target.parent.mkdir(parents=True, exist_ok=True)
        self.pages += 1
        return target

    def bundle(self, config_path: Path) -> Iterator[tuple[str, bytes]]:
        """Run Pagefind; yield its bundle's files as (`pagefind/…` path, bytes), sorted."""
        out = self.folder / "bundle"
        run_pagefind(self.site, out, config_path)
        for path in sorted(p for p in out.rglob("*") if p.is_file()):
            name = path.relative_to(out).as_posix()
            content = path.read_bytes()
            if name == "pagefind-entry.json":
                content = _stable_entry(content)
            yield f"{SEARCH_DIR}/{name}", content

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> Scratch:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def run_pagefind(site: Path, out: Path, config_path: Path) -> None:
    """Index the HTML files below `site` into `out`. Pagefind reads options from the
    environment (`PAGEFIND_*`) and from config files in its working folder: neither may
    change the site's index, so both are left out."""
    try:
        from pagefind_bin_extended import get_executable
    except ImportError:
        raise fail(config_path, 1, _MISSING) from None
    env = {name: value for name, value in os.environ.items() if not name.startswith("PAGEFIND_")}
    command = [str(get_executable()), "--site", str(site), "--output-path", str(out)]
    command += ["--exclude-selectors", EXCLUDE, "--silent"]
    try:
        done = subprocess.run(
            command, cwd=site.parent, env=env, capture_output=True, text=True, check=False
        )
    except OSError as error:
        raise fail(config_path, 1, f"search: cannot run Pagefind: {error}") from None
    if done.returncode != 0:
        said = " ".join((done.stderr or done.stdout).split()) or f"exit status {done.returncode}"
        raise fail(config_path, 1, f"search: Pagefind failed: {said}")


_MISSING = (
    "search: Pagefind is not installed (pip install 'pagefind[extended]'), "
    "or turn search off with `search: false`"
)


def _stable_entry(content: bytes) -> bytes:
    """Pagefind lists the languages of `pagefind-entry.json` in a different order from
    run to run; the same input must give the same bytes, so they are sorted."""
    entry = json.loads(content)
    entry["languages"] = dict(sorted(entry.get("languages", {}).items()))
    return json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class BuildIndex:
    """The search bundle of one `notesite build`, told about each page as the build
    renders or keeps it; `write` then hands the bundle to the writer, or keeps the last
    one when the notes' pages are those it was made from."""

    def __init__(self, output: Path, config_path: Path) -> None:
        self.output = output
        self.config_path = config_path
        self.keys: dict[str, str | None] = {}  # indexed page file -> page key
        self.kept: list[str] = []  # indexed pages the output already has
        self.scratch: Scratch | None = None
        self.ran = False  # whether Pagefind ran (False: the last bundle was kept)

    def page(self, page: PageOut, key: str | None, content: bytes | None) -> None:
        """A page of the build: `content` as rendered, or None when the output's file was kept."""
        if not indexed(page):
            return
        self.keys[page.file] = key
        if content is None:
            self.kept.append(page.file)
        else:
            self._scratch().add(page.file, content)  # only its bytes; not kept in memory

    def write(self, writer: SiteWriter) -> None:
        if not self.keys:
            return  # no notes, nothing to search (and Pagefind refuses an empty site)
        key = search_key(self.keys.items())
        if key is not None and writer.reuse_folder(f"{SEARCH_DIR}/", key):
            return
        scratch = self._scratch()
        for file in self.kept:
            scratch.link(file, self.output / file)
        self.ran = True
        for path, content in scratch.bundle(self.config_path):
            writer.write(path, content, key)

    def _scratch(self) -> Scratch:
        if self.scratch is None:  # beside the output: pages kept there are hard-linked
            self.scratch = Scratch(self.output.parent / f".{self.output.name}.search-{os.getpid()}")
        return self.scratch

    def close(self) -> None:
        if self.scratch is not None:
            self.scratch.close()
