"""KaTeX in long-lived Node.js processes: the formula engine of server-side math.

Each `KatexWorker` is one `node katex_worker.js` process that answers batches of
formulas, one JSON line in and one out, for as long as it lives. `NodeKatex` is
a small pool of them: a whole build's batch is split across a few workers (one
per two cores, up to four: see pool_size) so they render in parallel; `serve`
starts one worker with the server, so a save with a new formula costs a round
trip, not a process start (~140 ms for Node.js plus KaTeX here). A worker that
dies is started again and its batch retried once.

Thread safety: `NodeKatex.render` may be called from any thread; one call runs at
a time (a lock), and each worker is only used while that lock is held.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from collections import deque
from collections.abc import Sequence
from pathlib import Path

from notesite.katex import Formula, KatexUnavailable, Rendered, katex_version
from notesite.parallel import default_jobs

WORKER_SCRIPT = Path(__file__).with_name("katex_worker.js")
# A batch smaller than this per extra worker is not worth a second process.
FORMULAS_PER_WORKER = 200
STOP_SECONDS = 2.0


class WorkerDied(Exception):
    """The Node.js process exited or closed its pipes mid-batch."""


class KatexWorker:
    """One Node.js process with KaTeX loaded, answering batches until closed."""

    def __init__(self, node: str, dist: Path) -> None:
        self.stderr_tail: deque[str] = deque(maxlen=20)
        self.process = subprocess.Popen(
            [node, str(WORKER_SCRIPT), str(dist)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        # Drained all the time so a chatty Node.js never blocks on a full pipe.
        threading.Thread(target=self._drain_stderr, daemon=True).start()
        self.ready = False

    def _drain_stderr(self) -> None:
        assert self.process.stderr is not None
        for raw in self.process.stderr:
            self.stderr_tail.append(raw.decode("utf-8", "replace").rstrip())

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def _read_line(self) -> dict:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            self.process.wait()
            raise WorkerDied(self.failure())
        return json.loads(line)

    def wait_ready(self) -> None:
        if not self.ready:
            self._read_line()  # {"ready": version}
            self.ready = True

    def failure(self) -> str:
        """Why the process stopped, in one line (its last error line, if it printed one)."""
        lines = [line for line in self.stderr_tail if line.strip()]
        errors = [line for line in lines if "Error" in line] or lines
        return errors[0] if errors else f"the KaTeX worker exited ({self.process.returncode})"

    def render(self, formulas: Sequence[Formula], macros: dict[str, str]) -> list[Rendered]:
        request = {
            "macros": macros,
            "formulas": [[f.tex, f.display, f.output] for f in formulas],
        }
        assert self.process.stdin is not None
        try:
            self.wait_ready()
            self.process.stdin.write(json.dumps(request, ensure_ascii=False).encode() + b"\n")
            self.process.stdin.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.process.wait()
            raise WorkerDied(self.failure()) from None
        results = self._read_line()["results"]
        if len(results) != len(formulas):
            raise KatexUnavailable("the KaTeX worker answered only part of the formulas")
        return [Rendered(html, error) for html, error in results]

    def close(self) -> None:
        """Close stdin (the worker exits on its own), then make sure it has. A worker
        never asked for anything is stopped at once: a build that started it ahead,
        then found every formula in the cache, does not wait for KaTeX to load."""
        if not self.ready and self.alive:
            self.process.kill()
        try:
            if self.process.stdin is not None:
                self.process.stdin.close()
        except OSError:
            pass
        try:
            self.process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


def pool_size(cores: int) -> int:
    """Workers for a large batch: one per two cores, up to four. One Node.js process
    rendering KaTeX keeps more than one core busy (V8 compiles and collects garbage on
    threads of its own): on two cores, the real corpus's 4,732 formulas took 0.87 s in
    one process, 0.95 s in two; and a second worker is one more process to start."""
    return max(1, min(cores // 2, 4))


class NodeKatex:
    """A pool of `KatexWorker`s for one KaTeX `dist` folder."""

    name = "Node.js"

    def __init__(self, dist: Path, max_workers: int | None = None) -> None:
        node = shutil.which("node")
        if node is None:
            raise KatexUnavailable("Node.js (`node`) is not on PATH")
        self.node = node
        self.dist = dist.resolve()
        self.version = katex_version(self.dist)
        self.max_workers = max_workers or pool_size(default_jobs())
        self.workers: list[KatexWorker] = []
        self.lock = threading.Lock()
        self.started = 0  # processes started so far (restarts included)

    def start(self, count: int = 1) -> None:
        """Have `count` live workers (starting or restarting them); returns at once."""
        with self.lock:
            self._ensure(count)

    def _ensure(self, count: int) -> None:
        live = []
        for worker in self.workers:
            if worker.alive:
                live.append(worker)
            else:
                worker.close()  # reap the dead process
        self.workers = live
        while len(self.workers) < count:
            self.workers.append(KatexWorker(self.node, self.dist))
            self.started += 1

    def render(self, formulas: Sequence[Formula], macros: dict[str, str]) -> list[Rendered]:
        """Results in the order of `formulas`."""
        if not formulas:
            return []
        with self.lock:
            count = max(1, min(self.max_workers, len(formulas) // FORMULAS_PER_WORKER))
            self._ensure(count)
            chunks = [list(formulas[i::count]) for i in range(count)]
            answers = self._in_parallel(chunks, macros)
        results: list[Rendered] = [Rendered(None, None)] * len(formulas)
        for index, answer in enumerate(answers):
            results[index::count] = answer
        return results

    def _in_parallel(
        self, chunks: list[list[Formula]], macros: dict[str, str]
    ) -> list[list[Rendered]]:
        """Chunk i on worker i, each in a thread of its own (one chunk: no thread)."""
        if len(chunks) == 1:
            return [self._render_retrying(0, chunks[0], macros)]
        answers: list[list[Rendered]] = [[] for _ in chunks]
        errors: list[BaseException] = []

        def run(index: int) -> None:
            try:
                answers[index] = self._render_retrying(index, chunks[index], macros)
            except BaseException as error:  # re-raised in the calling thread
                errors.append(error)

        threads = [threading.Thread(target=run, args=(i,)) for i in range(len(chunks))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise errors[0]
        return answers

    def _render_retrying(
        self, index: int, chunk: list[Formula], macros: dict[str, str]
    ) -> list[Rendered]:
        """Render on worker `index`; if it has died, start a new one and try once more."""
        try:
            return self.workers[index].render(chunk, macros)
        except WorkerDied:
            self.workers[index].close()
            self.workers[index] = KatexWorker(self.node, self.dist)
            self.started += 1
            try:
                return self.workers[index].render(chunk, macros)
            except WorkerDied as error:
                raise KatexUnavailable(str(error)) from None

    def close(self) -> None:
        with self.lock:
            for worker in self.workers:
                worker.close()
            self.workers = []
