"""What full-text search costs a build: index size and added build time, search on vs off.

Run from the repository root after `npm ci`:

    .venv/bin/python bench/search_cost.py [--rounds N] [--articles N] [--corpus PATH]

Two corpora, each copied into a temporary folder (the originals are only read): the
real corpus (default $NOTESITE_CORPUS, else ../shared/corpus/real, else
/work/shared/corpus/real) and the synthetic one of ../shared/bench/gen_corpus.py with
--articles articles (default 1,000: about 1,230 post files). For each, one untimed
build fills a formula and note cache that every timed build then uses, so the times
are the build's own work, not KaTeX's. Three kinds of build are timed with search on
(the default) and off (`search: false`), interleaved round by round with the order
rotating, so that load from other users of the machine falls on all of them alike:

  full        into a new, empty output folder (every page rendered, every note indexed)
  unchanged   again into the output of the build before it, nothing changed since
              (the pages are kept, and so is the search bundle: Pagefind does not run)
  1 note      the same output, after appending a new sentence to the median-size post
              (that note's page changes, so Pagefind indexes that note's shard again)

Each build is the CLI in a subprocess, timed with time.perf_counter(). The script
prints the medians, the ratios on / off of each kind, and the size of the search
bundle of the last full build with search on: all of pagefind/ (bytes and files), and
of that the index (each shard's fragment/, index/, *.pf_meta, entry and the shard
list: what grows with the notes) and the fixed part (Pagefind's scripts, stylesheets
and WebAssembly, loaded once by a reader).
Compare the ratios, not the seconds: this is a shared machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchlib import (
    command_output,
    default_corpus,
    generate_corpus,
    load_text,
    notesite_command,
    notesite_env,
)

KINDS = ("full", "unchanged", "1 note")
SWITCHES = ("on", "off")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default: 3)")
    parser.add_argument("--articles", type=int, default=1000, help="synthetic corpus size")
    parser.add_argument("--corpus", type=Path, default=default_corpus(), help="the real corpus")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    return args


class Corpus:
    """A copy of a site, with its config switchable between search on and off."""

    def __init__(self, name: str, site: Path, work: Path) -> None:
        self.name, self.site, self.work = name, site, work
        self.config = (site / "notesite.yaml").read_text(encoding="utf-8")
        self.cache = work / f"cache-{name}"
        notes = sorted((site / "content" / "posts").rglob("*.md"), key=lambda p: p.stat().st_size)
        self.edited = notes[len(notes) // 2]
        self.original = self.edited.read_text(encoding="utf-8")
        self.edits = 0

    def switch(self, search: str) -> None:
        extra = "" if search == "on" else "\nsearch: false\n"
        (self.site / "notesite.yaml").write_text(self.config + extra, encoding="utf-8")

    def edit(self) -> None:
        self.edits += 1
        sentence = f"\n\nAn edited sentence, number {self.edits}, for the benchmark.\n"
        self.edited.write_text(self.original + sentence, encoding="utf-8")

    def output(self, search: str) -> Path:
        return self.work / f"out-{self.name}-{search}"

    def build(self, output: Path) -> float:
        command = [*notesite_command(), "build", "--quiet", "--source", str(self.site)]
        command += ["--output", str(output), "--cache-dir", str(self.cache)]
        start = time.perf_counter()
        done = subprocess.run(
            command, capture_output=True, text=True, env=notesite_env(), check=False
        )
        seconds = time.perf_counter() - start
        if done.returncode != 0:
            sys.exit(f"{self.name}: build failed ({done.returncode}):\n{done.stderr[-3000:]}")
        return seconds

    def run(self, kind: str, search: str) -> float:
        """One timed build of `kind`; leaves the search's output matching the sources."""
        self.switch(search)
        output = self.output(search)
        if kind == "full":
            shutil.rmtree(output, ignore_errors=True)
        elif kind == "1 note":
            self.edit()
            other = self.output("off" if search == "on" else "on")
            seconds = self.build(output)
            self.switch("off" if search == "on" else "on")
            self.build(other)  # untimed: the other output follows the edit too
            return seconds
        return self.build(output)


