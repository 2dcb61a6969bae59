"""Which JavaScript engine should render KaTeX at build time: measurements.

Run from the repository root:

    .venv/bin/python bench/katex_engines.py [--rounds N] [--corpus PATH]

The optional engines are not project dependencies; install them into the venv
for this benchmark only: `.venv/bin/pip install mini-racer quickjs`. An engine
that cannot be imported or run is reported as skipped and the rest go on.

Every formula of the corpus (default: $NOTESITE_CORPUS, else
../shared/corpus/real next to the repository, else /work/shared/corpus/real;
only read) is rendered once per round by each engine, with output
"htmlAndMathml", no macros, throwOnError true (errors are counted):

  node-1      notesite.katex.KatexRenderer on a NodeKatex pool of 1 worker, no cache (the reference)
  node-2      the same with 2 workers (two Node.js processes, one per half;
              NodeKatex starts a second one only for 400 formulas or more)
  mini-racer  V8 embedded in this process (PyPI `mini-racer`), katex.min.js
  quickjs     QuickJS embedded in this process (PyPI `quickjs`), katex.min.js

Columns: `startup` is, for the embedded engines, creating the context and
evaluating katex.min.js; for node-N it is a separate one-formula render_all()
(process start + require("katex") + one formula), which the node total already
contains again. `total` is the wall time from nothing to every formula
rendered, startup included; `render` = total - startup; `f/s` is formulas per
second of total. Engines run interleaved (the order rotates each round) and the
table shows medians; `vs node-1` is the median over rounds of total / node-1's
total in the same round, the figure to compare on a shared, noisy machine.
`html !=` counts formulas whose HTML (or error status) differs from node-1's
first round, `error !=` formulas that fail in both with different messages;
worst round shown (for node-1 itself: its determinism from round to round).

`heap` is the embedded engine's own figure after the last formula (V8
total_heap_size / QuickJS malloc_size). Memory, after the rounds and untimed:
each engine renders the whole list once more in a fresh Python process of its
own (this script with --memory-probe ENGINE, formulas as JSON on stdin, which
imports only notesite.katex and notesite.nodekatex), which reports peaks: `process` is its own peak
RSS (VmHWM: Python + an embedded engine), `worker` the largest Node.js worker's
(getrusage RUSAGE_CHILDREN; node-2 has two of them at once). The `baseline`
probe renders nothing. Not measured in the timing process on purpose: on Linux
ru_maxrss survives exec, so a child started by this (large) process would
report at least the benchmark's own peak.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

from benchlib import KATEX_PACKAGE, REPO, command_output, default_corpus

from notesite.katex import Formula, KatexRenderer
from notesite.nodekatex import NodeKatex

KATEX_BUNDLE = KATEX_PACKAGE / "dist" / "katex.min.js"
OUTPUT = "htmlAndMathml"
REFERENCE = "node-1"
ENGINES = ("node-1", "node-2", "mini-racer", "quickjs")

# The same options and error text as src/notesite/katex_worker.js. The reply is
# a JSON string, so both engines hand back one plain str per formula.
RENDER_JS = """
function __notesite_render(tex, display, output) {
  var reply;
  try {
    reply = [katex.renderToString(tex, {
      displayMode: display,
      output: output,
      macros: {},
      throwOnError: true,
      strict: "ignore",
      trust: false,
    }), null];
  } catch (error) {
    reply = [null, error instanceof katex.ParseError ? error.message : String(error)];
  }
  return JSON.stringify(reply);
}
"""

Key = tuple[str, bool]
Output = tuple[str | None, str | None]  # (html, error)


@dataclass
class Run:
    startup: float
    total: float
    outputs: dict[Key, Output]
    engine_heap: int | None = None  # bytes, as the engine reports it


@dataclass
class EngineState:
    name: str
    runs: list[Run] = field(default_factory=list)
    skipped: str | None = None
    diffs: list[int] = field(default_factory=list)  # per round, against the reference
    message_diffs: list[int] = field(default_factory=list)  # error texts, likewise
    examples: list[str] = field(default_factory=list)


# --- the corpus ---------------------------------------------------------------------------


def collect_formulas(corpus: Path) -> list[Key]:
    """Every distinct (TeX, display) of the corpus's posts, sorted."""
    # Imported here so that --memory-probe processes stay small.
    from notesite.loader import load_site
    from notesite.markdown import MarkdownRenderer
    from notesite.mathrender import client_markup

    site = load_site(corpus)
    collector = MarkdownRenderer(client_markup)
    return sorted({(u.tex, u.display) for p in site.posts for u in collector.formulas(p.body)})


