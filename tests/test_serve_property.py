"""Property: after any sequence of edits, renames, deletions, config edits and formulas
never seen before, the served site equals a fresh `notesite build --drafts` of the same
files. The server is a real `notesite serve` process with its own watcher and KaTeX worker."""

from __future__ import annotations

import contextlib
import itertools
import queue
import shutil
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from conftest import BASIC_CONFIG, post, write_site
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from serving import start_server, stop_server

from notesite.build import build
from notesite.errors import NotesiteError
from notesite.loader import load_site
from notesite.serve.http import RELOAD_SCRIPT_TAG
from notesite.serve.state import LiveSite
from notesite.writer import MANIFEST

CONFIG = BASIC_CONFIG.replace("page_size: 2", "page_size: 3")
NAMES = ["a", "b", "c", "d", "e"]
TITLES = ["贝尔曼", "TD 学习", "PPO", "扩散模型"]
BODIES = [
    "正文 $x_1$。",
    "Body with $$y^2$$ and [link](a.md).",
    "## 小节\n\n内容。",
    "短。",
    "摘要 $x_1$。\n\n<!--more-->\n\n后文。",
    # Linked notes: backlinks, wikilinks (by name and title, missing) and equations
    # labelled in one note and referenced from others.
    "见 [[b]] 与 [[贝尔曼|那篇]]，以及 [[f]]。",
    "$$\nv = r \\label{eq:v}\n$$\n\n由 \\eqref{eq:v} 可知。",
    "引用 \\eqref{eq:v}，再看 [[a#小节]]。",
]

TEX_PIECES = [
    "x",
    "\\alpha_t",
    "\\frac{a}{b}",
    "\\sum_{i=1}^{n}",
    "^2",
    "\\pi(a|s)",
    "\\mathbb{E}",
    "{",
    "}",
    "\\sqrt{2}",
    "a<b",
    "&",
]

operation = st.one_of(
    st.tuples(
        st.just("write"),
        st.sampled_from(NAMES),
        st.sampled_from(["rl", "cv"]),
        st.sampled_from(TITLES),
        st.integers(1, 28),
        st.sampled_from(BODIES),
        st.sampled_from(["", ".en"]),
        st.booleans(),
        # part of series "s" (with or without a series_order), or of none
        st.sampled_from([None, ("s", None), ("s", 1), ("s", 2)]),
    ),
    st.tuples(st.just("rename"), st.sampled_from(NAMES), st.sampled_from(NAMES)),
    st.tuples(st.just("delete"), st.sampled_from(NAMES)),
    # Appending to the body is the edit serve handles without re-planning (body only).
    st.tuples(
        st.just("append"),
        st.sampled_from(NAMES),
        st.sampled_from(
            ["尾注。", "$z^2$", "## 新节\n\n文字。", "又见 [[c]]。", "$$\nw \\label{eq:v}\n$$"]
        ),
    ),
    st.tuples(st.just("break"), st.sampled_from(NAMES)),
    # TeX typed while serving: valid or not (unbalanced braces), never seen before.
    st.tuples(
        st.just("formula"),
        st.sampled_from(NAMES),
        st.lists(st.sampled_from(TEX_PIECES), min_size=1, max_size=5),
        st.booleans(),
    ),
    st.tuples(st.just("config"), st.sampled_from(["测试站点", "新的站名", "Notes"])),
)
# A number no formula has used in this test session, so every typed formula is new to the
# KaTeX worker, to the server's memory and to its formula cache.
FRESH = itertools.count(int(time.time() * 1000))


def _find(root: Path, name: str) -> list[Path]:
    return sorted((root / "content/posts").rglob(f"{name}*.md"))


