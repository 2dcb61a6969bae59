"""Rendering spread over processes writes exactly what one process writes."""

from __future__ import annotations

import multiprocessing
import os
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import record_calls
from test_build_cache import make_site, note, tree_digest

from notesite import pagejobs
from notesite.build import Aside, build
from notesite.errors import NotesiteError
from notesite.notecache import NoteStore
from notesite.parallel import CLAIM, MIN_ITEMS_PER_WORKER, Claims, can_fork, run_phased
from notesite.pipeline import Pipeline


def _first(state: list[int], index: int) -> tuple[int, int]:
    return os.getpid(), state[index] * 10


def _second(state: list[int], index: int, kept: int, message: int) -> tuple[int, int]:
    return os.getpid(), kept + message + index


def test_two_phases_keep_order_and_items_stay_in_their_process() -> None:
    count = MIN_ITEMS_PER_WORKER * 3
    done: dict[int, tuple[int, int]] = {}
    firsts = run_phased(_first, _second, len, list(range(count)), count, 3, done.__setitem__)
    seconds = [done[index] for index in range(count)]
    assert [value for _, value in seconds] == [i * 10 + count + i for i in range(count)]
    # The second phase of each item ran in the process that ran its first phase.
    assert [pid for pid, _ in seconds] == firsts
    if can_fork():
        assert os.getpid() not in firsts


def _slow_first_item(state: tuple[Any, int], index: int) -> tuple[int, int]:
    """Item 0 waits until every item outside its worker's claim is done (or 30 s)."""
    done, count = state
    if index == 0:
        deadline = time.monotonic() + 30
        while done.value < count - CLAIM and time.monotonic() < deadline:
            time.sleep(0.01)
    else:
        with done.get_lock():
            done.value += 1
    return os.getpid(), index


@pytest.mark.skipif(not can_fork(), reason="workers are forked on Linux only")
def test_a_slow_item_does_not_hold_back_the_items_after_it() -> None:
    """Workers claim items as they become free: while one item takes long, the other
    workers do every item outside its claim (a fixed share per worker would leave a
    third of them waiting behind it)."""
    count = MIN_ITEMS_PER_WORKER * 3
    done: dict[int, tuple[int, int]] = {}
    finished = multiprocessing.get_context("fork").Value("i", 0)
    state = (finished, count)
    firsts = run_phased(_slow_first_item, _second, len, state, count, 3, done.__setitem__)
    slow_worker = firsts[0]
    assert finished.value == count - 1
    assert firsts.count(slow_worker) <= CLAIM


def test_an_error_in_a_worker_reaches_the_caller() -> None:
    def failing(state: None, index: int) -> tuple[int, int]:
        if index == 20:
            raise ValueError("note 20 is broken")
        return index, index

    try:
        run_phased(failing, _second, lambda v: 0, None, 40, 2, lambda index, value: None)
    except ValueError as error:
        assert str(error) == "note 20 is broken"
    else:
        raise AssertionError("the worker's error was lost")