def bundle_size(output: Path) -> dict[str, tuple[int, int]]:
    """Bytes and files of the search bundle: all, the index, the fixed part."""
    sizes = {"all": [0, 0], "index": [0, 0], "fixed": [0, 0]}
    folder = output / "pagefind"
    for path in folder.rglob("*"):
        if not path.is_file():
            continue
        name = path.relative_to(folder).as_posix()
        part = (
            "index"
            if "/fragment/" in name or "/index/" in name or name.endswith((".pf_meta", ".json"))
            else "fixed"
        )
        for key in ("all", part):
            sizes[key][0] += path.stat().st_size
            sizes[key][1] += 1
    return {key: (size, files) for key, (size, files) in sizes.items()}


def site_size(output: Path) -> int:
    return sum(p.stat().st_size for p in output.rglob("*") if p.is_file())


def measure(corpus: Corpus, rounds: int) -> dict[tuple[str, str], list[float]]:
    for search in SWITCHES:  # fill the cache; both outputs match the sources
        corpus.switch(search)
        seconds = corpus.build(corpus.output(search))
        print(f"{corpus.name}: untimed build, search {search}: {seconds:.1f} s", flush=True)
    times: dict[tuple[str, str], list[float]] = {(k, s): [] for k in KINDS for s in SWITCHES}
    variants = [(kind, search) for kind in KINDS for search in SWITCHES]
    for number in range(rounds):
        shift = number % len(variants)
        shown = []
        for kind, search in variants[shift:] + variants[:shift]:
            seconds = corpus.run(kind, search)
            times[(kind, search)].append(seconds)
            shown.append(f"{kind}/{search} {seconds:.2f}")
        print(f"{corpus.name} round {number + 1}/{rounds}: " + ", ".join(shown), flush=True)
    return times


def report(corpus: Corpus, times: dict[tuple[str, str], list[float]]) -> None:
    corpus.switch("on")
    corpus.build(corpus.output("on"))
    pages = len(list((corpus.output("on")).rglob("*.html")))
    sizes = bundle_size(corpus.output("on"))
    total = site_size(corpus.output("on"))
    print(f"\n{corpus.name}: {pages:,} HTML files, site {total / 1e6:.1f} MB with search")
    print(f"{'build':<10} {'on s':>7} {'off s':>7} {'on/off':>7}   (medians; min-max on | off)")
    for kind in KINDS:
        on, off = times[(kind, "on")], times[(kind, "off")]
        ratio = statistics.median(on) / statistics.median(off)
        print(
            f"{kind:<10} {statistics.median(on):>7.2f} {statistics.median(off):>7.2f} "
            f"{ratio:>6.2f}x   ({min(on):.2f}-{max(on):.2f} | {min(off):.2f}-{max(off):.2f})"
        )
    for part, label in (("all", "pagefind/"), ("index", "  index"), ("fixed", "  fixed")):
        size, files = sizes[part]
        print(
            f"{label:<10} {size / 1e6:>7.2f} MB in {files:,} files ({size / total:.1%} of the site)"
        )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    print(f"machine:  {platform.platform()}; os.cpu_count() = {os.cpu_count()}; load {load_text()}")
    print(f"notesite: {command_output([*notesite_command(), '--version'])}")
    print(f"rounds:   {args.rounds}; corpora: {args.corpus}, synthetic {args.articles:,}\n")
    with tempfile.TemporaryDirectory(prefix="notesite-search-cost-") as tmp:
        work = Path(tmp)
        shutil.copytree(args.corpus, work / "real", copy_function=shutil.copyfile)
        for folder, _, _ in os.walk(work / "real"):
            os.chmod(folder, 0o755)
        generate_corpus(work / "synthetic", args.articles, ["notesite"])
        corpora = [
            Corpus("real", work / "real", work),
            Corpus(f"synthetic-{args.articles}", work / "synthetic" / "notesite", work),
        ]
        results = [(corpus, measure(corpus, args.rounds)) for corpus in corpora]
        for corpus, times in results:
            report(corpus, times)
    print(f"\n(load now {load_text()})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
