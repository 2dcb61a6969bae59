"""Independent pieces of work spread over processes, results in input order.

Workers are forked after the parent has everything they read (parsed notes, rendered
formulas, the page plan), so nothing is sent to them but an index, and each result
comes back in the order of the inputs: the output is the same whatever the scheduling,
and the same as in one process. Each worker claims the next few indices when it is
ready for them (`Claims`), so that all end at about the same time however long each
item takes and whatever else the machine is doing. Where fork is not available
(Windows, and macOS where it is unsafe), or with `jobs=1`, the work runs in this process.
"""

from __future__ import annotations

import gc
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from typing import Any, TypeVar

from notesite.errors import NotesiteError, Problem

T = TypeVar("T")

MIN_ITEMS_PER_WORKER = 16  # below this, starting workers costs more than it saves
CHUNK = 16  # results sent per message: bounded memory, few messages
CLAIM = 4  # indices a worker claims at a time: the last claim is the only imbalance

_work: tuple[Callable[[Any, int], Any], Any, Claims] | None = None  # what ordered workers run
_pipes: list[tuple[Any, Any]] = []  # (parent's end, worker's end) of the workers being started


def default_jobs() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    return sys.platform == "linux" and "fork" in multiprocessing.get_all_start_methods()


class Claims:
    """The indices of range(count), handed out in order, CLAIM at a time, to whichever
    forked worker asks first (a counter in shared memory, with its lock). Where that
    cannot be made (Linux without /dev/shm, as in some containers), each of the
    `workers` takes every workers-th index instead."""

    def __init__(self, count: int, workers: int) -> None:
        self.count, self.workers = count, workers
        self.claimed: Any = None  # fixed shares: slower when items differ, never wrong
        with suppress(OSError, ImportError):  # no /dev/shm, or no sem_open
            self.claimed = multiprocessing.get_context("fork").Value("q", 0)

    def mine(self, worker: int) -> Iterator[int]:
        """The indices worker number `worker` claims, until none are left."""
        if self.claimed is None:
            yield from range(worker, self.count, self.workers)
            return
        while True:
            with self.claimed.get_lock():
                start = self.claimed.value
                self.claimed.value = start + CLAIM
            if start >= self.count:
                return
            yield from range(start, min(start + CLAIM, self.count))


class WorkerStopped(NotesiteError):
    """A worker process ended without a word (killed: out of memory, a signal)."""


def _receive(conn: Any, process: Any) -> tuple[str, Any]:
    """The next message of a worker; a worker gone without one is an error (one line),
    never a wait for a message that will not come."""
    try:
        return conn.recv()
    except EOFError:
        process.join(5)
        code = process.exitcode
        if code is not None and code < 0:
            how = f"killed by signal {-code}" + (": out of memory?" if -code == 9 else "")
        else:
            how = f"exit status {code}"
        problem = Problem("notesite", 0, f"a worker process stopped ({how})")
        raise WorkerStopped(problem) from None


def _start(target: Callable[..., None], workers: int) -> dict[Any, Any]:
    """`workers` forked processes running `target(conn, worker)` (its number): this
    side's connection to each, mapped to its process (in the order of the workers)."""
    global _pipes
    context = multiprocessing.get_context("fork")
    pipes = _pipes = [context.Pipe() for _ in range(workers)]
    processes = [
        context.Process(target=target, args=(child, worker), daemon=True)
        for worker, (_, child) in enumerate(pipes)
    ]
    try:
        for process in processes:
            process.start()
    finally:
        _pipes = []
        for _, child in pipes:
            child.close()  # the workers hold theirs: a dead worker is an EOF here
    return {parent: process for (parent, _), process in zip(pipes, processes, strict=True)}


def _keep_own_end(conn: Any) -> None:
    """In a worker: close the ends of the pipes inherited by fork but not its own, so
    that the parent's death is an EOF here, not a hang."""
    for parent_end, child_end in _pipes:
        parent_end.close()
        if child_end is not conn:
            child_end.close()


def _stop(processes: Iterable[Any]) -> None:
    for process in processes:
        if process.is_alive():
            process.terminate()
        process.join()


def _send_results(conn: Any, results: Iterable[tuple[int, Any]]) -> None:
    """Send (index, value) pairs as they are made, CHUNK at a time, the last message
    marked "done"."""
    chunk: list[tuple[int, Any]] = []
    for item in results:
        chunk.append(item)
        if len(chunk) == CHUNK:
            conn.send(("part", chunk))
            chunk = []
    conn.send(("done", chunk))


def _results(owner: dict[Any, Any]) -> Iterator[list[tuple[int, Any]]]:
    """Each worker's (index, value) pairs as they arrive, whichever worker is ready
    first, until every one has sent its "done"; a worker's error is raised here."""
    pending = set(owner)
    while pending:
        for conn in multiprocessing.connection.wait(list(pending)):
            kind, payload = _receive(conn, owner[conn])
            if kind == "error":
                raise payload
            yield payload
            if kind == "done":
                pending.discard(conn)


