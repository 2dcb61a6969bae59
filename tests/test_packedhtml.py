"""Packed HTML (packedhtml.py): what goes in comes out, in bounded pieces, and packed
bytes that are cut, extended or damaged are an error, never other HTML."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from notesite import packedhtml
from notesite.markdown import MarkdownRenderer
from notesite.mathrender import client_markup
from notesite.notecache import NoteResult, NoteStore
from notesite.packedhtml import (
    PackedHtml,
    PackingBuffer,
    UnpackError,
    pack,
    pack_pieces,
    unpack,
    unpack_pieces,
)

KATEXISH = '<span class="katex"><span class="mord mathnormal">x</span></span> 中文。'.encode()


@given(st.binary(max_size=5000), st.integers(min_value=1, max_value=700))
def test_what_is_packed_unpacks_the_same_in_any_pieces(data: bytes, step: int) -> None:
    packed = pack(data)
    assert unpack(packed) == data
    pieces = [packed[start : start + step] for start in range(0, len(packed), step)]
    assert b"".join(unpack_pieces(pieces)) == data
    split = [data[start : start + step] for start in range(0, len(data), step)]
    assert unpack(pack_pieces(split)) == data


def test_markup_packs_small_and_unpacks_in_bounded_pieces(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    html = b"".join(KATEXISH + str(number).encode() for number in range(20_000))  # 1.5 MB
    packed = PackedHtml.of(html)
    assert len(packed.data) * 10 < len(html)
    assert list(packed.pieces()) == [html]  # small enough to unpack in one go
    monkeypatch.setattr(packedhtml, "WHOLE_UP_TO", len(html) - 1)
    monkeypatch.setattr(packedhtml, "PIECE", 64)  # packed bytes handed over at a time
    pieces = list(packed.pieces())
    assert b"".join(pieces) == html
    assert len(pieces) > 10 and max(map(len, pieces)) < len(html) // 10


@pytest.mark.parametrize(
    "damage",
    [
        lambda packed: packed[: len(packed) // 2],  # cut short
        lambda packed: packed[:-1],
        lambda packed: packed + pack(b"more"),  # another value after it
        lambda packed: packed + b"\0",
        lambda packed: b"not packed at all",
        lambda packed: b"",
    ],
)
@pytest.mark.parametrize("whole_up_to", [packedhtml.WHOLE_UP_TO, -1])  # -1: in pieces
def test_damaged_packed_bytes_are_an_error(
    damage, whole_up_to: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(packedhtml, "WHOLE_UP_TO", whole_up_to)
    packed = pack(KATEXISH * 100)
    with pytest.raises(UnpackError):
        unpack(damage(packed))
    with pytest.raises(UnpackError):
        b"".join(unpack_pieces([damage(packed)]))


def test_the_store_keeps_a_page_packed_and_gives_it_back_whole(tmp_path: Path) -> None:
    renderer = MarkdownRenderer(client_markup)
    parsed = renderer.parse("正文 $x$ 与 **粗体**。\n\n" * 200)
    page = renderer.render(parsed)
    path = tmp_path / "notes.sqlite"
    store = NoteStore(path)
    store.put("a", NoteResult(parsed.facts, page, None, (), (), ()))
    store.commit()
    with sqlite3.connect(path) as db:
        (stored,) = db.execute("SELECT payload FROM bodies WHERE key = 'a'").fetchone()
    assert unpack(stored).decode() == page.html and len(stored) * 5 < len(page.html.encode())
    found = NoteStore(path).get("a")
    assert found is not None and found.page.html == page.html
    encoded = NoteStore(path).get("a", encoded=True)
    assert encoded is not None and b"".join(encoded.page.pieces()) == page.html.encode()
    lazily = NoteStore(path).get("a", encoded=True, lazy=True)
    assert lazily is not None and isinstance(lazily.page.encoded, PackedHtml)
    assert b"".join(lazily.page.pieces()) == page.html.encode()


def test_large_html_is_packed_in_pieces_and_unpacks_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Past WHOLE_UP_TO, packing goes a piece at a time (packing at once would set aside
    as much room again as the HTML), and the value carries no size: unpacked in pieces."""
    html = b"".join(KATEXISH + str(number).encode() for number in range(5_000))
    monkeypatch.setattr(packedhtml, "WHOLE_UP_TO", 10_000)
    monkeypatch.setattr(packedhtml, "PIECE", 4096)
    packed = pack(html)
    assert packed != packedhtml._compressor().compress(html)  # not the one-go packing
    assert unpack(packed) == html
    assert b"".join(PackedHtml(packed).pieces()) == html


@pytest.mark.parametrize("whole_up_to", [packedhtml.WHOLE_UP_TO, 1000])
def test_a_packing_buffer_holds_what_was_written(
    whole_up_to: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Small: held and packed at the end, as `pack` packs; past WHOLE_UP_TO: packed as
    it is written. Either way it unpacks to what was written, and `tell` counts the
    HTML (a feed entry stops by it)."""
    monkeypatch.setattr(packedhtml, "WHOLE_UP_TO", whole_up_to)
    buffer = PackingBuffer()
    written = [KATEXISH + str(number).encode() for number in range(300)]
    for number, piece in enumerate(written):
        buffer.write(piece)
        assert buffer.tell() == sum(map(len, written[: number + 1]))
    html = b"".join(written)
    packed = buffer.getvalue()
    assert b"".join(packed.pieces()) == html and unpack(packed.data) == html
    at_once = packedhtml._compressor().compress(html)  # with the size in its header
    assert (packed.data == at_once) is (len(html) <= whole_up_to)
