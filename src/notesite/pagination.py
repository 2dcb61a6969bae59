"""Split a listing into pages: /, /page/2/, /page/3/ ..."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from notesite.routes import listing_page

T = TypeVar("T")


@dataclass(frozen=True)
class Pager(Generic[T]):
    number: int
    total: int
    items: tuple[T, ...]
    url: str
    prev_url: str | None  # newer entries
    next_url: str | None  # older entries


def paginate(items: Sequence[T], size: int, base: str) -> list[Pager[T]]:
    """At least one page, even for an empty listing."""
    chunks = [tuple(items[i : i + size]) for i in range(0, len(items), size)] or [()]
    total = len(chunks)
    return [
        Pager(
            number=n,
            total=total,
            items=chunk,
            url=listing_page(base, n),
            prev_url=listing_page(base, n - 1) if n > 1 else None,
            next_url=listing_page(base, n + 1) if n < total else None,
        )
        for n, chunk in enumerate(chunks, start=1)
    ]
