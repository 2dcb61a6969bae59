"""Pagefind's service mode indexes folder after folder in one process, writing what a
run of the binary over each folder writes."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from conftest import output_tree, record_calls, served_equals_built, write_site
from test_search import many_notes

from notesite import search
from notesite.build import build
from notesite.errors import NotesiteError
from notesite.markdown import MarkdownRenderer
from notesite.pagefindservice import PagefindService, PagefindServices
from notesite.serve.state import LiveSite

OPTIONS = {"exclude_selectors": [search.EXCLUDE]}


def page(lang: str, title: str, body: str) -> str:
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><title>{title}</title></head><body>'
        f'<h1 data-pagefind-body data-pagefind-meta="title:{title}">{title}</h1>'
        f'<div data-pagefind-body><p>{body}</p><span class="katex"><span class="katex-html">'
        "x</span></span></div></body></html>"
    )


def folder_of(root: Path, pages: dict[str, str]) -> Path:
    for name, html in pages.items():
        target = root / name / "index.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(html, encoding="utf-8")
    return root


def digests(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def service(tmp_path: Path) -> PagefindService:
    work = tmp_path / "work"
    work.mkdir()
    config = tmp_path / "notesite.yaml"
    made = PagefindService(search.pagefind_executable(config), work, config, OPTIONS)
    yield made
    made.close()


def test_the_service_writes_what_the_binary_writes_folder_after_folder(
    tmp_path: Path, service: PagefindService
) -> None:
    folders = [
        folder_of(
            tmp_path / "zh",
            {
                f"posts/n{i}": page("zh-CN", f"笔记{i}", f"强化学习的策略梯度{i}。")
                for i in range(3)
            },
        ),
        folder_of(
            tmp_path / "en",
            {f"en/posts/e{i}": page("en", f"Note {i}", f"policy gradient {i}") for i in range(3)},
        ),
    ]
    config = tmp_path / "notesite.yaml"
    for folder in folders * 2:  # the same process, again and again
        by_binary, by_service = tmp_path / "binary", tmp_path / "service"
        assert search.run_pagefind(folder, by_binary, config)
        assert search.run_pagefind(folder, by_service, config, service)
        assert digests(by_service) == digests(by_binary)
        assert any(name.startswith("fragment/") for name in digests(by_service))
        for out in (by_binary, by_service):
            for path in sorted(out.rglob("*"), reverse=True):
                path.unlink() if path.is_file() else path.rmdir()
    assert service.process.poll() is None  # one process did it all


def test_a_folder_without_words_makes_no_index(tmp_path: Path, service: PagefindService) -> None:
    empty = folder_of(tmp_path / "site", {"posts/x": page("zh-CN", "", "")})
    config = tmp_path / "notesite.yaml"
    assert not search.run_pagefind(empty, tmp_path / "by-binary", config)
    assert not search.run_pagefind(empty, tmp_path / "by-service", config, service)


def test_a_stopped_service_is_a_one_line_error(tmp_path: Path, service: PagefindService) -> None:
    site = folder_of(tmp_path / "site", {"posts/x": page("zh-CN", "标题", "正文")})
    service.process.kill()
    service.process.wait()
    with pytest.raises(NotesiteError) as caught:
        service.index(site, tmp_path / "out")
    message = str(caught.value)
    assert "\n" not in message and "search: Pagefind stopped (exit status -9)" in message


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[PagefindService]:
    """The service processes started in the test, which has shards of about 2 notes."""
    monkeypatch.setattr(search, "NOTES_PER_SHARD", 2)
    made: list[PagefindService] = []
    real_init = PagefindService.__init__

    def counting(self: PagefindService, *args: object) -> None:
        made.append(self)
        real_init(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(PagefindService, "__init__", counting)
    return made


def shards_listed(listing: bytes | None) -> list[str]:
    """The shard folders of a `pagefind/shards.json`."""
    listed = json.loads(listing or b"{}")
    return [folder for folders in listed.values() for folder in folders]


def test_a_build_starts_one_pagefind_process_per_thread_for_all_shards(
    tmp_path: Path, started: list[PagefindService]
) -> None:
    root = write_site(tmp_path / "site", many_notes(zh=7, en=3))
    build(root, tmp_path / "public", jobs=1)
    shards = shards_listed((tmp_path / "public" / search.SHARDS_FILE).read_bytes())
    assert len(shards) >= 5  # ⌈7 / 2⌉ + ⌈3 / 2⌉ shards, each its own bundle
    assert len(started) == 1
    assert all(service.process.poll() is not None for service in started)  # ended


def test_serve_indexes_all_its_shards_through_one_process(
    tmp_path: Path, started: list[PagefindService]
) -> None:
    """The first search while serving indexes every shard: one service process for all
    (the dictionary loaded once), the bundle the same as a build's."""
    root = write_site(tmp_path / "site", many_notes(zh=7, en=3))
    live = LiveSite(root, cache_dir=tmp_path / "cache")
    try:
        assert live.refresh().error is None
        assert live.get(search.SHARDS_FILE) is not None
        assert len(shards_listed(live.get(search.SHARDS_FILE))) >= 5
        assert len(started) == 1
        assert all(service.process.poll() is not None for service in started)  # ended
        assert served_equals_built(live, root, tmp_path / "out") == []
    finally:
        live.close()