# --- measurements -----------------------------------------------------------------------


def run_node(workers: int, formulas: list[Key]) -> Run:
    def renderer(engine: NodeKatex) -> KatexRenderer:
        return KatexRenderer(engine, {}, cache_path=None)

    start = time.perf_counter()
    with closing(NodeKatex(KATEX_PACKAGE / "dist", max_workers=workers)) as engine:
        renderer(engine).render_all([Formula("x", False, OUTPUT)])
    startup = time.perf_counter() - start

    batch = [Formula(tex, display, OUTPUT) for tex, display in formulas]
    start = time.perf_counter()
    with closing(NodeKatex(KATEX_PACKAGE / "dist", max_workers=workers)) as engine:
        results = renderer(engine).render_all(batch)
    total = time.perf_counter() - start
    outputs = {(f.tex, f.display): (r.html, r.error) for f, r in results.items()}
    return Run(startup, total, outputs)


def run_embedded(
    start_engine: Callable[[str], tuple[Callable[[str, bool], str], Callable[[], int | None]]],
    formulas: list[Key],
) -> Run:
    """Time an in-process engine: start_engine(bundle) -> (render, heap size)."""
    bundle = KATEX_BUNDLE.read_text(encoding="utf-8")
    start = time.perf_counter()
    render, heap = start_engine(bundle)
    startup = time.perf_counter() - start
    outputs: dict[Key, Output] = {}
    for tex, display in formulas:
        try:
            html, error = json.loads(render(tex, display))
        except Exception as exc:  # the engine itself failed (stack, memory, …)
            html, error = None, f"{type(exc).__name__}: {exc}"
        outputs[(tex, display)] = (html, error)
    total = time.perf_counter() - start
    return Run(startup, total, outputs, heap())


def start_mini_racer(bundle: str) -> tuple[Callable[[str, bool], str], Callable[[], int | None]]:
    try:
        from py_mini_racer import MiniRacer  # mini-racer >= 0.8 (and the old py-mini-racer)
    except ImportError:
        from mini_racer import MiniRacer  # type: ignore[no-redef]  # a possible future rename

    ctx = MiniRacer()
    # katex.min.js is UMD; with no `module`/`exports`/`define` it sets this.katex.
    ctx.eval(bundle)
    ctx.eval(RENDER_JS)
    if ctx.eval("typeof katex") != "object":
        raise RuntimeError("katex.min.js did not define a global `katex`")

    def render(tex: str, display: bool) -> str:
        # Measured faster than ctx.call() (which wraps the reply in JSON.stringify
        # once more) and than calling a JSFunction handle from Python.
        return ctx.eval(
            f"__notesite_render({json.dumps(tex)}, {json.dumps(display)}, {json.dumps(OUTPUT)})"
        )

    def heap() -> int | None:
        return int(ctx.heap_stats()["total_heap_size"])

    return render, heap


def start_quickjs(bundle: str) -> tuple[Callable[[str, bool], str], Callable[[], int | None]]:
    import quickjs

    ctx = quickjs.Context()
    ctx.eval(bundle)
    ctx.eval(RENDER_JS)
    if ctx.eval("typeof katex") != "object":
        raise RuntimeError("katex.min.js did not define a global `katex`")
    function = ctx.get("__notesite_render")

    def render(tex: str, display: bool) -> str:
        return function(tex, display, OUTPUT)

    def heap() -> int | None:
        return int(ctx.memory()["malloc_size"])

    return render, heap


RUNNERS: dict[str, Callable[[list[Key]], Run]] = {
    "node-1": lambda formulas: run_node(1, formulas),
    "node-2": lambda formulas: run_node(2, formulas),
    "mini-racer": lambda formulas: run_embedded(start_mini_racer, formulas),
    "quickjs": lambda formulas: run_embedded(start_quickjs, formulas),
}


