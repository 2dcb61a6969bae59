"""Real-browser helpers: Debian's Chromium driven by Playwright, a static server under /notes/."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def serve_under(output: Path, prefix: str = "notes") -> Iterator[str]:
    """Serve `output` at http://127.0.0.1:PORT/<prefix>/ (as GitHub Pages would); yield the URL."""
    root = output.parent / f"{output.name}-served"
    root.mkdir(exist_ok=True)
    link = root / prefix
    link.parent.mkdir(parents=True, exist_ok=True)  # a prefix may be deep: "deep/sub"
    if not link.exists():
        link.symlink_to(output, target_is_directory=True)
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/{prefix}/"
    finally:
        server.shutdown()
        server.server_close()
