"""The writing loop with math: a real `notesite serve` process, its watcher and KaTeX worker,
and Debian's Chromium on the page being written."""

from __future__ import annotations

import os
import re
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from conftest import BASIC_CONFIG, post, write_site
from playwright.sync_api import Page, expect
from serving import child_processes, start_server, stop_server, wait_connected

CONFIG = BASIC_CONFIG.replace("page_size: 2", "page_size: 10")
TITLE = "策略梯度"
NOTE = "content/posts/rl/pg.md"

# True when every TeX string is shown by KaTeX on the page (its annotation), none as an error.
RENDERED = """texs => {
    const shown = new Set(Array.from(
        document.querySelectorAll('.post-body .katex annotation[encoding="application/x-tex"]'),
        node => node.textContent));
    return texs.every(tex => shown.has(tex));
}"""


def save(root: Path, body: str, title: str = TITLE) -> None:
    (root / NOTE).write_text(post(title=title, date="2026-01-10", body=body), encoding="utf-8")


def line_of(path: Path, fragment: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, 1) if fragment in line)


@contextmanager
def writing(
    tmp_path: Path, page: Page, body: str, launcher: list[str] | None = None
) -> Iterator[tuple[Path, subprocess.Popen[str]]]:
    """A site with one note, served by a real `notesite serve`, open in `page`; yields the
    site folder and the server process (stopped on exit)."""
    root = write_site(tmp_path / "site", {NOTE: post(title=TITLE, body=body)}, CONFIG)
    process, url = start_server(root, launcher=launcher)
    try:
        page.goto(url + "posts/pg/")
        wait_connected(page)
        page.evaluate("window.__notReloaded = true")  # gone if the page reloads
        yield root, process
    finally:
        stop_server(process)


def test_new_formulas_typed_while_serving_render_in_place(tmp_path: Path, browser_page) -> None:
    page = browser_page
    with writing(tmp_path, page, "开头。") as (root, process):
        body, typed = "开头。\n", []
        for round_no in range(3):  # several in a row: the worker stays alive between saves
            token = secrets.token_hex(3)  # TeX that no page and no cache has seen
            inline = f"\\theta_{{{token}}}^{round_no + 2}"
            display = (
                f"\\frac{{\\partial L_{{{token}}}}}{{\\partial \\theta}} = \\sum_t \\gamma^t r_t"
            )
            body += f"\n第 {round_no} 步：${inline}$ 与\n\n$${display}$$\n"
            typed += [inline, display]
            save(root, body)
            page.wait_for_function(RENDERED, arg=typed, timeout=10_000)
            expect(page.locator(".post-body .math-error")).to_have_count(0)
        expect(page.locator(".post-body div.math .katex-display")).to_have_count(3)

        save(root, body.replace("开头。", "改过的开头。"))  # then a plain edit
        expect(page.locator(".post-body p").first).to_have_text("改过的开头。", timeout=10_000)
        assert page.evaluate("window.__notReloaded") is True
    assert "Traceback" not in process.stderr.read()


def test_config_edit_while_serving_shows_on_the_page(tmp_path: Path, browser_page) -> None:
    page = browser_page
    with writing(tmp_path, page, "公式 $x^2$。") as (root, process):
        config = root / "notesite.yaml"
        config.write_text(config.read_text().replace("测试站点", "我的笔记本"), encoding="utf-8")
        expect(page.locator(".site-title")).to_have_text("我的笔记本", timeout=10_000)
        expect(page).to_have_title(re.compile("我的笔记本"))
        # Formulas still render after the config change, new ones included.
        save(root, "公式 $x^2$ 和 $y_{new}^3$。")
        page.wait_for_function(RENDERED, arg=["x^2", "y_{new}^3"], timeout=10_000)
    assert "Traceback" not in process.stderr.read()


def test_invalid_tex_shows_in_overlay_with_line_until_fixed(tmp_path: Path, browser_page) -> None:
    page = browser_page
    with writing(tmp_path, page, "好的 $x$。") as (root, _):
        save(root, "好的 $x$。\n\n坏的 $\\frac{a$ 公式。\n")
        line = line_of(root / NOTE, "坏的")
        overlay = page.locator("#notesite-error-overlay")
        expect(overlay).to_contain_text(
            re.compile(rf"content/posts/rl/pg\.md:{line}: KaTeX error: "), timeout=10_000
        )
        # The page is updated anyway and shows the bad TeX in place.
        expect(page.locator(".post-body .math-error code")).to_have_text("\\frac{a")

        save(root, "好的 $x$。\n\n修好的 $\\frac{a}{b}$ 公式。\n")
        expect(overlay).to_have_count(0, timeout=10_000)
        page.wait_for_function(RENDERED, arg=["\\frac{a}{b}"], timeout=10_000)
        assert page.evaluate("window.__notReloaded") is True


FAULT_LAUNCHER = """\
import sys
from pathlib import Path

import notesite.pipeline as pipeline

original_read = pipeline.Pipeline.read


def read(self):
    # A stand-in for a bug in notesite: fails while the file is there.
    if (Path(self.root) / "crash-now").exists():
        raise RuntimeError("injected failure for the test")
    return original_read(self)


pipeline.Pipeline.read = read
from notesite.cli import main  # noqa: E402

sys.exit(main(sys.argv[1:]))
"""


def test_unexpected_failure_shows_overlay_and_next_save_recovers(
    tmp_path: Path, browser_page
) -> None:
    launcher = tmp_path / "launch_with_fault.py"
    launcher.write_text(FAULT_LAUNCHER, encoding="utf-8")
    page = browser_page
    with writing(tmp_path, page, "第一版。", [sys.executable, str(launcher)]) as (root, process):
        (root / "crash-now").write_text("")
        overlay = page.locator("#notesite-error-overlay")
        expect(overlay).to_contain_text(
            "internal error: RuntimeError: injected failure", timeout=10_000
        )
        expect(overlay).to_contain_text("terminal running `notesite serve`")
        expect(page.locator(".post-body p").first).to_have_text("第一版。")  # last good page

        (root / "crash-now").unlink()
        save(root, "第二版 $z_{after}$。")
        expect(overlay).to_have_count(0, timeout=10_000)
        expect(page.locator(".post-body p").first).to_contain_text("第二版")
        page.wait_for_function(RENDERED, arg=["z_{after}"], timeout=10_000)
    assert process.returncode == 0
    stderr = process.stderr.read()
    assert "Traceback (most recent call last)" in stderr
    assert "RuntimeError: injected failure for the test" in stderr


def test_katex_worker_is_restarted_after_it_dies_and_stopped_on_exit(
    tmp_path: Path, browser_page
) -> None:
    page = browser_page
    with writing(tmp_path, page, "开头 $a$。") as (root, process):
        workers = child_processes(process.pid)
        assert len(workers) == 1  # started with the server, before any new formula
        os.kill(workers[0], signal.SIGKILL)
        save(root, "开头 $a$。\n\n之后 $b_{revived}$。")
        page.wait_for_function(RENDERED, arg=["b_{revived}"], timeout=10_000)
        revived = child_processes(process.pid)
        assert len(revived) == 1 and revived != workers
    assert process.returncode == 0
    assert all(_exits(pid) for pid in revived)  # stopped with the server, not orphaned


def _exits(pid: int, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    return not Path(f"/proc/{pid}").exists()
