"""A note's rendered HTML as it travels from a rendering worker to the note store and
lies there: UTF-8 compressed with Zstandard, unpacked a piece at a time where its page
or feed entry is written.

KaTeX's markup is most of a page with formulas and repeats itself, so the packed HTML
is about a tenth of the bytes (1,000 synthetic articles: 127 MB of page HTML packed to
12 MB in 0.17 s, unpacked in 0.08 s). Those bytes were piped from each worker, written
into the store's log and copied into the database again: more than the packing costs.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import zstandard

LEVEL = 3  # Zstandard's default; 1 is hardly faster here and packs 6 % less
# Packed bytes unpacked at a time: a piece of HTML stays small even where the HTML
# repeats itself a hundredfold (a generated note), and pieces are few for a note's page.
PIECE = 64 << 10
WHOLE_UP_TO = 16 << 20  # HTML up to this size is unpacked in one go (a note's, mostly)

_local = threading.local()  # a compressor per thread: one must not be shared


class UnpackError(ValueError):
    """Packed bytes that do not unpack whole (a damaged or cut entry)."""


def pack(data: bytes) -> bytes:
    """`data` packed (with its size in the header, up to WHOLE_UP_TO)."""
    if len(data) <= WHOLE_UP_TO:
        return _compressor().compress(data)
    # In pieces: packing at once sets aside room for the worst case, as large as `data`.
    view = memoryview(data)
    return pack_pieces(view[start : start + PIECE] for start in range(0, len(view), PIECE))


def pack_pieces(pieces: Iterable[bytes]) -> bytes:
    """`pack` of the bytes `pieces` join to, without joining them."""
    packer = _compressor().compressobj()
    out = [packer.compress(piece) for piece in pieces]
    out.append(packer.flush())
    return b"".join(out)


def unpack(data: bytes) -> bytes:
    """The bytes packed in `data` (UnpackError: not one whole packed value)."""
    size = _size_if_small(data)
    return b"".join(unpack_pieces((data,))) if size is None else _unpack_whole(data, size)


def _unpack_whole(data: bytes, size: int) -> bytes:
    """`unpack` in one go, for a value whose header gave its `size`."""
    try:
        out = _decompressor().decompress(data, allow_extra_data=False)
    except zstandard.ZstdError as error:
        raise UnpackError(str(error)) from None
    if len(out) != size:
        raise UnpackError("the packed value is cut short")
    return out


def _size_if_small(data: bytes) -> int | None:
    """The size of what `data` packs, if its header says and it is at most WHOLE_UP_TO."""
    try:
        size = zstandard.frame_content_size(data)
    except zstandard.ZstdError as error:
        raise UnpackError(str(error)) from None
    return size if 0 <= size <= WHOLE_UP_TO else None


def unpack_pieces(packed: Iterable[bytes]) -> Iterator[bytes]:
    """The bytes packed in the pieces `packed` join to, a piece at a time; UnpackError
    when they are not one whole packed value."""
    unpacker = zstandard.ZstdDecompressor().decompressobj()
    try:
        for piece in packed:
            view = memoryview(piece)
            for start in range(0, len(view), PIECE):
                if unpacker.eof:
                    raise UnpackError("bytes after the packed value")
                out = unpacker.decompress(view[start : start + PIECE])
                if out:
                    yield out
    except zstandard.ZstdError as error:
        raise UnpackError(str(error)) from None
    if not unpacker.eof:
        raise UnpackError("the packed value is cut short")
    if unpacker.unused_data:
        raise UnpackError("bytes after the packed value")


@dataclass(frozen=True, eq=False)
class PackedHtml:
    """Packed UTF-8 HTML as a `RenderedDoc.encoded` (a `ByteSource`)."""

    data: bytes

    @classmethod
    def of(cls, html: bytes) -> PackedHtml:
        return cls(pack(html))

    def pieces(self) -> Iterator[bytes]:
        size = _size_if_small(self.data)
        if size is None:
            yield from unpack_pieces((self.data,))
        else:
            yield _unpack_whole(self.data, size)


class PackingBuffer:
    """Where a build's worker writes a note's HTML (a `markdown.HtmlBuffer`): held as it
    is up to WHOLE_UP_TO and packed at the end, packed as it is written past that, so a
    very large note's HTML is never held whole beside its packed bytes."""

    def __init__(self) -> None:
        self._plain: io.BytesIO | None = io.BytesIO()
        self._packed = io.BytesIO()
        self._packer: zstandard.ZstdCompressionObj | None = None
        self._size = 0

    def write(self, data: bytes) -> int:
        self._size += len(data)
        if self._plain is None:
            assert self._packer is not None
            self._packed.write(self._packer.compress(data))
            return len(data)
        self._plain.write(data)
        if self._size > WHOLE_UP_TO:
            # Its own compressor: a page's and its feed entry's buffers pack side by side.
            self._packer = zstandard.ZstdCompressor(level=LEVEL).compressobj()
            self._packed.write(self._packer.compress(self._plain.getvalue()))
            self._plain = None
        return len(data)

    def tell(self) -> int:
        """The bytes of HTML written so far."""
        return self._size

    def getvalue(self) -> PackedHtml:
        if self._plain is not None:
            return PackedHtml.of(self._plain.getvalue())
        assert self._packer is not None
        self._packed.write(self._packer.flush())
        return PackedHtml(self._packed.getvalue())


def _decompressor() -> zstandard.ZstdDecompressor:
    found = getattr(_local, "decompressor", None)
    if found is None:
        found = _local.decompressor = zstandard.ZstdDecompressor()
    return found


def _compressor() -> zstandard.ZstdCompressor:
    found = getattr(_local, "compressor", None)
    if found is None:
        found = _local.compressor = zstandard.ZstdCompressor(level=LEVEL)
    return found
