"""`notesite init [DIR]`: write a starter site into a folder, never over a file.

What is written is `starter.py`'s; this module checks the options, refuses if any
of those files exists (writing nothing), writes them and says what to do next.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from notesite.config import LANGUAGE_CODE
from notesite.errors import fail
from notesite.starter import starter_files


def parse_languages(text: str, default: str | None) -> tuple[list[str], str]:
    """`zh,en` -> (['zh', 'en'], default); the default language comes first."""
    languages = [code.strip() for code in re.split(r"[,\s]+", text) if code.strip()]
    for code in languages:
        if not LANGUAGE_CODE.match(code):
            raise fail("--languages", 0, f"'{code}' is not a language code (zh, en, zh-hk…)")
    if not languages or len(set(languages)) != len(languages):
        raise fail("--languages", 0, "give each language once, separated by commas: zh,en")
    default = default or languages[0]
    if default not in languages:
        raise fail("--default", 0, f"'{default}' is not one of --languages {','.join(languages)}")
    return [default] + [code for code in languages if code != default], default


def init_site(
    folder: Path, languages: list[str], default: str, title: str | None, today: date
) -> list[str]:
    """Write the starter site into `folder` (made if missing); return the paths written."""
    files = starter_files(languages, default, title, today)
    existing = [path for path in files if (folder / path).exists()]
    if existing:
        more = f" (and {len(existing) - 1} more of the starter's files)" if existing[1:] else ""
        raise fail(
            folder / existing[0],
            1,
            f"already exists{more}; notesite init never overwrites (choose an empty folder)",
        )
    for path, text in files.items():
        target = folder / path
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "x", encoding="utf-8", newline="\n") as handle:  # never clobber
                handle.write(text)
        except OSError as error:  # a file where a folder should be, no permission…
            raise fail(target, 0, f"cannot write: {error.strerror}") from None
    return list(files)


def next_steps(folder: Path) -> str:
    """The three commands a new site's author runs next."""
    where = "." if folder.resolve() == Path.cwd().resolve() else str(folder)
    steps = [f"cd {where}"] if where != "." else []
    steps += ["notesite serve --open", 'notesite new "My first real note"', "notesite build"]
    return "\n".join(f"  {step}" for step in steps[:3])
