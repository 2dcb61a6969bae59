"""Load and validate `notesite.yaml` into a `Config`.

Validation is declarative: `_TOP_LEVEL` lists every key with its checker, so
an unknown key or a value of the wrong type is reported with its line.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from notesite.errors import fail
from notesite.model import Config, Language, MarkdownConfig, MathConfig, NamedKey
from notesite.routes import RESERVED_SEGMENTS
from notesite.yamlsource import KeyPath, load_yaml

CONFIG_NAME = "notesite.yaml"
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]+)?$")
CATEGORY_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
SERIES_KEY = CATEGORY_KEY  # a URL segment too: /series/<key>/
# URL segments the generator uses itself; a category or language may not take them.


class _Checker:
    """Reports a problem at the line of a key path in the config file."""

    def __init__(self, path: Path, lines: dict[KeyPath, int]) -> None:
        self.path = path
        self.lines = lines

    def error(self, key_path: KeyPath, message: str) -> Exception:
        line = self.lines.get(key_path, self.lines.get(key_path[:-1], 1) if key_path else 1)
        return fail(self.path, line, message)

    def string(self, value: Any, key_path: KeyPath) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.error(key_path, f"'{_dotted(key_path)}' must be a non-empty string")
        return value

    def mapping(self, value: Any, key_path: KeyPath) -> dict[Any, Any]:
        if not isinstance(value, dict):
            raise self.error(key_path, f"'{_dotted(key_path)}' must be a mapping")
        return value

    def per_language(self, value: Any, key_path: KeyPath) -> dict[str, str]:
        """A string, or a mapping from language code to string."""
        if isinstance(value, str):
            return {"*": value}
        mapping = self.mapping(value, key_path)
        return {str(lang): self.string(text, (*key_path, lang)) for lang, text in mapping.items()}


def _dotted(key_path: KeyPath) -> str:
    return ".".join(str(part) for part in key_path)


def _timezone(check: _Checker, value: Any, key_path: KeyPath) -> ZoneInfo:
    name = check.string(value, key_path)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise check.error(key_path, f"unknown time zone '{name}'") from None


def _page_size(check: _Checker, value: Any, key_path: KeyPath) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise check.error(key_path, "'page_size' must be a positive integer")
    return value


def _feed_size(check: _Checker, value: Any, key_path: KeyPath) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise check.error(key_path, "'feed_size' must be a positive integer")
    return value


def _social_image(check: _Checker, value: Any, key_path: KeyPath) -> str:
    """An http(s) URL, or a path in the site (`static/card.png`), kept without its `/`."""
    image = check.string(value, key_path).strip()
    scheme = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*):", image)
    if image.startswith("//") or (scheme and scheme.group(1).lower() not in ("http", "https")):
        raise check.error(key_path, "'social_image' must be an http(s) URL or a path in the site")
    return image if scheme else image.lstrip("/")


def _base_url(check: _Checker, value: Any, key_path: KeyPath) -> str:
    url = check.string(value, key_path)
    if not re.match(r"^(https?://[^/\s]+)?/", url):
        raise check.error(key_path, "'base_url' must be an http(s) URL or a path starting with /")
    return url if url.endswith("/") else url + "/"


def _languages(check: _Checker, value: Any, key_path: KeyPath) -> dict[str, Language]:
    languages: dict[str, Language] = {}
    for code, spec in check.mapping(value, key_path).items():
        where = (*key_path, code)
        if not isinstance(code, str) or not LANGUAGE_CODE.match(code):
            raise check.error(where, f"invalid language code '{code}'")
        if code in RESERVED_SEGMENTS:
            raise check.error(where, f"language code '{code}' is reserved")
        spec = check.mapping(spec, where)
        for key in spec:
            if key not in ("name", "locale"):
                raise check.error((*where, key), f"unknown key '{_dotted((*where, key))}'")
        name = check.string(spec.get("name", code), (*where, "name"))
        locale = check.string(spec.get("locale", code), (*where, "locale"))
        languages[code] = Language(code=code, name=name, locale=locale)
    if not languages:
        raise check.error(key_path, "'languages' must declare at least one language")
    return languages


def _named_keys(
    check: _Checker, value: Any, key_path: KeyPath, kind: str, reserved: frozenset[str]
) -> dict[str, NamedKey]:
    """`categories:` or `series:`: keys (URL segments) with their names per language."""
    named: dict[str, NamedKey] = {}
    for key, names in check.mapping(value, key_path).items():
        where = (*key_path, key)
        if not isinstance(key, str) or not CATEGORY_KEY.match(key):
            raise check.error(where, f"invalid {kind} key '{key}' (use a-z, 0-9, - and _)")
        if key in reserved:
            raise check.error(where, f"{kind} key '{key}' is reserved")
        named[key] = NamedKey(key=key, names=check.per_language(names, where))
    return named


def _categories(check: _Checker, value: Any, key_path: KeyPath) -> dict[str, NamedKey]:
    return _named_keys(check, value, key_path, "category", RESERVED_SEGMENTS)


def _series(check: _Checker, value: Any, key_path: KeyPath) -> dict[str, NamedKey]:
    """`series: {rl-course: {zh: 强化学习课程, en: RL course}}`: names of series keys
    (under /series/, so no key is reserved)."""
    return _named_keys(check, value, key_path, "series", frozenset())


def _math(check: _Checker, value: Any, key_path: KeyPath) -> MathConfig:
    spec = check.mapping(value, key_path)
    for key in spec:
        if key not in ("render", "macros"):
            raise check.error((*key_path, key), f"unknown key 'math.{key}'")
    render = spec.get("render", "server")
    if render not in ("server", "client"):
        raise check.error((*key_path, "render"), "'math.render' must be 'server' or 'client'")
    macros: dict[str, str] = {}
    for name, body in check.mapping(spec.get("macros", {}), (*key_path, "macros")).items():
        where = (*key_path, "macros", name)
        if not isinstance(name, str) or not re.fullmatch(r"\\[A-Za-z]+|\\.", name):
            raise check.error(where, f"macro name '{name}' must be a TeX command like \\E")
        if not isinstance(body, str | int | float):
            raise check.error(where, f"macro '{name}' must expand to a string")
        macros[name] = str(body)
    return MathConfig(render=render, macros=macros)


def _markdown(check: _Checker, value: Any, key_path: KeyPath) -> MarkdownConfig:
    spec = check.mapping(value, key_path)
    for key in spec:
        if key not in ("cjk", "html"):
            raise check.error((*key_path, key), f"unknown key 'markdown.{key}'")
    flags = {key: spec.get(key, True) for key in ("cjk", "html")}
    for key, flag in flags.items():
        if not isinstance(flag, bool):
            raise check.error((*key_path, key), f"'markdown.{key}' must be true or false")
    return MarkdownConfig(**flags)


def _choice(check: _Checker, value: Any, key_path: KeyPath, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        options = " or ".join(f"'{a}'" for a in allowed)
        raise check.error(key_path, f"'{_dotted(key_path)}' must be {options}")
    return value


def _flag(check: _Checker, value: Any, key_path: KeyPath) -> bool:
    if not isinstance(value, bool):
        raise check.error(key_path, f"'{_dotted(key_path)}' must be true or false")
    return value


Parser = Callable[[_Checker, Any, KeyPath], Any]

_TOP_LEVEL: dict[str, tuple[Parser, bool]] = {
    # key: (parser, required)
    "title": (lambda c, v, k: c.per_language(v, k), True),
    "description": (lambda c, v, k: c.per_language(v, k), False),
    "author": (lambda c, v, k: c.string(v, k), False),
    "base_url": (_base_url, False),
    "default_language": (lambda c, v, k: c.string(v, k), False),
    "timezone": (_timezone, False),
    "page_size": (_page_size, False),
    "languages": (_languages, False),
    "categories": (_categories, False),
    "series": (_series, False),
    "math": (_math, False),
    "markdown": (_markdown, False),
    "untranslated": (lambda c, v, k: _choice(c, v, k, ("show", "hide")), False),
    "slugify": (lambda c, v, k: _choice(c, v, k, ("unicode", "pinyin")), False),
    "cname": (lambda c, v, k: c.string(v, k).strip(), False),
    "feed_size": (_feed_size, False),
    "social_image": (_social_image, False),
    "search": (lambda c, v, k: _flag(c, v, k), False),
}


def load_config(site_root: Path, base_url: str | None = None) -> Config:
    """Read `notesite.yaml` from `site_root`; raise `NotesiteError` on any problem.
    `base_url` (the command line's `--base-url`, already checked) replaces the file's."""
    path = site_root / CONFIG_NAME
    shown = Path(CONFIG_NAME) if site_root == Path(".") else path
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise fail(shown, 1, f"no {CONFIG_NAME} here (is --source the site folder?)") from None
    except UnicodeDecodeError as error:
        raise fail(shown, 1, f"file is not UTF-8 ({error.reason})") from None
    data, lines = load_yaml(text, shown)
    check = _Checker(shown, lines)
    values = _top_level_values(check, {} if data is None else data)
    languages = values.get("languages") or {"en": Language("en", "English", "en")}
    default = values.get("default_language") or next(iter(languages))
    if default not in languages:
        raise check.error(
            ("default_language",), f"default_language '{default}' is not in languages"
        )
    _check_language_codes(check, values, languages)
    return Config(
        path=shown,
        title=_spread(values["title"], languages),
        description=_spread(values.get("description", {}), languages),
        author=values.get("author", ""),
        base_url=base_url or values.get("base_url", "/"),
        default_language=default,
        timezone=values.get("timezone") or ZoneInfo("UTC"),
        page_size=values.get("page_size", 10),
        languages=languages,
        categories=_spread_keys(values.get("categories", {}), languages),
        math=values.get("math") or MathConfig(),
        markdown=values.get("markdown") or MarkdownConfig(),
        untranslated=values.get("untranslated", "show"),
        slug_style=values.get("slugify", "unicode"),
        cname=values.get("cname"),
        series=_spread_keys(values.get("series", {}), languages),
        feed_size=values.get("feed_size", 20),
        social_image=values.get("social_image"),
        search=values.get("search", True),
    )


def _top_level_values(check: _Checker, data: object) -> dict[str, Any]:
    """Each known top-level key, checked and converted; unknown or missing keys fail."""
    values: dict[str, Any] = {}
    for key, raw in check.mapping(data, ()).items():
        if key not in _TOP_LEVEL:
            raise check.error((key,), f"unknown key '{key}'")
        values[key] = _TOP_LEVEL[key][0](check, raw, (key,))
    for key, (_, required) in _TOP_LEVEL.items():
        if required and key not in values:
            raise check.error((), f"missing required key '{key}'")
    return values


def _check_language_codes(
    check: _Checker, values: dict[str, Any], languages: dict[str, Language]
) -> None:
    """Per-language texts (title, description, category and series names) use declared
    codes only."""
    for key in ("title", "description"):
        for code in values.get(key, {}):
            if code != "*" and code not in languages:
                raise check.error((key, code), f"'{key}.{code}': unknown language '{code}'")
    for section in ("categories", "series"):
        for item_key, item in values.get(section, {}).items():
            for code in item.names:
                if code != "*" and code not in languages:
                    raise check.error(
                        (section, item_key, code),
                        f"'{section}.{item_key}.{code}': unknown language '{code}'",
                    )


def _spread(per_language: dict[str, str], languages: dict[str, Language]) -> dict[str, str]:
    """Expand a plain string ("*") to every language."""
    result = {}
    for code, text in per_language.items():
        if code == "*":
            return {lang: text for lang in languages}
        result[code] = text
    return result


def _spread_keys(named: dict[str, NamedKey], languages: dict[str, Language]) -> dict[str, NamedKey]:
    """Categories or series with their names expanded to every language (see _spread)."""
    return {
        key: NamedKey(key=key, names=_spread(item.names, languages)) for key, item in named.items()
    }