def apply(root: Path, op: tuple) -> set[Path]:
    """Do one edit; return the paths it touched (as the watcher would report them)."""
    kind = op[0]
    if kind == "write":
        _, name, category, title, day, body, suffix, draft, series = op
        path = root / "content/posts" / category / f"{name}{suffix}.md"
        extra = {"draft": "true"} if draft else {}
        if series is not None:
            extra["series"] = series[0]
            if series[1] is not None:
                extra["series_order"] = str(series[1])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            post(title=title, date=f"2026-01-{day:02d}", body=body, **extra), encoding="utf-8"
        )
        return {path}
    if kind == "rename":
        sources = _find(root, op[1])
        if not sources:
            return set()
        target = sources[0].with_name(sources[0].name.replace(op[1], op[2], 1))
        if target == sources[0]:
            return set()  # renaming a note to its own name changes nothing
        sources[0].replace(target)
        return {sources[0], target}
    if kind == "append":
        touched = set(_find(root, op[1])[:1])
        for path in touched:
            path.write_text(path.read_text(encoding="utf-8") + f"\n\n{op[2]}\n", encoding="utf-8")
        return touched
    if kind == "formula":
        _, name, pieces, display = op
        tex = "".join(pieces) + f"+{next(FRESH)}"
        math = f"\n\n$${tex}$$\n" if display else f"\n\n公式 ${tex}$ 在此。\n"
        touched = set(_find(root, name)[:1])
        for path in touched:
            path.write_text(path.read_text(encoding="utf-8") + math, encoding="utf-8")
        return touched
    if kind == "config":
        config = root / "notesite.yaml"
        text = config.read_text(encoding="utf-8").splitlines(keepends=True)
        text[0] = f"title: {{zh: {op[1]}, en: Test Site}}\n"
        config.write_text("".join(text), encoding="utf-8")
        return {config}
    if kind == "delete":
        touched = set(_find(root, op[1]))
        for path in touched:
            path.unlink()
        return touched
    touched = set(_find(root, op[1])[:1])
    for path in touched:
        path.write_text("---\ntitle: [oops\n---\n", encoding="utf-8")
    return touched


def built_files(root: Path, output: Path, cache: Path | None = None) -> dict[str, bytes] | None:
    try:
        load_site(root, include_drafts=True)
    except NotesiteError:
        return None
    shutil.rmtree(output, ignore_errors=True)
    build(root, output, drafts=True, cache_dir=cache)
    return {  # the writer's manifest is its record of the output, not a file of the site
        p.relative_to(output).as_posix(): p.read_bytes()
        for p in output.rglob("*")
        if p.is_file() and p.name != MANIFEST
    }


class Events:
    """The server's live-reload events, read in a thread (as a browser's EventSource would).

    A plain socket, so that close() can end the blocking read at once."""

    def __init__(self, url: str) -> None:
        self.queue: queue.Queue[str] = queue.Queue()
        address = urllib.parse.urlsplit(url)
        self.socket = socket.create_connection((address.hostname, address.port))
        request = f"GET /__notesite/events HTTP/1.1\r\nHost: {address.netloc}\r\n\r\n"
        self.socket.sendall(request.encode())
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        with contextlib.suppress(OSError, ValueError), self.socket.makefile("rb") as stream:
            for raw in stream:
                line = raw.decode("utf-8").rstrip("\r\n")
                if line.startswith("event: "):
                    self.queue.put(line.removeprefix("event: "))

    def drain(self) -> None:
        while not self.queue.empty():
            self.queue.get_nowait()

    def wait_for(self, name: str, seconds: float = 15.0) -> None:
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                if self.queue.get(timeout=left) == name:
                    return
            except queue.Empty:
                break
        raise AssertionError(f"no {name!r} event within {seconds} s")

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.socket.shutdown(socket.SHUT_RDWR)
        self.socket.close()


def fetch(url: str) -> bytes | None:
    try:
        with urllib.request.urlopen(url) as response:
            body = response.read()
    except urllib.error.HTTPError:
        return None
    return body.replace(RELOAD_SCRIPT_TAG, b"", 1)  # the one thing serve adds to a page


def differences(url: str, expected: dict[str, bytes]) -> list[str]:
    return [path for path, content in expected.items() if fetch(url + path) != content]


