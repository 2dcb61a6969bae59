"""Full-text search: the Pagefind bundle `build` writes, what it indexes, the search box,
`search: false`, repeated builds, and `serve` making the bundle only when asked for it.

What Pagefind indexed is read back from its fragments (gzip of `pagefind_dcd` + JSON:
one per page, with its URL, metadata and the text it indexed)."""

from __future__ import annotations

import gzip
import json
import os
import threading
import time
from pathlib import Path

import pytest
from conftest import BASIC_CONFIG, parse_html, post, served_equals_built, write_site

from notesite import search
from notesite.build import build
from notesite.checkedfile import read_pickled, write_pickled
from notesite.errors import NotesiteError, fail
from notesite.pages import PageOut
from notesite.pipeline import SitePlan
from notesite.serve.state import LiveSite
from notesite.shardstore import KEEP_DAYS, ShardStore
from notesite.theme import builtin_theme_dir
from notesite.writer import MANIFEST

NOTES = {
    "content/posts/rl/td.md": post(
        title="时序差分 $\\lambda$",
        date="2026-01-12",
        body="""
            时序差分方法用 $V(s) \\leftarrow V(s) + \\alpha \\delta$ 更新价值，不必等到回合结束。

            ## 资格迹

            > [!tip] 提示
            > 回合结束前就能更新[^1]。

            [^1]: 这是自举。

            ```python
            def td_update(value, reward):
                return value + reward
            ```
            """,
    ),
    "content/posts/rl/td.en.md": post(
        title="Temporal difference",
        date="2026-01-12",
        body="It has advantages over Monte Carlo: $$\\sum_t \\gamma^t r_t$$",
    ),
    "content/posts/cv/conv.md": post(title="卷积", date="2026-01-10", body="卷积层的参数共享。"),
    "content/pages/about.md": post(title="关于", body="关于本站：时序差分。"),
}


def fragments(output: Path) -> dict[str, dict]:
    """Pagefind's record of each indexed page (in whichever shard), by URL."""
    found = {}
    for path in (output / "pagefind").glob("*/*/fragment/*"):
        data = gzip.decompress(path.read_bytes())
        assert data.startswith(b"pagefind_dcd")
        record = json.loads(data[len(b"pagefind_dcd") :])
        found[record["url"]] = record
    return found


def shard_list(output: Path) -> dict[str, list[str]]:
    return json.loads((output / "pagefind/shards.json").read_bytes())


def page_counts(output: Path) -> dict[str, dict[str, int]]:
    """Each shard's `pagefind-entry.json`: its languages and their page counts."""
    counts = {}
    for entry in sorted((output / "pagefind").glob("*/*/pagefind-entry.json")):
        languages = json.loads(entry.read_bytes())["languages"]
        shard = entry.parent.relative_to(output / "pagefind").as_posix()
        counts[shard] = {lang: value["page_count"] for lang, value in languages.items()}
    return counts


def text_of(record: dict) -> str:
    return record["content"].replace("\u200b", "")  # Pagefind marks Chinese word breaks so


