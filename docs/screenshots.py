"""The README's screenshots, made from this repository's site as it builds today.

Builds the site into a temporary folder, serves it locally, and shoots it with Playwright
driving Debian's Chromium: the home page, the most math-heavy note in the light and the dark
theme, and the same note on a phone. Chinese needs a CJK font: when fontconfig has none,
the script installs Debian's `fonts-noto-cjk` with apt-get (as root, or with sudo).

    .venv/bin/python docs/screenshots.py [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

from lighthouse import CHROMIUM, build_repository_site, most_math_note, serve  # noqa: E402

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"]
# name -> (path (None: the note), theme, viewport width, height, device scale, what to
# scroll to: formulas in the light shot, code in the dark one)
SHOTS = {
    "home": ("", "light", 1280, 860, 1, None),
    "note-light": (None, "light", 1280, 860, 1, ".post-body h2"),
    "note-dark": (None, "dark", 1280, 860, 1, ".post-body .code-block"),
    "phone": (None, "light", 390, 780, 2, None),
}


def has_cjk_font() -> bool:
    found = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True, check=False)
    return bool(found.stdout.strip())


def shoot(base: str, note: str, out: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for name, (path, theme, width, height, scale, target) in SHOTS.items():
            context = browser.new_context(
                viewport={"width": width, "height": height},
                device_scale_factor=scale,
                color_scheme=theme,
            )
            page = context.new_page()
            page.goto(base + (note if path is None else path), wait_until="networkidle")
            if target:
                page.evaluate(
                    "selector => document.querySelector(selector)"
                    "?.scrollIntoView({block: 'center'})",
                    target,
                )
                page.wait_for_timeout(300)
            page.screenshot(path=str(out / f"{name}.png"))
            context.close()
        browser.close()


def install_cjk_font() -> None:
    """Install Debian's Noto CJK fonts (as root, or with sudo), so Chinese is drawn."""
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    for step in (["apt-get", "update"], ["apt-get", "install", "-y", "fonts-noto-cjk"]):
        if subprocess.run([*sudo, *step], check=False).returncode != 0:
            sys.exit("no Chinese font, and apt-get failed: install fonts-noto-cjk, then run again")
    if not has_cjk_font():
        sys.exit("fonts-noto-cjk is installed but fontconfig finds no Chinese font")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    args = parser.parse_args()
    if not has_cjk_font():
        install_cjk_font()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as temp:
        output = build_repository_site(Path(temp))
        note = most_math_note(output)
        with serve(output) as base:
            shoot(base, note, args.out)
    for shot in sorted(args.out.glob("*.png")):
        shown = shot.relative_to(REPO) if shot.is_relative_to(REPO) else shot
        print(f"{shown}: {shot.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
