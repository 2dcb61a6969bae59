"""`notesite serve` as a real process, driven through Debian's Chromium."""

from __future__ import annotations

import os
import re
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import BASIC_CONFIG, post, write_site
from playwright.sync_api import Page, expect
from selectolax.lexbor import LexborHTMLParser
from serving import start_server, stop_server, wait_connected

from notesite.serve.http import RELOAD_SCRIPT_TAG, pushed_page

CONFIG = BASIC_CONFIG.replace("page_size: 2", "page_size: 10")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    files = {
        "content/posts/rl/td.md": post(
            title="时序差分", date="2026-01-10", body="第一版正文。\n\n" + "段落。\n\n" * 80
        ),
        "content/posts/rl/mc.md": post(title="蒙特卡洛", date="2026-01-05", body="蒙特卡洛正文。"),
        "content/posts/rl/wip.md": post(
            title="草稿笔记", date="2026-01-06", draft="true", body="未完成。"
        ),
        "content/posts/cv/future.md": post(
            title="未来的笔记", date="2099-01-01", body="以后发布。"
        ),
        "static/css/extra.css": "body { }\n",
    }
    root = write_site(tmp_path / "site", files, CONFIG)
    process, url = start_server(root)
    try:
        yield root, url
    finally:
        stop_server(process)


def test_edit_shows_without_manual_reload_and_keeps_scroll(served, browser_page: Page) -> None:
    root, url = served
    page = browser_page
    page.goto(url + "posts/td/")
    wait_connected(page)
    page.evaluate("window.scrollTo(0, 600)")
    note = root / "content/posts/rl/td.md"
    note.write_text(
        note.read_text(encoding="utf-8").replace("第一版正文", "第二版正文"), encoding="utf-8"
    )
    expect(page.locator(".post-body p").first).to_have_text("第二版正文。", timeout=5000)
    page.wait_for_function("window.scrollY > 500")
    # The patched page is exactly the page the server now serves.
    same = page.evaluate(
        """async () => {
            const html = await (await fetch(location.href, {cache: "no-store"})).text();
            const next = new DOMParser().parseFromString(html, "text/html");
            return next.body.innerHTML === document.body.innerHTML && next.title === document.title;
        }"""
    )
    assert same


def test_atomic_save_by_rename_is_seen(served, browser_page: Page) -> None:
    root, url = served
    page = browser_page
    page.goto(url + "posts/mc/")
    wait_connected(page)
    note = root / "content/posts/rl/mc.md"
    temporary = note.with_name(".mc.md.swp")
    temporary.write_text(
        post(title="蒙特卡洛", date="2026-01-05", body="原子保存的正文。"), encoding="utf-8"
    )
    os.replace(temporary, note)
    expect(page.locator(".post-body p").first).to_have_text("原子保存的正文。", timeout=5000)


def test_broken_front_matter_shows_overlay_until_fixed(served, browser_page: Page) -> None:
    root, url = served
    page = browser_page
    page.goto(url + "posts/mc/")
    wait_connected(page)
    note = root / "content/posts/rl/mc.md"
    good = note.read_text(encoding="utf-8")
    note.write_text(good.replace("title: 蒙特卡洛", "title: [broken"), encoding="utf-8")
    overlay = page.locator("#notesite-error-overlay")
    expect(overlay).to_contain_text(
        re.compile(r"content/posts/rl/mc\.md:[23]: YAML syntax error"), timeout=5000
    )
    assert page.locator("h1").inner_text() == "蒙特卡洛"  # the last good page stays
    note.write_text(good.replace("蒙特卡洛正文", "修好了"), encoding="utf-8")
    expect(overlay).to_have_count(0, timeout=5000)
    expect(page.locator(".post-body p").first).to_have_text("修好了。", timeout=5000)


def test_css_change_applies_without_navigation(served, browser_page: Page) -> None:
    root, url = served
    page = browser_page
    page.goto(url + "posts/mc/")
    wait_connected(page)
    page.evaluate("window.__marker = 'still here'")
    (root / "static/css/style.css").write_text("body { background-color: rgb(1, 2, 3); }\n")
    page.wait_for_function(
        "getComputedStyle(document.body).backgroundColor === 'rgb(1, 2, 3)'", timeout=5000
    )
    assert page.evaluate("window.__marker") == "still here"  # no reload happened


def test_rename_and_delete_update_listings(served, browser_page: Page) -> None:
    root, url = served
    page = browser_page
    page.goto(url)
    wait_connected(page)
    titles = page.locator(".post-item-title a")
    expect(titles).to_have_text(["未来的笔记", "时序差分", "草稿笔记", "蒙特卡洛"])
    os.replace(root / "content/posts/rl/mc.md", root / "content/posts/rl/monte-carlo.md")
    expect(page.locator('.post-item-title a[href="/notes/posts/monte-carlo/"]')).to_have_count(
        1, timeout=5000
    )
    (root / "content/posts/rl/td.md").unlink()
    expect(titles).to_have_text(["未来的笔记", "草稿笔记", "蒙特卡洛"], timeout=5000)