def bundle(output: Path) -> dict[str, tuple[bytes, int, int]]:
    """Every file of the search bundle: bytes, mtime and inode."""
    files = {}
    for path in sorted((output / "pagefind").rglob("*")):
        if path.is_file():
            info = path.stat()
            files[path.relative_to(output).as_posix()] = (
                path.read_bytes(),
                info.st_mtime_ns,
                info.st_ino,
            )
    return files


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The sites Pagefind is run on (it still runs)."""
    seen: list[Path] = []
    real = search.run_pagefind

    def counting(site: Path, out: Path, config_path: Path, service: object = None) -> bool:
        seen.append(site)
        return real(site, out, config_path, service)  # type: ignore[arg-type]

    monkeypatch.setattr(search, "run_pagefind", counting)
    return seen


def test_index_has_the_notes_of_both_languages_and_nothing_else(tmp_path: Path) -> None:
    root = write_site(tmp_path / "site", NOTES)
    out = tmp_path / "public"
    build(root, out)
    # One shard per language here (a small site): each has that language only.
    assert shard_list(out) == {"en": ["en/0/"], "zh-CN": ["zh-cn/0/"]}
    assert page_counts(out) == {"en/0": {"en": 1}, "zh-cn/0": {"zh-cn": 2}}
    records = fragments(out)
    # Notes only: no listing, tag, archive or standalone page.
    assert set(records) == {"/posts/td/", "/posts/conv/", "/en/posts/td/"}
    td = records["/posts/td/"]
    assert td["meta"] == {
        "title": "时序差分 $\\lambda$",
        "category": "强化学习",
        "date": "2026年1月12日",
    }
    assert records["/en/posts/td/"]["meta"]["category"] == "Reinforcement Learning"
    assert records["/en/posts/td/"]["meta"]["date"] == "Jan 12, 2026"
    text = text_of(td)
    # The title (its formula as TeX), then the body; no date, tags, TOC or footer;
    # headings without their `#` permalink.
    assert text.startswith("时序差分 \\lambda. 时序差分方法用")
    assert "资格迹" in text and "#" not in text
    # Callouts and footnotes without their icon and back-link signs.
    assert "回合结束前就能更新" in text and "这是自举" in text
    assert "↩" not in text and "★" not in text
    # Formulas as their TeX, never KaTeX's glyphs; code as text.
    assert "V(s) \\leftarrow V(s) + \\alpha \\delta" in text
    assert "←" not in text and "α" not in text
    assert "def td_update(value, reward):" in text
    assert "python" not in text  # the code block's language label is not its text
    assert "\\sum_t \\gamma^t r_t" in text_of(records["/en/posts/td/"])


def test_pages_have_the_search_box_and_mark_what_is_indexed(tmp_path: Path) -> None:
    root = write_site(tmp_path / "site", NOTES)
    out = tmp_path / "public"
    build(root, out)
    for page in (
        "index.html",
        "en/categories/index.html",
        "about/index.html",
        "posts/td/index.html",
    ):
        html = parse_html(out / page)
        button = html.css_first(".site-header button.search-toggle")
        assert button is not None, page
        # Named in the page's language (below); what it loads is under base_url.
        assert button.attributes["data-bundle"] == "/notes/pagefind/"
        assert button.attributes["data-root"] == "/notes/"
        scripts = [s.attributes.get("src") for s in html.css("script[src]")]
        assert "/notes/static/js/search.js" in scripts
    assert (
        parse_html(out / "en/index.html").css_first(".search-toggle").attributes["aria-label"]
        == "Search"
    )
    assert (
        parse_html(out / "index.html").css_first(".search-toggle").attributes["aria-label"]
        == "搜索"
    )
    note = parse_html(out / "posts/td/index.html")
    assert "data-pagefind-body" in note.css_first(".post-body").attributes
    indexed = note.css("[data-pagefind-body]")  # the title and the body, nothing else
    assert [n.attributes.get("class") for n in indexed] == ["post-title", "post-body"]
    assert (out / "static/js/search.js").is_file()


def test_search_false_builds_no_index_and_no_box(tmp_path: Path, runs: list[Path]) -> None:
    config = BASIC_CONFIG + "search: false\n"
    root = write_site(tmp_path / "site", NOTES, config)
    out = tmp_path / "public"
    build(root, out)
    assert not (out / "pagefind").exists()
    assert runs == []
    for page in ("index.html", "posts/td/index.html"):
        html = parse_html(out / page)
        assert html.css(".search-toggle") == []
        assert html.css("[data-pagefind-body], [data-pagefind-meta]") == []
        assert "/notes/static/js/search.js" not in [
            s.attributes.get("src") for s in html.css("script")
        ]


def test_turning_search_off_removes_the_index(tmp_path: Path) -> None:
    root = write_site(tmp_path / "site", NOTES)
    out = tmp_path / "public"
    build(root, out)
    assert (out / "pagefind/shards.json").is_file()
    (root / "notesite.yaml").write_text(BASIC_CONFIG + "search: false\n", encoding="utf-8")
    build(root, out)
    assert not (out / "pagefind").exists()


def test_a_site_without_notes_has_no_index_and_no_box(tmp_path: Path, runs: list[Path]) -> None:
    root = write_site(tmp_path / "site", {"content/pages/about.md": post(title="关于")})
    out = tmp_path / "public"
    build(root, out)
    assert runs == []  # Pagefind refuses a site with nothing to index
    assert not (out / "pagefind").exists()
    assert parse_html(out / "index.html").css(".search-toggle") == []


def test_second_build_rewrites_nothing_in_the_index(tmp_path: Path, runs: list[Path]) -> None:
    root = write_site(tmp_path / "site", NOTES)
    out = tmp_path / "public"
    build(root, out)
    before = bundle(out)
    assert len(runs) == 2  # a shard per language
    result = build(root, out)
    assert len(runs) == 2  # the notes' pages did not change: Pagefind did not run
    assert result.written == 0
    assert bundle(out) == before  # same bytes, same mtimes and inodes
    # A new build into an empty folder gives the same bytes (Pagefind's own order of
    # languages in pagefind-entry.json varies; notesite sorts them).
    other = tmp_path / "other"
    build(root, other)
    assert {p: v[0] for p, v in bundle(other).items()} == {p: v[0] for p, v in before.items()}


def test_an_edited_note_is_indexed_again(tmp_path: Path, runs: list[Path]) -> None:
    root = write_site(tmp_path / "site", NOTES)
    out = tmp_path / "public"
    build(root, out)
    old = set(fragments(out))
    note = root / "content/posts/cv/conv.md"
    note.write_text(
        post(title="卷积", date="2026-01-10", body="池化层没有参数。"), encoding="utf-8"
    )
    build(root, out)
    assert len(runs) == 3  # two shards, then the edited note's shard only
    assert set(fragments(out)) == old
    assert "池化层没有参数" in text_of(fragments(out)["/posts/conv/"])
    # Only the changed note's fragment is new; the stale one is gone.
    manifest = json.loads((out / MANIFEST).read_bytes())["files"]
    on_disk = {p.relative_to(out).as_posix() for p in (out / "pagefind").rglob("*") if p.is_file()}
    assert on_disk == {p for p in manifest if p.startswith("pagefind/")}


def test_a_damaged_index_file_is_written_again(tmp_path: Path, runs: list[Path]) -> None:
    root = write_site(tmp_path / "site", NOTES)
    out = tmp_path / "public"
    build(root, out)
    good = bundle(out)
    entry = out / "pagefind/zh-cn/0/pagefind-entry.json"
    entry.write_bytes(b"{}")
    build(root, out)
    assert len(runs) == 2  # the damaged shard came back from the store: no Pagefind run
    assert {p: v[0] for p, v in bundle(out).items()} == {p: v[0] for p, v in good.items()}


def test_a_failing_pagefind_leaves_the_previous_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_site(tmp_path / "site", NOTES)
    out = tmp_path / "public"
    build(root, out)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    (root / "content/posts/cv/conv.md").write_text(post(title="新标题"), encoding="utf-8")

    def failing(site: Path, output: Path, config_path: Path, service: object = None) -> None:
        raise fail(config_path, 1, "search: Pagefind failed: out of cheese")

    monkeypatch.setattr(search, "run_pagefind", failing)
    with pytest.raises(NotesiteError, match="out of cheese"):
        build(root, out)
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert not list(tmp_path.glob(".public.*"))  # no staging or scratch folder left


def test_a_page_failing_while_pagefind_runs_leaves_the_previous_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small_shards: None
) -> None:
    """Pagefind indexes each shard in the background once its pages are rendered; a
    later page failing stops the build: Pagefind is waited for, its scratch removed,
    and the output is the previous one."""
    root = write_site(tmp_path / "site", many_notes(zh=7, en=3))
    out = tmp_path / "public"
    build(root, out)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    for name in ("n0", "n6", "e2"):
        note = root / f"content/posts/rl/{name}.md"
        note.write_text(note.read_text(encoding="utf-8") + "\n改过。\n", encoding="utf-8")
    started = threading.Event()
    real_run, real_render = search.run_pagefind, SitePlan.render_page

    def slow_pagefind(site: Path, output: Path, config_path: Path, service: object = None) -> bool:
        started.set()
        time.sleep(0.3)  # still running when the failing page comes
        return real_run(site, output, config_path, service)  # type: ignore[arg-type]

    def failing(plan: SitePlan, page: PageOut) -> bytes:
        if page.route[0] != "post":  # the listings come after every note's page
            # Fail only once a shard is being indexed, however the threads are scheduled.
            assert started.wait(timeout=60), "no shard went to Pagefind before the listings"
            raise fail(root / "templates", 1, "template error: out of cheese")
        return real_render(plan, page)

    monkeypatch.setattr(search, "run_pagefind", slow_pagefind)
    monkeypatch.setattr(SitePlan, "render_page", failing)
    with pytest.raises(NotesiteError, match="out of cheese"):
        build(root, out)
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert sorted(os.listdir(tmp_path)) == ["public", "site"]  # no scratch folder left


def test_pages_are_rendered_shard_by_shard_and_indexed_meanwhile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small_shards: None
) -> None:
    """Each shard goes to Pagefind once its last note's page is rendered, and Pagefind
    runs while the other notes' pages are rendered. Ordered by the build's own steps
    (a shard handed over, a page rendered), never by how threads happen to be scheduled."""
    root = write_site(tmp_path / "site", many_notes(zh=7, en=3))
    events: list[tuple[str, str]] = []
    real_run, real_render = search.run_pagefind, SitePlan.render_page
    real_complete = search.BuildIndex._complete
    pagefind_ran = threading.Event()

    def recording_run(site: Path, output: Path, config_path: Path, service: object = None) -> bool:
        pagefind_ran.set()
        return real_run(site, output, config_path, service)  # type: ignore[arg-type]

    def recording_complete(index: search.BuildIndex, shard: search.Shard) -> None:
        events.append(("index", ",".join(shard.files)))
        real_complete(index, shard)

    note_pages: set[str] = set()
    ran_during_notes: list[bool] = []

    def recording_render(plan: SitePlan, page: PageOut) -> bytes:
        events.append(("render", page.file))
        if search.indexed(page):
            note_pages.add(page.file)
            if len(note_pages) == 10:  # the last note: a shard was handed over before it
                ran_during_notes.append(pagefind_ran.wait(timeout=60))
        return real_render(plan, page)

    monkeypatch.setattr(search, "run_pagefind", recording_run)
    monkeypatch.setattr(search.BuildIndex, "_complete", recording_complete)
    monkeypatch.setattr(SitePlan, "render_page", recording_render)
    build(root, tmp_path / "public", jobs=1)
    rendered = [file for kind, file in events if kind == "render"]
    notes = [file for file in rendered if file in note_pages]
    assert len(notes) == 10
    assert rendered[: len(notes)] == notes  # every note's page before the listings
    shards = search.plan_shards(
        search.IndexedPage(file, "en" if file.startswith("en/") else "zh-CN", None)
        for file in notes
    )
    assert len(shards) > 1
    shard_of = {file: n for n, shard in enumerate(shards) for file in shard.files}
    assert [shard_of[file] for file in notes] == sorted(shard_of[file] for file in notes)
    # Each shard is handed to Pagefind right after its last note's page, in plan order.
    handed = [files for kind, files in events if kind == "index"]
    assert handed == [",".join(shard.files) for shard in shards]
    last_note = events.index(("render", notes[-1]))
    for number, shard in enumerate(shards):
        handed_at = events.index(("index", ",".join(shard.files)))
        assert handed_at > max(events.index(("render", file)) for file in shard.files)
        if number < len(shards) - 1:
            assert handed_at < last_note  # before the other shards' notes are rendered
    assert ran_during_notes == [True]  # Pagefind ran before the last note's page


def test_pagefind_options_from_the_environment_are_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_site(tmp_path / "site", NOTES)
    monkeypatch.setenv("PAGEFIND_FORCE_LANGUAGE", "fr")
    monkeypatch.setenv("PAGEFIND_OUTPUT_SUBDIR", "elsewhere")
    build(root, tmp_path / "public")
    assert page_counts(tmp_path / "public") == {"en/0": {"en": 1}, "zh-cn/0": {"zh-cn": 2}}


def test_a_page_may_not_take_the_index_folder(tmp_path: Path) -> None:
    files = {**NOTES, "content/pages/pagefind.md": post(title="搜索")}
    root = write_site(tmp_path / "site", files)
    with pytest.raises(NotesiteError, match="reserved"):
        build(root, tmp_path / "public")


def test_a_note_is_found_by_its_title_even_without_text(tmp_path: Path) -> None:
    """A note of a title only (`notesite new` writes such notes) is indexed by its title;
    a language whose every note is such still gets its index."""
    files = {**NOTES, "content/posts/rl/stub.en.md": post(title="Eligibility traces", body="")}
    root = write_site(tmp_path / "site", files)
    out = tmp_path / "public"
    build(root, out)
    assert text_of(fragments(out)["/en/posts/stub/"]).strip(". ") == "Eligibility traces"
    only_stub = {
        "content/posts/rl/td.md": NOTES["content/posts/rl/td.md"],
        "content/posts/rl/stub.en.md": post(title="Eligibility traces", body=""),
    }
    root = write_site(tmp_path / "site2", only_stub)
    build(root, tmp_path / "public2")
    assert set(shard_list(tmp_path / "public2")) == {"en", "zh-CN"}


def test_notes_without_a_word_are_not_searched(tmp_path: Path) -> None:
    """Pagefind finds no word in a note titled `？` with no text: its language has no
    index (nothing could be found in it), and the build goes on."""
    files = {
        "content/posts/rl/td.md": NOTES["content/posts/rl/td.md"],
        "content/posts/rl/q.en.md": post(title="？", body=""),
    }
    root = write_site(tmp_path / "site", files)
    out = tmp_path / "public"
    build(root, out)
    assert shard_list(out) == {"zh-CN": ["zh-cn/0/"]}
    assert not (out / "pagefind/en").exists()


def test_a_language_whose_first_shard_has_no_word_is_an_error() -> None:
    pages = [search.IndexedPage(f"posts/n{n}/index.html", "zh-CN", "k") for n in range(250)]
    shards = search.plan_shards(pages)
    with pytest.raises(NotesiteError, match="first shard of the zh-CN notes"):
        search.shards_file(shards[1:], Path("notesite.yaml"))
    assert json.loads(search.shards_file(shards, Path("notesite.yaml"))) == {
        "zh-CN": ["zh-cn/0/", "zh-cn/1/", "zh-cn/2/"]
    }


# ------------------------------------------------------------------------------ shards


def many_notes(zh: int, en: int) -> dict[str, str]:
    files = {}
    for n in range(zh):
        files[f"content/posts/rl/n{n}.md"] = post(title=f"笔记 {n}", body=f"第 {n} 篇：词{n}号。")
    for n in range(en):
        files[f"content/posts/rl/e{n}.md"] = post(title=f"Note {n}", lang="en", body=f"word{n}x")
    return files


def test_shards_split_each_language_and_hold_every_note_once() -> None:
    pages = [search.IndexedPage(f"posts/n{n}/index.html", "zh-CN", "k") for n in range(250)]
    pages += [search.IndexedPage(f"en/posts/e{n}/index.html", "en", "k") for n in range(30)]
    shards = search.plan_shards(pages)
    assert search.plan_shards(reversed(pages)) == shards  # the order pages come in is moot
    by_lang: dict[str, list[search.Shard]] = {}
    for shard in shards:
        by_lang.setdefault(shard.lang, []).append(shard)
    assert [s.number for s in by_lang["zh-CN"]] == [0, 1, 2]  # ⌈250 / 100⌉
    assert [s.number for s in by_lang["en"]] == [0]
    assert [s.primary for s in by_lang["zh-CN"]] == [True, False, False]
    held = [file for shard in shards for file in shard.files]
    assert sorted(held) == sorted(p.file for p in pages)  # each page in exactly one shard
    assert all(len(s.files) > 50 for s in by_lang["zh-CN"])  # the hash spreads them
    # A new note leaves every other note in its shard (same count of shards).
    more = search.plan_shards([*pages, search.IndexedPage("posts/new/index.html", "zh-CN", "k")])
    moved = {f for a, b in zip(shards, more, strict=False) for f in set(a.files) ^ set(b.files)}
    assert moved == {"posts/new/index.html"}


def test_a_shard_without_a_page_key_is_always_indexed() -> None:
    pages = [search.IndexedPage("posts/a/index.html", "en", None)]
    (shard,) = search.plan_shards(pages)
    assert shard.key({"posts/a/index.html": None}) is None


@pytest.fixture
def small_shards(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "NOTES_PER_SHARD", 2)


@pytest.fixture
def sharded(tmp_path: Path, small_shards: None) -> tuple[Path, Path]:
    """A site of 7 Chinese and 3 English notes in shards of about 2, built once: its
    folder and output."""
    root = write_site(tmp_path / "site", many_notes(zh=7, en=3))
    out = tmp_path / "public"
    build(root, out)
    return root, out


def test_a_large_site_is_indexed_in_shards(runs: list[Path], sharded: tuple[Path, Path]) -> None:
    _, out = sharded
    listed = shard_list(out)
    assert set(listed) == {"zh-CN", "en"}
    assert 2 <= len(listed["zh-CN"]) <= 4 and 1 <= len(listed["en"]) <= 2
    assert len(runs) == len(listed["zh-CN"]) + len(listed["en"])
    counts = page_counts(out)
    assert sum(c["zh-cn"] for s, c in counts.items() if s.startswith("zh-cn/")) == 7
    assert sum(c["en"] for s, c in counts.items() if s.startswith("en/")) == 3
    assert all(len(c) == 1 for c in counts.values())  # one language per shard
    records = fragments(out)
    assert len(records) == 10 and "/posts/n3/" in records and "/en/posts/e2/" in records
    # The primary (listed first) carries the scripts and WebAssembly; the others only data.
    for folders in listed.values():
        primary, *merged = (out / "pagefind" / folder for folder in folders)
        assert (primary / "pagefind-component-ui.js").is_file()
        assert (primary / "pagefind.js").is_file() and list(primary.glob("wasm.*.pagefind"))
        for shard in merged:
            names = {p.name for p in shard.iterdir()}
            assert names <= {"pagefind-entry.json", "index", "fragment"} | {
                p.name for p in shard.glob("*.pf_meta")
            }
    assert not (out / "pagefind/pagefind-ui.js").exists()  # Pagefind's other UIs: not used


def test_an_edit_indexes_its_shard_only(
    tmp_path: Path, runs: list[Path], sharded: tuple[Path, Path]
) -> None:
    root, out = sharded
    before, first_runs = bundle(out), len(runs)
    note = root / "content/posts/rl/n4.md"
    note.write_text(post(title="笔记 4", body="改过的第四篇：强化。"), encoding="utf-8")
    build(root, out)
    assert len(runs) == first_runs + 1
    after = bundle(out)
    shard = next(
        folder
        for folder in shard_list(out)["zh-CN"]
        if any("/posts/n4/" in r for r in fragments_in(out / "pagefind" / folder))
    )
    for path, (content, mtime, inode) in before.items():
        if not path.startswith(f"pagefind/{shard}") and path in after:
            assert after[path] == (content, mtime, inode), path  # other shards untouched
    assert "改过的第四篇" in text_of(fragments(out)["/posts/n4/"])
    # The same bytes as a build from nothing.
    fresh = tmp_path / "fresh"
    build(root, fresh)
    assert {p: v[0] for p, v in bundle(fresh).items()} == {p: v[0] for p, v in after.items()}


def fragments_in(shard: Path) -> list[str]:
    urls = []
    for path in (shard / "fragment").iterdir():
        data = gzip.decompress(path.read_bytes())
        urls.append(json.loads(data[len(b"pagefind_dcd") :])["url"])
    return urls


# ------------------------------------------------------------------------------- serve


def test_serve_indexes_when_asked_never_on_a_save(tmp_path: Path) -> None:
    root = write_site(tmp_path / "site", NOTES)
    live = LiveSite(root, cache_dir=tmp_path / "cache")
    try:
        assert live.refresh().error is None
        assert live.search.runs == 0  # starting does not index
        first = live.get("pagefind/zh-cn/0/pagefind-entry.json")
        assert first is not None and live.search.runs == 1
        assert live.get("pagefind/zh-cn/0/pagefind-entry.json") == first
        assert live.search.runs == 1
        note = root / "content/posts/cv/conv.md"
        old_fragment = next(p for p in live.search.files if "/zh-cn/0/fragment/" in p)
        for n in range(3):  # saves: no indexing, whatever they change
            note.write_text(post(title="卷积", body=f"第 {n} 版：池化。"), encoding="utf-8")
            assert live.refresh(changed={note}).error is None
            assert live.search.runs == 1
        assert live.get("pagefind/zh-cn/0/pagefind-entry.json") != first  # asked: indexed
        assert live.search.runs == 2
        # A page that loaded the last bundle still finds its files.
        assert live.get(old_fragment) is not None
        assert served_equals_built(live, root, tmp_path / "out") == []
        assert live.search.runs == 2
    finally:
        live.close()


def test_serve_without_search_serves_no_index(tmp_path: Path) -> None:
    root = write_site(tmp_path / "site", NOTES, BASIC_CONFIG + "search: false\n")
    live = LiveSite(root, cache_dir=tmp_path / "cache")
    try:
        assert live.refresh().error is None
        assert live.get("pagefind/shards.json") is None
        assert live.search.runs == 0
    finally:
        live.close()


def test_scratch_folders_are_removed(tmp_path: Path) -> None:
    root = write_site(tmp_path / "site", NOTES)
    build(root, tmp_path / "public")
    assert sorted(os.listdir(tmp_path)) == ["public", "site"]


def test_serve_indexes_again_only_the_shard_that_changed(
    tmp_path: Path, runs: list[Path], small_shards: None
) -> None:
    root = write_site(tmp_path / "site", many_notes(zh=7, en=3))
    live = LiveSite(root, cache_dir=tmp_path / "cache")
    try:
        assert live.refresh().error is None
        listed = json.loads(live.get("pagefind/shards.json") or b"")
        shards = len(listed["zh-CN"]) + len(listed["en"])
        assert len(runs) == shards
        note = root / "content/posts/rl/e1.md"
        note.write_text(post(title="Note 1", lang="en", body="rewritten"), encoding="utf-8")
        assert live.refresh(changed={note}).error is None
        assert live.get("pagefind/shards.json") is not None
        assert len(runs) == shards + 1
        assert served_equals_built(live, root, tmp_path / "out") == []
    finally:
        live.close()


# ------------------------------------------------------------------------- shard store


def test_a_new_output_takes_the_shards_from_the_store(
    tmp_path: Path, runs: list[Path], small_shards: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build into an empty folder with the cache of an earlier one (CI with its cache
    restored) runs Pagefind only for the shards whose notes changed, and makes search
    copies only of their pages."""
    copied: list[str] = []
    real_put = search.SearchCopies.put

    def counting_put(copies: search.SearchCopies, page: PageOut, content: bytes) -> None:
        if page.file in copies.wanted:
            copied.append(page.file)
        real_put(copies, page, content)

    monkeypatch.setattr(search.SearchCopies, "put", counting_put)
    root = write_site(tmp_path / "site", many_notes(zh=7, en=3))
    cache = tmp_path / "cache"
    build(root, tmp_path / "one", cache_dir=cache)
    first = len(runs)
    assert len(copied) == 10  # every note's page, once
    copied.clear()
    build(root, tmp_path / "two", cache_dir=cache)
    assert len(runs) == first  # every shard from the store
    assert copied == []  # and no page copied for Pagefind
    assert {p: v[0] for p, v in bundle(tmp_path / "two").items()} == {
        p: v[0] for p, v in bundle(tmp_path / "one").items()
    }
    (root / "content/posts/rl/n2.md").write_text(post(title="笔记 2", body="新的。"), "utf-8")
    build(root, tmp_path / "three", cache_dir=cache)
    assert len(runs) == first + 1
    zh = [search.IndexedPage(f"posts/n{n}/index.html", "zh-CN", None) for n in range(7)]
    (edited,) = [s for s in search.plan_shards(zh) if "posts/n2/index.html" in s.files]
    assert sorted(copied) == list(edited.files)  # that shard's pages only
    build(root, tmp_path / "fresh", cache_dir=tmp_path / "other-cache")
    assert {p: v[0] for p, v in bundle(tmp_path / "three").items()} == {
        p: v[0] for p, v in bundle(tmp_path / "fresh").items()
    }


