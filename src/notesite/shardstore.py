"""Search shards' bundles kept between builds, so that a build into an empty output
folder (CI, with its cache restored) runs Pagefind only for the shards whose notes
changed since any earlier build.

One folder per site in the cache folder (safe to delete), one file per shard key
holding the shard's bundle (checkedfile.py: a header with a checksum, then the pickled
files). A file that fails the check or the unpickling is absent, never served; a killed
build leaves no torn entry.
Entries no build has used for `KEEP_DAYS` days go (branches built in turn keep theirs).
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

from notesite.checkedfile import read_pickled, write_pickled

KEEP_DAYS = 14
_FORMAT = "notesite-shard-1"
Bundle = list[tuple[str, bytes]]  # (path inside the shard's folder, bytes)


class ShardStore:
    """The kept bundles of one site (a no-op without a folder)."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.used: set[str] = set()

    def get(self, key: str) -> Bundle | None:
        if self.folder is None:
            return None
        bundle = read_pickled(self._path(key), _FORMAT)
        if not _is_bundle(bundle):
            return None
        self.used.add(key)
        return bundle  # type: ignore[return-value]

    def put(self, key: str, bundle: Bundle) -> None:
        if self.folder is None:
            return
        write_pickled(self._path(key), _FORMAT, bundle)
        self.used.add(key)

    def _path(self, key: str) -> Path:
        assert self.folder is not None
        return self.folder / f"{key}.bundle"

    def keep(self, key: str) -> None:
        """This build used the shard (from the output), so its entry stays."""
        self.used.add(key)

    def prune(self) -> None:
        """Mark the entries this build used; drop those unused for KEEP_DAYS days."""
        if self.folder is None or not self.folder.is_dir():
            return
        now, oldest = time.time(), time.time() - KEEP_DAYS * 86400
        with contextlib.suppress(OSError), os.scandir(self.folder) as entries:
            for entry in entries:
                key = entry.name.removesuffix(".bundle")
                with contextlib.suppress(OSError):
                    if key in self.used:
                        os.utime(entry.path, (now, now))
                    elif entry.stat().st_mtime < oldest:
                        os.unlink(entry.path)


def _is_bundle(value: object) -> bool:
    return isinstance(value, list) and all(
        isinstance(item, tuple)
        and len(item) == 2
        and isinstance(item[0], str)
        and isinstance(item[1], bytes)
        for item in value
    )
