"""The unchanged build's shortcut (buildmemo.py): taken only when nothing a build reads
and nothing in its output changed, and then it says what the full build would."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import BASIC_CONFIG, post, write_site

from notesite.build import build
from notesite.errors import NotesiteError
from notesite.pipeline import Pipeline

FILES = {
    "content/posts/rl/td.md": post(title="时序差分", body="更新 $V(s)$。"),
    "content/posts/rl/td.en.md": post(title="TD", body="Update $V(s)$."),
    "content/posts/rl/mc.md": post(title="蒙特卡洛", body="回合结束再更新。"),
    "static/extra.txt": "extra",
}


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != ".notesite-manifest.json"
    }


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One entry per build that ran the pipeline (took no shortcut)."""
    seen: list[int] = []
    real = Pipeline.read

    def counting(self: Pipeline) -> object:
        seen.append(1)
        return real(self)

    monkeypatch.setattr(Pipeline, "read", counting)
    return seen


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return write_site(tmp_path / "site", FILES)


def fresh(root: Path, tmp_path: Path, **options: object) -> dict[str, bytes]:
    """What a build from nothing makes of the site now."""
    out = tmp_path / f"fresh-{len(list(tmp_path.glob('fresh-*')))}"
    build(root, out, cache_dir=tmp_path / "fresh-cache", **options)  # type: ignore[arg-type]
    return tree(out)


def rebuilt_after(
    site: Path, tmp_path: Path, runs: list[int], between: Callable[[], object]
) -> tuple[Path, Path]:
    """Build, do `between`, build again: the second build ran the pipeline and made what
    a build from nothing makes. Returns the output and cache folders."""
    out, cache = tmp_path / "public", tmp_path / "cache"
    build(site, out, cache_dir=cache)
    between()
    build(site, out, cache_dir=cache)
    assert len(runs) == 2
    assert tree(out) == fresh(site, tmp_path)
    return out, cache


def test_an_unchanged_build_takes_the_shortcut(site: Path, tmp_path: Path, runs: list[int]) -> None:
    out, cache = tmp_path / "public", tmp_path / "cache"
    first = build(site, out, cache_dir=cache)
    before = {p: p.stat() for p in out.rglob("*")}
    again = build(site, out, cache_dir=cache)
    assert len(runs) == 1
    # It says what a full unchanged build says, and touches nothing.
    assert (again.pages, again.files, again.notes) == (first.pages, first.files, first.notes)
    assert (again.written, again.removed, again.unchanged) == (0, 0, first.files)
    assert again.posts_per_language == first.posts_per_language
    after = {p: p.stat() for p in out.rglob("*")}
    assert {p: (s.st_mtime_ns, s.st_ino) for p, s in after.items()} == {
        p: (s.st_mtime_ns, s.st_ino) for p, s in before.items()
    }


def _edit_note(root: Path) -> None:
    (root / "content/posts/rl/mc.md").write_text(post(title="蒙特卡洛", body="改了。"), "utf-8")


def _add_note(root: Path) -> None:
    (root / "content/posts/rl/new.md").write_text(post(title="新", body="新的。"), "utf-8")


def _delete_note(root: Path) -> None:
    (root / "content/posts/rl/mc.md").unlink()


def _rename_note(root: Path) -> None:
    os.rename(root / "content/posts/rl/mc.md", root / "content/posts/rl/monte-carlo.md")


def _touch_same_bytes(root: Path) -> None:
    path = root / "content/posts/rl/mc.md"
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))


def _site_template(root: Path) -> None:
    theme = Path(__file__).parents[1] / "templates/base.html"
    text = theme.read_text("utf-8").replace("</body>", "<!-- mine --></body>", 1)
    (root / "templates").mkdir(exist_ok=True)
    (root / "templates/base.html").write_text(text, "utf-8")


def _static_file(root: Path) -> None:
    (root / "static/extra.txt").write_text("changed", "utf-8")


def _config(root: Path) -> None:
    (root / "notesite.yaml").write_text(BASIC_CONFIG + "search: false\n", "utf-8")


@pytest.mark.parametrize(
    "change",
    [
        _edit_note,
        _add_note,
        _delete_note,
        _rename_note,
        _touch_same_bytes,
        _site_template,
        _static_file,
        _config,
    ],
)
def test_any_change_to_the_inputs_takes_the_pipeline(
    site: Path, tmp_path: Path, runs: list[int], change: Callable[[Path], object]
) -> None:
    out, cache = rebuilt_after(site, tmp_path, runs, lambda: change(site))
    before = len(runs)
    build(site, out, cache_dir=cache)
    assert len(runs) == before  # and then, unchanged again: the shortcut