@pytest.mark.parametrize("damage", ["truncate", "flip", "not-a-bundle"])
def test_a_damaged_stored_shard_is_indexed_again(
    tmp_path: Path, runs: list[Path], damage: str
) -> None:
    root = write_site(tmp_path / "site", NOTES)
    cache = tmp_path / "cache"
    build(root, tmp_path / "one", cache_dir=cache)
    # A shard's bundle is stored twice: under its pages' keys and its copies' key.
    by_bundle: dict[bytes, list[Path]] = {}
    for entry in sorted(cache.glob("*.search/*.bundle")):
        by_bundle.setdefault(entry.read_bytes().split(b"\n", 1)[1], []).append(entry)
    assert sorted(len(entries) for entries in by_bundle.values()) == [2, 2]  # two shards
    for entry in next(iter(by_bundle.values())):
        data = entry.read_bytes()
        if damage == "truncate":
            entry.write_bytes(data[: len(data) // 2])
        elif damage == "flip":
            entry.write_bytes(data[:-5] + bytes([data[-5] ^ 1]) + data[-4:])
        else:  # a sound file (its own header and checksum) holding something else
            tag = data.split(b"\n", 1)[0].rsplit(b" ", 1)[0].decode()
            write_pickled(entry, tag, ["not", "files"])
            assert read_pickled(entry, tag) == ["not", "files"]
    runs.clear()
    build(root, tmp_path / "two", cache_dir=cache)
    assert len(runs) == 1  # the damaged entry's shard; the other from the store
    assert {p: v[0] for p, v in bundle(tmp_path / "two").items()} == {
        p: v[0] for p, v in bundle(tmp_path / "one").items()
    }


def test_stored_shards_unused_for_long_are_dropped(tmp_path: Path) -> None:
    store = ShardStore(tmp_path / "store")
    store.put("used", [("pagefind-entry.json", b"{}")])
    store.put("old", [("pagefind-entry.json", b"{}")])
    store.put("recent", [("pagefind-entry.json", b"{}")])
    long_ago = time.time() - (KEEP_DAYS + 1) * 86400
    for key in ("used", "old"):
        os.utime(tmp_path / "store" / f"{key}.bundle", (long_ago, long_ago))
    later = ShardStore(tmp_path / "store")
    assert later.get("used") == [("pagefind-entry.json", b"{}")]
    later.prune()
    assert sorted(p.name for p in (tmp_path / "store").iterdir()) == [
        "recent.bundle",
        "used.bundle",
    ]
    assert (tmp_path / "store/used.bundle").stat().st_mtime > long_ago + 86400


def test_serve_takes_the_shards_a_build_made(tmp_path: Path, runs: list[Path]) -> None:
    root = write_site(tmp_path / "site", NOTES)
    cache, out = tmp_path / "cache", tmp_path / "public"
    build(root, out, cache_dir=cache)
    built_runs = len(runs)
    live = LiveSite(root, cache_dir=cache)
    try:
        assert live.refresh().error is None
        assert live.get("pagefind/shards.json") == (out / "pagefind/shards.json").read_bytes()
        assert len(runs) == built_runs and live.search.runs == 0  # no Pagefind: the store's
        for path, (content, _, _) in bundle(out).items():
            assert live.get(path) == content, path
    finally:
        live.close()


@pytest.mark.parametrize(
    ("template", "old", "new", "indexed_again"),
    [
        ("base.html", "</body>", "<footer>© 2026</footer>\n</body>", False),
        ("base.html", "</head>", '<link rel="stylesheet" href="/extra.css">\n</head>', False),
        ("post.html", 'class="post-body"', 'class="post-body prose"', True),
    ],
    ids=["footer", "stylesheet", "body markup"],
)
def test_a_theme_edit_indexes_again_only_what_search_reads(
    tmp_path: Path, runs: list[Path], template: str, old: str, new: str, indexed_again: bool
) -> None:
    """A site's own copy of a theme template: every page is rendered again, but a shard
    is indexed again only when what Pagefind reads of its pages changed (its search
    copies); else its bundle comes from the cache. Either way the output is a fresh
    build's."""
    root = write_site(tmp_path / "site", NOTES)
    cache = tmp_path / "cache"
    build(root, tmp_path / "public", cache_dir=cache)
    text = (builtin_theme_dir() / "templates" / template).read_text(encoding="utf-8")
    assert old in text
    (root / "templates").mkdir(exist_ok=True)
    (root / "templates" / template).write_text(text.replace(old, new, 1), encoding="utf-8")
    runs.clear()

    result = build(root, tmp_path / "public", cache_dir=cache)

    assert result.written >= sum(result.posts_per_language.values())  # every note's page
    assert len(runs) == (2 if indexed_again else 0)  # both shards, or none
    build(root, tmp_path / "fresh", cache_dir=tmp_path / "fresh-cache")
    assert {p: v[0] for p, v in bundle(tmp_path / "public").items()} == {
        p: v[0] for p, v in bundle(tmp_path / "fresh").items()
    }


def test_serve_takes_a_shard_whose_copies_a_build_indexed(tmp_path: Path, runs: list[Path]) -> None:
    """After a theme edit outside what Pagefind reads, the server's first search finds
    every shard in the store under its copies' key: Pagefind does not run."""
    root = write_site(tmp_path / "site", NOTES)
    cache = tmp_path / "cache"
    build(root, tmp_path / "public", cache_dir=cache)
    text = (builtin_theme_dir() / "templates" / "base.html").read_text(encoding="utf-8")
    (root / "templates").mkdir(exist_ok=True)
    (root / "templates/base.html").write_text(
        text.replace("</body>", "<footer>© 2026</footer>\n</body>", 1), encoding="utf-8"
    )
    runs.clear()
    live = LiveSite(root, cache_dir=cache)
    try:
        assert live.refresh().error is None
        assert live.get("pagefind/shards.json") is not None
        assert runs == []
        build(root, tmp_path / "fresh", cache_dir=tmp_path / "fresh-cache")
        for path, (content, _, _) in bundle(tmp_path / "fresh").items():
            assert live.get(path) == content, path
    finally:
        live.close()
