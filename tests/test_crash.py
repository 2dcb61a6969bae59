"""A build killed with SIGKILL at any moment — rendering, writing the note and formula
caches, committing the output — leaves the whole previous site or the whole new one,
and the next build writes exactly what a clean build writes. Then: builds are the same
bytes whatever PYTHONHASHSEED, the order files were created in and the process count."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO
from test_build_cache import make_site, note, tree_digest

NOTES = 40  # enough for two worker processes (16 notes each at least)


def site_version(root: Path, version: int, reverse: bool = False, notes: int = NOTES) -> Path:
    """The site with `notes` notes; version 2 edits every third note and adds formulas.
    `reverse` creates the files in the opposite order (another directory order)."""
    make_site(root)
    numbers = range(6, notes)
    for i in reversed(numbers) if reverse else numbers:
        extra = f"\n第二版：新公式 $\\beta_{{{i}}}$。\n" if version == 2 and i % 3 == 0 else ""
        (root / f"content/posts/rl/n{i}.md").write_text(note(i, extra), encoding="utf-8")
    return root


def command(root: Path, out: Path, cache: Path, jobs: int = 2) -> list[str]:
    return [
        sys.executable,
        "-m",
        "notesite",
        "build",
        "--quiet",
        "--source",
        str(root),
        "--output",
        str(out),
        "--cache-dir",
        str(cache),
        "--jobs",
        str(jobs),
    ]


def run(args: list[str], seed: str = "0") -> None:
    env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(REPO / "src")}
    done = subprocess.run(args, env=env, timeout=300, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]


def run_patched(
    script: str, build_command: list[str], timeout: float = 300, **options: Any
) -> subprocess.CompletedProcess[str]:
    """`notesite build` (the arguments of `build_command`) run by `script`, which patches
    notesite first, in a process of its own, its output captured."""
    return subprocess.run(
        [sys.executable, "-c", script, *build_command[3:]],
        env={**os.environ, "PYTHONPATH": str(REPO / "src")},
        capture_output=True,
        text=True,
        timeout=timeout,
        **options,
    )


@dataclass(frozen=True)
class Versions:
    """Two versions of a site and what a clean build of each writes."""

    sites: dict[int, Path]
    clean: dict[int, dict[str, str]]


@pytest.fixture(scope="module")
def versions(tmp_path_factory: pytest.TempPathFactory) -> Versions:
    base = tmp_path_factory.mktemp("versions")
    sites = {v: site_version(base / f"site-{v}", v, notes=20) for v in (1, 2)}
    for version, root in sites.items():
        run(command(root, base / f"clean-{version}", base / f"clean-cache-{version}"))
    return Versions(sites, {v: tree_digest(base / f"clean-{v}") for v in sites})


def test_a_killed_build_leaves_a_whole_site_and_the_next_build_is_clean(
    tmp_path: Path, versions: Versions
) -> None:
    sites, clean = versions.sites, versions.clean
    out, cache = tmp_path / "public", tmp_path / "cache"
    run(command(sites[1], out, cache))
    started = time.perf_counter()
    run(command(sites[1], out, cache))  # nothing to do: starting, reading, planning
    quickest = time.perf_counter() - started

    rng = random.Random(17)
    current, killed = 1, 0
    # Builds alternate between the versions; each is killed at a random moment up to a
    # little after the quickest build would end (those with an empty cache take longer).
    for attempt in range(4):
        target = 2 if current == 1 else 1
        used_cache = tmp_path / f"cache-{attempt}" if attempt % 2 == 0 else cache
        process = subprocess.Popen(
            command(sites[target], out, used_cache),
            env={**os.environ, "PYTHONPATH": str(REPO / "src")},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(0.05, quickest * 1.3))
        process.send_signal(signal.SIGKILL)
        killed += process.wait(timeout=60) == -signal.SIGKILL
        now = tree_digest(out)
        assert now in (clean[current], clean[target]), f"a mix after kill {attempt}"
        current = target if now == clean[target] else current
    assert killed >= 2  # most builds were stopped half-way

    for version in (2, 1):  # the next builds, through the cache the killed ones wrote
        run(command(sites[version], out, cache))
        assert tree_digest(out) == clean[version]
    leftovers = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".public"))
    assert leftovers == []


# A build that kills itself (SIGKILL) at the n-th call of a function: the moments a
# random kill rarely hits. The patch calls the function first when `after` is true.
DIE_AT = """
import os, signal, sys
from notesite.cli import main
import {module} as module
owner = {owner}
original = getattr(owner, "{name}")
calls = 0
def dying(*args, **kwargs):
    global calls
    calls += 1
    result = original(*args, **kwargs) if {after} else None
    if calls == {nth}:
        os.kill(os.getpid(), signal.SIGKILL)
    return result if {after} else original(*args, **kwargs)