def test_a_parallel_build_equals_a_one_process_build(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site")
    for i in range(6, 50):
        (root / f"content/posts/rl/n{i}.md").write_text(note(i), encoding="utf-8")
    one = build(root, tmp_path / "one", cache_dir=tmp_path / "cache-one", jobs=1)
    two = build(root, tmp_path / "two", cache_dir=tmp_path / "cache-two", jobs=2)
    assert tree_digest(tmp_path / "one") == tree_digest(tmp_path / "two")
    assert one.warnings == two.warnings
    assert one.formulas == two.formulas > 0


def _recording_renderer(log: Path) -> Callable[[Any, int], Any]:
    """The page renderer of pagejobs, noting which process rendered each page."""
    real = pagejobs._render_in_worker

    def render(state: Any, index: int) -> Any:
        with log.open("a") as file:
            file.write(f"{os.getpid()}\n")
        return real(state, index)

    return render


def _many_notes_site(root: Path) -> Path:
    root = make_site(root)
    for i in range(6, 50):
        (root / f"content/posts/rl/n{i}.md").write_text(note(i), encoding="utf-8")
    return root


def test_pages_are_rendered_by_forked_workers(tmp_path: Path, monkeypatch: Any) -> None:
    root = _many_notes_site(tmp_path / "site")
    one = build(root, tmp_path / "one", cache_dir=tmp_path / "cache-one", jobs=1)
    log = tmp_path / "pids.txt"
    monkeypatch.setattr(pagejobs, "_render_in_worker", _recording_renderer(log))
    two = build(root, tmp_path / "two", cache_dir=tmp_path / "cache-two", jobs=2)
    pids = log.read_text().split()
    assert len(pids) == two.pages == one.pages > 2 * MIN_ITEMS_PER_WORKER
    if can_fork():
        assert str(os.getpid()) not in pids and len(set(pids)) == 2
    assert tree_digest(tmp_path / "one") == tree_digest(tmp_path / "two")
    # Nothing of the workers' writing is left beside the output.
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_bookkeeping_runs_beside_the_page_workers_once_they_are_forked(
    tmp_path: Path, monkeypatch: Any
) -> None:
    """The note store's checkpoint and the loader's memo are written on a thread while
    the pages render, started after the last fork (a forked worker would inherit the
    thread's SQLite locks, held, and no thread to release them)."""
    root = _many_notes_site(tmp_path / "site")
    events: list[str] = []
    record_calls(monkeypatch, events, os, "fork", "fork")
    record_calls(monkeypatch, events, NoteStore, "checkpoint", "checkpoint")
    threads: list[str] = []
    real_keep_loaded = Pipeline.keep_loaded

    def keep_loaded(pipeline: Pipeline) -> None:
        events.append("keep_loaded")
        threads.append(threading.current_thread().name)
        real_keep_loaded(pipeline)

    monkeypatch.setattr(Pipeline, "keep_loaded", keep_loaded)
    build(root, tmp_path / "out", cache_dir=tmp_path / "cache", jobs=2)
    assert events.count("checkpoint") == events.count("keep_loaded") == 1
    assert events.index("checkpoint") < events.index("keep_loaded")
    assert threads == ["build-aside"]
    if can_fork():
        assert events.count("fork") == 4  # two note workers, then two page workers
        assert max(i for i, event in enumerate(events) if event == "fork") < events.index(
            "checkpoint"
        )
    # The next build finds every note in the store and the loader's memo.
    again = build(root, tmp_path / "again", cache_dir=tmp_path / "cache", jobs=2)
    assert again.notes_rendered == 0
    assert tree_digest(tmp_path / "out") == tree_digest(tmp_path / "again")


def test_a_page_whose_stored_html_is_gone_is_remade_by_the_parent(
    tmp_path: Path, monkeypatch: Any
) -> None:
    """A worker that finds a note's page missing from the store leaves it to the
    process that can render notes again (with KaTeX): the output is the same."""
    root = _many_notes_site(tmp_path / "site")
    build(root, tmp_path / "one", cache_dir=tmp_path / "cache-one", jobs=1)
    real_get = NoteStore.get
    parent = os.getpid()
    asked_in_workers = tmp_path / "asked.txt"

    def damaged_get(store: NoteStore, key: str, **options: Any) -> Any:
        if options.get("lazy"):  # a page's HTML read back for its page: damaged
            if os.getpid() != parent:
                with asked_in_workers.open("a") as file:
                    file.write(f"{key}\n")
            return None
        return real_get(store, key, **options)

    monkeypatch.setattr(NoteStore, "get", damaged_get)
    build(root, tmp_path / "two", cache_dir=tmp_path / "cache-two", jobs=2)
    assert tree_digest(tmp_path / "one") == tree_digest(tmp_path / "two")
    if can_fork():
        assert len(asked_in_workers.read_text().split()) == 51  # every note's page


def test_a_template_error_in_a_worker_is_one_line_and_keeps_the_output(tmp_path: Path) -> None:
    root = _many_notes_site(tmp_path / "site")
    out = tmp_path / "out"
    build(root, out, cache_dir=tmp_path / "cache", jobs=2)
    before = tree_digest(out)
    theme_post = Path(__file__).parents[1] / "templates" / "post.html"
    broken = theme_post.read_text(encoding="utf-8").replace(
        "{% block content %}", "{% block content %}{{ 1 // 0 }}", 1
    )
    assert broken != theme_post.read_text(encoding="utf-8")
    (root / "templates").mkdir()
    (root / "templates/post.html").write_text(broken, encoding="utf-8")
    messages = []
    for jobs in (1, 2):
        with pytest.raises(NotesiteError) as caught:
            build(root, out, cache_dir=tmp_path / "cache", jobs=jobs)
        assert len(caught.value.problems) == 1
        messages.append(str(caught.value))
    assert messages[0] == messages[1]
    assert re.fullmatch(r".*post\.html:\d+: template error: .*division.*", messages[0])
    assert tree_digest(out) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_without_shared_memory_each_worker_takes_a_fixed_share(
    tmp_path: Path, monkeypatch: Any
) -> None:
    """Where no lock in shared memory can be made (Linux without /dev/shm), the workers
    take every other item: the build is the same as one process's."""

    def no_shared_memory(self: Any, *args: Any, **kwargs: Any) -> Any:
        raise OSError(38, "Function not implemented")

    root = _many_notes_site(tmp_path / "site")
    one = build(root, tmp_path / "one", cache_dir=tmp_path / "cache-one", jobs=1)
    monkeypatch.setattr(type(multiprocessing.get_context("fork")), "Value", no_shared_memory)
    claims = Claims(10, 3)
    assert claims.claimed is None
    assert [list(claims.mine(worker)) for worker in range(3)] == [
        [0, 3, 6, 9],
        [1, 4, 7],
        [2, 5, 8],
    ]
    two = build(root, tmp_path / "two", cache_dir=tmp_path / "cache-two", jobs=2)
    assert tree_digest(tmp_path / "one") == tree_digest(tmp_path / "two")
    assert one.pages == two.pages and one.warnings == two.warnings


def test_aside_runs_once_on_its_thread_and_its_error_reaches_join() -> None:
    ran: list[str] = []
    aside = Aside(lambda: ran.append(threading.current_thread().name))
    aside.start()
    aside.start()  # started already: nothing more
    aside.join()
    assert ran == ["build-aside"]

    def failing() -> None:
        raise OSError("disk full")

    never_started = Aside(failing)
    with pytest.raises(OSError, match="disk full"):
        never_started.join()  # a build with no page to render: run by join
    Aside(None).join()  # nothing to run