def _send_failure(conn: Any, error: BaseException) -> None:
    """Report a worker's error to the parent, which raises it."""
    try:
        conn.send(("error", error))
    except Exception:  # not picklable: its text will do
        conn.send(("error", RuntimeError(f"{type(error).__name__}: {error}")))


def _ordered_worker(conn: Any, worker: int) -> None:
    """Run `_work`'s function on the indices this worker claims, sending results as
    they come.
    Ctrl-C reaches the terminal's whole process group: the parent stops the workers,
    which would otherwise each stop with a traceback."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _keep_own_end(conn)
    assert _work is not None
    function, state, claims = _work
    try:
        _send_results(conn, ((index, function(state, index)) for index in claims.mine(worker)))
    except BaseException as error:
        _send_failure(conn, error)
    finally:
        conn.close()


def map_in_order(
    function: Callable[[Any, int], T], state: Any, count: int, jobs: int
) -> Iterator[T]:
    """`function(state, i)` for i in range(count), in that order, over up to `jobs`
    forked processes, each result as soon as it and those before it are in. `function`
    must be a module-level function. A worker that dies is an error, not a hang."""
    workers = min(jobs, count // MIN_ITEMS_PER_WORKER)
    if workers <= 1 or not can_fork():
        for index in range(count):
            yield function(state, index)
        return
    global _work
    _work = (function, state, Claims(count, workers))
    owner: dict[Any, Any] = {}
    try:
        owner = _start(_ordered_worker, workers)
        _work = None  # the workers have it
        arrived: dict[int, Any] = {}
        ready = 0  # the next index to hand on
        for chunk in _results(owner):
            arrived.update(chunk)
            while ready in arrived:
                yield arrived.pop(ready)
                ready += 1
        if ready != count:
            raise RuntimeError(f"no worker sent result {ready}")
    finally:
        _work = None
        _stop(owner.values())


# ---------------------------------------------------------------------------- two phases

_phased: tuple[Callable[..., Any], Callable[..., Any], Any, Claims] | None = None


def _phased_worker(conn: Any, worker: int) -> None:
    """Run phase one on the indices this worker claims, keep what it made, wait for the
    parent's message, run phase two on the same indices."""
    assert _phased is not None
    first, second, state, claims = _phased
    _keep_own_end(conn)
    kept: dict[int, Any] = {}

    def phase_one() -> Iterator[tuple[int, Any]]:
        for index in claims.mine(worker):
            value, kept[index] = first(state, index)
            yield index, value

    try:
        _send_results(conn, phase_one())
        message = conn.recv()
        mine = list(kept)
        # Each item's kept value let go as soon as its second phase has used it.
        _send_results(conn, ((i, second(state, i, kept.pop(i), message)) for i in mine))
    except BaseException as error:  # reported by the parent, which raises it
        _send_failure(conn, error)
    finally:
        conn.close()


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for a while, in this process and in those
    it forks meanwhile. Parsing and rendering notes make millions of objects that live
    until the note is rendered (its tokens) and no reference cycles: the collector
    would go through them again and again and find nothing (a sixth of a 20 MiB note's
    parse and render); what they let go of is freed by reference counting as usual."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


@collector_paused()
def run_phased(
    first: Callable[[Any, int], tuple[Any, Any]],
    second: Callable[[Any, int, Any, Any], Any],
    between: Callable[[list[Any]], Any],
    state: Any,
    count: int,
    jobs: int,
    done: Callable[[int, Any], None],
) -> list[Any]:
    """Two phases over range(count), each item staying in one process between them:
    `first(state, i) -> (value, kept)`, then `between(values) -> message` in this
    process, then `second(state, i, kept, message)`, whose value is handed to
    `done(i, value)` as soon as it arrives (any order: nothing waits for the rest).
    Returns phase one's values in input order. Workers are forked. The garbage
    collector is paused meanwhile (see collector_paused)."""
    workers = min(jobs, count // MIN_ITEMS_PER_WORKER)
    if workers <= 1 or not can_fork():
        made = [first(state, index) for index in range(count)]
        values = [value for value, _ in made]
        kept = [item for _, item in made]
        del made
        message = between(values)
        for index in range(count):
            result = second(state, index, kept[index], message)
            kept[index] = None  # a parse can be large: gone before `done` stores the result
            done(index, result)
        return values
    global _phased
    _phased = (first, second, state, Claims(count, workers))
    owner: dict[Any, Any] = {}
    try:
        owner = _start(_phased_worker, workers)
        firsts: dict[int, Any] = {}
        for chunk in _results(owner):
            firsts.update(chunk)
        values = [firsts[index] for index in range(count)]
        message = between(values)
        for conn in owner:
            conn.send(message)
        for chunk in _results(owner):
            for index, value in chunk:
                done(index, value)
        return values
    finally:
        _phased = None
        _stop(owner.values())
