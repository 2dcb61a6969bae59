"""`notesite serve`: build, serve under base_url's path, watch, push reloads."""

from __future__ import annotations

import errno
import signal
import sys
import threading
import time
import webbrowser
from dataclasses import dataclass
from pathlib import Path

from notesite.serve.http import DevServer, Hub, SiteHandler, make_handler, pushed_page
from notesite.serve.state import LiveSite, RefreshResult
from notesite.serve.watch import watch

# Editors finish a save (write a scratch file, rename it over the note) within a
# millisecond, and scratch files are ignored anyway; a short quiet period still
# folds a burst (a `git checkout`) into one rebuild.
DEBOUNCE_SECONDS = 0.003


@dataclass(frozen=True)
class ServeOptions:
    """The command line's choices beyond where and what to serve."""

    base_url: str | None = None  # --base-url: replaces the config's
    open_browser: bool = False  # --open
    quiet: bool = False  # no line per rebuild
    verbose: bool = False  # also the files each rebuild was for


def serve(
    root: Path,
    host: str,
    port: int,
    drafts: bool,
    cache_dir: Path | None,
    options: ServeOptions | None = None,
) -> int:
    options = options or ServeOptions()
    site = LiveSite(root, drafts=drafts, cache_dir=cache_dir, base_url=options.base_url)
    try:
        hub = Hub()
        # Bound before the first build, so a busy port is said at once (requests that
        # come before the build is done are answered 503 "building…").
        server = bind(host, port, make_handler(site, hub))
        if server is None:
            return 1
        report(site.refresh(), None, site)
        for warning in site.plan.warnings if site.plan else ():
            print(warning, file=sys.stderr, flush=True)  # as `build` prints them
        site.keep_math_warm()  # started with the server, so the first new formula is quick
        rebuild_lock = threading.Lock()

        def rebuild(changed: set[Path]) -> None:
            with rebuild_lock:
                started = time.perf_counter()
                result = site.refresh(hub.open_pages(), changed)
                report(result, hub, site)
                if options.verbose:
                    print(f"notesite: changed: {', '.join(sorted(map(str, changed)))}")
                if not result.error and not options.quiet:
                    print(f"notesite: rebuilt in {(time.perf_counter() - started) * 1000:.0f} ms")
                site.keep_math_warm()  # restarts the KaTeX worker if it died
                site.keep_rendered()  # now and then: after the push, not before it

        def stop(*_: object) -> None:
            threading.Thread(target=server.shutdown, daemon=True).start()

        # Ctrl-C and SIGTERM stop the server the same way, whenever they arrive from now on.
        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        observer = watch(root, rebuild, DEBOUNCE_SECONDS, ignore=[])
        try:
            url = print_address(site, root, host, server)
            if options.open_browser:  # on a thread: some browsers' commands wait until closed
                threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()
            server.serve_forever(poll_interval=0.1)
        finally:
            observer.stop()
            observer.join(timeout=2)
            server.server_close()
    finally:
        site.close()  # stops the KaTeX worker
    print("notesite: stopped", flush=True)
    return 0


def bind(host: str, port: int, handler: type[SiteHandler]) -> DevServer | None:
    """The server listening on host:port, or None after one line saying why it cannot."""
    try:
        return DevServer((host, port), handler)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            reason = f"port {port} is already in use; try --port 0 (any free port)"
        elif error.errno == errno.EACCES:
            reason = f"no permission to use port {port}; try a port above 1023, or --port 0"
        else:
            reason = f"cannot listen on {host}:{port}: {error.strerror or error}"
        print(f"notesite: {reason}", file=sys.stderr, flush=True)
        return None


def print_address(site: LiveSite, root: Path, host: str, server: DevServer) -> str:
    """Print where the site is served; return that URL."""
    base = site.base_path if site.plan else "/"
    shown_host = host if host not in ("0.0.0.0", "::") else "127.0.0.1"
    url = f"http://{shown_host}:{server.server_address[1]}{base}"
    print(f"notesite: serving {root} at {url}", flush=True)
    print("notesite: watching for changes; Ctrl-C to stop", flush=True)
    return url


def report(result: RefreshResult, hub: Hub | None, site: LiveSite) -> None:
    """Tell the terminal and the open pages (`hub`, except for the first build) how the
    rebuild went: an error overlay, the warnings about saved files, or which pages changed."""
    if result.details:
        print(result.details, file=sys.stderr, end="", flush=True)
    if result.error:
        print(result.error, file=sys.stderr, flush=True)
        if hub is not None:
            hub.send("error-overlay", result.error)
        return
    if result.warnings:
        print(result.warnings, file=sys.stderr, flush=True)
    if hub is None:
        return
    hub.send("ok")
    if result.warnings:
        hub.send("warnings", result.warnings)
    if result.css_changed:
        hub.send("css")
    if result.changed_pages:
        pages = {page: pushed_page(site.get(page)) for page in result.changed_pages}
        hub.send_each("reload", pages)