def wait_until_served(url: str, expected: dict[str, bytes], seconds: float = 15.0) -> None:
    """The watcher rebuilds on its own time: poll until the server has caught up."""
    deadline = time.monotonic() + seconds
    while (different := differences(url, expected)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert different == []


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(operation, min_size=1, max_size=6))
def test_served_site_equals_fresh_build(tmp_path_factory, operations) -> None:
    base = tmp_path_factory.mktemp("prop")
    root = write_site(
        base / "site", {"content/posts/rl/a.md": post(title="起点", body="开始 $x$。")}, CONFIG
    )
    # Separate formula caches: the build must not read what the server rendered.
    process, url = start_server(root, "--cache-dir", str(base / "serve-cache"))
    events = Events(url)
    try:
        for op in operations:
            events.drain()
            if not apply(root, op):
                continue  # it touched no file (e.g. deleting a note that is not there)
            expected = built_files(root, base / "out", base / "build-cache")
            if expected is None:
                events.wait_for("error-overlay")  # a broken file is reported...
                assert fetch(url) is not None  # ...and the last good pages stay served
                continue
            wait_until_served(url, expected)
            # Nothing is served that the build does not have (e.g. a deleted note).
            for gone in ("posts/a/index.html", "posts/b/index.html", "en/posts/c/index.html"):
                assert (fetch(url + gone) is None) == (gone not in expected)
    finally:
        events.close()
        stop_server(process)
    assert "Traceback" not in process.stderr.read()


def test_body_only_edit_reuses_the_plan_and_equals_a_fresh_build(tmp_path) -> None:
    files = {
        "content/posts/rl/a.md": post(title="甲", body="摘要 $x$。\n\n<!--more-->\n\n正文。"),
        "content/posts/rl/b.md": post(title="乙", date="2026-01-02", body="乙的正文。"),
        "content/posts/rl/a.en.md": post(title="A", body="Summary.\n\n<!--more-->\n\nBody."),
    }
    root = write_site(tmp_path / "site", files, CONFIG)
    live = LiveSite(root)
    try:
        assert live.refresh().error is None
        note = root / "content/posts/rl/a.md"
        note.write_text(note.read_text(encoding="utf-8") + "\n\n## 新的一节\n\n更多 $x$ 文字。\n")
        result = live.refresh({"posts/a/index.html", "index.html"}, {note})
        assert live.pipeline.body_only_runs == 1
        assert result.changed_pages == {"posts/a/index.html"}  # the listing did not change
        expected = built_files(root, tmp_path / "out")
        assert expected is not None
        assert [p for p in expected if live.get(p) != expected[p]] == []
        # An edit to the excerpt is not body-only: the full run happens and still matches.
        note.write_text(note.read_text(encoding="utf-8").replace("摘要", "新摘要"))
        live.refresh(changed={note})
        assert live.pipeline.body_only_runs == 1
        expected = built_files(root, tmp_path / "out")
        assert [p for p in expected if live.get(p) != expected[p]] == []
    finally:
        live.close()


def test_body_edit_saved_with_a_new_static_file_serves_both(tmp_path) -> None:
    """One watcher batch with a note's body and a new static file: the fast path must not
    keep the last list of files to copy."""
    body = "摘要。\n\n<!--more-->\n\n正文。"
    files = {"content/posts/rl/a.md": post(title="甲", body=body)}
    root = write_site(tmp_path / "site", files, CONFIG)
    live = LiveSite(root)
    try:
        assert live.refresh().error is None
        note = root / "content/posts/rl/a.md"
        note.write_text(note.read_text(encoding="utf-8") + "\n\n更多。\n", encoding="utf-8")
        extra = root / "static/img/new.svg"
        extra.parent.mkdir(parents=True)
        extra.write_text("<svg/>", encoding="utf-8")
        assert live.refresh(changed={note, extra}).error is None
        assert live.pipeline.body_only_runs == 1  # the fast path, with the new file
        assert live.get("static/img/new.svg") == b"<svg/>"
        expected = built_files(root, tmp_path / "out")
        assert expected is not None and "static/img/new.svg" in expected
        assert [p for p in expected if live.get(p) != expected[p]] == []
    finally:
        live.close()
