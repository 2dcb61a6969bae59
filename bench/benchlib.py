"""What the benchmark scripts share: where things are, how to run notesite, version strings.

The scripts run as `python bench/<name>.py`, so this folder is on `sys.path`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
KATEX_PACKAGE = REPO / "node_modules" / "katex"
KATEX_DIST = KATEX_PACKAGE / "dist"


def default_corpus() -> Path:
    """The real corpus: $NOTESITE_CORPUS, else ../shared beside the checkout, else /work/shared."""
    if os.environ.get("NOTESITE_CORPUS"):
        return Path(os.environ["NOTESITE_CORPUS"])
    sibling = REPO.parent / "shared" / "corpus" / "real"
    return sibling if sibling.is_dir() else Path("/work/shared/corpus/real")


def notesite_command() -> list[str]:
    """The notesite of the running venv (its console script, else `python -m notesite`)."""
    script = Path(sys.executable).parent / "notesite"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "notesite"]


def command_output(command: list[str]) -> str:
    """The last line a version command prints (wrappers may print a banner first)."""
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"failed: {error}"
    return (done.stdout.strip() or done.stderr.strip() or "unknown").splitlines()[-1]
