"""Write the built site, file by file, touching only what changed and nothing before the end.

    with SiteWriter(output) as writer:
        writer.write("index.html", html)          # rendered bytes, not kept
        writer.copy("static/a.css", source_file)  # a file copied as it is

A file whose bytes equal what the output folder already holds is left alone (its
mtime stays, so `rsync` and deploys see real differences); a new or changed file
goes to a staging folder beside the output. A page made from the same inputs as
last time (the same page key, see pagekeys.py) whose file is still as written is
kept without even being rendered (`reuse`). Nothing in the output folder changes
while the `with` block runs. Leaving it normally commits: files of the old output
that this build did not produce are deleted, staged files are moved into place,
folders left empty are removed and the manifest is written, all in one step (a swap
of folders, or one file's rename when that is the whole change). Leaving it with an
exception (a template error, Ctrl-C) removes the staging folder and nothing else.

The manifest, `.notesite-manifest.json` in the output folder, records each file's
size, mtime, inode and sha256 as last written (and for a copy, a digest of its
source's path, and the source's size and mtime), so an unchanged file is known by
one stat; a file that does not match its record is read and hashed. A missing or
unreadable manifest costs only that reading. It is not part of the site, but it is
deployed with it (GitHub Pages serves every file of the folder, this one included),
so it holds no path outside the output folder.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import hashlib
import json
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from notesite.errors import fail
from notesite.folderswap import clear_leftovers, newest_retired, replace_folder

MANIFEST = ".notesite-manifest.json"
_FORMAT = 2


@dataclass(frozen=True)
class Record:
    """An output file as last written; `source` is (path, size, mtime_ns) for a copy."""

    size: int
    mtime_ns: int
    inode: int
    sha256: str
    source: tuple[str, int, int] | None = None
    key: str | None = None  # what a page was made from (pagekeys.py), for reuse

    @classmethod
    def of(
        cls, info: os.stat_result, sha256: str, source: tuple[str, int, int] | None = None
    ) -> Record:
        """The record of the file whose stat is `info`."""
        return cls(info.st_size, info.st_mtime_ns, info.st_ino, sha256, source)

    def describes(self, info: os.stat_result) -> bool:
        return (info.st_size, info.st_mtime_ns, info.st_ino) == (
            self.size,
            self.mtime_ns,
            self.inode,
        )


@dataclass(frozen=True)
class StagedFile:
    """A file written into the staging folder by `stage_file` (in any process, such as
    a forked worker), to be handed to the writer by `SiteWriter.adopt`."""

    name: str  # in the staging folder
    size: int
    sha256: str


@dataclass(frozen=True)
class Staging:
    """The staging folder as `stage_file` sees it (from any process): flat, each file
    named by a number, or, for an output that does not exist yet, laid out as the
    output (each file at its path), so that committing is renaming the folder."""

    folder: Path
    as_output: bool

    def name(self, path: str, number: int) -> str:
        """The name in the staging folder of the file `path`, the `number`th page."""
        return path if self.as_output else f"page-{number}"


def stage_file(staging: Staging, name: str, content: bytes) -> StagedFile:
    """Write `content` as `name` (see Staging.name) into the staging folder."""
    target = staging.folder / name
    if staging.as_output and "/" in name:
        target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(content)
    return StagedFile(name, len(content), hashlib.sha256(content).hexdigest())


@dataclass(frozen=True)
class WriteCounts:
    written: int  # new or changed files
    unchanged: int
    removed: int  # files of the old output this build did not produce


class SiteWriter:
    """Streams a build's files into `output`; see the module docstring."""

    def __init__(self, output: Path, force: bool = False, retired: Path | None = None) -> None:
        """`force`: replace the contents of an output folder notesite did not write.
        `retired`: a folder where the replaced output goes, to be removed later, off the
        build's path (`folderswap.clear_retired`), if on the output's file system."""
        if output.exists() and not output.is_dir():
            raise fail(output, 1, "the output must be a folder, but it is a file")
        if not force and is_foreign(output):
            raise fail(output, 1, FOREIGN)
        self.output = output.resolve()
        self.staging = self.output.parent / f".{self.output.name}.staging-{os.getpid()}"
        self.retired = retired
        self.counts: WriteCounts | None = None  # set by a successful commit
        self._old: dict[str, Record] = {}  # the manifest as read
        self._found: dict[str, os.stat_result] = {}  # regular files in the output now
        self._others: list[str] = []  # symlinks and other non-folders in the output
        self._empty: list[str] = []  # folders of the output with nothing in them
        self._kept: dict[str, Record] = {}  # this build's files the output already has
        # path -> (sha256, source of a copy, the file's name in the staging folder)
        self._staged: dict[str, tuple[str, tuple[str, int, int] | None, str]] = {}
        self._folders: set[str] = set()  # folders this build's files are in
        self._keys: dict[str, str] = {}  # page keys of this build's files
        self.as_output = False  # files are staged at their paths (see Staging)

    def __enter__(self) -> SiteWriter:
        shutil.rmtree(self.staging, ignore_errors=True)
        for kind in ("staging", "next", "search"):  # what builds killed before their end left
            clear_leftovers(self.output.parent, f".{self.output.name}.{kind}-")
        if self.output.is_dir():
            self._read_output()
        self.as_output = not os.path.lexists(self.output)
        return self

    def _read_output(self) -> None:
        """The manifest as the last build wrote it, and what the output holds now."""
        self._old = read_manifest(self.output / MANIFEST)
        found = _entries(self.output)
        found.files.pop(MANIFEST, None)
        self._found = found.files
        self._others = [path for path in found.others if path != MANIFEST]
        self._empty = found.empty

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        try:
            if kind is None:
                self._commit()
        finally:
            shutil.rmtree(self.staging, ignore_errors=True)

    def as_recorded(self) -> bool:
        """Whether the output holds exactly the files its manifest records, each as
        written (by stat), and nothing else: what the last build left, untouched."""
        if not self.output.is_dir():
            return False
        self._read_output()
        if self._others or self._empty or self._found.keys() != self._old.keys():
            return False
        return all(record.describes(self._found[path]) for path, record in self._old.items())

    # --------------------------------------------------------------- handing files over

    def knows(self, path: str) -> bool:
        """Whether the last build's manifest lists `path` (a file `reuse` may keep)."""
        return path in self._old

    def reuse(self, path: str, key: str | None) -> bool:
        """Keep the output's file at `path` without being handed its bytes, when it was
        made from the same inputs (`key`) and is still as written; False: write it."""
        record, found = self._old.get(path), self._found.get(path)
        if key is None or record is None or found is None or record.key != key:
            return False
        if not record.describes(found):
            return False
        self._claim(path)
        self._kept[path] = record
        self._keys[path] = key
        return True

    def reuse_folder(self, folder: str, key: str) -> bool:
        """Keep every file the last build wrote below `folder` (`pagefind/`) when all were
        made from inputs with this `key` and are still as written; False (nothing kept):
        write them."""
        paths = [path for path in self._old if path.startswith(folder)]
        for path in paths:
            record, found = self._old[path], self._found.get(path)
            if record.key != key or found is None or not record.describes(found):
                return False
        for path in paths:
            self._claim(path)
            self._kept[path] = self._old[path]
            self._keys[path] = key
        return bool(paths)

    def write(self, path: str, content: bytes, key: str | None = None) -> None:
        """The file `path` (relative, with `/`) of this build holds `content` (made from
        inputs whose key is `key`, when known)."""
        self._take(path, key)
        digest = hashlib.sha256(content).hexdigest()
        if not self._keep(path, len(content), digest, None):
            name = self._next_staged(path)
            (self.staging / name).write_bytes(content)
            self._staged[path] = (digest, None, name)

    def open_staging(self) -> Staging:
        """The staging folder, made now, for `stage_file`."""
        self.staging.mkdir(parents=True, exist_ok=True)
        return Staging(self.staging, self.as_output)

    def adopt(self, path: str, staged: StagedFile, key: str | None = None) -> None:
        """As `write`, for content already written into the staging folder."""
        self._take(path, key)
        if self._keep(path, staged.size, staged.sha256, None):
            (self.staging / staged.name).unlink()
        else:
            self._staged[path] = (staged.sha256, None, staged.name)

    def copy(self, path: str, source: Path) -> None:
        """The file `path` of this build is a copy of the file `source`."""
        self._claim(path)
        info = source.stat()
        # The source's path is recorded as a digest: the manifest is deployed with the
        # site, and the build machine's folders are nobody's business.
        where = hashlib.sha256(str(source.resolve()).encode()).hexdigest()[:32]
        origin = (where, info.st_size, info.st_mtime_ns)
        record, found = self._old.get(path), self._found.get(path)
        if record and found and record.source == origin and record.describes(found):
            self._kept[path] = record  # neither the copy nor its source changed
            return
        if found is None or not self._keep(path, info.st_size, _hash_file(source), origin):
            name = self._next_staged(path)
            self._staged[path] = (_copy(source, self.staging / name), origin, name)

    # ----------------------------------------------------------------------- internals

    def _take(self, path: str, key: str | None) -> None:
        """`path` is this build's (see _claim), made from inputs with `key` if known."""
        self._claim(path)
        if key is not None:
            self._keys[path] = key

    def _claim(self, path: str) -> None:
        """Refuse a path outside the site, or one that another file of this build has."""
        parts = path.split("/")
        if "\\" in path or path == MANIFEST or any(part in ("", ".", "..") for part in parts):
            raise ValueError(f"not a path inside the site: {path!r}")
        if path in self._kept or path in self._staged or path in self._folders:
            raise ValueError(f"two files for one path: {path!r}")
        folders: list[str] = []  # a/b/c.html -> a, a/b
        prefix = ""
        for part in parts[:-1]:
            prefix = f"{prefix}/{part}" if prefix else part
            folders.append(prefix)
        if any(folder in self._kept or folder in self._staged for folder in folders):
            raise ValueError(f"a file inside another file: {path!r}")
        self._folders.update(folders)

    def _keep(self, path: str, size: int, digest: str, origin: tuple | None) -> bool:
        """Whether the output's file at `path` already has these bytes (then kept)."""
        found = self._found.get(path)
        if found is None or found.st_size != size:
            return False
        record = self._old.get(path)
        if record is not None and record.describes(found):
            same = record.sha256 == digest
        else:
            same = _hash_file(self.output / path) == digest
        if same:
            self._kept[path] = Record.of(found, digest, origin)
        return same

    def _next_staged(self, path: str) -> str:
        """The name of the next staged file, `path`'s: numbered in the order files came,
        in one flat folder (a tree of folders to make and remove again would cost more
        than the files), or `path` itself when the staging folder is the next output."""
        if not self._staged:
            self.staging.mkdir(parents=True, exist_ok=True)
        if self.as_output:
            (self.staging / path).parent.mkdir(parents=True, exist_ok=True)
            return path
        return str(len(self._staged))

    # -------------------------------------------------------------------------- commit

    def _commit(self) -> None:
        """Make the output hold this build's files, in one step when anything changed
        (`_commit_by_swap`), else in place; record what it now holds."""
        wanted = self._kept.keys() | self._staged.keys()
        stale = [path for path in (*self._found, *self._others) if path not in wanted]
        changed = bool(self._staged or stale or self._empty)
        swap = changed and not self._one_rename(stale) and self._can_swap()
        if not (swap and self._commit_by_swap()):
            self._commit_in_place(stale)
        self.counts = WriteCounts(len(self._staged), len(self._kept), len(stale))

    def _one_rename(self, stale: list[str]) -> bool:
        """Whether the whole change is one staged file moved over a file or into a folder
        the output has (one note edited): in place, that is as atomic as a swap, and the
        next output need not be assembled nor the old one removed (most of a one-note
        build's writing)."""
        if len(self._staged) != 1 or stale or self._empty:
            return False
        target = self.output / next(iter(self._staged))
        return target.parent.is_dir() and not target.is_symlink() and not target.is_dir()

    def _can_swap(self) -> bool:
        """Not when the output is a mount point (a container's volume): it cannot move."""
        if not self.output.exists():
            return True
        return self.output.stat().st_dev == self.output.parent.stat().st_dev

    def _commit_by_swap(self) -> bool:
        """Build the next output beside this one — kept files hard-linked (inode and mtime
        stay), staged ones moved in — and swap the two folders. False, with nothing
        changed, where hard links are refused (FAT, some network file systems)."""
        if self.as_output:
            return self._commit_staging()
        tree = self.output.parent / f".{self.output.name}.next-{os.getpid()}"
        shutil.rmtree(tree, ignore_errors=True)
        try:
            folders, present = self._recycle(tree)
        except OSError:  # not a tree to strip (gone, unwritable): start from nothing
            shutil.rmtree(tree, ignore_errors=True)
            tree.mkdir()
            folders, present = {tree}, set()
        try:
            for path in self._kept:
                if path not in present:
                    _make_parent(tree / path, folders)
                    os.link(self.output / path, tree / path)
        except OSError:
            shutil.rmtree(tree, ignore_errors=True)
            return False
        records = dict(self._kept)
        for path, (digest, origin, name) in self._staged.items():
            _make_parent(tree / path, folders)
            _move(self.staging / name, tree / path)
            info = (tree / path).stat(follow_symlinks=False)
            records[path] = Record.of(info, digest, origin)
        write_manifest(tree / MANIFEST, self._with_keys(records))
        if self.output.is_dir():
            tree.chmod(self.output.stat().st_mode & 0o7777)
        replace_folder(tree, self.output, self._retire_to())
        return True

    def _commit_staging(self) -> bool:
        """A new output: the staging folder, laid out as the output and holding only this
        build's files, becomes it (one rename, not a folder and a rename per file)."""
        records = {}
        for path, (digest, origin, name) in self._staged.items():
            info = (self.staging / name).stat(follow_symlinks=False)
            records[path] = Record.of(info, digest, origin)
        write_manifest(self.staging / MANIFEST, self._with_keys(records))
        replace_folder(self.staging, self.output, self._retire_to())
        return True

    def _recycle(self, tree: Path) -> tuple[set[Path], set[str]]:
        """Make `tree` the old output the last swap retired, stripped to what this build
        keeps of it: each kept file that is there as the output's own file (the same
        inode: most of them, the two outputs differing only by that build's changes),
        and the folders this build's files are in. Everything else there goes. Returns
        the folders and the kept files `tree` has; an empty `tree` without a retired
        output. Assembling a next output of thousands of files then costs a few links,
        and the next build has no old output to remove."""
        base = newest_retired(self.retired) if self.retired is not None else None
        if base is None:
            tree.mkdir()
            return {tree}, set()
        os.rename(base, tree)
        found = _entries(tree)
        present = set()
        for path, info in found.files.items():
            record = self._kept.get(path)
            if record is not None and record.describes(info):
                present.add(path)
            else:
                (tree / path).unlink()
        for path in found.others:
            (tree / path).unlink()
        unused = found.folders - self._folders
        for folder in sorted(unused, key=lambda f: f.count("/"), reverse=True):
            (tree / folder).rmdir()  # emptied above: none of this build's files is inside
        return {tree, *(tree / folder for folder in found.folders & self._folders)}, present

    def _retire_to(self) -> Path | None:
        """A new name in `retired` for the old output, if it can be renamed there."""
        if self.retired is None:
            return None
        try:
            self.retired.mkdir(parents=True, exist_ok=True)
            if self.retired.stat().st_dev != self.output.parent.stat().st_dev:
                return None
        except OSError:
            return None
        return self.retired / f"{os.getpid()}-{time.time_ns()}"

    def _with_keys(self, records: dict[str, Record]) -> dict[str, Record]:
        for path, key in self._keys.items():
            if records[path].key != key:
                records[path] = dataclasses.replace(records[path], key=key)
        return records

    def _commit_in_place(self, stale: list[str]) -> None:
        """Delete stale files, move staged ones into place, drop emptied folders, and
        record what the output now holds. Interrupted, this leaves a mix of old and new
        files (repaired by the next build): used only where a swap is impossible."""
        output = self.output
        for path in stale:
            (output / path).unlink(missing_ok=True)
        output.mkdir(parents=True, exist_ok=True)
        if not (output / MANIFEST).is_file():  # our mark, before the first file moves in,
            write_manifest(output / MANIFEST, {})  # so an interrupted commit is still ours
        records = dict(self._kept)
        folders = {output}
        for path, (digest, origin, name) in self._staged.items():
            target = output / path
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)  # a folder where a file goes: only emptied folders
            if target.parent not in folders:
                target.parent.mkdir(parents=True, exist_ok=True)
                folders.add(target.parent)
            _move(self.staging / name, target)
            info = target.stat(follow_symlinks=False)
            records[path] = Record.of(info, digest, origin)
        records = self._with_keys(records)
        self._remove_empty_folders([*stale, *self._empty])
        if records != self._old or not (output / MANIFEST).is_file():
            write_manifest(output / MANIFEST, records)

    def _remove_empty_folders(self, paths: list[str]) -> None:
        """Remove the folders among `paths` and their parents that are empty now."""
        folders = {
            "/".join(parts[:i])
            for parts in (PurePosixPath(path).parts for path in paths)
            for i in range(1, len(parts) + 1)
        }
        for folder in sorted(folders, key=lambda f: f.count("/"), reverse=True):
            with contextlib.suppress(OSError):  # not empty, not a folder, or gone
                (self.output / folder).rmdir()


