"""`notesite serve` against hostile and heavy traffic, as a real process on loopback:
traversal attempts, oversized and malformed requests, clients that never finish, a busy
port, and a bounded load test while a note is rewritten every 50 ms."""

from __future__ import annotations

import http.client
import re
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import BASIC_CONFIG, post, write_site
from selectolax.lexbor import LexborHTMLParser
from serving import start_server, stop_server

CONFIG = BASIC_CONFIG.replace("page_size: 2", "page_size: 10")
SECRET = "secret-outside-the-site"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str, int]]:
    """A running `serve` of a small site: (site folder, host, port)."""
    base = tmp_path_factory.mktemp("serve")
    (base / "secret.txt").write_text(SECRET)
    files = {
        f"content/posts/rl/n{i}.md": post(
            f"笔记 {i}", f"2026-01-{i + 1:02d}", f"正文 {i}，$x_{i}$。"
        )
        for i in range(6)
    }
    root = write_site(base / "site", files, CONFIG)
    (root / "static").mkdir()
    (root / "static/out.txt").symlink_to(base / "secret.txt")
    process, url = start_server(root)
    parts = urlsplit(url)
    try:
        yield root, parts.hostname or "", parts.port or 0
    finally:
        stop_server(process)
        errors = process.stderr.read() if process.stderr else ""
        assert "Traceback" not in errors, errors


