"""Full-text search: Pagefind indexes of the notes' pages, made by Pagefind's own binary.

The notes' pages (as the site serves them) are laid out in scratch folders, Pagefind
(`pagefind_extended`, the build that segments Chinese into words) indexes each folder
and writes its bundle — index fragments, WebAssembly, scripts — which goes into the
site below `pagefind/`. What Pagefind reads of a page is decided by the theme's markup:
`data-pagefind-body` (the note's title and body: a note is found by its title, and a
note of a title only still has words to index) and `data-pagefind-meta` (title,
category, date); formulas are read as their TeX (`EXCLUDE`).

The index is split into shards (`plan_shards`): the notes of one page language (its
`<html lang>`) go to about `NOTES_PER_SHARD` shards by a hash of their file, each shard
its own Pagefind bundle in `pagefind/<lang>/<n>/`. The browser searches the shards of
its language together (Pagefind's `mergeIndex`; `pagefind/shards.json` lists them, the
first, the "primary", also carries the scripts and WebAssembly). A shard is a function
of its pages, so its key (`search_key`) is made of their page keys: a build that edited
one note runs Pagefind over that note's shard only, and one whose notes' pages are all
unchanged runs it not at all. Each Pagefind process holds one shard, which bounds its
memory whatever the size of the site.

The Python API of the `pagefind` package is not used: its service client polls for each
answer every 0.1 s (a 1,000-note site would take minutes), where one run of the binary
over a folder takes a second or two.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from notesite import distversions, routes
from notesite.errors import fail
from notesite.model import Config
from notesite.pagefindservice import PagefindService, PagefindServices, pagefind_environment
from notesite.pages import PageOut
from notesite.searchcopy import SearchCopy
from notesite.shardstore import Bundle, ShardStore
from notesite.writer import SiteWriter

SEARCH_DIR = routes.SEARCH
SHARDS_FILE = f"{SEARCH_DIR}/shards.json"
# About this many notes per shard: a one-note edit re-indexes this many pages (about a
# second), and a search fetches one index chunk per shard of the page's language.
NOTES_PER_SHARD = 100
# Left out of what Pagefind reads: KaTeX's rendering of a formula (its HTML glyphs and
# the MathML elements), keeping the MathML annotation, which is the formula's TeX
# source; and signs that are not text: the `#` permalink of every heading, the `↩︎` back
# from a footnote, a callout's icon, a code block's language label (else read as the
# first word of its code: "pythondef f():").
EXCLUDE = (
    ".katex-html, .katex-mathml semantics > :not(annotation), "
    ".heading-anchor, .footnote-backref, .callout-icon, .code-lang"
)
_OPTIONS = f"exclude={EXCLUDE}"  # part of the key: other options, other bundle
# What a shard keeps of the bundle Pagefind writes. Every shard: its language's entry,
# metadata, index and fragments. The primary also: the scripts and WebAssembly the
# browser runs (merged shards use the primary's). Pagefind's other UIs are not used.
_DATA = re.compile(r"pagefind-entry\.json|[^/]+\.pf_meta|(index|fragment)/[^/]+")
_RUNTIME = re.compile(
    r"pagefind\.js|pagefind-worker\.js|wasm\.[^/]+\.pagefind|pagefind-component-ui\.(js|css)"
)


def indexed(page: PageOut) -> bool:
    """Whether a page is a note's page (searched), not a listing or a standalone page."""
    return page.route[0] == "post"


@dataclass(frozen=True)
class IndexedPage:
    file: str  # the page's file in the site, "posts/x/index.html"
    lang: str  # its `<html lang>`: Pagefind makes one index per value
    key: str | None  # its page key (None: unknown, the shard is always indexed again)