FOREIGN = (
    f"the output folder is not empty and was not written by notesite (no {MANIFEST}); "
    "choose another --output, or add --force to replace everything in it"
)


def is_foreign(output: Path) -> bool:
    """Whether `output` is a folder with files in it but without our manifest: a typo
    (`--output ~/Documents`) whose files the commit would otherwise delete."""
    if not output.is_dir() or (output / MANIFEST).exists():
        return False
    with os.scandir(output) as entries:
        return any(True for _ in entries)


@dataclass
class _Entries:
    """What is below a folder, by relative path (symlinks are not followed)."""

    files: dict[str, os.stat_result] = field(default_factory=dict)  # regular files' stats
    folders: set[str] = field(default_factory=set)
    others: list[str] = field(default_factory=list)  # symlinks, fifos…
    empty: list[str] = field(default_factory=list)  # folders with nothing in them


def _entries(folder: Path) -> _Entries:
    found = _Entries()
    # Folders as strings: a Path for each of thousands of page folders took half the scan.
    todo: list[tuple[str, str]] = [(os.fspath(folder), "")]
    while todo:
        here, prefix = todo.pop()
        with os.scandir(here) as scan:
            entries = list(scan)
        if not entries and prefix:
            found.empty.append(prefix.rstrip("/"))
        for entry in entries:
            relative = prefix + entry.name
            if entry.is_dir(follow_symlinks=False):
                found.folders.add(relative)
                todo.append((entry.path, relative + "/"))
            elif entry.is_file(follow_symlinks=False):
                found.files[relative] = entry.stat(follow_symlinks=False)
            else:
                found.others.append(relative)
    return found


