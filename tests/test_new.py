"""`notesite new` writes a note that loads, at the path the content format expects."""

from __future__ import annotations

from pathlib import Path

from conftest import BASIC_CONFIG, post, write_site

from notesite.cli import main
from notesite.loader import load_site


def test_new_note_loads_as_a_draft(tmp_path: Path, capsys, monkeypatch) -> None:
    root = write_site(tmp_path / "site", {}, BASIC_CONFIG)
    monkeypatch.chdir(root)
    assert main(["new", "贝尔曼 方程", "--category", "cv"]) == 0
    printed = Path(capsys.readouterr().out.strip())
    assert printed == Path("content/posts/cv/贝尔曼-方程.md")
    site = load_site(Path("."), include_drafts=True)
    [note] = site.posts
    assert (note.title, note.category, note.lang, note.draft) == ("贝尔曼 方程", "cv", "zh", True)
    assert load_site(Path(".")).posts == ()  # a draft until the writer says otherwise


def test_translation_and_bundle(tmp_path: Path, capsys, monkeypatch) -> None:
    root = write_site(
        tmp_path / "site", {"content/posts/rl/td.md": post(title="时序差分")}, BASIC_CONFIG
    )
    monkeypatch.chdir(root)
    assert (
        main(
            [
                "new",
                "Temporal Difference",
                "--lang",
                "en",
                "--translation-of",
                "content/posts/rl/td.md",
            ]
        )
        == 0
    )
    assert capsys.readouterr().out.strip() == "content/posts/rl/td.en.md"
    site = load_site(Path("."), include_drafts=True)
    [zh] = [p for p in site.posts if p.lang == "zh"]
    assert [t.title for t in site.translations(zh)] == ["Temporal Difference"]
    assert main(["new", "ViT", "--bundle", "--category", "cv"]) == 0
    assert capsys.readouterr().out.strip() == "content/posts/cv/vit/index.md"


def test_existing_file_is_not_overwritten(tmp_path: Path, capsys, monkeypatch) -> None:
    root = write_site(
        tmp_path / "site", {"content/posts/rl/td.md": post(title="时序差分")}, BASIC_CONFIG
    )
    monkeypatch.chdir(root)
    before = (root / "content/posts/rl/td.md").read_bytes()
    assert main(["new", "TD", "--category", "rl"]) == 1
    assert (
        capsys.readouterr().err.strip()
        == "content/posts/rl/td.md:1: already exists; not overwritten"
    )
    assert (root / "content/posts/rl/td.md").read_bytes() == before
    assert main(["new", "x", "--category", "nope"]) == 1
    assert "unknown category 'nope'" in capsys.readouterr().err


def test_cname_and_nojekyll(tmp_path: Path) -> None:
    from notesite.build import build

    root = write_site(
        tmp_path / "site",
        {"content/posts/rl/a.md": post()},
        BASIC_CONFIG + "cname: notes.example.org\n",
    )
    build(root, tmp_path / "out")
    assert (tmp_path / "out/CNAME").read_text() == "notes.example.org\n"
    assert (tmp_path / "out/.nojekyll").read_bytes() == b""
    root = write_site(tmp_path / "site2", {"content/posts/rl/a.md": post()}, BASIC_CONFIG)
    build(root, tmp_path / "out2")
    assert not (tmp_path / "out2/CNAME").exists()
