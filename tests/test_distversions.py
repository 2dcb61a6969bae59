"""Installed versions read off `.dist-info` folders agree with importlib.metadata."""

from __future__ import annotations

import sys
from importlib import metadata
from pathlib import Path

import pytest

from notesite import distversions

INSTALLED = ["markdown-it-py", "mdit_py_plugins", "Pygments", "jinja2", "PyYAML", "MarkupSafe"]


@pytest.mark.parametrize("name", INSTALLED)
def test_the_versions_of_installed_packages_are_importlib_metadatas(name: str) -> None:
    assert distversions.version(name) == metadata.version(name)


def test_a_package_that_is_not_installed_has_no_version() -> None:
    assert distversions.version("no-such-package-anywhere") is None


def test_the_first_folder_with_a_record_wins_and_two_records_are_left_to_metadata(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    (first / "Fake_Pkg-2.0.dist-info").mkdir(parents=True)
    (second / "fake_pkg-1.0.dist-info").mkdir(parents=True)
    monkeypatch.setattr(sys, "path", [str(first), str(second)])
    distversions._dist_infos.cache_clear()
    assert distversions.version("fake-pkg") == "2.0"
    (first / "fake.pkg-3.0.dist-info").mkdir()
    distversions._dist_infos.cache_clear()
    asked: list[str] = []
    monkeypatch.setattr(distversions, "_from_metadata", lambda name: asked.append(name) or "?")
    assert distversions.version("fake-pkg") == "?" and asked == ["fake-pkg"]
    distversions._dist_infos.cache_clear()
