"""Text measures that know Chinese has no spaces between words."""

from __future__ import annotations

import re
from dataclasses import dataclass

# CJK ideographs, kana, hangul (punctuation is not counted as reading).
_CJK = re.compile(
    r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af\U00020000-\U0002ffff]"
)
_LATIN_WORD = re.compile(r"[A-Za-z0-9\u00c0-\u024f]+(?:['’-][A-Za-z0-9\u00c0-\u024f]+)*")


@dataclass(frozen=True)
class WordCount:
    cjk: int
    latin: int


_CJK_RUN = re.compile(_CJK.pattern + "+")


def count_words(text: str) -> WordCount:
    # CJK characters counted by runs (a few strings, not one per character); subn counts
    # Latin words without making a string (or match object) for each.
    cjk = sum(map(len, _CJK_RUN.findall(text)))
    return WordCount(cjk=cjk, latin=_LATIN_WORD.subn("", text)[1])
