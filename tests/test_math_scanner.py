"""The one math scanner, case by case, from a fixture file in markdown-it-py's style:
a title, then `.`-separated Markdown input and the formulas found (one per line,
`inline: TeX` or `display: TeX`; nothing when there is no math)."""

from __future__ import annotations

from pathlib import Path

import pytest

from notesite.markdown import MarkdownRenderer
from notesite.mathrender import client_markup

FIXTURES = Path(__file__).with_name("fixtures") / "math_scanner.md"


def read_cases(path: Path) -> list[pytest.param]:
    """Blocks of `title / . / input / . / expected / .`, separated by blank lines."""
    lines = path.read_text(encoding="utf-8").split("\n")
    cases, index = [], 0
    while index < len(lines):
        if not lines[index].strip():
            index += 1
            continue
        title = lines[index]
        assert lines[index + 1] == ".", f"{path}:{index + 2}: expected '.'"
        end_input = lines.index(".", index + 2)
        end_expected = lines.index(".", end_input + 1)
        source = "\n".join(lines[index + 2 : end_input]) + "\n"
        expected = "\n".join(lines[end_input + 1 : end_expected])
        cases.append(pytest.param(source, expected, id=title.replace(" ", "-")))
        index = end_expected + 1
    return cases


@pytest.mark.parametrize(("source", "expected"), read_cases(FIXTURES))
def test_math_scanner(source: str, expected: str) -> None:
    found = MarkdownRenderer(client_markup).formulas(source)
    shown = "\n".join(f"{'display' if u.display else 'inline'}: {u.tex}" for u in found)
    assert shown == expected