setattr(owner, "{name}", dying)
sys.exit(main(sys.argv[1:]))
"""

MOMENTS = [
    # (module, owner, function, n-th call, kill after the call); the first needs formulas
    # no build has rendered yet
    ("notesite.katex", "module.FormulaCache", "put_many", 1, False),  # new formulas rendered
    ("notesite.notecache", "module.NoteStore", "_insert", 5, True),  # inside its transaction
    ("notesite.writer", "module", "write_manifest", 1, True),  # the next output is ready
    ("notesite.writer", "module", "_move", 7, True),  # moving new files into it
    ("notesite.writer", "module", "replace_folder", 1, True),  # just swapped
    # the last retired output taken as the next one, and scanned before it is stripped
    ("notesite.writer", "module", "_entries", 1, True),
]


def test_a_build_killed_while_writing_its_caches_or_its_output(
    tmp_path: Path, versions: Versions
) -> None:
    sites, clean = versions.sites, versions.clean
    out, cache = tmp_path / "public", tmp_path / "cache"
    run(command(sites[1], out, cache))
    current = 1
    for module, owner, name, nth, after in MOMENTS:
        target = 2 if current == 1 else 1
        script = DIE_AT.format(module=module, owner=owner, name=name, nth=nth, after=after)
        process = run_patched(script, command(sites[target], out, cache))
        assert process.returncode == -signal.SIGKILL, (name, process.stderr[-500:])
        now = tree_digest(out)
        assert now in (clean[current], clean[target]), name
        current = target if now == clean[target] else current
    for version in (1, 2):
        run(command(sites[version], out, cache))
        assert tree_digest(out) == clean[version]


def test_a_first_build_killed_before_its_output_exists_leaves_nothing(
    tmp_path: Path, versions: Versions
) -> None:
    """Into a new folder, the staging folder is the output to be: killed once it is
    complete but not yet renamed, the build leaves no output and nothing that the next
    build does not clear, and that build writes the clean site."""
    out, cache = tmp_path / "new/public", tmp_path / "cache"
    script = DIE_AT.format(
        module="notesite.writer", owner="module", name="write_manifest", nth=1, after=True
    )
    process = run_patched(script, command(versions.sites[1], out, cache))
    assert process.returncode == -signal.SIGKILL, process.stderr[-500:]
    assert not out.exists()
    (left,) = out.parent.iterdir()  # the complete staging folder, named by the build's pid
    assert left.name.startswith(".public.staging-") and (left / "index.html").is_file()
    run(command(versions.sites[1], out, cache))
    assert tree_digest(out) == versions.clean[1]
    assert [p.name for p in out.parent.iterdir()] == ["public"]


def test_hash_seed_file_order_and_process_count_do_not_change_a_byte(tmp_path: Path) -> None:
    forward = site_version(tmp_path / "forward", 2)
    backward = site_version(tmp_path / "backward", 2, reverse=True)
    outputs = []
    for root, seed, jobs in ((forward, "0", 1), (backward, "4242", 2)):
        out = tmp_path / f"out-{root.name}-{seed}"
        run(command(root, out, tmp_path / f"cache-{seed}", jobs), seed=seed)
        outputs.append(tree_digest(out))
    assert len(outputs[0]) > NOTES
    assert outputs[0] == outputs[1]


# A build whose whole process group gets SIGINT, as a terminal's Ctrl-C does, when the
# parent has been handed its n-th rendered page: the page workers are running then.
INTERRUPT_AT = """
import os, signal, sys
from notesite.cli import main
from notesite.writer import SiteWriter
original = SiteWriter.adopt
calls = 0
def adopting(*args, **kwargs):
    global calls
    calls += 1
    if calls == {nth}:
        os.killpg(os.getpgid(0), signal.SIGINT)
    return original(*args, **kwargs)
SiteWriter.adopt = adopting
sys.exit(main(sys.argv[1:]))
"""


def test_ctrl_c_while_workers_render_pages_stops_quietly_and_keeps_the_output(
    tmp_path: Path, versions: Versions
) -> None:
    sites, clean = versions.sites, versions.clean
    out, cache = tmp_path / "public", tmp_path / "cache"
    run(command(sites[1], out, cache))
    script = INTERRUPT_AT.format(nth=5)
    # Its own process group: the SIGINT is not pytest's.
    process = run_patched(script, command(sites[2], out, cache), start_new_session=True)
    assert process.returncode == 130, process.stderr[-500:]
    assert "Traceback" not in process.stderr and "Worker" not in process.stderr
    assert tree_digest(out) == clean[1]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "public"]
    run(command(sites[2], out, cache))
    assert tree_digest(out) == clean[2]


# A build one of whose worker processes is killed (as the kernel kills a process when
# memory runs out) at the n-th call of a function the workers run.
WORKER_KILLED_AT = """
import os, signal, sys
from notesite.cli import main
import {module} as module
original = getattr(module, "{name}")
parent = os.getpid()
calls = 0
def dying(*args, **kwargs):
    global calls
    calls += 1
    if calls == {nth} and os.getpid() != parent:
        os.kill(os.getpid(), signal.SIGKILL)
    return original(*args, **kwargs)
setattr(module, "{name}", dying)
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize(
    ("module", "name"),
    [("notesite.notes", "_parse_one"), ("notesite.pagejobs", "_render_in_worker")],
    ids=["note-stage", "page-stage"],
)
def test_a_killed_worker_is_a_one_line_error_not_a_hang(
    tmp_path: Path, module: str, name: str
) -> None:
    sites = {v: site_version(tmp_path / f"site-{v}", v) for v in (1, 2)}  # 2 workers' worth
    out, cache = tmp_path / "public", tmp_path / "cache"
    run(command(sites[1], out, cache))
    before = tree_digest(out)
    script = WORKER_KILLED_AT.format(module=module, name=name, nth=3)
    # The timeout: before the fix, a dead page worker left the build waiting forever.
    process = run_patched(script, command(sites[2], out, tmp_path / "new-cache"), timeout=120)
    assert process.returncode == 1, process.stderr[-500:]
    assert process.stderr.strip().splitlines() == [
        "notesite: a worker process stopped (killed by signal 9: out of memory?)"
    ]
    assert tree_digest(out) == before
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("site-")) == [
        "cache",
        "new-cache",
        "public",
    ]
