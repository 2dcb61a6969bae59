"""Where a build is: a progress bar on a terminal, a line per long stage elsewhere.

A build runs in stages (`with progress.stage("rendering", total=n) as stage:` and
`stage.update()` per item). Nothing shows for a build that ends within `delay`
seconds. On a terminal (`bar`), a stage with a total shows a tqdm bar on stderr and
one without shows a one-line status, both erased when the stage ends; otherwise
(`lines`, as in CI) each stage that took `delay` seconds or more prints one line
when it ends, so a build prints at most a line per stage, whatever its size.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Literal, TextIO

if TYPE_CHECKING:
    from tqdm import tqdm

Mode = Literal["bar", "lines", "off"]


class Stage:
    """A stage in progress; `update()` counts items done (drawn only in a bar)."""

    def __init__(self, bar: tqdm | None = None) -> None:
        self.bar = bar

    def update(self, done: int = 1) -> None:
        if self.bar is not None:
            self.bar.update(done)


class Progress:
    """`bar`, `lines` or `off`, written to `stream`; stages show after `delay` seconds of build."""

    def __init__(self, mode: Mode, stream: TextIO | None = None, delay: float = 1.0) -> None:
        self.mode = mode
        self.stream = stream
        self.delay = delay
        self.started = time.perf_counter()

    @classmethod
    def for_command_line(cls, quiet: bool, verbose: bool = False) -> Progress:
        """A bar when stderr is a terminal, else plain lines on stdout; `quiet`: nothing;
        `verbose`: a line with its time for every stage, however short."""
        if quiet:
            return cls("off")
        if verbose:
            return cls("lines", sys.stdout, delay=0.0)
        if sys.stderr.isatty():
            return cls("bar", sys.stderr)
        return cls("lines", sys.stdout)

    @contextmanager
    def stage(self, name: str, total: int | None = None, unit: str = "") -> Iterator[Stage]:
        begun = time.perf_counter()
        wait = max(0.0, self.delay - (begun - self.started))
        if self.mode == "bar" and total is not None:
            from tqdm import tqdm  # here: only a terminal's build draws a bar (10 ms to import)

            with tqdm(
                total=total,
                desc=f"notesite: {name}",
                unit=unit,
                file=self.stream,
                delay=wait,
                leave=False,
                dynamic_ncols=True,
            ) as bar:
                yield Stage(bar)
        elif self.mode == "bar":
            with _status(self.stream, f"notesite: {name}…", wait):
                yield Stage()
        else:
            yield Stage()
            took = time.perf_counter() - begun
            if self.mode == "lines" and took >= self.delay:
                print(f"notesite: {name}: {took:.1f} s", file=self.stream, flush=True)


@contextmanager
def _status(stream: TextIO | None, text: str, wait: float) -> Iterator[None]:
    """`text` on its own line after `wait` seconds, erased on leaving."""
    stream = stream or sys.stderr
    lock = threading.Lock()
    shown = False

    def show() -> None:
        nonlocal shown
        with lock:
            if not shown:
                stream.write(text)
                stream.flush()
                shown = True

    timer = threading.Timer(wait, show)
    timer.daemon = True
    if wait <= 0:
        show()
    else:
        timer.start()
    try:
        yield
    finally:
        timer.cancel()
        with lock:
            if shown:
                stream.write("\r\x1b[K")
                stream.flush()
            shown = True  # a timer firing now shows nothing
