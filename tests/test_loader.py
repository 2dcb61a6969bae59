"""The site model built by `load_site`: dates, order, categories, languages, slugs, bundles."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from conftest import parse_html, post, write_site

from notesite.loader import LoadMemo, load_site
from notesite.model import Post, Site

SHANGHAI = timedelta(hours=8)


def by_source(site: Site) -> dict[str, Post]:
    return {p.source.as_posix(): p for p in (*site.posts, *site.pages)}


def load(root: Path, files: dict[str, str | bytes], **kwargs: bool) -> Site:
    return load_site(write_site(root, files), **kwargs)


# ---------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("written", "expected_utc", "offset"),
    [
        pytest.param("2025-03-02", datetime(2025, 3, 1, 16, 0, tzinfo=UTC), SHANGHAI, id="date"),
        pytest.param(
            "2025-06-18 21:30", datetime(2025, 6, 18, 13, 30, tzinfo=UTC), SHANGHAI, id="naive"
        ),
        pytest.param(
            "2026-01-11T10:30:00+08:00",
            datetime(2026, 1, 11, 2, 30, tzinfo=UTC),
            SHANGHAI,
            id="offset",
        ),
        pytest.param(
            "2026-01-11T10:30:00-05:00",
            datetime(2026, 1, 11, 15, 30, tzinfo=UTC),
            timedelta(hours=-5),
            id="negative-offset",
        ),
        pytest.param(
            "2026-01-11T02:30:00Z", datetime(2026, 1, 11, 2, 30, tzinfo=UTC), timedelta(0), id="Z"
        ),
        pytest.param(
            '"2025-03-02"', datetime(2025, 3, 1, 16, 0, tzinfo=UTC), SHANGHAI, id="quoted"
        ),
    ],
)
def test_date_styles_become_aware_datetimes(
    site_dir: Path, written: str, expected_utc: datetime, offset: timedelta
) -> None:
    site = load(site_dir, {"content/posts/rl/a.md": post(date=written, updated=written)})
    (note,) = site.posts

    for moment in (note.date, note.updated):
        assert moment is not None
        assert moment.tzinfo is not None
        assert moment.utcoffset() == offset
        assert moment == expected_utc


def test_date_only_is_midnight_in_site_timezone(site_dir: Path) -> None:
    site = load(site_dir, {"content/posts/rl/a.md": post(date="2025-03-02")})
    date = site.posts[0].date
    assert (date.year, date.month, date.day, date.hour, date.minute) == (2025, 3, 2, 0, 0)
    assert date.isoformat() == "2025-03-02T00:00:00+08:00"


def test_naive_time_keeps_wall_clock_in_site_timezone(site_dir: Path) -> None:
    site = load(site_dir, {"content/posts/rl/a.md": post(date="2025-06-18 21:30")})
    assert site.posts[0].date.isoformat() == "2025-06-18T21:30:00+08:00"


def test_updated_is_none_when_absent(site_dir: Path) -> None:
    site = load(site_dir, {"content/posts/rl/a.md": post()})
    assert site.posts[0].updated is None
    assert site.posts[0].sort_date == site.posts[0].date


def test_posts_are_sorted_newest_first_by_updated_else_date(site_dir: Path) -> None:
    site = load(
        site_dir,
        {
            "content/posts/rl/a.md": post("A", "2026-01-01"),
            # Old, but updated after everything else: first.
            "content/posts/rl/b.md": post("B", "2025-01-01", updated="2026-02-01"),
            "content/posts/cv/c.md": post("C", "2025-06-01"),
            # Same day as A, later in the day.
            "content/posts/cv/d.md": post("D", "2026-01-01 09:00"),
            # Earlier instant than D although its wall clock reads later (UTC vs +08:00).
            "content/posts/cv/e.md": post("E", "2026-01-01T08:00:00Z"),
        },
    )
    assert [p.title for p in site.posts] == ["B", "E", "D", "A", "C"]


# ------------------------------------------------------------------ categories, tags


def test_category_from_folder_and_from_front_matter(site_dir: Path) -> None:
    site = load(
        site_dir,
        {
            "content/posts/rl/a.md": post("A"),
            "content/posts/rl/b.md": post("B", category="cv"),
            "content/posts/top.md": post("Top"),
            "content/posts/rl/deep/c.md": post("C"),
        },
    )
    posts = by_source(site)
    assert posts["content/posts/rl/a.md"].category == "rl"
    assert posts["content/posts/rl/b.md"].category == "cv"
    assert posts["content/posts/top.md"].category is None
    assert posts["content/posts/rl/deep/c.md"].category == "rl"


def test_tags_as_list_and_as_single_string(site_dir: Path) -> None:
    site = load(
        site_dir,
        {
            "content/posts/rl/a.md": post("A", tags="[RL, 动态规划]"),
            "content/posts/rl/b.md": post("B", tags="Bellman"),
            "content/posts/rl/c.md": post("C"),
        },
    )
    posts = by_source(site)
    assert posts["content/posts/rl/a.md"].tags == ("RL", "动态规划")
    assert posts["content/posts/rl/b.md"].tags == ("Bellman",)
    assert posts["content/posts/rl/c.md"].tags == ()


# ------------------------------------------------------------- languages, translations


def test_language_from_suffix_front_matter_and_default(site_dir: Path) -> None:
    site = load(
        site_dir,
        {
            "content/posts/rl/a.md": post("A"),
            "content/posts/rl/a.en.md": post("A en"),
            "content/posts/rl/b.md": post("B en", lang="en"),
        },
    )
    posts = by_source(site)
    assert posts["content/posts/rl/a.md"].lang == "zh"
    assert posts["content/posts/rl/a.en.md"].lang == "en"
    assert posts["content/posts/rl/b.md"].lang == "en"
    assert posts["content/posts/rl/a.md"].url == "posts/a/"
    assert posts["content/posts/rl/a.en.md"].url == "en/posts/a/"
    assert posts["content/posts/rl/b.md"].url == "en/posts/b/"


def test_dotted_names_that_are_not_language_codes_stay_names(site_dir: Path) -> None:
    site = load(
        site_dir,
        {
            "content/posts/rl/td.v2.md": post("TD v2"),
            "content/posts/rl/td.v2.en.md": post("TD v2 en"),
            "content/posts/rl/indexing.md": post("索引"),
        },
    )
    posts = by_source(site)
    v2, v2_en = (posts[f"content/posts/rl/{n}.md"] for n in ("td.v2", "td.v2.en"))
    assert (v2.lang, v2_en.lang, v2.slug, v2_en.slug) == ("zh", "en", "td-v2", "td-v2")
    assert site.translations(v2) == (v2_en,)
    assert posts["content/posts/rl/indexing.md"].slug == "indexing"


def test_translation_groups_by_name_and_by_explicit_key(site_dir: Path) -> None:
    site = load(
        site_dir,
        {
            "content/posts/rl/td.md": post("时序差分"),
            "content/posts/rl/td.en.md": post("Temporal difference"),
            "content/posts/rl/ppo.md": post("近端策略优化", translation_key="ppo"),
            "content/posts/rl/proximal.en.md": post("PPO", translation_key="ppo"),
            "content/posts/rl/alone.md": post("独自"),
        },
    )
    posts = by_source(site)
    td, td_en = posts["content/posts/rl/td.md"], posts["content/posts/rl/td.en.md"]
    ppo, ppo_en = posts["content/posts/rl/ppo.md"], posts["content/posts/rl/proximal.en.md"]
    alone = posts["content/posts/rl/alone.md"]

    assert td.translation_key == td_en.translation_key
    assert ppo.translation_key == ppo_en.translation_key == "ppo"
    assert len({td.translation_key, ppo.translation_key, alone.translation_key}) == 3

    assert site.translations(td) == (td_en,)
    assert site.translations(td_en) == (td,)
    assert site.translations(ppo) == (ppo_en,)
    assert site.translations(ppo_en) == (ppo,)
    assert site.translations(alone) == ()


def test_translations_follow_config_language_order(site_dir: Path) -> None:
    config = (
        "title: T\ndefault_language: en\nlanguages:\n"
        "  en: {name: English}\n  zh: {name: 中文}\n  ja: {name: 日本語}\n"
        "categories:\n  rl: RL\n"
    )
    root = write_site(
        site_dir,
        {
            "content/posts/rl/a.ja.md": post("ja"),
            "content/posts/rl/a.zh.md": post("zh"),
            "content/posts/rl/a.md": post("en"),
        },
        config=config,
    )
    site = load_site(root)
    english = by_source(site)["content/posts/rl/a.md"]
    assert [p.lang for p in site.translations(english)] == ["zh", "ja"]


def test_translations_of_bundles_share_a_group(site_dir: Path) -> None:
    site = load(
        site_dir,
        {
            "content/posts/cv/vit/index.md": post("视觉变换器"),
            "content/posts/cv/vit/index.en.md": post("Vision Transformer"),
        },
    )
    posts = by_source(site)
    zh, en = posts["content/posts/cv/vit/index.md"], posts["content/posts/cv/vit/index.en.md"]
    assert (zh.lang, en.lang) == ("zh", "en")
    assert (zh.url, en.url) == ("posts/vit/", "en/posts/vit/")
    assert site.translations(zh) == (en,)


# ---------------------------------------------------------------------------- slugs


@pytest.mark.parametrize(
    ("file_name", "meta", "slug"),
    [
        pytest.param("蒙特卡洛方法.md", {}, "蒙特卡洛方法", id="unicode"),
        pytest.param("My Note.md", {}, "my-note", id="spaces-and-case"),
        pytest.param("whatever.md", {"slug": "Custom Slug"}, "custom-slug", id="explicit"),
        pytest.param("whatever.md", {"slug": "策略梯度"}, "策略梯度", id="explicit-unicode"),
    ],
)
def test_slugs(site_dir: Path, file_name: str, meta: dict[str, str], slug: str) -> None:
    site = load(site_dir, {f"content/posts/rl/{file_name}": post(**meta)})
    assert site.posts[0].slug == slug
    assert site.posts[0].url == f"posts/{slug}/"


def test_unicode_slug_page_is_built_and_linked(site_dir: Path, build_site) -> None:
    write_site(site_dir, {"content/posts/rl/蒙特卡洛方法.md": post("蒙特卡洛方法")})
    out = build_site(site_dir)

    page = out / "posts" / "蒙特卡洛方法" / "index.html"
    assert page.is_file()
    home = parse_html(out / "index.html")
    hrefs = [a.attributes["href"] for a in home.css(".post-list .post-item-title a")]
    assert [unquote(h) for h in hrefs] == ["/notes/posts/蒙特卡洛方法/"]


# --------------------------------------------------------------------------- drafts


def test_drafts_excluded_by_default_and_included_on_request(site_dir: Path) -> None:
    root = write_site(
        site_dir,
        {
            "content/posts/rl/done.md": post("完成"),
            "content/posts/rl/wip.md": post("草稿", draft="true"),
            "content/pages/todo.md": post("待办", draft="true"),
        },
    )
    assert [p.title for p in load_site(root).posts] == ["完成"]
    assert load_site(root).pages == ()

    with_drafts = load_site(root, include_drafts=True)
    assert sorted(p.title for p in with_drafts.posts) == ["完成", "草稿"]
    assert [p.title for p in with_drafts.pages] == ["待办"]
    assert by_source(with_drafts)["content/posts/rl/wip.md"].draft is True


def test_draft_is_not_built(site_dir: Path, build_site) -> None:
    write_site(
        site_dir,
        {"content/posts/rl/done.md": post("完成"), "content/posts/rl/wip.md": post(draft="true")},
    )
    out = build_site(site_dir)
    assert (out / "posts" / "done" / "index.html").is_file()
    assert not (out / "posts" / "wip").exists()


# -------------------------------------------------------------------------- bundles

SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"></svg>\n'


def test_bundle_assets_are_found(site_dir: Path) -> None:
    site = load(
        site_dir,
        {
            "content/posts/cv/vit/index.md": post("ViT", body="![图块](patches.svg)\n"),
            "content/posts/cv/vit/patches.svg": SVG,
            "content/posts/cv/vit/img/attention.svg": SVG,
            "content/posts/cv/other.md": post("其他"),
        },
    )
    posts = by_source(site)
    vit = posts["content/posts/cv/vit/index.md"]
    assert vit.slug == "vit"
    assert vit.category == "cv"
    assert vit.bundle_assets == (
        Path("content/posts/cv/vit/img/attention.svg"),
        Path("content/posts/cv/vit/patches.svg"),
    )
    assert posts["content/posts/cv/other.md"].bundle_assets == ()
    # Bundle files belong to the bundle, not to the loose assets.
    assert site.assets == ()


def test_bundle_image_is_copied_beside_the_page_and_resolves(site_dir: Path, build_site) -> None:
    write_site(
        site_dir,
        {
            "content/posts/cv/vit/index.md": post(
                "ViT", body="正文。\n\n![图块](patches.svg)\n\n![注意力](img/attention.svg)\n"
            ),
            "content/posts/cv/vit/patches.svg": SVG,
            "content/posts/cv/vit/img/attention.svg": SVG.replace("4", "8"),
        },
    )
    out = build_site(site_dir)

    assert (out / "posts" / "vit" / "patches.svg").read_text(encoding="utf-8") == SVG
    page_url = "https://example.github.io/notes/posts/vit/"
    tree = parse_html(out / "posts" / "vit" / "index.html")
    sources = [img.attributes["src"] for img in tree.css(".post-body img")]
    assert len(sources) == 2
    for src, original in zip(sources, ["patches.svg", "img/attention.svg"], strict=True):
        resolved = urlsplit(urljoin(page_url, src))
        assert resolved.netloc == "example.github.io"
        assert resolved.path.startswith("/notes/")
        target = out / unquote(resolved.path.removeprefix("/notes/"))
        assert target.is_file()
        assert target.read_bytes() == (site_dir / "content/posts/cv/vit" / original).read_bytes()


def test_loose_asset_is_copied_and_linked(site_dir: Path, build_site) -> None:
    write_site(
        site_dir,
        {
            "content/posts/rl/a.md": post("A", body="![图](../images/plot.svg)\n"),
            "content/posts/images/plot.svg": SVG,
        },
    )
    out = build_site(site_dir)
    tree = parse_html(out / "posts" / "a" / "index.html")
    src = tree.css_first(".post-body img").attributes["src"]
    assert src == "/notes/posts/images/plot.svg"
    assert (out / "posts" / "images" / "plot.svg").read_text(encoding="utf-8") == SVG


# --------------------------------------------------------------------------- pages


def test_standalone_pages(site_dir: Path, build_site) -> None:
    write_site(
        site_dir,
        {
            "content/posts/rl/a.md": post("A"),
            "content/pages/about.md": post("关于", body="关于本站。\n"),
            "content/pages/about.en.md": post("About", body="About this site.\n"),
        },
    )
    site = load_site(site_dir)
    assert [p.title for p in site.posts] == ["A"]
    pages = by_source(site)
    about, about_en = pages["content/pages/about.md"], pages["content/pages/about.en.md"]
    assert (about.kind, about.url, about.lang, about.category) == ("page", "about/", "zh", None)
    assert (about_en.url, about_en.lang) == ("en/about/", "en")
    assert site.translations(about) == (about_en,)

    out = build_site(site_dir)
    zh = parse_html(out / "about" / "index.html")
    en = parse_html(out / "en" / "about" / "index.html")
    assert [h.text(strip=True) for h in zh.css("h1")] == ["关于"]
    assert [h.text(strip=True) for h in en.css("h1")] == ["About"]
    assert "关于本站。" in zh.css_first(".post-body").text()


# -------------------------------------------------------------------------- frozen


def test_model_objects_are_frozen(site_dir: Path) -> None:
    site = load(site_dir, {"content/posts/rl/a.md": post("A", tags="[x]")})
    note = site.posts[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        note.title = "B"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        site.posts = ()  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        site.config.page_size = 3  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        site.config.categories["rl"].key = "x"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        site.config.languages["zh"].name = "x"  # type: ignore[misc]
    assert isinstance(site.posts, tuple)
    assert isinstance(note.tags, tuple)


# ---------------------------------------------------------------------------- serve's memo


def test_a_memo_rereads_only_what_the_watcher_names(tmp_path: Path) -> None:
    root = write_site(
        tmp_path, {"content/posts/a.md": post("甲"), "content/posts/b.md": post("乙")}
    )
    memo = LoadMemo()
    assert len(load_site(root, memo=memo).posts) == 2
    (root / "content/posts/a.md").write_text(post("甲二"), encoding="utf-8")
    (root / "content/posts/c.md").write_text(post("丙"), encoding="utf-8")
    memo.forget(Path("content/posts/a.md"))
    # The watcher named only a.md: the last folder scan is trusted, c.md is not seen yet.
    titles = {
        p.title for p in load_site(root, memo=memo, changed={Path("content/posts/a.md")}).posts
    }
    assert titles == {"甲二", "乙"}
    # It names a file the scan did not know: the folders are scanned again.
    changed = {Path("content/posts/c.md")}
    assert {p.title for p in load_site(root, memo=memo, changed=changed).posts} == {
        "甲二",
        "乙",
        "丙",
    }
    # Unknown changes (None): everything is checked.
    (root / "content/posts/b.md").unlink()
    assert {p.title for p in load_site(root, memo=memo).posts} == {"甲二", "丙"}
