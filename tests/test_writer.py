"""The streamed writer: only changed files are rewritten, stale ones removed, and nothing in
the output changes unless the whole build succeeded. First `SiteWriter` alone, then whole
builds of a small site."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import BASIC_CONFIG, parse_html, post, write_site

from notesite.build import RETIRED, build
from notesite.errors import NotesiteError
from notesite.pipeline import SitePlan
from notesite.writer import MANIFEST, SiteWriter, WriteCounts, read_manifest


def tree(folder: Path) -> dict[str, bytes | None]:
    """Every file (with its bytes) and folder (None) below `folder`, the manifest left out."""
    return {
        path.relative_to(folder).as_posix(): None if path.is_dir() else path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.name != MANIFEST
    }


def identities(folder: Path) -> dict[str, tuple[int, int]]:
    """(inode, mtime) of every file below `folder`, the manifest included."""
    return {
        path.relative_to(folder).as_posix(): (path.stat().st_ino, path.stat().st_mtime_ns)
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def write_all(
    output: Path,
    files: dict[str, bytes],
    copies: dict[str, Path] = {},  # noqa: B006
    force: bool = False,
) -> WriteCounts:
    with SiteWriter(output, force) as writer:
        for path, content in files.items():
            writer.write(path, content)
        for path, source in copies.items():
            writer.copy(path, source)
    assert writer.counts is not None
    return writer.counts


def siblings(output: Path) -> list[str]:
    return sorted(p.name for p in output.parent.iterdir())


# ------------------------------------------------------------------------ the writer alone


def test_creates_a_missing_output_folder_and_its_parents(tmp_path: Path) -> None:
    output = tmp_path / "deep/er/public"
    counts = write_all(output, {"index.html": b"<p>home</p>", "posts/a/index.html": b"a"})
    assert counts == WriteCounts(written=2, unchanged=0, removed=0)
    assert tree(output) == {
        "index.html": b"<p>home</p>",
        "posts": None,
        "posts/a": None,
        "posts/a/index.html": b"a",
    }
    assert siblings(output) == ["public"]


def test_unchanged_files_keep_inode_and_mtime_and_the_output_is_not_touched(tmp_path: Path) -> None:
    output = tmp_path / "public"
    files = {"index.html": b"home", "posts/a/index.html": b"a", ".nojekyll": b""}
    write_all(output, files)
    before = identities(output)

    assert write_all(output, files) == WriteCounts(written=0, unchanged=3, removed=0)
    assert identities(output) == before  # the manifest was not rewritten either


def test_only_changed_and_new_files_are_written(tmp_path: Path) -> None:
    output = tmp_path / "public"
    write_all(output, {"a.html": b"one", "b.html": b"two", "c.html": b"three"})
    before = identities(output)

    counts = write_all(
        output, {"a.html": b"one", "b.html": b"TWO", "c.html": b"three", "d.html": b"four"}
    )

    assert counts == WriteCounts(written=2, unchanged=2, removed=0)
    after = identities(output)
    assert [p for p in after if after[p] != before.get(p)] == [MANIFEST, "b.html", "d.html"]
    assert (output / "b.html").read_bytes() == b"TWO"


def test_stale_files_and_the_folders_they_leave_empty_are_removed(tmp_path: Path) -> None:
    output = tmp_path / "public"
    write_all(
        output, {"index.html": b"home", "posts/a/index.html": b"a", "posts/b/index.html": b"b"}
    )
    (output / "stray.txt").write_text("left by someone")
    (output / "tags/empty").mkdir(parents=True)
    (output / ".hidden").write_text("x")

    counts = write_all(output, {"index.html": b"home", "posts/a/index.html": b"a"})

    assert counts == WriteCounts(written=0, unchanged=2, removed=3)
    assert tree(output) == {
        "index.html": b"home",
        "posts": None,
        "posts/a": None,
        "posts/a/index.html": b"a",
    }


@pytest.mark.parametrize("error", [RuntimeError("template error"), KeyboardInterrupt()])
def test_a_failure_before_the_end_changes_nothing(tmp_path: Path, error: BaseException) -> None:
    output = tmp_path / "public"
    write_all(output, {"index.html": b"home", "posts/a/index.html": b"a", "old.html": b"old"})
    before, ids = tree(output), identities(output)

    with pytest.raises(type(error)), SiteWriter(output) as writer:
        writer.write("index.html", b"new home")
        writer.write("posts/new/index.html", b"new")
        writer.write("posts/a", b"a file where a folder was")
        assert len(list(writer.staging.iterdir())) == 3  # written, but not into the output
        raise error

    assert tree(output) == before and identities(output) == ids
    assert siblings(output) == ["public"]  # no staging folder left


def test_a_file_where_a_folder_was_and_a_folder_where_a_file_was(tmp_path: Path) -> None:
    output = tmp_path / "public"
    write_all(output, {"x/index.html": b"x", "x/deeper/y.html": b"y", "z": b"z"})

    write_all(output, {"x": b"now a file", "z/index.html": b"now a folder"})

    assert tree(output) == {"x": b"now a file", "z": None, "z/index.html": b"now a folder"}


def test_an_output_that_is_a_file_is_refused(tmp_path: Path) -> None:
    output = tmp_path / "public"
    output.write_text("not a folder")
    with pytest.raises(NotesiteError, match="output must be a folder"):
        SiteWriter(output)
    assert output.read_text() == "not a folder"


def test_a_symlink_in_the_output_is_replaced_not_written_through(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "a.css").write_text("theirs")
    output = tmp_path / "public"
    output.mkdir()
    (output / "static").symlink_to(elsewhere)
    (output / "link.html").symlink_to(elsewhere / "a.css")

    write_all(output, {"static/a.css": b"theirs", "link.html": b"ours"}, force=True)

    assert not (output / "static").is_symlink() and not (output / "link.html").is_symlink()
    assert tree(output) == {"link.html": b"ours", "static": None, "static/a.css": b"theirs"}
    assert (elsewhere / "a.css").read_text() == "theirs"


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda m: m.unlink(), id="deleted"),
        pytest.param(lambda m: m.write_bytes(m.read_bytes()[:100]), id="truncated"),
        pytest.param(lambda m: m.write_text("{not json"), id="not-json"),
        pytest.param(lambda m: m.write_text('{"format": 1, "files": []}'), id="wrong-shape"),
        pytest.param(
            lambda m: m.write_text(
                json.dumps(
                    {"format": 1, "files": {p: [1, "x", None, 3, 4] for p in ("a.html", "b.html")}}
                )
            ),
            id="wrong-types",
        ),
    ],
)
def test_a_damaged_manifest_costs_reading_never_a_wrong_output(tmp_path: Path, damage) -> None:
    output = tmp_path / "public"
    write_all(output, {"a.html": b"one", "b.html": b"two", "c/d.html": b"three"})
    damage(output / MANIFEST)
    before = identities(output)
    files = {"a.html": b"one", "b.html": b"TWO", "e.html": b"new"}
    if not (output / MANIFEST).exists():  # without our mark, only --force may replace it
        with pytest.raises(NotesiteError, match="not written by notesite"):
            write_all(output, files)

    counts = write_all(output, files, force=True)

    assert counts == WriteCounts(written=2, unchanged=1, removed=1)
    assert tree(output) == {"a.html": b"one", "b.html": b"TWO", "e.html": b"new"}
    assert identities(output)["a.html"] == before["a.html"]  # equal bytes, found by reading
    assert write_all(output, {"a.html": b"one", "b.html": b"TWO", "e.html": b"new"}).written == 0


def test_a_file_changed_behind_the_writers_back_is_restored(tmp_path: Path) -> None:
    output = tmp_path / "public"
    write_all(output, {"a.html": b"one", "b.html": b"two"})
    (output / "a.html").write_bytes(b"ONE")  # same size, new mtime
    (output / "b.html").unlink()

    assert write_all(output, {"a.html": b"one", "b.html": b"two"}).written == 2
    assert tree(output) == {"a.html": b"one", "b.html": b"two"}


def test_copies_are_compared_by_their_source_then_by_content(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "a.css").write_text("a {}")
    (source / "b.png").write_bytes(b"\x89PNG one")
    copies = {"static/a.css": source / "a.css", "img/b.png": source / "b.png"}
    output = tmp_path / "public"
    assert write_all(output, {}, copies).written == 2
    before = identities(output)

    assert write_all(output, {}, copies) == WriteCounts(written=0, unchanged=2, removed=0)
    os.utime(source / "a.css", ns=(1, 1))  # touched, same bytes: not copied again
    (source / "b.png").write_bytes(b"\x89PNG two")
    assert write_all(output, {}, copies) == WriteCounts(written=1, unchanged=1, removed=0)

    after = identities(output)
    assert after["static/a.css"] == before["static/a.css"]
    assert after["img/b.png"] != before["img/b.png"]
    assert (output / "img/b.png").read_bytes() == b"\x89PNG two"
    assert write_all(output, {}, copies).written == 0


@pytest.mark.parametrize(
    "paths",
    [
        ["/abs.html"],
        ["../out.html"],
        ["a/./b.html"],
        ["a//b.html"],
        [MANIFEST],
        ["a.html", "a.html"],
        ["a", "a/b.html"],
        ["a/b.html", "a"],
    ],
)
def test_paths_outside_the_site_or_claimed_twice_are_bugs(tmp_path: Path, paths: list[str]) -> None:
    output = tmp_path / "public"
    with pytest.raises(ValueError), SiteWriter(output) as writer:
        for path in paths:
            writer.write(path, b"x")
    assert siblings(output) == []


def write_folder(output: Path, files: dict[str, bytes], key: str) -> bool:
    """One build: `pagefind/` kept whole if `reuse_folder` says so, else written with `key`."""
    with SiteWriter(output) as writer:
        writer.write("index.html", b"home")
        kept = writer.reuse_folder("pagefind/", key)
        if not kept:
            for path, content in files.items():
                writer.write(path, content, key)
    return kept


def test_reuse_folder_keeps_a_whole_folder_made_from_the_same_key(tmp_path: Path) -> None:
    output = tmp_path / "public"
    files = {"pagefind/a.json": b"a", "pagefind/index/b.pf": b"b"}
    assert write_folder(output, files, "k1") is False  # nothing to keep yet
    before = identities(output)
    assert write_folder(output, {}, "k1") is True  # kept without being handed over
    assert identities(output) == before
    assert write_folder(output, {"pagefind/a.json": b"a2"}, "k2") is False  # another key
    assert tree(output) == {"index.html": b"home", "pagefind": None, "pagefind/a.json": b"a2"}
    (output / "pagefind/a.json").write_bytes(b"changed by hand")
    assert write_folder(output, {"pagefind/a.json": b"a2"}, "k2") is False  # not as written
    assert (output / "pagefind/a.json").read_bytes() == b"a2"


# ------------------------------------------------------------------------------ whole builds

NOTES = {
    "content/posts/rl/td.md": post(
        "时序差分", "2025-06-18", "摘要乙：时序差分。\n\n## Sarsa\n\n在策略。\n", tags="[RL]"
    ),
    "content/posts/rl/ppo.md": post(
        "近端策略优化", "2026-01-11", "摘要丙：裁剪目标函数。\n", tags="[RL]"
    ),
    "content/posts/rl/dqn.md": post("深度 Q 网络", "2026-01-03", "摘要丁：经验回放。\n"),
    "content/posts/cv/vit/index.md": post("视觉变换器", "2026-01-05", "![图块](patch.png)\n"),
    "content/posts/cv/vit/patch.png": b"\x89PNG patches",
    "content/posts/cv/resnet.md": post("残差网络", "2024-11-30", "摘要己：残差连接 $x+F(x)$。\n"),
    "content/posts/cv/resnet.en.md": post(
        "ResNet", "2024-11-30", "Summary: residual links $x+F(x)$.\n"
    ),
    "content/pages/about.md": post("关于", "2024-01-01", "关于本站。\n"),
    "static/css/extra.css": "body {}\n",
}


def site(tmp_path: Path, changes: dict[str, str | bytes | None] = {}) -> Path:  # noqa: B006
    """The test site with `changes` (None deletes a file), written afresh at tmp_path/site."""
    root = tmp_path / "site"
    files = {**NOTES, **changes}
    if root.exists():
        for path in sorted(root.rglob("*"), reverse=True):
            path.unlink() if path.is_file() else path.rmdir()
    return write_site(root, {k: v for k, v in files.items() if v is not None}, BASIC_CONFIG)


def changed_files(
    before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]]
) -> set[str]:
    return {path for path in after if after[path] != before.get(path)} - {MANIFEST}


def test_a_second_build_rewrites_nothing(tmp_path: Path) -> None:
    output = tmp_path / "public"
    root = site(tmp_path)
    first = build(root, output)
    before = identities(output)

    second = build(root, output)

    assert (first.written, first.unchanged, first.removed) == (first.files, 0, 0)
    assert (second.written, second.unchanged, second.removed) == (0, first.files, 0)
    assert identities(output) == before  # the manifest included: the output was not touched

    third = build(site(tmp_path), output)  # every source written again, with the same bytes
    assert (third.written, third.removed) == (0, 0)
    assert changed_files(before, identities(output)) == set()


def test_an_edited_note_rewrites_its_page_and_the_listings_that_show_it(tmp_path: Path) -> None:
    output, fresh_before, fresh_after = tmp_path / "public", tmp_path / "f1", tmp_path / "f2"
    build(site(tmp_path), output)
    build(site(tmp_path), fresh_before)
    before = identities(output)

    edit = {
        "content/posts/rl/ppo.md": post(
            "近端策略优化", "2026-01-11", "摘要庚：新的摘要。\n", tags="[RL]"
        )
    }
    result = build(site(tmp_path, edit), output)
    build(site(tmp_path, edit), fresh_after)

    rewritten = changed_files(before, identities(output))
    # Exactly the files whose bytes differ between the two fresh builds.
    differ = {
        p for p, b in tree(fresh_after).items() if b is not None and b != tree(fresh_before).get(p)
    }
    # The search index names its files by their content: the edited note's fragment and
    # the index chunks it is in are new files, and the old ones go.
    gone = tree(fresh_before).keys() - tree(fresh_after).keys()
    assert gone and all(path.startswith("pagefind/") for path in gone)
    assert rewritten == differ and result.written == len(differ) and result.removed == len(gone)
    assert {"posts/ppo/index.html", "index.html", "categories/rl/index.html"} <= rewritten
    assert not rewritten & {"posts/td/index.html", "posts/dqn/index.html", "about/index.html"}
    assert "摘要庚" in parse_html(output / "index.html").body.text()
    assert tree(output) == tree(fresh_after)


def test_a_deleted_note_disappears_with_its_folder(tmp_path: Path) -> None:
    output, fresh = tmp_path / "public", tmp_path / "fresh"
    build(site(tmp_path), output)
    before = tree(output)
    assert (output / "posts/vit/patch.png").is_file()
    deletion = {"content/posts/cv/vit/index.md": None, "content/posts/cv/vit/patch.png": None}

    result = build(site(tmp_path, deletion), output)
    build(site(tmp_path, deletion), fresh)

    assert not (output / "posts/vit").exists()
    gone = {path for path, data in before.items() if data is not None} - tree(fresh).keys()
    assert {"posts/vit/index.html", "posts/vit/patch.png"} <= gone and result.removed == len(gone)
    titles = " ".join(
        a.text() for a in parse_html(output / "categories/cv/index.html").css("main a")
    )
    assert "视觉变换器" not in titles and "残差网络" in titles
    assert [p for p in output.rglob("*") if p.is_dir() and not any(p.iterdir())] == []
    assert tree(output) == tree(fresh)


def test_a_template_error_mid_build_leaves_the_old_output_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    output = tmp_path / "public"
    build(site(tmp_path), output)
    before, ids = tree(output), identities(output)
    broken = (
        '{% extends "base.html" %}{% block content %}'
        '{% if entry.post.title == "近端策略优化" %}{{ nope.x }}{% endif %}<p>{{ entry.post.title }}</p>'
        "{% endblock %}\n"
    )
    written: list[str] = []
    real_adopt = SiteWriter.adopt  # how a rendered page reaches the writer
    monkeypatch.setattr(
        SiteWriter,
        "adopt",
        lambda self, path, staged, key=None: (
            written.append(path),
            real_adopt(self, path, staged, key),
        ),
    )

    with pytest.raises(NotesiteError, match="nope"):
        build(
            site(
                tmp_path,
                {
                    "templates/post.html": broken,
                    "content/posts/rl/new.md": post("新", "2026-02-01"),
                },
            ),
            output,
        )

    assert written, "the error came after some pages had been handed to the writer"
    assert tree(output) == before and identities(output) == ids
    assert siblings(output) == ["public", "site"]


def test_ctrl_c_while_rendering_leaves_the_old_output_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    output = tmp_path / "public"
    build(site(tmp_path), output)
    before, ids = tree(output), identities(output)
    rendered: list[object] = []
    real_render = SitePlan.render_page

    def render_then_interrupt(self: SitePlan, page) -> bytes:
        if len(rendered) == 3:
            raise KeyboardInterrupt
        rendered.append(page)
        return real_render(self, page)

    monkeypatch.setattr(SitePlan, "render_page", render_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        build(site(tmp_path, {"content/posts/rl/td.md": None}), output)

    assert tree(output) == before and identities(output) == ids
    assert siblings(output) == ["public", "site"]


def test_building_into_a_folder_that_does_not_exist(tmp_path: Path) -> None:
    output = tmp_path / "not/yet/public"
    result = build(site(tmp_path), output)
    assert result.written == result.files and result.unchanged == 0
    assert parse_html(output / "posts/td/index.html").css_first("h1").text() == "时序差分"
    assert (output / ".nojekyll").read_bytes() == b""


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_new_output_is_the_staging_folder_renamed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    """Into a folder that does not exist, every file (pages rendered by workers too) is
    staged at its path, and the commit renames the staging folder: no file is moved and
    no folder made one by one. The output is the same as one assembled file by file."""
    import notesite.writer

    root = site(tmp_path)
    build(root, tmp_path / "assembled", cache_dir=tmp_path / "cache-1", jobs=jobs)

    def refuse(*_: object) -> None:
        raise AssertionError("assembled file by file")

    monkeypatch.setattr(notesite.writer, "_move", refuse)
    monkeypatch.setattr(notesite.writer, "_make_parent", refuse)
    output = tmp_path / "new/public"
    result = build(root, output, cache_dir=tmp_path / "cache-2", jobs=jobs)

    assert result.written == result.files > 10
    assert tree(output) == tree(tmp_path / "assembled")
    assert sorted(p.name for p in output.parent.iterdir()) == ["public"]
    records = read_manifest(output / MANIFEST)  # each file as it is now
    assert sorted(records) == sorted(p for p, data in tree(output).items() if data is not None)
    assert all(record.describes((output / path).stat()) for path, record in records.items())


@pytest.mark.parametrize("damage", ["deleted", "corrupt"])
def test_a_damaged_manifest_still_gives_the_right_output(tmp_path: Path, damage: str) -> None:
    output, fresh = tmp_path / "public", tmp_path / "fresh"
    build(site(tmp_path), output)
    if damage == "deleted":
        (output / MANIFEST).unlink()
    else:
        (output / MANIFEST).write_bytes(b"\x00garbage")
    (output / "index.html").write_text("edited by hand")
    before = identities(output)
    edit = {
        "content/posts/rl/ppo.md": post("近端策略优化", "2026-01-11", "新的摘要。\n", tags="[RL]")
    }

    result = build(site(tmp_path, edit), output, force=damage == "deleted")
    build(site(tmp_path, edit), fresh)

    assert tree(output) == tree(fresh)
    assert identities(output)["posts/td/index.html"] == before["posts/td/index.html"]
    assert "index.html" in changed_files(before, identities(output))
    assert 0 < result.written < result.files
    # Only search index files the edit made stale (named by their content) are removed.
    assert result.removed == len(before.keys() - identities(output).keys())
    assert all(path.startswith("pagefind/") for path in before.keys() - identities(output).keys())


def test_an_incremental_build_equals_a_fresh_one(tmp_path: Path) -> None:
    output, fresh = tmp_path / "public", tmp_path / "fresh"
    build(site(tmp_path), output)
    changes: dict[str, str | bytes | None] = {
        "content/posts/rl/td.md": None,  # deleted
        "content/posts/rl/a2c.md": post(
            "优势演员评论家", "2026-03-01", "新笔记。\n", tags="[RL, 新]"
        ),
        "content/posts/cv/resnet.md": post("残差网络", "2024-11-30", "改了 $y$。\n"),
        "content/posts/cv/vit/patch.png": b"\x89PNG other patches",
        "static/css/extra.css": None,
        "static/js/new.js": "let x = 1;\n",
        "content/pages/about.md": post("关于", "2024-01-01", "关于本站。\n", slug="about-us"),
    }
    result = build(site(tmp_path, changes), output)
    build(site(tmp_path, changes), fresh)

    assert tree(output) == tree(fresh)
    assert not (output / "posts/td").exists() and not (output / "about").exists()
    assert result.removed >= 3 and result.unchanged > 0


def test_a_rendered_file_wins_over_a_copy_of_the_same_path(tmp_path: Path) -> None:
    extra = {
        "content/posts/cv/vit/index.html": "<p>a file beside the bundle's page</p>\n",
        "static/css/pygments.css": "/* the site's own */\n",
    }
    output = tmp_path / "public"
    build(site(tmp_path, extra), output)
    assert parse_html(output / "posts/vit/index.html").css_first("h1").text() == "视觉变换器"
    assert b"the site's own" not in (output / "static/css/pygments.css").read_bytes()


# ------------------------------------------------------------------ retired outputs


def test_the_replaced_output_is_made_into_the_next_builds_output(tmp_path: Path) -> None:
    """The folder a build swapped out goes to the cache's `retired/` (nothing is left
    beside the output); the next swap strips it to that build's files and makes it the
    output, so the second output back is gone and `retired/` holds one folder."""
    root = write_site(tmp_path / "site", {"content/posts/rl/a.md": post(body="一。")})
    out, cache = tmp_path / "public", tmp_path / "cache"
    build(root, out, cache_dir=cache)
    first = out.stat().st_ino
    (root / "content/posts/rl/a.md").write_text(post(body="二。"), encoding="utf-8")
    build(root, out, cache_dir=cache)
    (old,) = (cache / RETIRED).iterdir()
    assert old.stat().st_ino == first  # the first build's output
    assert "一。" in (old / "posts/a/index.html").read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "public", "site"]
    (root / "content/posts/rl/a.md").write_text(post(body="三。"), encoding="utf-8")
    build(root, out, cache_dir=cache)
    (newer,) = (cache / RETIRED).iterdir()  # the second build's output only
    assert newer != old and not old.exists() and out.stat().st_ino == first
    assert "二。" in (newer / "posts/a/index.html").read_text(encoding="utf-8")
    assert tree(out) == tree(fresh_build(root, tmp_path / "fresh"))


def fresh_build(root: Path, work: Path) -> Path:
    build(root, work / "public", cache_dir=work / "cache")
    return work / "public"


def test_the_next_output_keeps_only_this_builds_files_of_a_retired_one(tmp_path: Path) -> None:
    """A retired output becomes the next output with exactly this build's files, whatever
    happened to it in the cache: its own files kept only where they are the output's
    (the same inode), every other file, folder and symlink removed."""
    output, retired = tmp_path / "public", tmp_path / "cache/retired"
    first = {"index.html": b"home", "posts/a/index.html": b"a", "posts/b/index.html": b"b"}
    second = {**first, "index.html": b"home 2", "posts/c/index.html": b"c"}
    third = {
        "index.html": b"home 3",
        "posts/a/index.html": b"a",  # the same in all three
        "posts/c/index.html": b"c",  # made by the second
        "posts/b": b"a file where a folder was",
        "tags/x/index.html": b"x",
    }
    write_retiring(output, retired, first)
    write_retiring(output, retired, second)
    (old,) = retired.iterdir()
    (old / "stray.html").write_bytes(b"left in the cache")
    (old / "empty/deeper").mkdir(parents=True)
    (old / "link.html").symlink_to(old / "index.html")
    (old / "posts/a/index.html").unlink()  # the same bytes, another inode: not the output's
    (old / "posts/a/index.html").write_bytes(b"a")
    kept, recycled = identities(output)["posts/c/index.html"], old.stat().st_ino

    counts = write_retiring(output, retired, third)

    assert output.stat().st_ino == recycled and not old.exists()
    assert counts == WriteCounts(written=3, unchanged=2, removed=1)
    assert {p: d for p, d in tree(output).items() if d is not None} == third
    assert sorted(p for p, d in tree(output).items() if d is None) == [
        "posts",
        "posts/a",
        "posts/c",
        "tags",
        "tags/x",
    ]
    assert identities(output)["posts/c/index.html"] == kept
    assert not (output / "link.html").is_symlink()
    assert len(list(retired.iterdir())) == 1


def write_retiring(output: Path, retired: Path, files: dict[str, bytes]) -> WriteCounts:
    with SiteWriter(output, retired=retired) as writer:
        for path, content in files.items():
            writer.write(path, content)
    assert writer.counts is not None
    return writer.counts


@pytest.mark.parametrize(
    "change",
    [{"posts/b/index.html": b"B"}, {"posts/d/extra.html": b"d"}, {"posts/b/x/new.html": b"n"}],
    ids=["one file changed", "one file added", "one file added in a new folder"],
)
def test_a_change_of_one_file_is_one_rename_in_place(
    tmp_path: Path, change: dict[str, bytes]
) -> None:
    """When the whole change is one file whose folder exists, that file is renamed into
    the output, which is as atomic as a swap: no next output is assembled and nothing
    is retired. Anything more (a new folder, two files) swaps the folders."""
    output, retired = tmp_path / "public", tmp_path / "cache/retired"
    files = {f"posts/{name}/index.html": name.encode() for name in "abcd"}
    write_retiring(output, retired, files)
    folder, before = output.stat().st_ino, identities(output)

    counts = write_retiring(output, retired, {**files, **change})

    in_place = "/x/" not in next(iter(change))
    replaced = change.keys() <= files.keys()
    assert counts == WriteCounts(written=1, unchanged=3 if replaced else 4, removed=0)
    assert {p: d for p, d in tree(output).items() if d is not None} == {**files, **change}
    after = identities(output)
    assert [p for p in after if after[p] != before.get(p)] == sorted([MANIFEST, *change])
    assert (output.stat().st_ino == folder) is in_place
    retired_now = list(retired.iterdir()) if retired.is_dir() else []
    assert len(retired_now) == (0 if in_place else 1)

    # Two changed files: the folders are swapped, the old output retired.
    folder = output.stat().st_ino
    more = {**files, **change, "posts/a/index.html": b"A", "posts/c/index.html": b"C"}
    assert write_retiring(output, retired, more).written == 2
    assert output.stat().st_ino != folder
    assert [p.stat().st_ino for p in retired.iterdir()] == [folder]


def test_without_a_place_to_retire_it_the_old_output_is_removed_at_once(tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the retired folder would go", encoding="utf-8")
    out = tmp_path / "public"
    for text in (b"one", b"two"):
        with SiteWriter(out, retired=blocked / "retired") as writer:
            writer.write("index.html", text)
    assert (out / "index.html").read_bytes() == b"two"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["not-a-folder", "public"]
