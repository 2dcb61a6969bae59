"""Cache files trusted only whole (checkedfile.py): what is written reads back, a torn,
flipped or stale file reads as absent, and a large value is not pickled in memory
first."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from notesite.checkedfile import read_pickled, write_pickled

TAG = "test-format-1 code"


def big_value(megabytes: int) -> list[tuple[str, int]]:
    """About `megabytes` MB once pickled, mostly CJK text."""
    return [("强化学习" * 2500 + str(i), i) for i in range(megabytes * 1_000_000 // 30_000)]


def test_a_value_reads_back_under_its_tag_only(tmp_path: Path) -> None:
    path = tmp_path / "cache" / "entry"
    value = {"notes": big_value(1), "keys": [("a", "b")]}
    write_pickled(path, TAG, value)
    assert read_pickled(path, TAG) == value
    assert read_pickled(path, "test-format-2 code") is None
    assert read_pickled(tmp_path / "absent", TAG) is None
    assert [p.name for p in path.parent.iterdir()] == ["entry"]  # no temporary file left


def test_the_header_has_the_same_width_whatever_the_payload(tmp_path: Path) -> None:
    small, large = tmp_path / "small", tmp_path / "large"
    write_pickled(small, TAG, 1)
    write_pickled(large, TAG, big_value(2))
    widths = [len(path.read_bytes().split(b"\n", 1)[0]) for path in (small, large)]
    assert widths[0] == widths[1]


@pytest.mark.parametrize("damage", ["truncate", "flip", "longer", "header"])
def test_a_damaged_file_reads_as_absent(tmp_path: Path, damage: str) -> None:
    path = tmp_path / "entry"
    write_pickled(path, TAG, big_value(1))
    data = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(data[: len(data) - 100])
    elif damage == "flip":
        middle = len(data) // 2
        path.write_bytes(data[:middle] + bytes([data[middle] ^ 1]) + data[middle + 1 :])
    elif damage == "longer":
        path.write_bytes(data + b"\0")
    else:
        path.write_bytes(data.replace(b"-0", b"-1", 1))
    assert read_pickled(path, TAG) is None


def test_a_large_value_is_pickled_into_the_file_not_into_memory(tmp_path: Path) -> None:
    # ASCII text: pickling a CJK str leaves its UTF-8 form cached inside it (CPython),
    # memory of the value's own, whichever way it is pickled.
    value = [("reinforcement learning " * 1300 + str(i), i) for i in range(1400)]
    tracemalloc.start()
    try:
        write_pickled(tmp_path / "entry", TAG, value)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    size = (tmp_path / "entry").stat().st_size
    assert size > 40_000_000
    assert peak < size / 10  # pickled whole first, the peak would be above the size
    assert read_pickled(tmp_path / "entry", TAG) == value
