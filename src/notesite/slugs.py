"""URL segments and heading ids that keep Unicode (Chinese stays readable)."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from urllib.parse import quote

# Characters with a meaning in URLs or file systems, plus punctuation that
# reads as noise in a URL (ASCII and full-width CJK punctuation).
_DROP = re.compile(
    r"[\"'`!?#%&*+,./:;<=>@\[\]\\^{|}~()$，。、；：？！“”‘’（）《》【】「」『』·…—]+"
)
_SPACES = re.compile(r"[\s_\-]+")


def to_pinyin(text: str) -> str:
    """`蒙特卡洛方法` -> `meng te ka luo fang fa` (other text kept as is)."""
    from pypinyin import lazy_pinyin  # imported on demand: its dictionaries are large

    return " ".join(part.strip() for part in lazy_pinyin(text) if part.strip())


@lru_cache(maxsize=65536)
def slugify(text: str, style: str = "unicode") -> str:
    """`Bellman 方程 (推导)` -> `bellman-方程-推导` (or `bellman-fang-cheng-tui-dao`
    with style "pinyin"); empty if nothing is left."""
    if style == "pinyin":
        text = to_pinyin(text)
    text = unicodedata.normalize("NFC", text).lower()
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")
    text = _DROP.sub(" ", text)
    return _SPACES.sub("-", text).strip("-")


@lru_cache(maxsize=65536)
def url_quote(path: str) -> str:
    """Percent-encode a site path for use in href/src (Unicode segments included)."""
    return quote(path, safe="/#:?=&-._~%")


class UniqueIds:
    """Hands out ids, suffixing repeats with -1, -2 ... as GitHub does."""

    def __init__(self, taken: set[str] | None = None) -> None:
        self.taken = set(taken or ())
        self._tried: dict[str, int] = {}  # base -> the last suffix found taken

    def claim(self, wanted: str, fallback: str = "section") -> str:
        base = wanted or fallback
        # Suffixes below the last one tried are still taken (ids are never given back),
        # so the search resumes there: a note repeating one heading stays linear.
        number = self._tried.get(base, 0)
        candidate = f"{base}-{number}" if number else base
        while candidate in self.taken:
            number += 1
            candidate = f"{base}-{number}"
        self._tried[base] = number
        self.taken.add(candidate)
        return candidate
