"""`notesite new` writes a note that loads, at the path the content format expects."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import BASIC_CONFIG, parse_html, post, write_site
from selectolax.lexbor import LexborHTMLParser

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


def alternates(doc: LexborHTMLParser) -> dict[str, str]:
    """The page's `<link rel="alternate" hreflang>` links: locale -> absolute URL."""
    return {
        link.attributes["hreflang"]: link.attributes["href"]
        for link in doc.css('link[rel="alternate"][hreflang]')
    }


@pytest.mark.parametrize(
    ("files", "original", "expected", "slug"),
    [
        pytest.param(
            {"content/posts/rl/td.v2.md": post("时序差分 第二版")},
            "content/posts/rl/td.v2.md",
            "content/posts/rl/td.v2.en.md",
            "td-v2",
            id="dot-in-name",
        ),
        pytest.param(
            {"content/posts/rl/indexing.md": post("索引")},
            "content/posts/rl/indexing.md",
            "content/posts/rl/indexing.en.md",
            "indexing",
            id="index-prefixed-name",
        ),
        pytest.param(
            # No `category:`: it comes from the folder above the bundle, not from `ppo`.
            {
                "content/posts/rl/ppo/index.md": post("近端策略优化"),
                "content/posts/rl/ppo/a.svg": "<svg/>",
            },
            "content/posts/rl/ppo/index.md",
            "content/posts/rl/ppo/index.en.md",
            "ppo",
            id="bundle",
        ),
    ],
)
def test_translation_of_is_written_beside_and_builds_as_a_pair(
    tmp_path: Path,
    capsys,
    monkeypatch,
    files: dict[str, str],
    original: str,
    expected: str,
    slug: str,
) -> None:
    root = write_site(tmp_path / "site", files, BASIC_CONFIG)
    monkeypatch.chdir(root)
    assert main(["new", "English", "--lang", "en", "--translation-of", original]) == 0
    assert capsys.readouterr().out.strip() == expected
    written = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.md"))
    assert written == sorted([original, expected])
    translation = root / expected
    text = translation.read_text(encoding="utf-8")
    assert "category: rl\n" in text
    translation.write_text(text.replace("draft: true", "draft: false"), encoding="utf-8")

    assert main(["build", "--output", str(tmp_path / "public")]) == 0
    capsys.readouterr()
    base = "https://example.github.io/notes/"
    zh_url, en_url = f"{base}posts/{slug}/", f"{base}en/posts/{slug}/"
    zh = parse_html(tmp_path / "public" / "posts" / slug / "index.html")
    en = parse_html(tmp_path / "public" / "en" / "posts" / slug / "index.html")
    assert en.css_first("h1").text(strip=True) == "English"
    for page in (zh, en):
        assert alternates(page) == {"zh-CN": zh_url, "en": en_url, "x-default": zh_url}
    # The language switcher goes to the translation, not to the other language's home.
    assert (
        zh.css_first('.lang-switch a[hreflang="en"]').attributes["href"]
        == f"/notes/en/posts/{slug}/"
    )
    assert (
        en.css_first('.lang-switch a[hreflang="zh-CN"]').attributes["href"]
        == f"/notes/posts/{slug}/"
    )


def test_translation_of_a_page_and_of_an_explicit_group(
    tmp_path: Path, capsys, monkeypatch
) -> None:
    files = {
        "content/pages/about.md": post("关于"),
        "content/posts/rl/ppo.md": post("近端策略优化", translation_key="ppo"),
    }
    root = write_site(tmp_path / "site", files, BASIC_CONFIG)
    monkeypatch.chdir(root)
    assert main(["new", "About", "--lang", "en", "--translation-of", "content/pages/about.md"]) == 0
    assert capsys.readouterr().out.strip() == "content/pages/about.en.md"
    assert "category" not in Path("content/pages/about.en.md").read_text(encoding="utf-8")
    assert main(["new", "PPO", "--lang", "en", "--translation-of", "content/posts/rl/ppo.md"]) == 0
    assert capsys.readouterr().out.strip() == "content/posts/rl/ppo.en.md"
    site = load_site(Path("."), include_drafts=True)
    about = next(p for p in site.pages if p.lang == "zh")
    ppo = next(p for p in site.posts if p.lang == "zh")
    assert [t.title for t in site.translations(about)] == ["About"]
    assert [(t.title, t.translation_key) for t in site.translations(ppo)] == [("PPO", "ppo")]


def test_translation_of_a_series_part_joins_the_series(tmp_path: Path, capsys, monkeypatch) -> None:
    files = {"content/posts/rl/td.md": post("时序差分", series="rl-course", series_order="2")}
    monkeypatch.chdir(write_site(tmp_path / "site", files, BASIC_CONFIG))
    assert main(["new", "TD", "--lang", "en", "--translation-of", "content/posts/rl/td.md"]) == 0
    capsys.readouterr()
    site = load_site(Path("."), include_drafts=True)
    [en] = [p for p in site.posts if p.lang == "en"]
    assert (en.series, en.series_order) == ("rl-course", 2)


def test_names_the_loader_would_misread_are_refused(tmp_path: Path, capsys, monkeypatch) -> None:
    root = write_site(tmp_path / "site", {"content/posts/rl/td.md": post()}, BASIC_CONFIG)
    monkeypatch.chdir(root)
    # `rl/index.md` would be the page of the folder rl (and make rl a bundle).
    assert main(["new", "Index", "--category", "rl"]) == 1
    assert capsys.readouterr().err.strip() == (
        "title:1: the file index.md would be read as the note 'rl'"
    )
    assert not Path("content/posts/rl/index.md").exists()
    assert main(["new", "Index", "--category", "rl", "--bundle"]) == 0
    assert capsys.readouterr().out.strip() == "content/posts/rl/index/index.md"
    assert main(["new", "x", "--translation-of", "notesite.yaml"]) == 1
    assert "not under content/posts or content/pages" in capsys.readouterr().err


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
