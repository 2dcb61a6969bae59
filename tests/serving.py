"""Helpers for tests of `notesite serve` as a real process: start, stop, watch, browse."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

from playwright.sync_api import Page


def start_server(
    root: Path, *extra: str, launcher: list[str] | None = None, in_folder: bool = False
) -> tuple[subprocess.Popen[str], str]:
    """Start `notesite serve` (or `launcher` + the same arguments) on a free port; return
    the process and the URL it prints. `in_folder`: run in the site's folder, without
    `--source` (the site is the default, `.`)."""
    command = launcher or [sys.executable, "-m", "notesite"]
    source = [] if in_folder else ["--source", str(root)]
    process = subprocess.Popen(
        [*command, "serve", *source, "--port", "0", *extra],
        cwd=root if in_folder else None,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    for _ in range(50):
        line = process.stdout.readline()
        match = re.search(r"at (http://\S+)", line)
        if match:
            # Keep reading, so a chatty server (a line per rebuild) never fills the pipe.
            threading.Thread(target=process.stdout.read, daemon=True).start()
            return process, match.group(1)
    process.kill()
    raise AssertionError(f"serve printed no URL; stderr: {process.stderr.read()}")


def stop_server(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        raise


def child_processes(pid: int) -> list[int]:
    """Live processes whose parent is `pid` (read from /proc)."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            children.append(int(stat.parent.name))
    return children


def wait_connected(page: Page) -> None:
    page.wait_for_function(
        "window.__notesiteLiveReload && window.__notesiteLiveReload.readyState === 1"
    )
