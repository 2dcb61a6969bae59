"""The loader's results kept between builds, so that a build re-reads and re-parses
only the notes whose file changed.

`LoadMemo.files` (each source's stat signature, the config it was read with, its
bundle's files and its `Post`) is what `serve` keeps in memory between saves; a build
keeps it in the cache folder instead, one file per site: a header line (this layout's
format, notesite's code fingerprint, the payload's CRC-32 and length) and the pickled
entries with their posts' note keys (checkedfile.py). A file with another header, or
whose payload fails the check or the unpickling, is ignored (the notes are read
again). An entry is reused only under the loader's own rule: the same stat signature,
an equal config and the same bundle files — the trust the writer's manifest and
buildmemo.py place in stats. A note key is reused only for that same post (see
notes.NoteStage._key).
"""

from __future__ import annotations

from pathlib import Path

from notesite.checkedfile import read_pickled, write_pickled
from notesite.fingerprint import code_fingerprint
from notesite.loader import LoadedFile, LoadMemo
from notesite.model import Post

_FORMAT = "notesite-load-2"

# A note's key for the note store (notes.note_key) under the render context it was made
# with: Post -> (context, key).
NoteKeys = dict[Post, tuple[str, str]]


def _tag() -> str:
    """Entries are read back only by the code that wrote them."""
    return f"{_FORMAT} {code_fingerprint()}"


def read_loaded(path: Path) -> tuple[dict[Path, LoadedFile], NoteKeys]:
    """The entries a build left in `path`, and the note keys of their posts; none when
    absent, stale or damaged."""
    stored = read_pickled(path, _tag())
    if not (isinstance(stored, tuple) and len(stored) == 2 and isinstance(stored[0], dict)):
        return {}, {}
    files = {
        source: entry
        for source, entry in stored[0].items()
        if isinstance(source, Path)
        and isinstance(entry, tuple)
        and len(entry) == 4
        and isinstance(entry[3], Post)
    }
    posts = _post_ids(files)
    items = stored[1] if isinstance(stored[1], list) else []
    keys = {
        item[0]: (item[1], item[2])
        for item in items
        if isinstance(item, tuple) and len(item) == 3 and id(item[0]) in posts
        if isinstance(item[1], str) and isinstance(item[2], str)
    }
    return files, keys


def write_loaded(path: Path, memo: LoadMemo, keys: NoteKeys) -> None:
    """Keep the memo's notes (those the last load listed, read without error), with their
    note keys: pickled together, a post is the same object in both once read back, so
    looking its key up never compares two notes' texts."""
    listed = {source for sources, _, _ in memo.scans.values() for source, _ in sources}
    files = {
        source: entry
        for source, entry in memo.files.items()
        if source in listed and isinstance(entry[3], Post)
    }
    posts = _post_ids(files)
    kept = [(post, context, key) for post, (context, key) in keys.items() if id(post) in posts]
    write_pickled(path, _tag(), (files, kept))


def _post_ids(files: dict[Path, LoadedFile]) -> set[int]:
    """The identities of the entries' posts: a note key is kept for one of them only."""
    return {id(entry[3]) for entry in files.values()}
