"""The loader's results kept between builds, so that a build re-reads and re-parses
only the notes whose file changed.

`LoadMemo.files` (each source's stat signature, the config it was read with, its
bundle's files and its `Post`) is what `serve` keeps in memory between saves; a build
keeps it in the cache folder instead, one file per site: a header line (this layout's
format, notesite's code fingerprint, the payload's CRC-32 and length) and the pickled
entries (checkedfile.py). A file with another header, or whose payload fails the
check or the unpickling, is ignored (the notes are read again). An entry is reused only under the
loader's own rule: the same stat signature, an equal config and the same bundle
files — the trust the writer's manifest and buildmemo.py place in stats.
"""

from __future__ import annotations

from pathlib import Path

from notesite.checkedfile import read_pickled, write_pickled
from notesite.fingerprint import code_fingerprint
from notesite.loader import LoadedFile, LoadMemo
from notesite.model import Post

_FORMAT = "notesite-load-1"


def _tag() -> str:
    """Entries are read back only by the code that wrote them."""
    return f"{_FORMAT} {code_fingerprint()}"


def read_loaded(path: Path) -> dict[Path, LoadedFile]:
    """The entries a build left in `path`; none when absent, stale or damaged."""
    files = read_pickled(path, _tag())
    if not isinstance(files, dict):
        return {}
    return {
        source: entry
        for source, entry in files.items()
        if isinstance(source, Path)
        and isinstance(entry, tuple)
        and len(entry) == 4
        and isinstance(entry[3], Post)
    }


def write_loaded(path: Path, memo: LoadMemo) -> None:
    """Keep the memo's notes (those the last load listed, read without error)."""
    listed = {source for sources, _, _ in memo.scans.values() for source, _ in sources}
    files = {
        source: entry
        for source, entry in memo.files.items()
        if source in listed and isinstance(entry[3], Post)
    }
    write_pickled(path, _tag(), files)