@dataclass(frozen=True)
class Shard:
    lang: str
    number: int
    primary: bool  # the first shard of its language: carries the browser's runtime
    files: tuple[str, ...]  # its pages, sorted

    @property
    def folder(self) -> str:
        """Its folder in the site, `pagefind/zh-cn/0/`."""
        return f"{SEARCH_DIR}/{lang_folder(self.lang)}/{self.number}/"

    def key(self, keys: dict[str, str | None]) -> str | None:
        """A key of this shard's bundle, from its pages' keys; None if a page has none."""
        role = "primary" if self.primary else "merged"
        return search_key(((file, keys[file]) for file in self.files), role)

    def in_site(self, bundle: Bundle) -> list[tuple[str, bytes]]:
        """A stored bundle's files at their paths in the site (`pagefind/…`)."""
        return [(self.folder + name, content) for name, content in bundle]

    def to_store(self, files: Iterable[tuple[str, bytes]]) -> Bundle:
        """The shard's files in the site as a bundle to store (paths inside `folder`)."""
        return [(path.removeprefix(self.folder), content) for path, content in files]

    def keeps(self, name: str) -> bool:
        """Whether the shard keeps the file `name` of Pagefind's bundle."""
        return bool(_DATA.fullmatch(name) or (self.primary and _RUNTIME.fullmatch(name)))


def lang_folder(lang: str) -> str:
    return re.sub(r"[^a-z0-9-]", "-", lang.lower()) or "unknown"


def plan_shards(pages: Iterable[IndexedPage]) -> list[Shard]:
    """The shards of these pages: per language, ⌈pages / NOTES_PER_SHARD⌉ buckets by a hash
    of the page's file, so a page stays in its shard while the site grows by less than
    a shard. Empty buckets make no shard."""
    by_lang: dict[str, list[str]] = {}
    for page in pages:
        by_lang.setdefault(page.lang, []).append(page.file)
    shards = []
    for lang, files in sorted(by_lang.items()):
        count = math.ceil(len(files) / NOTES_PER_SHARD)
        buckets: dict[int, list[str]] = {}
        for file in files:
            buckets.setdefault(_bucket(file, count), []).append(file)
        for rank, number in enumerate(sorted(buckets)):
            shards.append(Shard(lang, number, rank == 0, tuple(sorted(buckets[number]))))
    return shards


def _bucket(file: str, count: int) -> int:
    return int.from_bytes(hashlib.sha256(file.encode()).digest()[:8], "big") % count


def shards_file(shards: list[Shard], config_path: Path) -> bytes:
    """`pagefind/shards.json`: each language's shard folders (relative to `pagefind/`),
    the primary first. `shards` are those with a bundle: a shard in whose pages Pagefind
    found no word has none (a language of notes without words is not searched). Its
    primary missing, the others could not be searched: an error."""
    langs: dict[str, list[str]] = {}
    for shard in shards:
        if shard.lang not in langs and not shard.primary:
            raise fail(config_path, 1, _NO_PRIMARY.format(lang=shard.lang))
        langs.setdefault(shard.lang, []).append(shard.folder.removeprefix(f"{SEARCH_DIR}/"))
    return json.dumps(langs, ensure_ascii=False, sort_keys=True).encode("utf-8")


_NO_PRIMARY = (
    "search: Pagefind found no word to index in the first shard of the {lang} notes, "
    "whose bundle the others need (every note there has neither title nor text in words); "
    "give them words or turn search off with `search: false`"
)


def search_key(pages: Iterable[tuple[str, str | None]], role: str = "") -> str | None:
    """A key of a bundle made from these (file, page key) pairs; None if a page has no key."""
    hasher = hashlib.sha256(f"{_pagefind_version()}\0{_OPTIONS}\0{role}\0".encode())
    for file, key in sorted(pages):
        if key is None:
            return None
        hasher.update(f"{file}\0{key}\0".encode())
    return hasher.hexdigest()


def _pagefind_version() -> str:
    return distversions.version("pagefind-bin-extended") or "missing"


# Puts the page `file` (the site's path) at `target`: writes or hard-links its HTML.
PlacePage = Callable[[str, Path], object]


def index_shards(
    shards: list[Shard],
    place: PlacePage,
    work: Path,
    config_path: Path,
    jobs: int = 1,
    store: ShardStore | None = None,
) -> Iterator[tuple[Shard, str, bytes]]:
    """Run Pagefind over each shard (up to `jobs` at once, each thread through one
    service process) in a folder of its own below `work`, unless `store` has the bundle
    of the same search copies; yield the files the shards keep as (shard, `pagefind/…`
    path, bytes), in the order of `shards` and of the paths."""
    services = pagefind_services(work, config_path)

    def run(shard: Shard) -> list[tuple[Shard, str, bytes]]:
        folder = work / f"{lang_folder(shard.lang)}-{shard.number}"
        files = _index_shard(shard, folder, place, config_path, services, store)
        return [(shard, path, content) for path, content in files]

    try:
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            for files in pool.map(run, shards):  # in order, whichever finishes first
                yield from files
    finally:
        services.close()