def test_drafts_and_future_notes_are_served_and_marked(served, browser_page: Page) -> None:
    _, url = served
    browser_page.goto(url + "posts/wip/")
    expect(browser_page.locator(".badge.draft")).to_have_count(1)
    browser_page.goto(url + "posts/future/")
    expect(browser_page.locator(".notesite-scheduled")).to_have_text("未到发布日期")
    browser_page.goto(url + "posts/mc/")
    expect(browser_page.locator(".notesite-scheduled")).to_have_count(0)


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_safety_and_404(served, tmp_path: Path) -> None:
    root, url = served
    (tmp_path / "secret.txt").write_text("secret")
    (root / "static" / "link.txt").symlink_to(tmp_path / "secret.txt")
    origin = url.split("/notes/")[0]
    assert _status(url + "nope/") == 404
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(url + "nope/")
    assert b"404" in info.value.read()
    for attack in ("%2e%2e/%2e%2e/etc/passwd", "../../etc/passwd", "..%2f..%2fetc/passwd"):
        assert _status(url + attack) == 404, attack
    time.sleep(0.5)
    assert _status(url + "static/link.txt") == 404
    assert _status(origin + "/") == 200  # redirected to /notes/


def test_binds_loopback_and_stops_cleanly(tmp_path: Path) -> None:
    root = write_site(tmp_path / "site", {"content/posts/rl/a.md": post()}, CONFIG)
    process, url = start_server(root)
    assert url.startswith("http://127.0.0.1:")
    stop_server(process)
    assert process.returncode == 0
    assert "Traceback" not in process.stderr.read()


def test_serving_from_the_site_folder_rebuilds_on_save(tmp_path: Path) -> None:
    """`notesite serve` run in the site's folder (the site is `.`): a save in a subfolder
    shows. watchdog 7 watches nothing below a root given as `.`."""
    root = write_site(tmp_path / "site", {"content/posts/rl/a.md": post(body="第一版。")}, CONFIG)
    process, url = start_server(root, in_folder=True)
    try:
        note = root / "content/posts/rl/a.md"
        note.write_text(note.read_text("utf-8").replace("第一版", "第二版"), "utf-8")
        for _ in range(100):
            with urllib.request.urlopen(url + "posts/a/") as response:
                body = LexborHTMLParser(response.read().decode("utf-8")).css_first(".post-body")
            if body is not None and "第二版" in body.text():
                break
            time.sleep(0.1)
        else:
            raise AssertionError("the save never showed")
    finally:
        stop_server(process)
    assert "not under watched root" not in process.stderr.read()


def _read_event(stream, name: str) -> str:
    """The data of the next `name` event on a raw event stream (lines joined by "\\n")."""
    event, data = None, []
    for raw in stream:
        line = raw.decode("utf-8").removesuffix("\n")
        if line.startswith("event: "):
            event, data = line.removeprefix("event: "), []
        elif line.startswith("data: "):
            data.append(line.removeprefix("data: "))
        elif line == "" and event is not None:
            if event == name:
                return "\n".join(data)
            event = None
    raise AssertionError(f"the stream ended before a {name!r} event")


def test_reload_event_carries_the_page_a_get_would_serve(served) -> None:
    """The browser patches itself from the event's data without fetching the page, so the
    data must be exactly the page's new body as served (reload script included)."""
    root, url = served
    page_url = url + "posts/td/"
    path = "/" + page_url.split("/", 3)[3]
    request = urllib.request.Request(url.split("/notes/")[0] + "/__notesite/events?page=" + path)
    with urllib.request.urlopen(request, timeout=15) as stream:
        assert stream.readline() == b": connected\n"
        note = root / "content/posts/rl/td.md"
        note.write_text(note.read_text("utf-8").replace("第一版正文", "第三版正文"), "utf-8")
        pushed = _read_event(stream, "reload")
    with urllib.request.urlopen(page_url) as response:
        served_now = response.read().decode("utf-8")
    assert "第三版正文" in pushed
    assert pushed == served_now


def test_pages_an_event_cannot_carry_are_fetched_instead() -> None:
    # An event stream reads a carriage return as a line break; such a page, and one
    # that is gone, go as an empty event (the browser then fetches the page).
    assert pushed_page(b"<p>a\r\nb</p></body>") == ""
    assert pushed_page(None) == ""
    assert pushed_page(b"<p>x</p></body>") == f"<p>x</p>{RELOAD_SCRIPT_TAG.decode()}</body>"
