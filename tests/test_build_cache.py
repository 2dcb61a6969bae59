"""The persistent note cache never changes what a build writes: after every kind of edit,
and with corrupt, truncated or half-written cache entries, a build that reuses the cache
writes the same bytes as a fresh build with an empty cache."""

from __future__ import annotations

import hashlib
import json
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import BASIC_CONFIG, post, write_site

import notesite.notecache
from notesite.build import build
from notesite.checkedfile import checksum
from notesite.theme import builtin_theme_dir
from notesite.writer import MANIFEST, SiteWriter

MATH_CONFIG = BASIC_CONFIG + "math:\n  macros:\n    \\E: \\mathbb{E}\n"


def note(i: int, extra: str = "") -> str:
    other = (i + 1) % 6
    body = f"""\
        第 {i} 篇笔记，期望 $\\E[G_t^{{{i}}}]$ 与**强化学习（RL）**讨论的问题。

        <!--more-->

        ## 推导 {i}

        $$
        V(s) = \\E[R_{{t+1}} + \\gamma V(S_{{t+1}})] \\label{{eq:v{i}}}
        $$

        见 $\\eqref{{eq:v{i}}}$ 与[下一篇](n{other}.md)。

        ```python
        def value_{i}(s):
            return {i} * s
        ```
        {extra}
        """
    date = f"2026-{1 + i // 28:02d}-{1 + i % 28:02d}"
    return post(f"笔记 {i}", date=date, body=body, category="rl", tags="[RL]")


def make_site(root: Path) -> Path:
    files = {f"content/posts/rl/n{i}.md": note(i) for i in range(6)}
    files["content/posts/rl/n0.en.md"] = post(
        "Note 0", date="2026-01-10", body="English $x^2$ text.", category="rl", lang="en"
    )
    return write_site(root, files, MATH_CONFIG)


def tree_digest(folder: Path) -> dict[str, str]:
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != MANIFEST  # it records inodes and times
    }


def assert_same_as_fresh(root: Path, cache: Path, tmp_path: Path, label: str) -> None:
    """Build into the same output folder as every time before (reusing the note cache
    and the pages whose inputs did not change), and fresh into an empty folder."""
    cached_out = tmp_path / "cached"
    fresh_out = tmp_path / f"fresh-{label}"
    build(root, cached_out, cache_dir=cache)
    build(root, fresh_out, cache_dir=tmp_path / f"empty-cache-{label}")
    assert tree_digest(cached_out) == tree_digest(fresh_out), label


EDITS = ["body", "formula", "title", "rename", "delete", "macro", "new", "cjk-off"]
EDITS += ["template", "ui-string", "config-title"]


def edit(root: Path, rng: random.Random, step: int, kind: str) -> None:
    """One edit a writer makes, to a random note."""
    notes = sorted((root / "content/posts/rl").glob("*.md"))
    target = rng.choice([n for n in notes if ".en." not in n.name])
    text = target.read_text(encoding="utf-8")
    if kind == "body":
        target.write_text(text + f"\n新的一段 {step}。\n", encoding="utf-8")
    elif kind == "formula":
        target.write_text(text + f"\n新公式 $\\alpha_{{{step}}} + \\E[x]$。\n", encoding="utf-8")
    elif kind == "title":
        target.write_text(text.replace("title: 笔记", f"title: 改名{step} 笔记", 1), "utf-8")
    elif kind == "rename":
        target.rename(target.with_name(f"r{step}-{target.name}"))
    elif kind == "delete" and len(notes) > 3:
        target.unlink()
    elif kind == "macro":
        config = MATH_CONFIG.replace("\\mathbb{E}", "\\operatorname{E}")
        (root / "notesite.yaml").write_text(config, encoding="utf-8")
    elif kind == "cjk-off":
        config = (root / "notesite.yaml").read_text(encoding="utf-8")
        (root / "notesite.yaml").write_text(config + "markdown: {cjk: false}\n", "utf-8")
    elif kind == "template":  # the site overrides a theme template
        (root / "templates").mkdir(exist_ok=True)
        theme = builtin_theme_dir() / "templates" / "post.html"
        text = theme.read_text(encoding="utf-8").replace("</article>", "<p>footer</p></article>")
        (root / "templates/post.html").write_text(text, encoding="utf-8")
    elif kind == "ui-string":
        (root / "templates/i18n").mkdir(parents=True, exist_ok=True)
        (root / "templates/i18n/zh.yaml").write_text("home: 首页（新）\n", encoding="utf-8")
    elif kind == "config-title":
        config = (root / "notesite.yaml").read_text(encoding="utf-8")
        (root / "notesite.yaml").write_text(config.replace("测试站点", "新站点"), "utf-8")
    else:
        (root / f"content/posts/rl/n{step + 10}.md").write_text(note(step + 10), "utf-8")


