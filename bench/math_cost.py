"""What server-side math rendering costs: full `notesite build` runs on the real corpus.

Run from the repository root:

    .venv/bin/python bench/math_cost.py [--rounds N] [--corpus PATH]

The corpus (default: $NOTESITE_CORPUS, else ../shared/corpus/real next to the
repository, else /work/shared/corpus/real) is only read: it is copied once to a
temporary folder, and the copy's notesite.yaml is switched between two variants
before each build. Three variants are timed, interleaved round by round (the
order rotates each round) so that load from other users of the machine falls
on all of them alike:

  client         math.render: client (no KaTeX at build time); the reference
  server-cold    math.render: server, with a new empty --cache-dir every round
  server-cached  math.render: server, with a --cache-dir warmed by one untimed build

Each build is the CLI in a subprocess, timed with time.perf_counter(). Peak RSS
comes from GNU `/usr/bin/time -f %M` when it is available: it is the peak of the
largest single process of the build (Python or one KaTeX worker), not their sum.
Compare the ratios against `client`, not the absolute seconds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from benchlib import (
    GNU_TIME,
    KATEX_DIST,
    command_output,
    default_corpus,
    gnu_time_works,
    katex_version,
    notesite_command,
    notesite_env,
)

CLIENT_BLOCK = "math:\n  render: client\n"
VARIANTS = ("client", "server-cold", "server-cached")
REFERENCE = "client"
SUMMARY = re.compile(r"formulas: (\d+) \((\d+) rendered, (\d+) from cache\)")


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_rss_kib: int | None
    formulas: tuple[int, int, int]  # total, rendered by KaTeX, from the cache


@dataclass
class Results:
    runs: dict[str, list[Run]] = field(default_factory=lambda: {v: [] for v in VARIANTS})


@dataclass(frozen=True)
class Workspace:
    root: Path
    site: Path
    server_config: str
    client_config: str
    warm_cache: Path


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default: 5)")
    parser.add_argument(
        "--corpus",
        type=Path,
        default=default_corpus(),
        help="site folder to build, never written to (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    if not (args.corpus / "notesite.yaml").is_file():
        parser.error(f"{args.corpus} has no notesite.yaml")
    return args


def copy_corpus(corpus: Path, dest: Path) -> None:
    """Copy without the corpus's read-only permissions, so the copy can be edited and removed."""
    shutil.copytree(corpus, dest, copy_function=shutil.copyfile)
    for folder, _, _ in os.walk(dest):
        os.chmod(folder, 0o755)


def make_workspace(corpus: Path, root: Path) -> Workspace:
    site = root / "site"
    copy_corpus(corpus, site)
    server_config = (site / "notesite.yaml").read_text(encoding="utf-8")
    if "math" in (yaml.safe_load(server_config) or {}):
        sys.exit(f"{corpus}/notesite.yaml already sets `math`; this script expects it unset")
    client_config = server_config.rstrip("\n") + "\n" + CLIENT_BLOCK
    return Workspace(root, site, server_config, client_config, root / "cache-warm")


def run_build(ws: Workspace, cache_dir: Path, label: str, measure_rss: bool) -> Run:
    output = ws.root / f"out-{label}"
    rss_file = ws.root / f"rss-{label}"
    command = [
        *notesite_command(),
        *("build", "--source", str(ws.site), "--output", str(output)),
        *("--cache-dir", str(cache_dir)),
    ]
    if measure_rss:
        command = [str(GNU_TIME), "-o", str(rss_file), "-f", "%M", *command]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=notesite_env(), check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"build {label} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    match = SUMMARY.search(done.stdout)
    if match is None:
        sys.exit(f"build {label}: no 'formulas: …' summary in its output:\n{done.stdout}")
    rss = int(rss_file.read_text().strip().splitlines()[-1]) if measure_rss else None
    shutil.rmtree(output)
    rss_file.unlink(missing_ok=True)
    return Run(seconds, rss, (int(match[1]), int(match[2]), int(match[3])))


def run_variant(ws: Workspace, variant: str, round_no: int, measure_rss: bool) -> Run:
    client = variant == "client"
    config = ws.client_config if client else ws.server_config
    (ws.site / "notesite.yaml").write_text(config, encoding="utf-8")
    if variant == "server-cached":
        cache_dir = ws.warm_cache
    else:  # client gets an empty cache too, so it can profit from nothing
        cache_dir = ws.root / f"cache-{variant}-{round_no}"
        cache_dir.mkdir()
    run = run_build(ws, cache_dir, f"{variant}-{round_no}", measure_rss)
    if cache_dir != ws.warm_cache:
        shutil.rmtree(cache_dir)
    return run


