"""Replace a folder by another in one step, and clear what killed builds left beside it.

The writer builds the next output beside the current one (unchanged files hard-linked,
new ones moved in) and then swaps the two: a reader, a deploy or a build killed at any
moment sees the whole old site or the whole new one, never a mix.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import shutil
from pathlib import Path

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _renameat2() -> object | None:
    """glibc's renameat2 (Linux 3.15+), or None where there is none."""
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p]
    function.argtypes += [ctypes.c_uint]
    return function


_RENAMEAT2 = _renameat2()


def exchange(new: Path, current: Path) -> bool:
    """Swap the folders `new` and `current` atomically (afterwards `new` holds the old
    contents); False where the system or file system cannot."""
    if _RENAMEAT2 is None:
        return False
    status = _RENAMEAT2(  # type: ignore[operator]
        _AT_FDCWD, os.fsencode(new), _AT_FDCWD, os.fsencode(current), _RENAME_EXCHANGE
    )
    if status == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(current))


def replace_folder(new: Path, current: Path, retire_to: Path | None = None) -> None:
    """Put the folder `new` where `current` is; `new` is gone afterwards. Atomic where
    `exchange` works; elsewhere the old folder is renamed away first (a crash between the
    two renames leaves no `current`, but never a mix of both). The old contents are
    removed, or moved to `retire_to` (on the same file system) for `clear_retired` to
    remove later, off the build's path."""
    if not current.exists():
        os.replace(new, current)
        return
    if exchange(new, current):
        _retire(new, retire_to)  # the old contents
        return
    retired = current.with_name(new.name + ".old")
    os.replace(current, retired)
    os.replace(new, current)
    _retire(retired, retire_to)


def _retire(old: Path, retire_to: Path | None) -> None:
    if retire_to is not None:  # its folder exists (the writer made it, same file system)
        try:
            os.rename(old, retire_to)
            return
        except OSError:
            pass  # gone since, or no room for the name: remove it now
    shutil.rmtree(old)


def clear_retired(folder: Path) -> None:
    """Remove the old outputs `replace_folder` moved into `folder`, all but the newest
    (`newest_retired`), which the next swap makes into the next output."""
    newest = newest_retired(folder)
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        for entry in list(entries):
            if entry.path != str(newest):
                shutil.rmtree(entry.path, ignore_errors=True)


def newest_retired(folder: Path) -> Path | None:
    """The old output retired last into `folder` (named `<pid>-<time in ns>`), if any."""
    stamped = []
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        for entry in entries:
            pid, _, stamp = entry.name.partition("-")
            if pid.isdigit() and stamp.isdigit() and entry.is_dir(follow_symlinks=False):
                stamped.append((int(stamp), entry.path))
    return Path(max(stamped)[1]) if stamped else None


def clear_leftovers(parent: Path, prefix: str) -> None:
    """Remove `<prefix><pid>…` folders in `parent` left by builds that are no longer
    running (killed: SIGKILL, a power cut); those of a running build stay."""
    with contextlib.suppress(OSError), os.scandir(parent) as entries:
        for entry in entries:
            if not entry.name.startswith(prefix):
                continue
            pid = entry.name[len(prefix) :].split(".", 1)[0]
            if pid.isdigit() and not _running(int(pid)):
                shutil.rmtree(entry.path, ignore_errors=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True
