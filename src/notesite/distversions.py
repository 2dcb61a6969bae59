"""Installed packages' versions, read off their `.dist-info` folders on `sys.path`.

Every build needs a few (they are part of its cache keys); importing
`importlib.metadata` to ask takes about 30 ms, a fifth of a build with nothing to do.
An installed distribution is recorded as `<name>-<version>.dist-info` in a folder of
`sys.path`, and the first folder that has it is the one Python imports from. Anything
less plain (no such folder, two of them, an `.egg-info`) is asked of
`importlib.metadata` after all.
"""

from __future__ import annotations

import functools
import os
import re
import sys

_SEPARATORS = re.compile(r"[-_.]+")


def version(name: str) -> str | None:
    """The installed version of distribution `name`, or None when it is not installed."""
    wanted = _normalized(name)
    for folder in sys.path:
        found = [release for dist, release in _dist_infos(folder or ".") if dist == wanted]
        if len(found) == 1:
            return found[0]
        if found:
            break  # two records in one folder: let importlib.metadata choose
    return _from_metadata(name)


@functools.cache
def _dist_infos(folder: str) -> tuple[tuple[str, str], ...]:
    """(normalized name, version) of each `.dist-info` folder in `folder`."""
    try:
        names = os.listdir(folder)
    except OSError:
        return ()
    found = []
    for entry in names:
        if entry.endswith(".dist-info"):
            dist, dash, release = entry.removesuffix(".dist-info").partition("-")
            if dash and release:
                found.append((_normalized(dist), release))
    return tuple(found)


def _normalized(name: str) -> str:
    return _SEPARATORS.sub("_", name).lower()


def _from_metadata(name: str) -> str | None:
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None
