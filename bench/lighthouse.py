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
import gzip
import http.server
import io
import json
import os
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from benchlib import REPO, notesite_command, notesite_env
from selectolax.lexbor import LexborHTMLParser

LIGHTHOUSE = REPO / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = "/usr/bin/chromium"
CHROME_FLAGS = "--headless --no-sandbox --disable-gpu"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
PREFIX = "notes"  # this repository's base_url path


COMPRESSED = (".html", ".css", ".js", ".xml", ".json", ".svg")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


class _GzipHandler(_QuietHandler):
    """Text files gzip-compressed when the browser accepts it, as GitHub Pages and most
    static hosts send them."""

    def send_head(self):  # type: ignore[no-untyped-def]
        path = Path(self.translate_path(self.path))
        if path.is_dir() and self.path.split("?")[0].endswith("/"):
            path = path / "index.html"
        accepts = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (accepts and path.is_file() and path.suffix in COMPRESSED):
            return super().send_head()  # redirects, 404s, fonts and images as they are
        body = gzip.compress(path.read_bytes(), mtime=0)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)


@contextmanager
def serve(output: Path, compress: bool = False) -> Iterator[str]:
    """Serve `output` at http://127.0.0.1:PORT/notes/; yield that URL."""
    root = output.parent / "served"
    root.mkdir()
    (root / PREFIX).symlink_to(output, target_is_directory=True)
    kind = _GzipHandler if compress else _QuietHandler
    handler = functools.partial(kind, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/{PREFIX}/"
    finally:
        server.shutdown()
        server.server_close()


def build_repository_site(work: Path) -> Path:
    """Build this repository's site into `work`/public (cache in `work`); return it."""
    output = work / "public"
    command = [*notesite_command(), "build", "--quiet", "--source", str(REPO)]
    command += ["--output", str(output), "--cache-dir", str(work / "cache")]
    subprocess.run(command, check=True, env=notesite_env())
    return output


def most_math_note(output: Path) -> str:
    """The note page (site path) with the most elements in its formulas: the most math for
    a browser to lay out."""
    counts = {
        page.relative_to(output).parent.as_posix() + "/": len(
            LexborHTMLParser(page.read_text("utf-8")).css(".katex *")
        )
        for page in output.glob("**/posts/*/index.html")
    }
    return max(sorted(counts), key=lambda path: counts[path])


def lighthouse_version() -> str:
    package = REPO / "node_modules" / "lighthouse" / "package.json"
    return json.loads(package.read_text("utf-8"))["version"]


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
    parser.add_argument(
        "--page", action="append", default=[], help="also measure this site path (repeatable)"
    )
    parser.add_argument(
        "--no-gzip", action="store_true", help="send files uncompressed (default: gzip)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        output = build_repository_site(Path(temp))
        reports = args.json_dir or Path(temp)
        reports.mkdir(parents=True, exist_ok=True)
        pages = {"home": "", "math note": most_math_note(output)}
        pages.update({f"page {n}": path for n, path in enumerate(args.page, start=1)})
        with serve(output, compress=not args.no_gzip) as base:
            print(f"lighthouse {lighthouse_version()}, {CHROMIUM}, gzip: {not args.no_gzip}")
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
