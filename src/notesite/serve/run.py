"""`notesite serve`: build, serve under base_url's path, watch, push reloads."""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path

from notesite.serve.http import DevServer, Hub, make_handler
from notesite.serve.state import LiveSite
from notesite.serve.watch import watch

# Editors finish a save (write a scratch file, rename it over the note) within a
# millisecond, and scratch files are ignored anyway; a short quiet period still
# folds a burst (a `git checkout`) into one rebuild.
DEBOUNCE_SECONDS = 0.003


def serve(root: Path, host: str, port: int, drafts: bool, cache_dir: Path | None) -> int:
    site = LiveSite(root, drafts=drafts, cache_dir=cache_dir)
    hub = Hub()
    first = site.refresh()
    if first.error:
        print(first.error, file=sys.stderr)
    server = DevServer((host, port), make_handler(site, hub))
    rebuild_lock = threading.Lock()

    def rebuild(changed: set[Path]) -> None:
        with rebuild_lock:
            result = site.refresh(hub.open_pages(), changed)
        if result.error:
            print(result.error, file=sys.stderr, flush=True)
            hub.send("error-overlay", result.error)
            return
        hub.send("ok")
        if result.css_changed:
            hub.send("css")
        if result.changed_pages:
            hub.send("reload", pages=result.changed_pages)

    observer = watch(root, rebuild, DEBOUNCE_SECONDS, ignore=[])
    base = site.base_path if site.plan else "/"
    shown_host = host if host not in ("0.0.0.0", "::") else "127.0.0.1"
    print(
        f"notesite: serving {root} at http://{shown_host}:{server.server_address[1]}{base}",
        flush=True,
    )
    print("notesite: watching for changes; Ctrl-C to stop", flush=True)

    def stop(*_: object) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    try:
        server.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass
    finally:
        observer.stop()
        observer.join(timeout=2)
        server.server_close()
        site.close()
    print("notesite: stopped", flush=True)
    return 0
