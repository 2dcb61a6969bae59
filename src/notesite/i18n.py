"""UI strings per language and locale-aware date formatting."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from notesite.errors import fail
from notesite.yamlsource import load_yaml

_EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class Strings:
    """`strings["tags"]`, `strings.format("min_read", n=3)`; falls back to the default language."""

    def __init__(self, own: dict[str, str], fallback: dict[str, str]) -> None:
        self.own = own
        self.fallback = fallback

    def __getitem__(self, key: str) -> str:
        return self.own.get(key) or self.fallback.get(key) or key

    def format(self, key: str, **values: object) -> str:
        return self[key].format(**values)

    def as_dict(self) -> dict[str, str]:
        return {**self.fallback, **self.own}


def load_strings(dirs: list[Path], lang: str) -> dict[str, str]:
    """Merge `<dir>/i18n/<lang>.yaml` over the given dirs; later dirs win (site over theme)."""
    merged: dict[str, str] = {}
    for directory in dirs:
        path = directory / "i18n" / f"{lang}.yaml"
        if not path.is_file():
            continue
        data, lines = load_yaml(path.read_text(encoding="utf-8"), path)
        if data is None:
            continue
        if not isinstance(data, dict):
            raise fail(path, 1, "a string file must be a mapping of keys to text")
        for key, value in data.items():
            if not isinstance(value, str | int | float):
                raise fail(path, lines.get((key,), 1), f"string '{key}' must be text")
            merged[str(key)] = str(value)
    return merged


def format_date(moment: datetime, locale: str) -> str:
    """2026年1月11日 for Chinese/Japanese locales, Jan 11, 2026 otherwise."""
    if locale.lower().startswith(("zh", "ja")):
        return f"{moment.year}年{moment.month}月{moment.day}日"
    return f"{_EN_MONTHS[moment.month - 1]} {moment.day}, {moment.year}"


def format_month(year: int, month: int, locale: str) -> str:
    if locale.lower().startswith(("zh", "ja")):
        return f"{year}年{month}月"
    return f"{_EN_MONTHS[month - 1]} {year}"


def format_year(year: int, locale: str) -> str:
    return f"{year}年" if locale.lower().startswith(("zh", "ja")) else str(year)
