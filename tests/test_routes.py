"""The route table: one URL per page kind and language, and the segments it reserves."""

from __future__ import annotations

import pytest

from notesite import routes


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        pytest.param(routes.home(""), "", id="home-default-language"),
        pytest.param(routes.home("en/"), "en/", id="home-other-language"),
        pytest.param(routes.post("en/", "td"), "en/posts/td/", id="post"),
        pytest.param(routes.standalone("", "about"), "about/", id="standalone-page"),
        pytest.param(routes.categories("en/"), "en/categories/", id="categories"),
        pytest.param(routes.category("", "rl"), "categories/rl/", id="category"),
        pytest.param(routes.tag("", "ppo"), "tags/ppo/", id="tag"),
        pytest.param(routes.archive_month("", 2026, 3), "archives/2026/03/", id="month"),
        pytest.param(routes.feed("en/"), "en/atom.xml", id="feed"),
        pytest.param(routes.listing_page("tags/ppo/", 1), "tags/ppo/", id="first-page"),
        pytest.param(routes.listing_page("tags/ppo/", 3), "tags/ppo/page/3/", id="third-page"),
    ],
)
def test_routes(url: str, expected: str) -> None:
    assert url == expected


def test_every_first_segment_notesite_generates_is_reserved() -> None:
    generated = [
        routes.post("", "x"),
        routes.categories(""),
        routes.tags(""),
        routes.archives(""),
        routes.listing_page("", 2),
    ]
    assert {url.split("/")[0] for url in generated} <= routes.RESERVED_SEGMENTS
