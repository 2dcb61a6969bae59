"""Lighthouse scores of this repository's site: the home page and the most math-heavy note.

Builds the site into a temporary folder, serves it locally under its base path (as GitHub
Pages would), runs the pinned npm `lighthouse` (12.2.3, `npm ci`) with Debian's Chromium on
Lighthouse's default mobile profile, and prints the four category scores of each page.

    .venv/bin/python bench/lighthouse.py [--runs N] [--json-dir DIR]

With several runs it prints each run and the lowest score of each category (the worst case
is what a threshold must hold for).
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from benchlib import REPO, notesite_command, notesite_env

LIGHTHOUSE = REPO / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = "/usr/bin/chromium"
CHROME_FLAGS = "--headless --no-sandbox --disable-gpu"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
PREFIX = "notes"  # this repository's base_url path


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def serve(output: Path) -> Iterator[str]:
    """Serve `output` at http://127.0.0.1:PORT/notes/; yield that URL."""
    root = output.parent / "served"
    root.mkdir()
    (root / PREFIX).symlink_to(output, target_is_directory=True)
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/{PREFIX}/"
    finally:
        server.shutdown()
        server.server_close()


def most_math_note(output: Path) -> str:
    """The note page (site path) with the most rendered formulas."""
    counts = {
        page.relative_to(output).parent.as_posix() + "/": page.read_text("utf-8").count(
            'class="katex"'
        )
        for page in output.glob("**/posts/*/index.html")
    }
    return max(sorted(counts), key=lambda path: counts[path])


def lighthouse(url: str, report: Path) -> dict[str, float]:
    """Run Lighthouse on `url`; return its category scores."""
    subprocess.run(
        [
            str(LIGHTHOUSE),
            url,
            "--quiet",
            f"--chrome-flags={CHROME_FLAGS}",
            "--output=json",
            f"--output-path={report}",
        ],
        check=True,
        env=dict(os.environ, CHROME_PATH=CHROMIUM),
    )
    data = json.loads(report.read_text("utf-8"))
    return {name: data["categories"][name]["score"] for name in CATEGORIES}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--json-dir", type=Path, help="keep Lighthouse's JSON reports here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        output = Path(temp) / "public"
        subprocess.run(
            [
                *notesite_command(),
                "build",
                "--quiet",
                "--source",
                str(REPO),
                "--output",
                str(output),
                "--cache-dir",
                str(Path(temp) / "cache"),
            ],
            check=True,
            env=notesite_env(),
        )
        reports = args.json_dir or Path(temp)
        reports.mkdir(parents=True, exist_ok=True)
        pages = {"home": "", "math note": most_math_note(output)}
        with serve(output) as base:
            print(f"lighthouse {LIGHTHOUSE.resolve().parent.parent.name}, {CHROMIUM}, {base}")
            print(f"{'page':<40} " + " ".join(f"{name:>14}" for name in CATEGORIES))
            worst: dict[str, dict[str, float]] = {}
            for run in range(args.runs):
                for label, path in pages.items():
                    report = reports / f"{label.replace(' ', '-')}-{run + 1}.json"
                    scores = lighthouse(base + path, report)
                    low = worst.setdefault(label, dict(scores))
                    for name, score in scores.items():
                        low[name] = min(low[name], score)
                    row = " ".join(f"{scores[name]:>14.2f}" for name in CATEGORIES)
                    print(f"{label + ' /' + path:<40} {row}", flush=True)
            if args.runs > 1:
                for label, scores in worst.items():
                    row = " ".join(f"{scores[name]:>14.2f}" for name in CATEGORIES)
                    print(f"{'lowest: ' + label:<40} {row}")


if __name__ == "__main__":
    main()
