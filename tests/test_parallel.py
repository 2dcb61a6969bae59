"""Rendering spread over processes writes exactly what one process writes."""

from __future__ import annotations

import os
from pathlib import Path

from test_build_cache import make_site, note, tree_digest

from notesite.build import build
from notesite.parallel import MIN_ITEMS_PER_WORKER, can_fork, run_phased


def _first(state: list[int], index: int) -> tuple[int, int]:
    return os.getpid(), state[index] * 10


def _second(state: list[int], index: int, kept: int, message: int) -> tuple[int, int]:
    return os.getpid(), kept + message + index


def test_two_phases_keep_order_and_items_stay_in_their_process() -> None:
    count = MIN_ITEMS_PER_WORKER * 3
    firsts, seconds = run_phased(_first, _second, len, list(range(count)), count, jobs=3)
    assert [value for _, value in seconds] == [i * 10 + count + i for i in range(count)]
    # The second phase of each item ran in the process that ran its first phase.
    assert [pid for pid, _ in seconds] == firsts
    if can_fork():
        assert len(set(firsts)) == 3 and os.getpid() not in firsts


def test_an_error_in_a_worker_reaches_the_caller() -> None:
    def failing(state: None, index: int) -> tuple[int, int]:
        if index == 20:
            raise ValueError("note 20 is broken")
        return index, index

    try:
        run_phased(failing, _second, lambda v: 0, None, 40, jobs=2)
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
