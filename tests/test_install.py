"""notesite as a new user gets it: the wheel, installed into a fresh virtual environment,
starts a site with `notesite init` in an empty folder and builds it with formulas
rendered at build time — with Node.js, and with Node.js off PATH (the embedded engine) —
byte for byte the same. No npm step, no node_modules anywhere.

The wheel is built once for the module (pip, with the test extra's hatchling) and
installed with `--no-deps` into a venv of its own; its dependencies come from the test
venv through a path file (listing a folder there does not run that folder's own path
files, so the editable notesite of the test venv stays invisible).
"""

from __future__ import annotations

import email
import email.policy
import filecmp
import hashlib
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
from conftest import REPO, parse_html

KATEX_VERSION = json.loads((REPO / "package-lock.json").read_text(encoding="utf-8"))["packages"][
    "node_modules/katex"
]["version"]


def build_wheel(into: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]
        + ["-w", str(into), str(REPO)],
        check=True,
        env={**os.environ, "PIP_NO_INDEX": "1"},
    )
    (wheel,) = into.glob("notesite-*.whl")
    return wheel


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_wheel(tmp_path_factory.mktemp("wheel"))


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory, wheel: Path) -> Path:
    """A fresh venv with the wheel really installed (not editable, no dependencies)."""
    root = tmp_path_factory.mktemp("venv") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True)
    python = root / "bin" / "python"
    target = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(target, "test-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps"]
        + ["--no-index", str(wheel)],
        check=True,
    )
    return root


def run(venv: Path, *args: str, cwd: Path, path: str) -> subprocess.CompletedProcess[str]:
    """`notesite ARGS` from the venv, with this PATH and nothing of the checkout in sight."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NOTESITE_", "PYTHON"))}
    env["PATH"] = path
    return subprocess.run(
        [str(venv / "bin" / "notesite"), *args], cwd=cwd, env=env, capture_output=True, text=True
    )


def with_node(venv: Path) -> str:
    node = shutil.which("node")
    assert node, "Node.js is needed for this comparison"
    return f"{venv / 'bin'}{os.pathsep}{Path(node).parent}"


def file_names(root: Path) -> set[str]:
    """Every file of a built site, but the build manifest (it records times)."""
    names = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}
    return names - {".notesite-manifest.json"}


def same_tree(left: Path, right: Path) -> list[str]:
    """Files that differ or exist on one side only."""
    differ = file_names(left) ^ file_names(right)
    for name in file_names(left) & file_names(right):
        if not filecmp.cmp(left / name, right / name, shallow=False):
            differ.add(name)
    return sorted(differ)


def test_wheel_carries_theme_katex_and_metadata(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        version = archive.read("notesite/katex_dist/VERSION").decode().strip()
        metadata = email.message_from_bytes(
            archive.read("notesite-0.1.0.dist-info/METADATA"), policy=email.policy.default
        )
    assert version == KATEX_VERSION
    assert {"notesite/katex_dist/katex.min.js", "notesite/katex_dist/katex.min.css"} <= names
    assert "notesite/katex_dist/LICENSE" in names  # KaTeX's MIT licence travels with it
    fonts = {n for n in names if n.startswith("notesite/katex_dist/fonts/")}
    expected = {p.name for p in (REPO / "node_modules/katex/dist/fonts").glob("*.woff2")}
    assert {Path(n).name for n in fonts} == expected and len(expected) > 10
    assert {"notesite/theme/templates/base.html", "notesite/__main__.py"} <= names
    assert "notesite/katex_render.js" in names and "notesite/katex_worker.js" in names
    assert not any("node_modules" in n for n in names)
    assert any(c.startswith("Topic :: ") for c in metadata.get_all("Classifier"))
    assert metadata["Keywords"] and metadata.get_all("Project-URL")
    assert any(d.startswith("mini-racer") for d in metadata.get_all("Requires-Dist"))


def test_wheel_is_reproducible(wheel: Path, tmp_path: Path) -> None:
    again = build_wheel(tmp_path)
    assert (
        hashlib.sha256(again.read_bytes()).digest() == hashlib.sha256(wheel.read_bytes()).digest()
    )


def test_init_then_build_with_node_and_without_it_gives_the_same_site(
    venv: Path, tmp_path: Path
) -> None:
    assert not any((folder / "node_modules").exists() for folder in tmp_path.parents)
    node_path, bare_path = with_node(venv), str(venv / "bin")
    made = run(venv, "init", "notes", cwd=tmp_path, path=bare_path)
    assert made.returncode == 0, made.stderr
    assert made.stdout.splitlines()[-3:] == [
        "  cd notes",
        "  notesite serve --open",
        '  notesite new "My first real note"',
    ]
    site = tmp_path / "notes"

    outputs = {}
    for name, path in (("node", node_path), ("embedded", bare_path)):
        version = run(venv, "--version", cwd=site, path=path)
        assert ("Node.js" if name == "node" else "embedded V8") in version.stdout
        args = ["build", "--strict", "--output", f"../out-{name}", "--cache-dir", f"../c-{name}"]
        built = run(venv, *args, cwd=site, path=path)
        assert built.returncode == 0, built.stderr
        assert "formulas: 4 (4 rendered, 0 from cache)" in built.stdout  # none from a cache
        outputs[name] = tmp_path / f"out-{name}"

    assert same_tree(outputs["node"], outputs["embedded"]) == []
    page = parse_html(outputs["node"] / "posts/discounted-return/index.html")
    display = page.css_first(".post-body .katex-display")
    assert display is not None and display.css_first("math annotation") is not None
    assert "\\gamma^k" in display.css_first("annotation").text()
    assert page.css_first('.post-body a.eqref[href="#eq-eq-return"]') is not None
    assert page.css_first('link[href$="static/katex/katex.min.css"]') is not None
    fonts = list((outputs["node"] / "static/katex/fonts").glob("*.woff2"))
    assert len(fonts) > 10
    english = parse_html(outputs["node"] / "en/posts/discounted-return/index.html")
    assert english.css_first("html").attributes["lang"] == "en"
    assert english.css_first(".post-body .katex-display") is not None


def test_without_any_javascript_engine_one_line_says_what_to_install(
    venv: Path, tmp_path: Path
) -> None:
    assert run(venv, "init", "-q", "site", cwd=tmp_path, path=str(venv / "bin")).returncode == 0
    # mini-racer made unimportable the way a missing one is: an ImportError on import.
    blocker = tmp_path / "blocker"
    blocker.mkdir()
    (blocker / "py_mini_racer.py").write_text("raise ImportError('not installed')\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("NOTESITE_")}
    env.update(PATH=str(venv / "bin"), PYTHONPATH=str(blocker))
    args = ["build", "--cache-dir", str(tmp_path / "cache")]
    result = subprocess.run(
        [str(venv / "bin" / "notesite"), *args],
        cwd=tmp_path / "site",
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert "Node.js" in lines[0] and "mini-racer" in lines[0]
    assert not (tmp_path / "site" / "public").exists()


def test_python_dash_m_notesite_runs(venv: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "notesite", "--help"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0 and "init" in result.stdout and "exit status" in result.stdout
