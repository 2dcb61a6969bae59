"""Write the built site atomically: a failed build never touches the previous output.

Everything is first written to a sibling staging folder; only when all of it
is there does the staging folder replace the output folder (two renames).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path


def write_site(output: Path, files: dict[str, bytes], copies: dict[str, Path]) -> int:
    """Write `files` (path -> content) and `copies` (path -> source file); return the count."""
    output = output.resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    staging = output.parent / f".{output.name}.staging-{os.getpid()}"
    retired = output.parent / f".{output.name}.old-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        for relative, source in sorted(copies.items()):
            target = staging / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
        for relative, content in sorted(files.items()):
            target = staging / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        if output.exists():
            output.rename(retired)
        staging.rename(output)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if retired.exists() and not output.exists():
            retired.rename(output)
        raise
    shutil.rmtree(retired, ignore_errors=True)
    return len(files) + len(copies)