def probe(name: str) -> str | None:
    """Why an engine cannot run here, or None if it can."""
    try:
        if name.startswith("node"):
            if shutil.which("node") is None:
                return "`node` is not on PATH"
            if not (KATEX_PACKAGE / "package.json").is_file():
                return f"no katex package at {KATEX_PACKAGE} (npm install)"
        elif name == "mini-racer":
            try:
                import py_mini_racer  # noqa: F401
            except ImportError:
                import mini_racer  # type: ignore[import-not-found]  # noqa: F401
        elif name == "quickjs":
            import quickjs  # noqa: F401
    except ImportError as error:
        return f"not importable ({error}); `.venv/bin/pip install {name}`"
    if not name.startswith("node") and not KATEX_BUNDLE.is_file():
        return f"{KATEX_BUNDLE} is missing"
    return None


def compare(reference: dict[Key, Output], outputs: dict[Key, Output]) -> tuple[int, int, list[str]]:
    """Formulas whose HTML (or error status) differ, whose error text differs, examples."""
    count = messages = 0
    examples: list[str] = []
    for key, (ref_html, ref_error) in reference.items():
        html, error = outputs.get(key, (None, "missing"))
        if ref_html is None and html is None and error != ref_error:
            messages += 1
            if len(examples) < 3:
                examples.append(f"{key[0][:60]!r}: error {error!r} vs node-1 {ref_error!r}")
        if html == ref_html:
            continue
        count += 1
        if len(examples) < 3:
            where = first_difference(ref_html or "", html or "")
            examples.append(
                f"{key[0][:60]!r} display={key[1]}: node-1 "
                f"{'error ' + repr(ref_error) if ref_html is None else 'html'}, this "
                f"{'error ' + repr(error) if html is None else 'html'}; {where}"
            )
    return count, messages, examples


def first_difference(a: str, b: str) -> str:
    index = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), None)
    if index is None:
        index = min(len(a), len(b))
    return f"first differs at char {index}: {a[index : index + 40]!r} vs {b[index : index + 40]!r}"


def measure(formulas: list[Key], rounds: int) -> dict[str, EngineState]:
    states = {name: EngineState(name, skipped=probe(name)) for name in ENGINES}
    for state in states.values():
        if state.skipped:
            print(f"{state.name}: skipped: {state.skipped}", flush=True)
    if states[REFERENCE].skipped:
        sys.exit("the reference engine node-1 cannot run; nothing to compare against")
    reference: dict[Key, Output] | None = None
    for round_no in range(rounds):
        shift = round_no % len(ENGINES)
        order = [n for n in ENGINES[shift:] + ENGINES[:shift] if not states[n].skipped]
        timings = []
        for name in order:
            state = states[name]
            try:
                run = RUNNERS[name](formulas)
            except Exception as error:
                state.skipped = f"failed in round {round_no + 1}: {type(error).__name__}: {error}"
                print(f"{name}: {state.skipped}", flush=True)
                if name == REFERENCE:
                    sys.exit("the reference engine node-1 failed; nothing to compare against")
                continue
            state.runs.append(run)
            timings.append(f"{name} {run.total:.2f} s")
        if reference is None:
            reference = states[REFERENCE].runs[0].outputs
        for state in states.values():
            if len(state.runs) == round_no + 1:
                count, messages, examples = compare(reference, state.runs[-1].outputs)
                state.diffs.append(count)
                state.message_diffs.append(messages)
                if examples and not state.examples:
                    state.examples = examples
        print(f"round {round_no + 1}/{rounds}: " + ", ".join(timings), flush=True)
    return states


# --- report -------------------------------------------------------------------------------


