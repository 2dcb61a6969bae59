"""The content layout: what a source path says about its note, and where notes are written."""

from __future__ import annotations

from pathlib import Path

import pytest

from notesite.layout import (
    LayoutError,
    NotePath,
    asset_url,
    group_files,
    is_index_page,
    note_file,
    read_path,
    translation_file,
)

LANGUAGES = ("zh", "en")  # zh is the default language in every case below
P = Path


# --------------------------------------------------------------------- reading a path


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        pytest.param(
            "content/posts/rl/td.md",
            NotePath("post", "td", None, False, "posts/rl/td", "rl"),
            id="plain",
        ),
        pytest.param(
            "content/posts/rl/td.en.md",
            NotePath("post", "td", "en", False, "posts/rl/td", "rl"),
            id="language-suffix",
        ),
        pytest.param(
            "content/posts/rl/td.zh.md",
            NotePath("post", "td", "zh", False, "posts/rl/td", "rl"),
            id="default-language-suffix",
        ),
        pytest.param(
            "content/posts/rl/td.v2.md",
            NotePath("post", "td.v2", None, False, "posts/rl/td.v2", "rl"),
            id="dot-in-name",
        ),
        pytest.param(
            "content/posts/rl/td.v2.en.md",
            NotePath("post", "td.v2", "en", False, "posts/rl/td.v2", "rl"),
            id="dot-in-name-and-language-suffix",
        ),
        pytest.param(
            "content/posts/rl/a.b.c.md",
            NotePath("post", "a.b.c", None, False, "posts/rl/a.b.c", "rl"),
            id="several-dots",
        ),
        pytest.param(
            "content/posts/rl/x.fr.md",
            NotePath("post", "x", "fr", False, "posts/rl/x", "rl"),
            id="undeclared-language-code-is-still-a-language",  # the loader reports it
        ),
        pytest.param(
            "content/posts/rl/en.md",
            NotePath("post", "en", None, False, "posts/rl/en", "rl"),
            id="name-equal-to-a-language",
        ),
        pytest.param(
            "content/posts/rl/indexing.md",
            NotePath("post", "indexing", None, False, "posts/rl/indexing", "rl"),
            id="index-prefixed-name",
        ),
        pytest.param(
            "content/posts/rl/indexing.en.md",
            NotePath("post", "indexing", "en", False, "posts/rl/indexing", "rl"),
            id="index-prefixed-name-with-language",
        ),
        pytest.param(
            "content/posts/rl/index.v2.md",
            NotePath("post", "index.v2", None, False, "posts/rl/index.v2", "rl"),
            id="index-with-dot-is-not-an-index-page",
        ),
        pytest.param(
            "content/posts/rl/index.fr.md",
            NotePath("post", "rl", "fr", True, "posts/rl", "rl"),
            id="index-with-undeclared-language-is-an-index-page",
        ),
        pytest.param(
            "content/posts/rl/ppo/index.md",
            NotePath("post", "ppo", None, True, "posts/rl/ppo", "rl"),
            id="bundle",
        ),
        pytest.param(
            "content/posts/rl/ppo/index.en.md",
            NotePath("post", "ppo", "en", True, "posts/rl/ppo", "rl"),
            id="bundle-language-suffix",
        ),
        pytest.param(
            "content/posts/rl/ppo.v2/index.en.md",
            NotePath("post", "ppo.v2", "en", True, "posts/rl/ppo.v2", "rl"),
            id="bundle-with-dot-in-folder",
        ),
        pytest.param(
            "content/posts/rl/deep/dqn.en.md",
            NotePath("post", "dqn", "en", False, "posts/rl/deep/dqn", "rl"),
            id="nested-folder",
        ),
        pytest.param(
            "content/posts/rl/deep/dqn/index.md",
            NotePath("post", "dqn", None, True, "posts/rl/deep/dqn", "rl"),
            id="nested-bundle",
        ),
        pytest.param(
            "content/posts/td.md",
            NotePath("post", "td", None, False, "posts/td", None),
            id="post-without-category-folder",
        ),
        pytest.param(
            "content/posts/index.md",
            NotePath("post", "posts", None, True, "posts", None),
            id="index-of-the-posts-folder",
        ),
        pytest.param(
            "content/pages/about.en.md",
            NotePath("page", "about", "en", False, "pages/about", None),
            id="page",
        ),
        pytest.param(
            "content/pages/team/about/index.md",
            NotePath("page", "about", None, True, "pages/team/about", None),
            id="page-bundle-has-no-category",
        ),
        pytest.param(
            "content/posts/rl/贝尔曼 方程.en.md",
            NotePath("post", "贝尔曼 方程", "en", False, "posts/rl/贝尔曼 方程", "rl"),
            id="unicode-and-spaces-kept",
        ),
    ],
)
def test_read_path(source: str, expected: NotePath) -> None:
    assert read_path(Path(source), LANGUAGES) == expected