def pagefind_services(work: Path, config_path: Path) -> PagefindServices:
    """Service processes (one per thread that asks) with the options of run_pagefind."""
    options = {"exclude_selectors": [EXCLUDE]}  # as run_pagefind's flags
    return PagefindServices(pagefind_executable(config_path), work, config_path, options)


def _index_shard(
    shard: Shard,
    folder: Path,
    place: PlacePage,
    config_path: Path,
    services: PagefindServices | None = None,
    store: ShardStore | None = None,
) -> list[tuple[str, bytes]]:
    """The files of the shard's bundle: as `store` has them under the key of its search
    copies (copies_key), when an earlier build indexed the same copies (a theme edit
    renders every page again, but Pagefind reads the same), else Pagefind's (then kept
    in `store` under that key)."""
    site, out = folder / "site", folder / "bundle"
    try:
        for file in shard.files:
            target = site / file
            target.parent.mkdir(parents=True, exist_ok=True)
            place(file, target)
        content_key = copies_key(shard, site) if store is not None else ""
        if store is not None and (found := store.get(content_key)):
            return shard.in_site(found)
        if services is None:
            found_words = run_pagefind(site, out, config_path)
        else:
            with services.lent() as service:
                found_words = run_pagefind(site, out, config_path, service)
        if not found_words:
            return []  # nothing to index in these pages: no bundle (see shards_file)
        kept = []
        for path in sorted(p for p in out.rglob("*") if p.is_file()):
            name = path.relative_to(out).as_posix()
            if not shard.keeps(name):
                continue
            content = path.read_bytes()
            if name == "pagefind-entry.json":
                content = _stable_entry(content)
            kept.append((shard.folder + name, content))
        if store is not None and kept:
            store.put(content_key, shard.to_store(kept))
        return kept
    finally:
        shutil.rmtree(folder, ignore_errors=True)  # one shard's pages on disk at a time


def copies_key(shard: Shard, site: Path) -> str:
    """A key of the bundle Pagefind makes of the shard's pages as laid out in `site`:
    what it reads, their files and bytes (search copies: searchcopy.py)."""
    hasher = hashlib.sha256(f"copies\0{_pagefind_version()}\0{_OPTIONS}\0".encode())
    hasher.update(f"{shard.lang}\0{shard.primary}\0".encode())
    for file in shard.files:
        digest = hashlib.sha256((site / file).read_bytes()).hexdigest()
        hasher.update(f"{file}\0{digest}\0".encode())
    return hasher.hexdigest()