@pytest.fixture
def services(tmp_path: Path) -> PagefindServices:
    work = tmp_path / "work"
    work.mkdir()
    config = tmp_path / "notesite.yaml"
    made = search.pagefind_services(work, config)
    yield made
    made.close()


def test_a_warmed_up_service_is_lent_to_the_first_shard_and_indexes_the_same(
    tmp_path: Path, services: PagefindServices, started: list[PagefindService]
) -> None:
    """Pagefind loads its Chinese segmentation at its first Chinese page: a build warms a
    service up ahead, and the first shard waits for that one rather than start its own."""
    services.warm_up(["en", "zh-CN"])
    site = folder_of(
        tmp_path / "zh", {f"posts/n{i}": page("zh-CN", f"笔记{i}", "策略梯度") for i in range(3)}
    )
    config = tmp_path / "notesite.yaml"
    with services.lent() as service:
        assert started == [service]  # the one warming up, not a new one
        assert not services.warming
        assert search.run_pagefind(site, tmp_path / "by-service", config, service)
    assert search.run_pagefind(site, tmp_path / "by-binary", config)
    assert digests(tmp_path / "by-service") == digests(tmp_path / "by-binary")
    with services.lent() as again, services.lent() as other:
        assert again is service and other is not service  # lent out: a second one
    assert len(started) == 2


def test_a_failed_warm_up_leaves_the_shards_their_own_service(
    tmp_path: Path,
    services: PagefindServices,
    started: list[PagefindService],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(self: PagefindService, locales: list[str]) -> None:
        raise NotesiteError([])

    monkeypatch.setattr(PagefindService, "warm", broken)
    services.warm_up(["zh-CN"])
    site = folder_of(tmp_path / "zh", {"posts/x": page("zh-CN", "标题", "强化学习")})
    with services.lent() as service:
        assert search.run_pagefind(site, tmp_path / "out", tmp_path / "notesite.yaml", service)
    assert len(started) == 2 and started[0].process.poll() is not None  # closed, replaced
    assert started[1] is service


def test_a_build_that_renders_a_note_warms_pagefind_up_and_one_that_renders_none_does_not(
    tmp_path: Path, started: list[PagefindService], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The warm-up starts as soon as the note stage knows it has a note to render (before
    parsing it), and its service indexes the shards."""
    events: list[str] = []
    warmed: list[list[str]] = []
    real_warm = PagefindService.warm

    def recording(self: PagefindService, locales: list[str]) -> None:
        warmed.append(locales)
        real_warm(self, locales)

    monkeypatch.setattr(PagefindService, "warm", recording)
    record_calls(monkeypatch, events, PagefindServices, "warm_up", "warm up")
    record_calls(monkeypatch, events, MarkdownRenderer, "parse", "parse")
    root = write_site(tmp_path / "site", many_notes(zh=7, en=3))
    cache, out = tmp_path / "cache", tmp_path / "public"
    build(root, out, cache_dir=cache, jobs=1)
    assert events[0] == "warm up" and events.count("warm up") == 1
    assert warmed == [["en", "zh-CN"]] and len(started) == 1  # the warm one did every shard
    events.clear()
    note = root / "content/posts/rl/n3.md"
    note.write_text(note.read_text(encoding="utf-8") + "\n强化学习又一段。\n", encoding="utf-8")
    build(root, out, cache_dir=cache, jobs=1)
    assert events == ["warm up", "parse"]
    assert len(warmed) == 2 and len(started) == 2  # the edited note's shard, by the warm one
    build(root, tmp_path / "ci", cache_dir=cache, jobs=1)  # every note and shard from the cache
    assert len(warmed) == 2 and len(started) == 2
    build(root, tmp_path / "fresh", jobs=1)
    assert output_tree(out) == output_tree(tmp_path / "fresh") == output_tree(tmp_path / "ci")


def test_closing_during_a_warm_up_leaves_no_pagefind_process(
    services: PagefindServices, started: list[PagefindService]
) -> None:
    """A build that fails while Pagefind warms up closes the services: the one warming
    up is ended, and a warm-up that had not started yet starts none."""
    services.warm_up(["zh-CN"])
    services.close()
    services.warm_up(["zh-CN"])
    with services.changed:
        assert services.changed.wait_for(lambda: not services.warming, timeout=30)
    assert len(started) <= 1  # the second warm-up, after close, started nothing
    assert all(service.process.wait(timeout=10) is not None for service in started)


def test_without_pagefind_a_build_with_a_note_to_index_fails_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The warm-up asks for Pagefind first: a missing one is the same one-line error as
    before, the previous output stays, and nothing is left beside it."""
    root = write_site(tmp_path / "site", many_notes(zh=2, en=1))
    cache, out = tmp_path / "cache", tmp_path / "public"
    build(root, out, cache_dir=cache, jobs=1)
    before = output_tree(out)

    def missing(config_path: Path) -> Path:
        raise search.fail(config_path, 1, search._MISSING)

    monkeypatch.setattr(search, "pagefind_executable", missing)
    note = root / "content/posts/rl/n1.md"
    note.write_text(note.read_text(encoding="utf-8") + "\n又一段。\n", encoding="utf-8")
    with pytest.raises(NotesiteError) as caught:
        build(root, out, cache_dir=cache, jobs=1)
    (problem,) = caught.value.problems
    assert problem.line == 1 and "Pagefind is not installed" in problem.message
    assert output_tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "public", "site"]
