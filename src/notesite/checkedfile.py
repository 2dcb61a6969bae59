"""Cache files trusted only whole: a header line naming what wrote the file and the
payload's checksum, then the pickled value. Written under a temporary name and renamed,
so a killed build leaves none torn; a file whose header or checksum does not match, or
that does not unpickle, reads as absent. The cache is the user's own: the check catches
torn, corrupted and stale files, not tampering."""

from __future__ import annotations

import os
import pickle
import zlib
from pathlib import Path


def checksum(payload: bytes | memoryview) -> str:
    """CRC-32 and length: catches torn and corrupted writes."""
    return crc_checksum(zlib.crc32(payload), len(payload))


def crc_checksum(crc: int, size: int) -> str:
    """`checksum` of a payload read in pieces: its running CRC-32 and its length."""
    return f"{crc:08x}-{size}"


def write_pickled(path: Path, tag: str, value: object) -> None:
    """Store `value` at `path` under `tag` (a format and whatever else must match to
    read it back); a cache that cannot be written only makes a slower next build."""
    payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with temporary.open("wb") as file:  # two writes: no copy of a large payload
            file.write(_header(tag, payload))
            file.write(payload)
        os.replace(temporary, path)
    except OSError:
        temporary.unlink(missing_ok=True)


def read_pickled(path: Path, tag: str) -> object | None:
    """The value stored at `path` under `tag`; None when absent, torn, stale or damaged."""
    try:
        data = path.read_bytes()
        start = data.index(b"\n") + 1
        payload = memoryview(data)[start:]  # a view: a large payload is not copied
        if data[:start] != _header(tag, payload):
            return None
        return pickle.loads(payload)
    except Exception:  # absent, torn, or written by another layout
        return None


def _header(tag: str, payload: bytes | memoryview) -> bytes:
    return f"{tag} {checksum(payload)}\n".encode()
