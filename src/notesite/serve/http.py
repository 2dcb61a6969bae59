"""The development HTTP server: the site under its base path, live-reload events, 404s."""

from __future__ import annotations

import hashlib
import mimetypes
import posixpath
import queue
import sys
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from urllib.parse import parse_qs, unquote, urlsplit

from notesite import routes
from notesite.serve.state import LiveSite
from notesite.urls import output_file

EVENTS = "/__notesite/events"
SCRIPT = "/__notesite/livereload.js"
RELOAD_SCRIPT_TAG = f'<script src="{SCRIPT}"></script>'.encode()


class Hub:
    """Open event streams, by the output file of the page each browser shows."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.clients: dict[queue.Queue[tuple[str, str]], str] = {}

    def add(self, page: str) -> queue.Queue[tuple[str, str]]:
        channel: queue.Queue[tuple[str, str]] = queue.Queue()
        with self.lock:
            self.clients[channel] = page
        return channel

    def remove(self, channel: queue.Queue[tuple[str, str]]) -> None:
        with self.lock:
            self.clients.pop(channel, None)

    def open_pages(self) -> set[str]:
        with self.lock:
            return set(self.clients.values())

    def send(self, event: str, data: str = "", pages: set[str] | None = None) -> None:
        with self.lock:
            for channel, page in self.clients.items():
                if pages is None or page in pages:
                    channel.put((event, data))

    def send_each(self, event: str, data_by_page: dict[str, str]) -> None:
        """`event` to the browsers showing one of the pages, each with its page's data."""
        with self.lock:
            for channel, page in self.clients.items():
                if page in data_by_page:
                    channel.put((event, data_by_page[page]))


def inject_reload_script(html: bytes) -> bytes:
    """Put the live-reload script before the last </body> (serve only, never in builds)."""
    index = html.lower().rfind(b"</body>")
    return (
        html + RELOAD_SCRIPT_TAG if index == -1 else html[:index] + RELOAD_SCRIPT_TAG + html[index:]
    )


def pushed_page(content: bytes | None) -> str:
    """A page as the data of its `reload` event: what a GET would answer, so the browser
    patches itself without a round trip; or "" (then it fetches the page). Event streams
    turn a carriage return into a line break, so pages with one are fetched instead."""
    if content is None or b"\r" in content:
        return ""
    try:
        return inject_reload_script(content).decode("utf-8")
    except UnicodeDecodeError:
        return ""


def _safe_relative(url_path: str, base_path: str) -> str | None:
    """The site-relative path for a request, or None if it is outside the site."""
    path = unquote(url_path)
    if not path.startswith(base_path) and path + "/" != base_path:
        return None
    relative = path[len(base_path) :]
    if "\\" in relative or "\x00" in relative:
        return None
    parts = relative.split("/")
    if any(part in ("..", ".") for part in parts):
        return None
    normalised = posixpath.normpath("/" + relative).lstrip("/")
    if relative.endswith("/") and normalised:
        normalised += "/"
    return normalised if relative else ""


