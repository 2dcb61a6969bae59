"""User-facing errors: each one names a file and line and prints as one line."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One problem found in the user's input, printed as `path:line: message` (line 0:
    `option: message`)."""

    path: Path | str
    line: int
    message: str

    def __str__(self) -> str:
        if self.line < 1:  # not in a file (a command-line option): no line to name
            return f"{self.path}: {self.message}"
        return f"{self.path}:{self.line}: {self.message}"


class NotesiteError(Exception):
    """Raised for problems in user input; carries one or more `Problem`s."""

    def __init__(self, problems: list[Problem] | Problem) -> None:
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    def __reduce__(self) -> tuple[type[NotesiteError], tuple[list[Problem]]]:
        """Pickled whole: a forked worker's error reaches the parent as it was raised."""
        return (NotesiteError, (self.problems,))


def fail(path: Path | str, line: int, message: str) -> NotesiteError:
    """Shorthand: `raise fail(path, line, "message")`."""
    return NotesiteError(Problem(path, line, message))
