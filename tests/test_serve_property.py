"""Property: after any sequence of edits, renames and deletions, the served site equals a
fresh `notesite build --drafts` of the same files."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import BASIC_CONFIG, post, write_site
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from notesite.build import build
from notesite.errors import NotesiteError
from notesite.loader import load_site
from notesite.serve.state import LiveSite

CONFIG = BASIC_CONFIG.replace("page_size: 2", "page_size: 3")
NAMES = ["a", "b", "c", "d", "e"]
TITLES = ["贝尔曼", "TD 学习", "PPO", "扩散模型"]
BODIES = [
    "正文 $x_1$。",
    "Body with $$y^2$$ and [link](a.md).",
    "## 小节\n\n内容。",
    "短。",
    "摘要 $x_1$。\n\n<!--more-->\n\n后文。",
]

operation = st.one_of(
    st.tuples(
        st.just("write"),
        st.sampled_from(NAMES),
        st.sampled_from(["rl", "cv"]),
        st.sampled_from(TITLES),
        st.integers(1, 28),
        st.sampled_from(BODIES),
        st.sampled_from(["", ".en"]),
        st.booleans(),
    ),
    st.tuples(st.just("rename"), st.sampled_from(NAMES), st.sampled_from(NAMES)),
    st.tuples(st.just("delete"), st.sampled_from(NAMES)),
    # Appending to the body is the edit serve handles without re-planning (body only).
    st.tuples(
        st.just("append"),
        st.sampled_from(NAMES),
        st.sampled_from(["尾注。", "$z^2$", "## 新节\n\n文字。"]),
    ),
    st.tuples(st.just("break"), st.sampled_from(NAMES)),
)


def _find(root: Path, name: str) -> list[Path]:
    return sorted((root / "content/posts").rglob(f"{name}*.md"))


def apply(root: Path, op: tuple) -> set[Path]:
    """Do one edit; return the paths it touched (as the watcher would report them)."""
    kind = op[0]
    if kind == "write":
        _, name, category, title, day, body, suffix, draft = op
        path = root / "content/posts" / category / f"{name}{suffix}.md"
        extra = {"draft": "true"} if draft else {}
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            post(title=title, date=f"2026-01-{day:02d}", body=body, **extra), encoding="utf-8"
        )
        return {path}
    if kind == "rename":
        sources = _find(root, op[1])
        if not sources:
            return set()
        target = sources[0].with_name(sources[0].name.replace(op[1], op[2], 1))
        sources[0].replace(target)
        return {sources[0], target}
    if kind == "append":
        touched = set(_find(root, op[1])[:1])
        for path in touched:
            path.write_text(path.read_text(encoding="utf-8") + f"\n\n{op[2]}\n", encoding="utf-8")
        return touched
    if kind == "delete":
        touched = set(_find(root, op[1]))
        for path in touched:
            path.unlink()
        return touched
    touched = set(_find(root, op[1])[:1])
    for path in touched:
        path.write_text("---\ntitle: [oops\n---\n", encoding="utf-8")
    return touched


def built_files(root: Path, output: Path) -> dict[str, bytes] | None:
    try:
        load_site(root, include_drafts=True)
    except NotesiteError:
        return None
    shutil.rmtree(output, ignore_errors=True)
    build(root, output, drafts=True)
    return {
        p.relative_to(output).as_posix(): p.read_bytes() for p in output.rglob("*") if p.is_file()
    }


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(operation, min_size=1, max_size=6))
def test_served_site_equals_fresh_build(tmp_path_factory, operations) -> None:
    base = tmp_path_factory.mktemp("prop")
    root = write_site(
        base / "site", {"content/posts/rl/a.md": post(title="起点", body="开始。")}, CONFIG
    )
    live = LiveSite(root)
    try:
        assert live.refresh().error is None
        for op in operations:
            result = live.refresh(changed=apply(root, op))
            expected = built_files(root, base / "out")
            if expected is None:
                assert result.error is not None  # a broken file is reported, old pages stay
                continue
            assert result.error is None
            served = {path: live.get(path) for path in expected}
            assert [p for p in expected if served[p] != expected[p]] == []
            # Nothing is served that the build does not have (e.g. a deleted note).
            for gone in ("posts/a/index.html", "posts/b/index.html", "en/posts/c/index.html"):
                assert (live.get(gone) is None) == (gone not in expected)
    finally:
        live.close()


def test_body_only_edit_reuses_the_plan_and_equals_a_fresh_build(tmp_path) -> None:
    files = {
        "content/posts/rl/a.md": post(title="甲", body="摘要 $x$。\n\n<!--more-->\n\n正文。"),
        "content/posts/rl/b.md": post(title="乙", date="2026-01-02", body="乙的正文。"),
        "content/posts/rl/a.en.md": post(title="A", body="Summary.\n\n<!--more-->\n\nBody."),
    }
    root = write_site(tmp_path / "site", files, CONFIG)
    live = LiveSite(root)
    try:
        assert live.refresh().error is None
        note = root / "content/posts/rl/a.md"
        note.write_text(note.read_text(encoding="utf-8") + "\n\n## 新的一节\n\n更多 $x$ 文字。\n")
        result = live.refresh({"posts/a/index.html", "index.html"}, {note})
        assert live.pipeline.body_only_runs == 1
        assert result.changed_pages == {"posts/a/index.html"}  # the listing did not change
        expected = built_files(root, tmp_path / "out")
        assert expected is not None
        assert [p for p in expected if live.get(p) != expected[p]] == []
        # An edit to the excerpt is not body-only: the full run happens and still matches.
        note.write_text(note.read_text(encoding="utf-8").replace("摘要", "新摘要"))
        live.refresh(changed={note})
        assert live.pipeline.body_only_runs == 1
        expected = built_files(root, tmp_path / "out")
        assert [p for p in expected if live.get(p) != expected[p]] == []
    finally:
        live.close()