class SiteHandler(BaseHTTPRequestHandler):
    """Answers one request for the served site; `make_handler` binds `site` and `hub`."""

    protocol_version = "HTTP/1.1"
    # A client that stops sending (half a request, an idle keep-alive) is let go after
    # this many seconds instead of holding its thread for ever; event streams only write.
    timeout = 30
    site: LiveSite
    hub: Hub

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
        parts = urlsplit(self.path)
        if parts.path == EVENTS:
            self.stream_events(parse_qs(parts.query).get("page", ["/"])[0])
        elif parts.path == SCRIPT:
            script = resources.files("notesite.serve").joinpath("livereload.js").read_bytes()
            self.reply(HTTPStatus.OK, script, "text/javascript; charset=utf-8")
        elif self.site.plan is None:
            message = (self.site.error or "building…").encode()
            self.reply(HTTPStatus.SERVICE_UNAVAILABLE, message, "text/plain; charset=utf-8")
        elif parts.path in ("/", "") and self.site.base_path != "/":
            self.redirect(HTTPStatus.FOUND, self.site.base_path)
        else:
            self.serve_site_file(parts.path)

    def serve_site_file(self, path: str) -> None:
        relative = _safe_relative(path, self.site.base_path)
        if relative and self._is_folder_without_slash(relative):
            self.redirect(HTTPStatus.MOVED_PERMANENTLY, path + "/")
            return
        content = self.site.get(output_file(relative)) if relative is not None else None
        if content is None:
            page = (
                self.site.get(routes.NOT_FOUND)
                or b"<!DOCTYPE html><title>404</title><body>404</body>"
            )
            self.reply(HTTPStatus.NOT_FOUND, inject_reload_script(page), "text/html; charset=utf-8")
            return
        kind = mimetypes.guess_type(output_file(relative or ""))[0] or "application/octet-stream"
        if kind == "text/html":
            content = inject_reload_script(content)
        if kind.startswith("text/") or kind in ("application/javascript", "application/xml"):
            kind += "; charset=utf-8"
        if kind.startswith("text/html"):
            self.reply(HTTPStatus.OK, content, kind)
            return
        # Assets (KaTeX fonts, CSS) are revalidated, not refetched, on every reload.
        etag = '"' + hashlib.sha256(content).hexdigest()[:32] + '"'
        if self.headers.get("If-None-Match") == etag:
            self.send_response(HTTPStatus.NOT_MODIFIED)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.reply(HTTPStatus.OK, content, kind, etag)

    def _is_folder_without_slash(self, relative: str) -> bool:
        """/notes/posts/td -> /notes/posts/td/, as GitHub Pages does."""
        return (
            not relative.endswith("/")
            and self.site.get(relative) is None
            and self.site.get(relative + "/index.html") is not None
        )

    def redirect(self, status: HTTPStatus, location: str) -> None:
        self.send_response(status)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def reply(self, status: HTTPStatus, body: bytes, kind: str, etag: str | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        if etag is None:
            self.send_header("Cache-Control", "no-store")
        else:
            self.send_header("Cache-Control", "no-cache")
            self.send_header("ETag", etag)
        self.end_headers()
        self.wfile.write(body)

    def stream_events(self, page_path: str) -> None:
        base = self.site.base_path if self.site.plan else "/"
        relative = _safe_relative(page_path, base) or ""
        channel = self.hub.add(output_file(relative))
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        try:
            if self.site.error:
                channel.put(("error-overlay", self.site.error))
            elif self.site.warnings:
                channel.put(("warnings", self.site.warnings))
            self.wfile.write(b": connected\n\n")
            self.wfile.flush()
            while True:
                self._send_next_event(channel)
        except (BrokenPipeError, ConnectionResetError, OSError):
            pass
        finally:
            self.hub.remove(channel)

    def _send_next_event(self, channel: queue.Queue[tuple[str, str]]) -> None:
        """The next event of this page, or a keep-alive comment after 15 s of quiet."""
        try:
            event, data = channel.get(timeout=15)
        except queue.Empty:
            self.wfile.write(b": keep-alive\n\n")
        else:
            lines = "".join(f"data: {line}\n" for line in (data or "").split("\n"))
            self.wfile.write(f"event: {event}\n{lines}\n".encode())
        self.wfile.flush()


def make_handler(site: LiveSite, hub: Hub) -> type[SiteHandler]:
    return type("Handler", (SiteHandler,), {"site": site, "hub": hub})


class DevServer(ThreadingHTTPServer):
    daemon_threads = True
    # Open event streams never end on their own: Ctrl-C must not wait for them.
    block_on_close = False
    allow_reuse_address = True

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that went away mid-answer (a cancelled load, a closed tab) is normal:
        no traceback for it. Anything else is a bug and keeps the stdlib's report."""
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)
