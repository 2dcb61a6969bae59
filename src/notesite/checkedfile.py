"""Cache files trusted only whole: a header line naming what wrote the file and the
payload's CRC-32 and length, then the pickled value. Written under a temporary name and renamed,
so a killed build leaves none torn; a file whose header or checksum does not match, or
that does not unpickle, reads as absent. The cache is the user's own: the check catches
torn, corrupted and stale files, not tampering."""

from __future__ import annotations

import os
import pickle
import zlib
from pathlib import Path
from typing import BinaryIO


def checksum(payload: bytes | memoryview) -> str:
    """CRC-32 and length: catches torn and corrupted writes."""
    return crc_checksum(zlib.crc32(payload), len(payload))


def crc_checksum(crc: int, size: int) -> str:
    """`checksum` of a payload read in pieces: its running CRC-32 and its length."""
    return f"{crc:08x}-{size}"


def write_pickled(path: Path, tag: str, value: object) -> None:
    """Store `value` at `path` under `tag` (a format and whatever else must match to
    read it back); a cache that cannot be written only makes a slower next build. The
    value is pickled straight into the file, a frame at a time (a site's loaded notes
    were 123 MB pickled whole in memory for 10,000 articles), and the header, whose
    width does not depend on the payload, written over its placeholder at the end."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with temporary.open("wb") as file:
            file.write(_header(tag, 0, 0))
            sink = _ChecksummedSink(file)
            pickle.dump(value, sink, protocol=pickle.HIGHEST_PROTOCOL)
            file.seek(0)
            file.write(_header(tag, sink.crc, sink.size))
        os.replace(temporary, path)
    except OSError:
        temporary.unlink(missing_ok=True)


def read_pickled(path: Path, tag: str) -> object | None:
    """The value stored at `path` under `tag`; None when absent, torn, stale or damaged."""
    try:
        data = path.read_bytes()
        start = data.index(b"\n") + 1
        payload = memoryview(data)[start:]  # a view: a large payload is not copied
        if data[:start] != _header(tag, zlib.crc32(payload), len(payload)):
            return None
        return pickle.loads(payload)
    except Exception:  # absent, torn, or written by another layout
        return None


class _ChecksummedSink:
    """A file to pickle into that keeps the running CRC-32 and length of what it got."""

    def __init__(self, file: BinaryIO) -> None:
        self.file, self.crc, self.size = file, 0, 0

    def write(self, data: bytes | memoryview) -> int:
        self.crc = zlib.crc32(data, self.crc)
        self.size += len(data)
        return self.file.write(data)


def _header(tag: str, crc: int, size: int) -> bytes:
    return f"{tag} {crc:08x}-{size:015d}\n".encode()  # fixed width: see write_pickled
