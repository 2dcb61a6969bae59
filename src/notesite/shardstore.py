"""Search shards' bundles kept between builds, so that a build into an empty output
folder (CI, with its cache restored) runs Pagefind only for the shards whose notes
changed since any earlier build.

One folder per site in the cache folder (safe to delete), one file per shard key: a
checksum line (CRC-32 and length) and the pickled files of the shard's bundle. A file
that fails the check or the unpickling is treated as absent, never served; files are
written to a temporary name and renamed, so a killed build leaves no torn entry.
Entries no build has used for `KEEP_DAYS` days go (branches built in turn keep theirs).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import time
import zlib
from pathlib import Path

KEEP_DAYS = 14
Bundle = list[tuple[str, bytes]]  # (path inside the shard's folder, bytes)


def _checksum(payload: bytes) -> bytes:
    return f"{zlib.crc32(payload):08x}-{len(payload)}\n".encode()


class ShardStore:
    """The kept bundles of one site (a no-op without a folder)."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.used: set[str] = set()

    def get(self, key: str) -> Bundle | None:
        if self.folder is None:
            return None
        path = self.folder / f"{key}.bundle"
        try:
            data = path.read_bytes()
            head, payload = data.split(b"\n", 1)
            if head + b"\n" != _checksum(payload):
                return None
            bundle = pickle.loads(payload)
        except Exception:  # absent, torn, or not an entry of this layout
            return None
        if not _is_bundle(bundle):
            return None
        self.used.add(key)
        return bundle

    def put(self, key: str, bundle: Bundle) -> None:
        if self.folder is None:
            return
        payload = pickle.dumps(bundle, protocol=pickle.HIGHEST_PROTOCOL)
        temporary = self.folder / f".{key}.{os.getpid()}.tmp"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            temporary.write_bytes(_checksum(payload) + payload)
            os.replace(temporary, self.folder / f"{key}.bundle")
        except OSError:  # a cache that cannot be written is a slower next build
            temporary.unlink(missing_ok=True)
            return
        self.used.add(key)

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