def package_version(distribution: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(distribution)
    except PackageNotFoundError:
        return "not installed"


def print_machine(corpus: Path, formulas: list[Key], rounds: int) -> None:
    node = shutil.which("node")
    katex = json.loads((KATEX_PACKAGE / "package.json").read_text(encoding="utf-8"))["version"]
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    displays = sum(display for _, display in formulas)
    print(f"machine:    {platform.platform()}; os.cpu_count() = {os.cpu_count()}; load {load}")
    print(f"python:     {platform.python_version()} ({sys.executable})")
    print(f"node:       {command_output([node, '--version']) if node else 'not found'}")
    print(f"katex:      {katex} (node and embedded: {KATEX_BUNDLE.relative_to(REPO)})")
    print(f"mini-racer: {package_version('mini-racer')}; quickjs: {package_version('quickjs')}")
    print(f"corpus:     {corpus}: {len(formulas)} formulas ({displays} display)")
    print(f"rounds:     {rounds} (interleaved, order rotates)")
    print(flush=True)


def heap_text(state: EngineState) -> str:
    heaps = [r.engine_heap for r in state.runs if r.engine_heap is not None]
    return f"{max(heaps) / 2**20:.1f} MiB" if heaps else "-"


def own_peak_kib() -> int:
    """This process's peak RSS since its exec: VmHWM, not ru_maxrss (which inherits
    the high-water mark of the process that started it)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def memory_probe(name: str) -> int:
    """--memory-probe mode: render the formulas on stdin, print getrusage() peaks."""
    formulas = [(tex, bool(display)) for tex, display in json.load(sys.stdin)]
    if name != "baseline":
        RUNNERS[name](formulas)
    peaks = {
        "process": own_peak_kib(),
        "worker": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    }
    print(json.dumps(peaks))
    return 0


def print_memory(states: dict[str, EngineState], formulas: list[Key]) -> None:
    payload = json.dumps(formulas).encode("utf-8")
    print(f"{'memory probe':<12} {'process MiB':>11} {'worker MiB':>10}")
    for name in ("baseline", *(n for n, s in states.items() if s.runs and not s.skipped)):
        done = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--memory-probe", name],
            input=payload,
            capture_output=True,
            check=False,
        )
        if done.returncode != 0:
            reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
            print(f"{name:<12} failed: {reason[-1] if reason else done.returncode}")
            continue
        peaks = json.loads(done.stdout.decode("utf-8").strip().splitlines()[-1])
        worker = f"{peaks['worker'] / 1024:.0f}" if name.startswith("node") else "-"
        note = "  (x2, at once)" if name == "node-2" else ""
        print(f"{name:<12} {peaks['process'] / 1024:>11.0f} {worker:>10}{note}")


def print_table(states: dict[str, EngineState], formulas: list[Key]) -> None:
    header = (
        f"{'engine':<11} {'startup s':>9} {'render s':>9} {'total s':>8} {'f/s':>7}"
        f" {'vs node-1':>9} {'errors':>6} {'html !=':>7} {'error !=':>8} {'heap':>9}"
    )
    print(header)
    print("-" * len(header))
    ref_totals = [run.total for run in states[REFERENCE].runs]
    for name, state in states.items():
        if not state.runs:
            print(f"{name:<11} skipped: {state.skipped}")
            continue
        startup = statistics.median(r.startup for r in state.runs)
        total = statistics.median(r.total for r in state.runs)
        render = statistics.median(r.total - r.startup for r in state.runs)
        ratio = statistics.median(
            r.total / ref for r, ref in zip(state.runs, ref_totals, strict=False)
        )
        errors = max(sum(html is None for html, _ in r.outputs.values()) for r in state.runs)
        print(
            f"{name:<11} {startup:>9.3f} {render:>9.3f} {total:>8.3f}"
            f" {len(formulas) / total:>7.0f} {ratio:>8.2f}x {errors:>6}"
            f" {max(state.diffs):>7} {max(state.message_diffs):>8} {heap_text(state):>9}"
        )
        if state.skipped:
            print(f"{'':<11} then {state.skipped}")
    print()
    for (tex, _), (html, error) in states[REFERENCE].runs[0].outputs.items():
        if html is None:
            print(f"node-1 error: {tex[:50]!r}: {(error or '')[:90]}")
    for state in states.values():
        for example in state.examples:
            print(f"{state.name} differs: {example}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default: 3)")
    parser.add_argument(
        "--corpus",
        type=Path,
        default=default_corpus(),
        help="site folder whose formulas are rendered, only read (default: %(default)s)",
    )
    parser.add_argument("--memory-probe", metavar="ENGINE", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory_probe:
        return args
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    if not (args.corpus / "notesite.yaml").is_file():
        parser.error(f"{args.corpus} has no notesite.yaml")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.memory_probe:
        return memory_probe(args.memory_probe)
    corpus = args.corpus.resolve()
    formulas = collect_formulas(corpus)
    print_machine(corpus, formulas, args.rounds)
    states = measure(formulas, args.rounds)
    print()
    print_table(states, formulas)
    print()
    print_memory(states, formulas)
    print(f"load now {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