@pytest.mark.parametrize(
    ("source", "message"),
    [
        pytest.param("content/posts/rl/td.txt", "Markdown", id="not-markdown"),
        pytest.param("content/drafts/td.md", "content/posts", id="unknown-folder"),
        pytest.param("notes/posts/rl/td.md", "content/posts", id="outside-content"),
        pytest.param("content/td.md", "content/posts", id="directly-in-content"),
    ],
)
def test_read_path_refuses_what_the_loader_never_reads(source: str, message: str) -> None:
    with pytest.raises(LayoutError, match=message):
        read_path(Path(source), LANGUAGES)


@pytest.mark.parametrize(
    ("file_name", "languages", "expected"),
    [
        pytest.param("index.md", LANGUAGES, True, id="index"),
        pytest.param("index.en.md", LANGUAGES, True, id="index-language"),
        pytest.param("index.fr.md", LANGUAGES, True, id="index-undeclared-language"),
        pytest.param("index.fr.md", ("zh", "fr"), True, id="index-language-of-this-site"),
        pytest.param("index.zh-Hant.md", ("zh", "zh-Hant"), True, id="index-region-language"),
        pytest.param("indexing.md", LANGUAGES, False, id="index-prefixed"),
        pytest.param("index.v2.md", LANGUAGES, False, id="index-dot"),
        pytest.param("index.html", LANGUAGES, False, id="not-markdown"),
    ],
)
def test_is_index_page(file_name: str, languages: tuple[str, ...], expected: bool) -> None:
    assert is_index_page(file_name, languages) is expected


# ------------------------------------------------------------------- grouping files

BASE = P("content/posts")


@pytest.mark.parametrize(
    ("files", "sources", "loose"),
    [
        pytest.param(
            ["rl/td.en.md", "rl/td.md", "rl/td.v2.md"],
            [("rl/td.en.md", []), ("rl/td.md", []), ("rl/td.v2.md", [])],
            [],
            id="loose-notes",
        ),
        pytest.param(
            ["rl/img/q.png", "rl/indexing.md"],
            [("rl/indexing.md", [])],
            ["rl/img/q.png"],
            id="index-prefixed-name-is-no-bundle",
        ),
        pytest.param(
            ["rl/ppo/clip.svg", "rl/ppo/img/a.png", "rl/ppo/index.en.md", "rl/ppo/index.md"],
            [
                ("rl/ppo/index.en.md", ["rl/ppo/clip.svg", "rl/ppo/img/a.png"]),
                ("rl/ppo/index.md", ["rl/ppo/clip.svg", "rl/ppo/img/a.png"]),
            ],
            [],
            id="bundle-with-translation",
        ),
        pytest.param(
            ["rl/ppo/index.en.md", "rl/ppo/x.png"],
            [("rl/ppo/index.en.md", ["rl/ppo/x.png"])],
            [],
            id="bundle-only-in-another-language",
        ),
        pytest.param(
            ["rl/ppo/index.fr.md", "rl/ppo/x.png"],
            [("rl/ppo/index.fr.md", ["rl/ppo/x.png"])],
            [],
            id="undeclared-language-index-is-a-bundle",
        ),
        pytest.param(
            ["rl/ppo/index.md", "rl/ppo/notes.md"],
            [("rl/ppo/index.md", [])],
            [],
            id="other-markdown-in-a-bundle-is-not-read",
        ),
        pytest.param(
            ["rl/deep/a/index.md", "rl/deep/a/x.png", "rl/deep/index.md", "rl/deep/y.png"],
            [("rl/deep/a/index.md", ["rl/deep/a/x.png"]), ("rl/deep/index.md", ["rl/deep/y.png"])],
            [],
            id="nested-bundles-innermost-owns",
        ),
        pytest.param(
            ["index.md", "logo.png"],
            [("index.md", [])],
            ["logo.png"],
            id="base-folder-is-never-a-bundle",
        ),
    ],
)
def test_group_files(
    files: list[str], sources: list[tuple[str, list[str]]], loose: list[str]
) -> None:
    found, assets = group_files([BASE / f for f in files], BASE, LANGUAGES)
    assert found == [(BASE / s, tuple(BASE / f for f in fs)) for s, fs in sources]
    assert assets == [BASE / f for f in loose]