def test_cold_warm_and_random_edits_equal_fresh_builds(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site")
    cache = tmp_path / "cache"
    assert_same_as_fresh(root, cache, tmp_path, "cold")
    warm = build(root, tmp_path / "warm", cache_dir=cache)
    assert warm.formulas_rendered == 0
    assert_same_as_fresh(root, cache, tmp_path, "warm")
    rng = random.Random(2026)
    for step, kind in enumerate(EDITS):
        edit(root, rng, step, kind)
        assert_same_as_fresh(root, cache, tmp_path, f"{step}-{kind}")
        # Unchanged since: the same output again (buildmemo.py's shortcut), untouched.
        before = tree_digest(tmp_path / "cached")
        again = build(root, tmp_path / "cached", cache_dir=cache)
        assert (again.written, again.removed, again.notes_rendered) == (0, 0, 0)
        assert tree_digest(tmp_path / "cached") == before


def _store(cache: Path) -> Path:
    (store,) = cache.glob("notes-*.sqlite")
    return store


DAMAGES = ["flip", "truncate", "truncate-with-digest", "garbage-file", "bodies-only"]


@pytest.mark.parametrize("damage", DAMAGES)
@pytest.mark.parametrize("read", ["whole", "lazily"])
def test_damaged_cache_entries_are_never_served(
    tmp_path: Path, damage: str, read: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`read`: a page's stored HTML is read once, whole, or (as a very large note's is)
    checked first and read again when its page is written (StoredHtml)."""
    if read == "lazily":
        monkeypatch.setattr(notesite.notecache, "READ_WHOLE_UP_TO", -1)
    root = make_site(tmp_path / "site")
    cache = tmp_path / "cache"
    build(root, tmp_path / "first", cache_dir=cache)
    store = _store(cache)
    if damage == "garbage-file":
        store.write_bytes(b"not a database" * 100)
    else:
        with sqlite3.connect(store) as db:
            rows = db.execute("SELECT 'bodies', key, payload FROM bodies").fetchall()
            if damage != "bodies-only":  # else only the bodies: a build reads heads first
                rows += db.execute("SELECT 'notes', key, payload FROM notes").fetchall()
            for table, key, payload in rows:
                if damage == "flip":
                    broken = payload[:100] + bytes([payload[100] ^ 0xFF]) + payload[101:]
                    db.execute(f"UPDATE {table} SET payload = ? WHERE key = ?", (broken, key))
                else:
                    broken = payload[: len(payload) // 2]
                    digest = checksum(broken)
                    if damage == "truncate":
                        db.execute(f"UPDATE {table} SET payload = ? WHERE key = ?", (broken, key))
                    else:  # a consistent digest: only unpickling can tell
                        db.execute(
                            f"UPDATE {table} SET payload = ?, digest = ? WHERE key = ?",
                            (broken, digest, key),
                        )
    assert_same_as_fresh(root, cache, tmp_path, damage)


def test_a_killed_build_leaves_no_entry_that_is_trusted(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site")
    for i in range(6, 40):
        (root / f"content/posts/rl/n{i}.md").write_text(note(i), encoding="utf-8")
    cache = tmp_path / "cache"
    command = [sys.executable, "-m", "notesite", "build", "--source", str(root)]
    command += ["--output", str(tmp_path / "killed"), "--cache-dir", str(cache), "--jobs", "2"]
    killed = 0
    for delay in (0.5, 1.0, 1.5):
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        killed += process.wait() == -signal.SIGKILL
    assert killed > 0  # at least one build was stopped half-way
    for _ in range(50):  # workers of a killed build see their parent gone and stop
        if not _notesite_processes(str(tmp_path / "killed")):
            break
        time.sleep(0.1)
    assert _notesite_processes(str(tmp_path / "killed")) == []
    assert_same_as_fresh(root, cache, tmp_path, "after-kill")


def _notesite_processes(marker: str) -> list[str]:
    found = []
    for status in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            command = status.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if marker in command and "pytest" not in command.split()[0]:
            found.append(command)
    return found


def recorded_keys(output: Path) -> dict[str, str | None]:
    """Each file's page key as the output's manifest records it (its last field)."""
    files = json.loads((output / MANIFEST).read_text(encoding="utf-8"))["files"]
    return {path: fields[-1] for path, fields in files.items()}


@pytest.mark.parametrize("jobs", [1, 2])
def test_keys_made_while_rendering_equal_keys_made_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    """A new output's pages get their keys while the workers render; a build that
    makes every key first (as when the output has the last build's files) records the
    same keys, and a later build keeps every page by them."""
    root = make_site(tmp_path / "site")
    cache = tmp_path / "cache"
    build(root, tmp_path / "warm-up", cache_dir=cache, jobs=jobs)
    build(root, tmp_path / "lazy", cache_dir=cache, jobs=jobs)
    with monkeypatch.context() as patched:
        patched.setattr(SiteWriter, "knows", lambda self, path: True)
        build(root, tmp_path / "first", cache_dir=cache, jobs=jobs)
    lazy, first = recorded_keys(tmp_path / "lazy"), recorded_keys(tmp_path / "first")
    pages = [path for path in lazy if path.endswith(".html") and lazy[path] is not None]
    assert len(pages) > 20
    assert lazy == first
    # The same text written again: the build runs (not the unchanged shortcut) and
    # keeps every page of the output by its recorded key.
    note_file = root / "content/posts/rl/n3.md"
    note_file.write_bytes(note_file.read_bytes())
    again = build(root, tmp_path / "lazy", cache_dir=cache, jobs=jobs)
    assert (again.written, again.notes_rendered) == (0, 0)
    assert again.unchanged == len(lazy)


def test_builds_sharing_a_cache_folder_at_once_equal_fresh_builds(tmp_path: Path) -> None:
    """Two builds of one site (a terminal's and an editor's), and a build of another
    site, run at the same time with one cache folder, as with the default
    ~/.cache/notesite: every one succeeds and writes what a fresh build writes."""
    root = make_site(tmp_path / "site")
    other = make_site(tmp_path / "other")  # its own note store, the same formula store
    cache = tmp_path / "cache"
    rng = random.Random(7)
    for step, kind in enumerate(["none", "formula", "title", "new"]):
        if kind != "none":
            edit(root, rng, step, kind)
            edit(other, rng, step + 50, kind)
        # The same output folders every time: later builds keep what did not change.
        runs = [(root, "a"), (root, "b"), (other, "c")]
        processes = [
            subprocess.Popen(
                [sys.executable, "-m", "notesite", "build", "--source", str(site), "-q"]
                + ["--output", str(tmp_path / name), "--cache-dir", str(cache)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for site, name in runs
        ]
        for process in processes:
            out, err = process.communicate(timeout=120)
            assert (process.returncode, out, err) == (0, "", ""), kind
        for site, name in runs:
            fresh = tmp_path / f"fresh-{name}{step}"
            build(site, fresh, cache_dir=tmp_path / f"empty-cache-{name}{step}")
            assert tree_digest(tmp_path / name) == tree_digest(fresh), (kind, name)