@pytest.mark.parametrize("option", [{"drafts": True}, {"base_url": "https://other.example/x/"}])
def test_other_options_take_the_pipeline(
    site: Path, tmp_path: Path, runs: list[int], option: dict[str, object]
) -> None:
    out, cache = tmp_path / "public", tmp_path / "cache"
    build(site, out, cache_dir=cache)
    build(site, out, cache_dir=cache, **option)  # type: ignore[arg-type]
    assert len(runs) == 2
    assert tree(out) == fresh(site, tmp_path, **option)


def _edit_output(out: Path) -> None:
    (out / "posts/td/index.html").write_text("hand-edited", "utf-8")


def _delete_output(out: Path) -> None:
    (out / "posts/td/index.html").unlink()


def _add_output(out: Path) -> None:
    (out / "stray.html").write_text("not ours", "utf-8")


def _empty_folder(out: Path) -> None:
    (out / "empty").mkdir()


def _break_manifest(out: Path) -> None:
    (out / ".notesite-manifest.json").write_text("{}", "utf-8")


@pytest.mark.parametrize(
    "tamper", [_edit_output, _delete_output, _add_output, _empty_folder, _break_manifest]
)
def test_an_output_touched_by_hand_is_built_again(
    site: Path, tmp_path: Path, runs: list[int], tamper: Callable[[Path], object]
) -> None:
    rebuilt_after(site, tmp_path, runs, lambda: tamper(tmp_path / "public"))


@pytest.mark.parametrize("damage", ["{", "", '{"format": 1, "signature": 5}', None])
def test_a_damaged_or_missing_note_is_ignored(
    site: Path, tmp_path: Path, runs: list[int], damage: str | None
) -> None:
    out, cache = tmp_path / "public", tmp_path / "cache"
    build(site, out, cache_dir=cache)
    (note,) = (cache / "builds").iterdir()
    if damage is None:
        shutil.rmtree(cache)
    else:
        note.write_text(damage, "utf-8")
    build(site, out, cache_dir=cache)
    assert len(runs) == 2
    assert tree(out) == fresh(site, tmp_path)


def test_the_note_of_an_earlier_build_never_matches_a_later_output(
    site: Path, tmp_path: Path, runs: list[int]
) -> None:
    """A build killed after its commit but before writing its note leaves the note of
    the build before it: that note names another manifest, so it is not trusted."""
    out, cache = tmp_path / "public", tmp_path / "cache"
    note_path = site / "content/posts/rl/mc.md"
    original, stat = note_path.read_bytes(), note_path.stat()
    build(site, out, cache_dir=cache)
    (note,) = (cache / "builds").iterdir()
    earlier = note.read_bytes()
    _edit_note(site)
    build(site, out, cache_dir=cache)
    # The inputs as they were for the first build (same bytes, inode and mtime)...
    note_path.write_bytes(original)
    os.utime(note_path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    note.write_bytes(earlier)  # ...and the first build's note, as if the second wrote none
    build(site, out, cache_dir=cache)
    assert len(runs) == 3
    assert tree(out) == fresh(site, tmp_path)


def test_warnings_are_said_again_and_strict_still_fails(tmp_path: Path, runs: list[int]) -> None:
    files = {**FILES, "content/posts/rl/img.md": post(title="图", body="![](a.png)\n")}
    root = write_site(tmp_path / "site", files)
    (root / "content/posts/rl/a.png").write_bytes(b"\x89PNG")
    out, cache = tmp_path / "public", tmp_path / "cache"
    first = build(root, out, cache_dir=cache)
    assert first.warnings
    again = build(root, out, cache_dir=cache)
    assert len(runs) == 1
    assert [str(w) for w in again.warnings] == [str(w) for w in first.warnings]
    with pytest.raises(NotesiteError) as raised:
        build(root, out, cache_dir=cache, strict=True)
    assert [str(p) for p in raised.value.problems] == [str(w) for w in first.warnings]


def test_a_folder_behind_a_symlink_turns_the_shortcut_off(tmp_path: Path, runs: list[int]) -> None:
    root = write_site(tmp_path / "site", FILES)
    elsewhere = root / "shared-notes"
    elsewhere.mkdir()
    (elsewhere / "linked.md").write_text(post(title="链接", body="一。"), "utf-8")
    (root / "content/posts/linked").symlink_to(elsewhere, target_is_directory=True)
    out, cache = tmp_path / "public", tmp_path / "cache"
    build(root, out, cache_dir=cache)
    (elsewhere / "linked.md").write_text(post(title="链接", body="二。"), "utf-8")
    build(root, out, cache_dir=cache)
    assert len(runs) == 2
    assert tree(out) == fresh(root, tmp_path)
