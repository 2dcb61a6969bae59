"""Colour on a terminal for problems (`path:line:` bold, `warning:` yellow, errors red),
and none when output is not a terminal, `TERM=dumb`, or `NO_COLOR` is set (no-color.org)."""

from __future__ import annotations

import os
from typing import TextIO

from notesite.errors import Problem

BOLD, RED, YELLOW, RESET = "\x1b[1m", "\x1b[31m", "\x1b[33m", "\x1b[0m"
WARNING = "warning: "


def colour_enabled(stream: TextIO) -> bool:
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return hasattr(stream, "isatty") and stream.isatty()


def styled(problem: Problem, stream: TextIO) -> str:
    """The problem's one line, coloured for `stream` if it is a terminal."""
    if not colour_enabled(stream):
        return str(problem)
    place = f"{problem.path}:{problem.line}:" if problem.line >= 1 else f"{problem.path}:"
    where = f"{BOLD}{place}{RESET}"
    if problem.message.startswith(WARNING):
        rest = problem.message.removeprefix(WARNING)
        return f"{where} {YELLOW}{WARNING.strip()}{RESET} {rest}"
    return f"{where} {RED}{problem.message}{RESET}"
