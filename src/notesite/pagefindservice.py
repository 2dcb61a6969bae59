"""Pagefind's service mode: one long-running `pagefind --service` process that indexes
folder after folder.

Each run of the binary with `--site` loads its Chinese word-segmentation dictionary
first, about 0.3 s of CPU: a build indexing eight Chinese shards spent 2.4 s on that
alone. A service process loads it once and then indexes every shard handed to it,
giving back the same bundle, byte for byte, as a run of the binary over the folder
writes.

The protocol is the one Pagefind's own Python and Node.js wrappers speak: each request
and each answer is a JSON object, base64-encoded and followed by a comma. Requests go
one at a time, so an answer is read as soon as it is there (the `pagefind` package's
client polls for each every 0.1 s).
"""

from __future__ import annotations

import base64
import contextlib
import html
import json
import os
import subprocess
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from notesite.errors import fail


def pagefind_environment() -> dict[str, str]:
    """This process's environment without the PAGEFIND_* variables, which Pagefind
    reads as options: only notesite's own may shape the site's index."""
    return {name: value for name, value in os.environ.items() if not name.startswith("PAGEFIND_")}


class PagefindService:
    """One service process; `index` a folder at a time."""

    def __init__(self, executable: Path, work: Path, config_path: Path, options: dict) -> None:
        self.config_path = config_path
        self.options = options  # NewIndex's config: Pagefind's options, as the CLI's flags
        self.log_path = work / f"pagefind-service-{threading.get_ident()}.log"
        # Options come from the requests alone: a working folder (our scratch folder)
        # without a Pagefind config file, and no PAGEFIND_* variable.
        with self.log_path.open("wb") as log:
            try:
                self.process = subprocess.Popen(
                    [str(executable), "--service"],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=log,
                    cwd=work,
                    env=pagefind_environment(),
                )
            except OSError as error:
                raise fail(config_path, 1, f"search: cannot run Pagefind: {error}") from None
        self.sent = 0

    def index(self, site: Path, out: Path) -> bool:
        """Index the HTML files below `site` into `out`, as `pagefind --site site
        --output-path out` with the options would; False (and nothing written) when
        Pagefind found no word in them."""
        made = self._ask({"type": "NewIndex", "config": self.options})
        index_id = made["index_id"]
        try:
            self._ask({"type": "AddDir", "index_id": index_id, "path": str(site)})
            found_words = self._languages_found(index_id, out)
        finally:
            self._ask({"type": "DeleteIndex", "index_id": index_id})
        return found_words

    def warm(self, locales: list[str]) -> None:
        """Index a few words in each locale, in memory, and drop the index: what Pagefind
        loads at its first page in a language (Chinese word segmentation) is then loaded."""
        made = self._ask({"type": "NewIndex", "config": self.options})
        index_id = made["index_id"]
        try:
            for number, locale in enumerate(locales):
                page = _WARM_UP_PAGE.format(locale=html.escape(locale, quote=True))
                request = {"type": "AddFile", "index_id": index_id, "file_contents": page}
                self._ask({**request, "url": f"/warm-up/{number}/"})
        finally:
            self._ask({"type": "DeleteIndex", "index_id": index_id})

    def _languages_found(self, index_id: int, out: Path) -> bool:
        """Write the bundle into `out`; whether it indexed any words (the binary run
        over the folder writes none then: "not able to build an index"). The files
        come in the answer and are written here: the service answers WriteFiles
        before the files it writes are all on disk."""
        answer = self._ask({"type": "GetFiles", "index_id": index_id})
        files = {item["path"]: base64.b64decode(item["content"]) for item in answer["files"]}
        if not json.loads(files.get("pagefind-entry.json", b"{}")).get("languages"):
            return False
        root = out.resolve()
        for name, content in files.items():
            target = root / name
            if root not in target.resolve().parents:
                raise fail(self.config_path, 1, f"search: Pagefind wrote outside: {name}")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        return True

    def _ask(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Send one request and read its answer (an error answer is a build error)."""
        self.sent += 1
        message = json.dumps({"message_id": self.sent, "payload": payload}).encode()
        stdin, stdout = self.process.stdin, self.process.stdout
        assert stdin is not None and stdout is not None
        try:
            stdin.write(base64.b64encode(message) + b",")
            stdin.flush()
        except OSError:
            raise self._stopped() from None
        answer = _read_answer(stdout)
        if answer is None:
            raise self._stopped()
        found = json.loads(base64.b64decode(answer))["payload"]
        if found.get("type") == "Error":
            said = " ".join(str(found.get("message", "")).split())
            raise fail(self.config_path, 1, f"search: Pagefind failed: {said}")
        return found

    def _stopped(self) -> Exception:
        self.process.wait()
        said = " ".join(self.log_path.read_text(errors="replace").split())[-500:]
        status = f"exit status {self.process.returncode}"
        return fail(self.config_path, 1, f"search: Pagefind stopped ({status}): {said}")

    def close(self) -> None:
        """End the process (at once: what it was doing is not wanted any more)."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):  # a request it never read
                    stream.close()


# A page in some locale, with words in Chinese and in English (see PagefindService.warm).
_WARM_UP_PAGE = (
    '<!DOCTYPE html><html lang="{locale}"><head><title>warm-up</title></head><body>'
    "<main data-pagefind-body><p>强化学习是机器学习的一个分支。 Learning.</p></main>"
    "</body></html>"
)


def _read_answer(stream: IO[bytes]) -> bytes | None:
    """One answer (without its comma), or None when the process has stopped."""
    pieces = []
    while True:
        piece = stream.read1(1 << 16)  # type: ignore[attr-defined]
        if not piece:
            return None
        pieces.append(piece)
        if piece.endswith(b","):
            return b"".join(pieces)[:-1]


class PagefindServices:
    """Service processes lent to the build's Pagefind threads, one at a time each, and
    all ended by `close`. A service may be warmed up ahead (`warm_up`): the first thread
    to ask waits for it rather than start a cold one."""

    def __init__(self, executable: Path, work: Path, config_path: Path, options: dict) -> None:
        self.args = (executable, work, config_path, options)
        self.started: list[PagefindService] = []
        self.free: list[PagefindService] = []
        self.warming = 0  # services being warmed up, not yet free
        self.closed = False  # then a warm-up that has not started its service starts none
        self.changed = threading.Condition()

    @contextlib.contextmanager
    def lent(self) -> Iterator[PagefindService]:
        """A service for one index: a free one, else the one warming up, else a new one."""
        with self.changed:
            self.changed.wait_for(lambda: self.free or not self.warming)
            service = self.free.pop() if self.free else self._start()
        try:
            yield service
        finally:
            with self.changed:
                self.free.append(service)
                self.changed.notify()

    def _start(self) -> PagefindService:
        service = PagefindService(*self.args)
        self.started.append(service)
        return service

    def warm_up(self, locales: Iterable[str]) -> None:
        """Start a service in the background and have it index a line of text in each
        of `locales`: Pagefind loads its Chinese word segmentation (about 0.2 s) at its
        first Chinese page, and the first shard of a build is then not kept waiting."""
        with self.changed:
            self.warming += 1
        threading.Thread(target=self._warm, args=(list(locales),), daemon=True).start()

    def _warm(self, locales: list[str]) -> None:
        service = None
        try:
            with self.changed:
                if self.closed:
                    return
                service = self._start()
            service.warm(locales)
        except Exception:  # the shards' own runs report what is wrong with Pagefind
            if service is not None:
                service.close()
                service = None
        finally:
            with self.changed:
                self.warming -= 1
                if service is not None:
                    self.free.append(service)
                self.changed.notify_all()

    def close(self) -> None:
        with self.changed:
            self.closed = True
            for service in self.started:
                service.close()
            self.started.clear()
            self.free.clear()