def _make_parent(path: Path, made: set[Path]) -> None:
    if path.parent not in made:
        path.parent.mkdir(parents=True, exist_ok=True)
        made.add(path.parent)


def _move(source: Path, target: Path) -> None:
    try:
        os.replace(source, target)
    except OSError as error:
        if error.errno != errno.EXDEV:
            raise
        shutil.copyfile(source, target)  # the output is a mount point of its own


def _copy(source: Path, target: Path) -> str:
    """Copy `source` to `target`; the sha256 of what was copied."""
    digest = hashlib.sha256()
    with open(source, "rb") as reader, open(target, "wb") as writer:
        while chunk := reader.read(1 << 20):
            digest.update(chunk)
            writer.write(chunk)
    return digest.hexdigest()


def _hash_file(path: Path) -> str:
    with open(path, "rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


def read_manifest(path: Path) -> dict[str, Record]:
    """The records of the last build; none for a missing or damaged manifest, and a
    damaged record is left out (its file is then compared by reading it)."""
    try:
        data = json.loads(path.read_bytes())
        files = data["files"] if data["format"] == _FORMAT else {}
        records = {}
        for name, (size, mtime, inode, digest, source, key) in files.items():
            if all(isinstance(n, int) for n in (size, mtime, inode)) and isinstance(digest, str):
                origin = tuple(source or ()) or None
                key = key if isinstance(key, str) else None
                records[name] = Record(size, mtime, inode, digest, origin, key)
        return records
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return {}


def write_manifest(path: Path, records: dict[str, Record]) -> None:
    files = {
        name: [r.size, r.mtime_ns, r.inode, r.sha256, list(r.source) if r.source else None, r.key]
        for name, r in sorted(records.items())
    }
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps({"format": _FORMAT, "files": files}, separators=(",", ":")))
    os.replace(temporary, path)
