"""Wheel build hook: put the KaTeX that server-side math needs into the package.

The version is the one `package-lock.json` pins. The files (script, stylesheet,
woff2 fonts, licence) come from `node_modules/katex` when `npm ci` installed that
version, else from the npm registry's tarball of it (`$npm_config_registry`, as
npm, for a mirror), checked against the lock's sha512 `integrity`. Nothing of
KaTeX is kept in the repository.

A wheel carries them as `notesite/katex_dist/`. An editable install runs the code
in `src/`, so there they are written to `src/notesite/katex_dist/` (git-ignored)
unless the checkout has `node_modules/katex`, which is used directly.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
import urllib.request
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

PACKAGED = "notesite/katex_dist"
# npm's own setting for a mirror; package-lock.json may leave `resolved` out.
REGISTRY = os.environ.get("npm_config_registry") or "https://registry.npmjs.org/"  # noqa: SIM112
WANTED = ("dist/katex.min.js", "dist/katex.min.css", "LICENSE")


def locked_katex(root: Path) -> dict[str, str]:
    """`version`, `resolved` (tarball URL) and `integrity` of katex in package-lock.json."""
    lock = json.loads((root / "package-lock.json").read_text(encoding="utf-8"))
    locked = dict(lock["packages"]["node_modules/katex"])
    version = locked["version"]
    locked.setdefault("resolved", f"{REGISTRY.rstrip('/')}/katex/-/katex-{version}.tgz")
    return locked


def wanted(name: str) -> bool:
    """Is this path inside the katex package one the site needs?"""
    return name in WANTED or (name.startswith("dist/fonts/") and name.endswith(".woff2"))


def installed_files(package: Path, version: str) -> dict[str, bytes] | None:
    """The files from node_modules/katex, if that is the locked version."""
    manifest = package / "package.json"
    if not manifest.is_file():
        return None
    if json.loads(manifest.read_text(encoding="utf-8"))["version"] != version:
        return None
    names = [*WANTED, *(f"dist/fonts/{p.name}" for p in (package / "dist/fonts").glob("*.woff2"))]
    return {name: (package / name).read_bytes() for name in names}


def downloaded_files(locked: dict[str, str]) -> dict[str, bytes]:
    """The files from the registry tarball, after checking it against the lock."""
    try:
        with urllib.request.urlopen(locked["resolved"], timeout=60) as response:
            tarball = response.read()
    except OSError as error:
        raise RuntimeError(
            f"notesite's wheel needs KaTeX {locked['version']}: run `npm ci` first, or let "
            f"the build reach {locked['resolved']} ({error})"
        ) from None
    algorithm, _, expected = locked["integrity"].partition("-")
    digest = base64.b64encode(hashlib.new(algorithm, tarball).digest()).decode()
    if digest != expected:
        raise RuntimeError(f"{locked['resolved']}: integrity does not match package-lock.json")
    files = {}
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
        for member in archive.getmembers():
            name = member.name.removeprefix("package/")
            if member.isfile() and wanted(name):
                files[name] = archive.extractfile(member).read()  # type: ignore[union-attr]
    return files


def write_dist(files: dict[str, bytes], version: str, target: Path) -> None:
    """Lay the files out as KaTeX's own dist/ folder, plus VERSION."""
    if target.exists():
        shutil.rmtree(target)
    for name, data in files.items():
        path = target / name.removeprefix("dist/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    (target / "VERSION").write_text(version + "\n", encoding="utf-8")


class KatexBuildHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel":
            return  # an sdist carries package-lock.json; its wheel build fetches KaTeX
        root = Path(self.root)
        locked = locked_katex(root)
        files = installed_files(root / "node_modules/katex", locked["version"])
        if version == "editable":
            if files is None:  # no npm ci: the editable install needs its own copy
                write_dist(downloaded_files(locked), locked["version"], root / "src" / PACKAGED)
            return
        staging = Path(tempfile.mkdtemp(prefix="notesite-katex-"))
        write_dist(files or downloaded_files(locked), locked["version"], staging)
        self.staging = staging
        build_data["force_include"][str(staging)] = PACKAGED

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        staging = getattr(self, "staging", None)
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