def test_asset_url_is_its_place_under_content() -> None:
    assert asset_url(P("content/posts/rl/img/q.png")) == "posts/rl/img/q.png"


# ------------------------------------------------------------------- writing a note


@pytest.mark.parametrize(
    ("source", "lang", "bundle", "expected"),
    [
        pytest.param(
            "content/posts/rl/td.md", "en", False, "content/posts/rl/td.en.md", id="plain"
        ),
        pytest.param(
            "content/posts/rl/td.v2.md", "en", False, "content/posts/rl/td.v2.en.md", id="dot"
        ),
        pytest.param(
            "content/posts/rl/indexing.md",
            "en",
            False,
            "content/posts/rl/indexing.en.md",
            id="index-prefixed",
        ),
        pytest.param(
            "content/posts/rl/ppo/index.md",
            "en",
            False,
            "content/posts/rl/ppo/index.en.md",
            id="bundle",
        ),
        pytest.param(
            "content/posts/rl/ppo/index.en.md",
            "zh",
            False,
            "content/posts/rl/ppo/index.md",
            id="bundle-into-default-language",
        ),
        pytest.param(
            "content/posts/rl/td.v2.en.md",
            "zh",
            False,
            "content/posts/rl/td.v2.md",
            id="into-default",
        ),
        pytest.param(
            "content/posts/rl/x.fr.md",
            "en",
            False,
            "content/posts/rl/x.en.md",
            id="undeclared-language-suffix",
        ),
        pytest.param(
            "content/posts/rl/deep/dqn.md",
            "en",
            False,
            "content/posts/rl/deep/dqn.en.md",
            id="nested",
        ),
        pytest.param(
            "content/posts/index.md",
            "en",
            False,
            "content/posts/index.en.md",
            id="posts-folder-index",
        ),
        pytest.param(
            "content/posts/rl/td.md", "en", True, "content/posts/rl/td/index.en.md", id="as-bundle"
        ),
        pytest.param("content/pages/about.md", "en", False, "content/pages/about.en.md", id="page"),
    ],
)
def test_translation_file_joins_the_same_group(
    source: str, lang: str, bundle: bool, expected: str
) -> None:
    written = translation_file(P(source), lang, "zh", LANGUAGES, bundle)
    assert written == P(expected)
    original, translation = read_path(P(source), LANGUAGES), read_path(written, LANGUAGES)
    assert translation.translation_key == original.translation_key
    assert (translation.lang or "zh") == lang


def test_translation_refuses_a_name_that_would_read_as_another_language() -> None:
    # `a.en.en.md` is the note `a.en`; in zh it would be `a.en.md`, read as `a` in en.
    with pytest.raises(LayoutError, match="a.en.md"):
        translation_file(P("content/posts/rl/a.en.en.md"), "zh", "zh", LANGUAGES)


@pytest.mark.parametrize(
    ("name", "lang", "bundle", "expected"),
    [
        pytest.param("td", "zh", False, "content/posts/rl/td.md", id="default-language"),
        pytest.param("td", "en", False, "content/posts/rl/td.en.md", id="other-language"),
        pytest.param("vit", "zh", True, "content/posts/rl/vit/index.md", id="bundle"),
        pytest.param("vit", "en", True, "content/posts/rl/vit/index.en.md", id="bundle-language"),
        pytest.param("indexing", "zh", False, "content/posts/rl/indexing.md", id="index-prefixed"),
        pytest.param("index", "zh", True, "content/posts/rl/index/index.md", id="index-as-bundle"),
    ],
)
def test_note_file(name: str, lang: str, bundle: bool, expected: str) -> None:
    assert note_file(P("content/posts/rl"), name, lang, "zh", LANGUAGES, bundle) == P(expected)


@pytest.mark.parametrize(
    ("name", "lang"),
    [
        pytest.param("index", "zh", id="index-would-be-its-folder-page"),
        pytest.param("index", "en", id="index-would-be-its-folder-page-in-en"),
        pytest.param("td.en", "zh", id="name-ending-in-a-language"),
    ],
)
def test_note_file_refuses_names_read_back_as_another_note(name: str, lang: str) -> None:
    with pytest.raises(LayoutError, match="would be read as the note"):
        note_file(P("content/posts/rl"), name, lang, "zh", LANGUAGES)