def run_pagefind(
    site: Path, out: Path, config_path: Path, service: PagefindService | None = None
) -> bool:
    """Index the HTML files below `site` into `out` (by a run of Pagefind's binary, or
    by a service process that indexes one folder after another: the same bundle);
    False when Pagefind found no words in them. Pagefind reads options from the
    environment (`PAGEFIND_*`) and from config files in its working folder: neither may
    change the site's index, so both are left out."""
    if service is not None:
        return service.index(site, out)
    command = [
        str(pagefind_executable(config_path)),
        "--site",
        str(site),
        "--output-path",
        str(out),
    ]
    command += ["--exclude-selectors", EXCLUDE, "--silent"]
    try:
        done = subprocess.run(
            command,
            cwd=site.parent,
            env=pagefind_environment(),
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError as error:
        raise fail(config_path, 1, f"search: cannot run Pagefind: {error}") from None
    if done.returncode != 0:
        said = " ".join((done.stderr or done.stdout).split()) or f"exit status {done.returncode}"
        if _NOTHING_TO_INDEX in said:
            return False
        raise fail(config_path, 1, f"search: Pagefind failed: {said}")
    return True


def pagefind_executable(config_path: Path) -> Path:
    try:
        from pagefind_bin_extended import get_executable
    except ImportError:
        raise fail(config_path, 1, _MISSING) from None
    return Path(get_executable())


# What Pagefind says (and exits 1) when no page of a folder has a word to index.
_NOTHING_TO_INDEX = "Pagefind was not able to build an index"


_MISSING = (
    "search: Pagefind is not installed (pip install 'pagefind[extended]'), "
    "or turn search off with `search: false`"
)


def _stable_entry(content: bytes) -> bytes:
    """Pagefind may list the languages of `pagefind-entry.json` in a different order from
    run to run; the same input must give the same bytes, so they are sorted."""
    entry = json.loads(content)
    entry["languages"] = dict(sorted(entry.get("languages", {}).items()))
    return json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class SearchCopies:
    """Writes what Pagefind reads of each note's page rendered now (only its bytes, on
    disk: not kept in memory) into a folder, from whichever process rendered it; only
    for the pages of `wanted` (those of the shards Pagefind will index)."""

    def __init__(self, folder: Path, wanted: set[str]) -> None:
        self.folder = folder
        self.wanted = wanted
        self.copy = SearchCopy()

    def put(self, page: PageOut, content: bytes) -> None:
        if page.file in self.wanted:
            target = self.folder / page.file
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(self.copy(content))


class BuildIndex:
    """The search index of one `notesite build`. `order` plans the shards and says in
    which order to render the pages: shard by shard, so that each shard is complete
    early. Given every page's key before rendering, `keep_unchanged` keeps each shard
    whose bundle the output or the store has. Told about each page as the build
    renders or keeps it, it starts Pagefind on each other shard as soon as its last
    page is there, in the background (up to `jobs` at once) while the build renders
    the next pages; `write` hands the writer the bundles."""

    def __init__(
        self, config: Config, writer: SiteWriter, jobs: int = 1, store: ShardStore | None = None
    ) -> None:
        self.output = writer.output
        self.writer = writer
        self.store = store or ShardStore(None)  # bundles of earlier builds, by shard key
        self.config_path = config.path
        self.locales = {code: language.locale for code, language in config.languages.items()}
        self.rendered: set[str] = set()  # pages rendered now (in the scratch folder)
        self.work: Path | None = None  # the scratch folder, beside the output
        self.shards: list[Shard] = []
        self.waiting: dict[str, Shard] = {}  # page file -> its shard, until it is there
        self.missing: dict[Shard, int] = {}  # shard -> pages not yet there
        self.keys: dict[str, str | None] = {}  # page file -> page key, of each note told of
        self.made: dict[Shard, Future[list[tuple[str, bytes]]]] = {}
        self.shard_keys: dict[Shard, str | None] = {}  # of the shards Pagefind indexes
        self.pool = ThreadPoolExecutor(max_workers=max(1, jobs))
        self.services: PagefindServices | None = None  # lent to the Pagefind threads

    def order(self, pages: list[PageOut]) -> list[PageOut]:
        """Plan the shards of these pages (all the build's) and return the pages in the
        order to render them: each shard's notes together, then the other pages."""
        notes = [page for page in pages if indexed(page)]
        listed = [IndexedPage(page.file, self.locales[page.lang], None) for page in notes]
        self.shards = plan_shards(listed)
        for shard in self.shards:
            self.missing[shard] = len(shard.files)
            self.waiting.update((file, shard) for file in shard.files)
        rank = {file: n for n, shard in enumerate(self.shards) for file in shard.files}
        notes.sort(key=lambda page: rank[page.file])
        return notes + [page for page in pages if not indexed(page)]

    def keep_unchanged(self, keys: dict[str, str | None]) -> None:
        """Keep, before any page is rendered, each shard whose bundle the output or the
        store has for its pages' `keys` (every page's key is known then): its pages
        need no search copy, and only the other shards wait for their pages."""
        for shard in self.shards:
            key = shard.key(keys)
            if key is not None and self._kept(shard, key):
                for file in shard.files:
                    del self.waiting[file]
                del self.missing[shard]

    def waiting_first(self, pages: list[PageOut]) -> list[PageOut]:
        """`pages` (as `order` gave them) with the pages of the shards still to index first,
        shard by shard: after a one-note edit, Pagefind starts on the note's shard at the
        beginning of the pages, not wherever that shard's turn was."""
        return sorted(pages, key=lambda page: page.file not in self.waiting)

    def copies(self) -> SearchCopies:
        """Where the search copies of the pages rendered now go (in any process): those
        of the shards still waiting for their pages."""
        return SearchCopies(self._work() / "pages", set(self.waiting))

    def page(self, page: PageOut, key: str | None, rendered: bool) -> None:
        """A page of the build, `rendered` now (its search copy written by `copies()`)
        or kept from the output."""
        if not indexed(page):
            return
        self.keys[page.file] = key
        shard = self.waiting.pop(page.file, None)
        if shard is None:
            return  # its shard was kept before rendering (keep_unchanged)
        if rendered:
            self.rendered.add(page.file)
        self.missing[shard] -= 1
        if not self.missing[shard]:
            self._complete(shard)

    def _complete(self, shard: Shard) -> None:
        """All of a shard's pages are there (one keep_unchanged did not keep): start
        Pagefind on it."""
        key = shard.key(self.keys)
        self.shard_keys[shard] = key
        folder = self._work() / f"{lang_folder(shard.lang)}-{shard.number}"
        place = self._placer()
        services = self._services()
        self.made[shard] = self.pool.submit(
            _index_shard, shard, folder, place, self.config_path, services, self.store
        )

    def write(self) -> None:
        """Wait for Pagefind and hand the writer the bundles and the list of shards."""
        writer = self.writer
        if not self.shards:
            return  # no notes, nothing to search (and Pagefind refuses an empty site)
        assert not self.waiting, "every page of the plan is rendered or kept first"
        for shard, future in self.made.items():
            bundle = future.result()  # in the store under its copies' key already
            for path, content in bundle:
                writer.write(path, content, self.shard_keys[shard])
            if bundle and (key := self.shard_keys[shard]) is not None:
                self.store.put(key, shard.to_store(bundle))
        # Listed: the kept shards and those Pagefind made a bundle of (see shards_file).
        listed = [s for s in self.shards if s not in self.made or self.made[s].result()]
        writer.write(SHARDS_FILE, shards_file(listed, self.config_path))
        self.store.prune()

    def _kept(self, shard: Shard, key: str) -> bool:
        """The shard's bundle as the output has it, or as an earlier build left it in
        the store (a build into a new output: CI with its cache restored)."""
        writer = self.writer
        if writer.reuse_folder(shard.folder, key):
            self.store.keep(key)
            return True
        stored = self.store.get(key)
        if not stored:
            return False
        for path, content in shard.in_site(stored):
            writer.write(path, content, key)
        return True

    def _placer(self) -> PlacePage:
        """What lays a shard's pages out for Pagefind (in a worker thread: its own copier):
        the search copy of a page rendered now, else of the output's (kept) file,
        hard-linked when the copy is the page itself."""
        copy = SearchCopy()

        def place(file: str, target: Path) -> None:
            if file in self.rendered:
                source = self._work() / "pages" / file
            else:
                source = self.output / file
                content = source.read_bytes()
                if (short := copy(content)) is not content:
                    target.write_bytes(short)
                    return
            try:
                os.link(source, target)
            except OSError:
                shutil.copyfile(source, target)

        return place

    def warm_up(self) -> None:
        """Have a Pagefind service ready, in each of the site's locales, before the
        first shard is indexed (see PagefindServices.warm_up)."""
        self._services().warm_up(sorted(set(self.locales.values())))

    def _services(self) -> PagefindServices:
        if self.services is None:
            self.services = pagefind_services(self._work(), self.config_path)
        return self.services

    def _work(self) -> Path:
        if self.work is None:  # beside the output: so that hard links work
            self.work = self.output.parent / f".{self.output.name}.search-{os.getpid()}"
            shutil.rmtree(self.work, ignore_errors=True)
            self.work.mkdir(parents=True)
        return self.work

    def close(self) -> None:
        """Stop (a failed build: Pagefind runs in the background) and remove the scratch."""
        self.pool.shutdown(wait=True, cancel_futures=True)
        if self.services is not None:
            self.services.close()
        if self.work is not None:
            shutil.rmtree(self.work, ignore_errors=True)