def get(host: str, port: int, path: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(host, port, timeout=30)
    try:
        connection.putrequest("GET", path, skip_host=True, skip_accept_encoding=True)
        connection.putheader("Host", f"{host}:{port}")
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def raw(host: str, port: int, request: bytes) -> bytes:
    """Send bytes as they are; what the server answers before it closes (or 5 s pass)."""
    with socket.create_connection((host, port), timeout=5) as sock:
        sock.sendall(request)
        received = b""
        try:
            while chunk := sock.recv(65536):
                received += chunk
                if b"\r\n\r\n" in received and b"Content-Length: 0" in received:
                    break
        except (TimeoutError, ConnectionResetError):
            pass
        return received


@pytest.mark.parametrize(
    "path",
    [
        "/notes/../../../../etc/passwd",
        "/notes/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/notes/..%2f..%2f..%2fetc%2fpasswd",
        "/notes/%2fetc%2fpasswd",
        "/notes//etc/passwd",
        "/etc/passwd",
        "/notes/..\\..\\etc\\passwd",
        "/notes/static/%00/../../secret.txt",
        "/notes/static/out.txt",  # a symlink to a file outside the site
        "/notes/static/../../secret.txt",
    ],
)
def test_paths_that_leave_the_site_are_404(server: tuple[Path, str, int], path: str) -> None:
    _, host, port = server
    status, body = get(host, port, path)
    assert status == 404
    assert SECRET.encode() not in body and b"root:" not in body


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        pytest.param(b"GET /notes/" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n", b"414", id="long-url"),
        pytest.param(
            b"GET /notes/ HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 70000 + b"\r\n\r\n",
            b"431",
            id="long-header",
        ),
        pytest.param(
            b"GET /notes/ HTTP/1.1\r\n" + b"X-A: 1\r\n" * 200 + b"\r\n", b"431", id="many-headers"
        ),
        pytest.param(b"BLAH\r\n\r\n", b"400", id="garbage"),
        pytest.param(b"GET /notes/ HTTP/9.9\r\n\r\n", b"505", id="bad-version"),
        pytest.param(b"DELETE /notes/ HTTP/1.1\r\nHost: x\r\n\r\n", b"501", id="method"),
        # A TLS hello never ends its "line": no answer; the connection is dropped later.
        pytest.param(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", None, id="tls-hello"),
    ],
)
def test_oversized_and_malformed_requests_are_refused_without_harm(
    server: tuple[Path, str, int], request_bytes: bytes, status: bytes | None
) -> None:
    _, host, port = server
    answer = raw(host, port, request_bytes)
    # A request line the server cannot read is answered the HTTP/0.9 way: no status line.
    found = re.search(rb"^HTTP/1\.[01] (\d+)|Error code: (\d+)", answer)
    if status is None:
        assert answer == b""
    else:
        assert found and status in found.groups(), answer[:300]
    assert get(host, port, "/notes/")[0] == 200  # and the server still serves


def test_clients_that_never_finish_their_request_block_no_one(
    server: tuple[Path, str, int],
) -> None:
    _, host, port = server
    stalled = [socket.create_connection((host, port), timeout=5) for _ in range(30)]
    try:
        for sock in stalled:
            sock.sendall(b"GET /notes/ HTTP/1.1\r\nHost: x\r\n")  # no blank line: unfinished
        started = time.monotonic()
        status, body = get(host, port, "/notes/posts/n1/")
        assert status == 200 and "笔记 1".encode() in body
        assert time.monotonic() - started < 10  # bounded so a hang fails rather than waits
    finally:
        for sock in stalled:
            sock.close()


def test_a_busy_port_is_one_line_and_exit_1(server: tuple[Path, str, int]) -> None:
    root, host, port = server
    result = subprocess.run(
        [sys.executable, "-m", "notesite", "serve", "--source", str(root), "--port", str(port)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"notesite: port {port} is already in use; try --port 0 (any free port)"
    ]


CLIENTS, REQUESTS = 20, 100  # 2,000 requests
PATHS = ["/notes/", "/notes/posts/n1/", "/notes/posts/n2/", "/notes/static/css/style.css"]
PATHS += ["/notes/atom.xml", "/notes/nope/"]


def _client(host: str, port: int, number: int, results: Counter, problems: list[str]) -> None:
    """REQUESTS requests on one keep-alive connection; `results` counts statuses (and
    "edited": pages that showed a rewrite), `problems` collects what went wrong."""
    connection = http.client.HTTPConnection(host, port, timeout=60)
    try:
        for i in range(REQUESTS):
            path = PATHS[(number + i) % len(PATHS)]
            connection.request("GET", path)
            response = connection.getresponse()
            body = response.read()  # IncompleteRead if the body is cut short
            results[response.status] += 1
            results["edited"] += "次修改".encode() in body
            if len(body) != int(response.headers["Content-Length"]):
                problems.append(
                    f"{path}: {len(body)} bytes of {response.headers['Content-Length']}"
                )
            kind = response.headers["Content-Type"] or ""
            if kind.startswith("text/html") and not body.rstrip().endswith(b"</html>"):
                problems.append(f"{path}: HTML does not end with </html>")
            if (
                kind.startswith("text/html")
                and LexborHTMLParser(body.decode()).css_first("h1") is None
            ):
                problems.append(f"{path}: no <h1>")
    except Exception as error:  # noqa: BLE001 (every failure is reported, none raised in a thread)
        problems.append(f"client {number}: {error!r}")
    finally:
        connection.close()


def test_two_thousand_requests_from_twenty_clients_during_rebuilds(
    server: tuple[Path, str, int],
) -> None:
    root, host, port = server
    note = root / "content/posts/rl/n1.md"
    original = note.read_text(encoding="utf-8")
    results: Counter[int | str] = Counter()
    problems: list[str] = []
    done = threading.Event()

    def rewrite() -> None:
        edits = 0
        while not done.is_set():
            note.write_text(original + f"\n第 {edits} 次修改。\n", encoding="utf-8")
            edits += 1
            time.sleep(0.05)

    writer = threading.Thread(target=rewrite)
    writer.start()
    clients = [
        threading.Thread(target=_client, args=(host, port, n, results, problems))
        for n in range(CLIENTS)
    ]
    try:
        for client in clients:
            client.start()
        for client in clients:
            client.join(timeout=240)
    finally:
        done.set()
        writer.join()
        note.write_text(original, encoding="utf-8")
    assert problems == []
    edited = results.pop("edited")
    assert edited > 0  # the rewrites were rebuilt and served while the load went on
    assert sum(results.values()) == CLIENTS * REQUESTS
    assert set(results) <= {200, 404}
    asked = [PATHS[(n + i) % len(PATHS)] for n in range(CLIENTS) for i in range(REQUESTS)]
    assert results[404] == asked.count("/notes/nope/")  # exactly the requests for /nope/
