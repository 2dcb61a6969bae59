"""Shared fixtures: tiny sites written into tmp_path, built, and parsed back."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from selectolax.lexbor import LexborHTMLParser

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

    from notesite.serve.state import LiveSite

REPO = Path(__file__).resolve().parents[1]


def _find_corpus() -> Path:
    """The real corpus: $NOTESITE_CORPUS, else ../shared beside the checkout, else /work/shared."""
    candidates = [Path(os.environ["NOTESITE_CORPUS"])] if os.environ.get("NOTESITE_CORPUS") else []
    candidates += [REPO.parent / "shared/corpus/real", Path("/work/shared/corpus/real")]
    return next((c for c in candidates if (c / "math_spans.json").is_file()), candidates[0])


CORPUS = _find_corpus()

BASIC_CONFIG = """\
title: {zh: 测试站点, en: Test Site}
description: {zh: 描述, en: Description}
author: Tester
base_url: https://example.github.io/notes/
default_language: zh
timezone: Asia/Shanghai
page_size: 2
languages:
  zh: {name: 中文, locale: zh-CN}
  en: {name: English, locale: en}
categories:
  rl:  {zh: 强化学习, en: Reinforcement Learning}
  cv:  {zh: 计算机视觉, en: Computer Vision}
"""


def write_site(root: Path, files: dict[str, str | bytes], config: str = BASIC_CONFIG) -> Path:
    """Write `notesite.yaml` and `files` (path -> text, dedented, or raw bytes) under root."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "notesite.yaml").write_text(config, encoding="utf-8")
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
    return root


def post(title: str = "标题", date: str = "2026-01-11", body: str = "正文。", **meta: str) -> str:
    """A Markdown note with front matter; extra keys are written as given (YAML)."""
    lines = [f"title: {title}", f"date: {date}"] + [f"{k}: {v}" for k, v in meta.items()]
    return "---\n" + "\n".join(lines) + "\n---\n\n" + textwrap.dedent(body).lstrip("\n")


def output_tree(folder: Path) -> dict[str, bytes]:
    """Every file of a built site by its path, but the manifest (it records file times)."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != ".notesite-manifest.json"
    }


def parse_html(path: Path) -> LexborHTMLParser:
    return LexborHTMLParser(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="session", autouse=True)
def formula_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Tests never touch the user's formula cache; the session shares one."""
    path = tmp_path_factory.mktemp("formula-cache")
    os.environ["NOTESITE_CACHE_DIR"] = str(path)
    return path


def math_tex(node) -> str:
    """The TeX of a rendered `.math` element: KaTeX's annotation, or the source of an error."""
    annotation = node.css_first('annotation[encoding="application/x-tex"]')
    if annotation is not None:
        return annotation.text(deep=True)
    error = node.css_first(".math-error code")
    return error.text(deep=True) if error is not None else node.text(deep=True)


def build_in(
    factory: pytest.TempPathFactory, files: dict[str, str | bytes], config: str = BASIC_CONFIG
) -> Path:
    """Write a site and build it into new temporary folders (for module-scoped fixtures,
    which cannot use tmp_path); returns the output folder."""
    from notesite.build import build

    root = write_site(factory.mktemp("site"), files, config)
    target = factory.mktemp("public")
    build(root, target, cache_dir=factory.mktemp("cache"))
    return target


@pytest.fixture
def site_dir(tmp_path: Path) -> Path:
    return tmp_path / "site"


@pytest.fixture
def build_site(tmp_path: Path) -> Callable[..., Path]:
    """Build a site folder into tmp_path/public and return the output folder."""
    from notesite.build import build

    def run(root: Path, drafts: bool = False, output: Path | None = None) -> Path:
        out = output or tmp_path / "public"
        build(root, out, drafts=drafts)
        return out

    return run


@pytest.fixture
def render_md() -> Callable[..., str]:
    """Render a Markdown body with the client-side math markup to HTML."""
    from notesite.markdown import MarkdownRenderer
    from notesite.mathrender import client_markup

    renderer = MarkdownRenderer(client_markup)

    def run(body: str, **kwargs: object) -> str:
        return renderer.render(textwrap.dedent(body), **kwargs).html

    return run


@contextmanager
def launched_chromium() -> Iterator[Browser]:
    """Debian's Chromium, driven by Playwright (never a downloaded browser)."""
    from browser import CHROMIUM, CHROMIUM_ARGS
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def browser_page() -> Iterator[Page]:
    """A page in a browser of its own."""
    with launched_chromium() as chromium:
        yield chromium.new_page()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One browser for a module's tests (each makes its own pages or contexts)."""
    with launched_chromium() as chromium:
        yield chromium


def served_equals_built(live: LiveSite, root: Path, out: Path) -> list[str]:
    """The output files whose bytes `live` serves differently from a fresh build's."""
    from notesite.build import build
    from notesite.writer import MANIFEST

    build(root, out, drafts=True, cache_dir=out.parent / "build-cache")
    built = {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in out.rglob("*")
        if p.is_file() and p.name != MANIFEST
    }
    return [path for path, content in built.items() if live.get(path) != content]


def record_calls(
    monkeypatch: pytest.MonkeyPatch, events: list, owner: object, name: str, label: str
) -> None:
    """Patch `owner.name` (a function of a module or a class) to append `label` to
    `events` on each call, then do what it did."""
    real = getattr(owner, name)

    def recording(*args: object, **kwargs: object) -> object:
        events.append(label)
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, recording)