def measure(ws: Workspace, rounds: int, measure_rss: bool) -> Results:
    (ws.site / "notesite.yaml").write_text(ws.server_config, encoding="utf-8")
    ws.warm_cache.mkdir()
    warm = run_build(ws, ws.warm_cache, "warm-up", measure_rss=False)
    print(f"warm-up (server, fills the cache, untimed): {warm.seconds:.2f} s", flush=True)
    results = Results()
    for round_no in range(rounds):
        order = VARIANTS[round_no % len(VARIANTS) :] + VARIANTS[: round_no % len(VARIANTS)]
        timings = []
        for variant in order:
            run = run_variant(ws, variant, round_no, measure_rss)
            results.runs[variant].append(run)
            timings.append(f"{variant} {run.seconds:.2f} s")
        print(f"round {round_no + 1}/{rounds}: " + ", ".join(timings), flush=True)
    return results


def print_machine(corpus: Path, rounds: int, measure_rss: bool) -> None:
    node = shutil.which("node")
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"date:     {dt.datetime.now().astimezone().isoformat(timespec='seconds')}")
    print(f"machine:  {platform.platform()}; os.cpu_count() = {os.cpu_count()}; load {load}")
    print(f"python:   {platform.python_version()} ({sys.executable})")
    print(f"node:     {command_output([node, '--version']) if node else 'not found'}")
    print(f"katex:    {katex_version()} ({KATEX_DIST})")
    print(f"notesite: {command_output([*notesite_command(), '--version'])}")
    print(f"corpus:   {corpus}")
    memory = "peak RSS via /usr/bin/time -f %M" if measure_rss else "no GNU time: memory skipped"
    print(f"rounds:   {rounds} (interleaved, order rotates); {memory}")
    print(flush=True)


def formulas_text(runs: list[Run]) -> str:
    seen = sorted({run.formulas for run in runs})
    return " | ".join(f"{t} ({r} rendered, {c} cached)" for t, r, c in seen)


def rss_text(runs: list[Run]) -> str:
    values = [run.peak_rss_kib for run in runs if run.peak_rss_kib is not None]
    return f"{max(values) / 1024:.0f}" if values else "-"


def check_counts(results: Results) -> list[str]:
    """Each variant must have done what its name says, or its timing means something else."""
    problems = []
    for variant, runs in results.runs.items():
        for total, rendered, cached in {run.formulas for run in runs}:
            if variant == "client" and total:
                problems.append(f"client: {total} formulas went through KaTeX at build time")
            if variant == "server-cold" and (cached or not rendered):
                problems.append(f"server-cold: {cached} from cache, {rendered} rendered")
            if variant == "server-cached" and rendered:
                problems.append(f"server-cached: {rendered} formulas rendered, not from cache")
    return problems


def print_table(results: Results) -> None:
    header = f"{'variant':<14} {'median s':>9} {'min s':>7} {'max s':>7} {'peak MiB':>9}  formulas"
    print(header)
    print("-" * len(header))
    for variant, runs in results.runs.items():
        secs = [run.seconds for run in runs]
        print(
            f"{variant:<14} {statistics.median(secs):>9.2f} {min(secs):>7.2f} {max(secs):>7.2f}"
            f" {rss_text(runs):>9}  {formulas_text(runs)}"
        )
    print()
    reference = statistics.median(run.seconds for run in results.runs[REFERENCE])
    for variant, runs in results.runs.items():
        if variant != REFERENCE:
            ratio = statistics.median(run.seconds for run in runs) / reference
            print(f"{variant} / {REFERENCE} = {ratio:.2f}x")
    for problem in check_counts(results):
        print(f"warning: {problem}")
    print(f"(peak MiB: largest single process of any round; load now {os.getloadavg()[0]:.2f})")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    corpus = args.corpus.resolve()
    measure_rss = gnu_time_works()
    print_machine(corpus, args.rounds, measure_rss)
    with tempfile.TemporaryDirectory(prefix="notesite-math-cost-") as tmp:
        workspace = make_workspace(corpus, Path(tmp))
        results = measure(workspace, args.rounds, measure_rss)
    print()
    print_table(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
