"""Rendered notes kept between builds, so a build redoes only the notes that changed.

One sqlite file per site in the cache folder (safe to delete). An entry is what
parsing and rendering one note produced (`NoteResult`; its HTML packed, see
packedhtml.py), stored under a key of everything that result depends on (see
`notes.note_key`), with a checksum of its bytes (CRC-32 and length): a corrupt or
truncated entry fails the check or the unpickling and is treated as absent, never
served. Entries are written in one transaction when a build has succeeded (`commit`),
so a killed or failed build leaves nothing behind; entries no build has used for a
while are dropped then too.
"""

from __future__ import annotations

import io
import os
import pickle
import sqlite3
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from notesite.checkedfile import checksum, crc_checksum
from notesite.markdown import NoteFacts, RenderedDoc
from notesite.packedhtml import PackedHtml, UnpackError, pack, pack_pieces, unpack, unpack_pieces

BLOB_PIECE = 8 << 20  # bytes of a payload written or read at a time
# A page's packed HTML up to this size is read once, into memory (unpacked as it is written).
READ_WHOLE_UP_TO = 16 << 20
HEADS_AT_ONCE = 500  # keys in one query of `heads` (SQLite allows at least 999 parameters)
KEEP_UNUSED_BUILDS = 5  # an entry survives this many builds that did not use it (branches)


@dataclass(frozen=True)
class NoteResult:
    """What a note's parse and rendering produced: everything later stages read of it."""

    facts: NoteFacts
    page: RenderedDoc
    feed: RenderedDoc | None  # made only while the note is in a feed
    # Warnings as (line in the file, message); the path is added when they are reported.
    reference_warnings: tuple[tuple[int, str], ...]
    katex_warnings: tuple[tuple[int, str], ...]
    # The questions the parse asked of the site's links and of other notes' labels
    # ((kind, name), answer): the result stays valid while each gets the same answer.
    lookups: tuple[tuple[tuple[str, str], object], ...]
    has_feed: bool = False  # a feed entry was made (`feed` is None in a head, see get)
    # The checksums of the page's and the feed entry's HTML rows, kept in the head (which
    # unpickling checks): a body row is not pickled, and a cut one must not be served.
    body_digests: tuple[str, str] = ("", "")

    def head(self) -> NoteResult:
        """Without the page's HTML and the feed entry (the bulk of it); itself if it is a
        head already."""
        if self.feed is None and not self.page.html and self.page.encoded is None:
            return self
        return replace(self, page=_bare(self.page), feed=None)


def _bare(doc: RenderedDoc) -> RenderedDoc:
    """A document without its HTML (stored in a row of its own)."""
    return replace(doc, html="", encoded=None)


def _packed(doc: RenderedDoc) -> bytes:
    """The document's HTML as the store keeps it (see packedhtml.py)."""
    if isinstance(doc.encoded, PackedHtml):
        return doc.encoded.data  # packed by the worker that rendered it
    if isinstance(doc.encoded, bytes):
        return pack(doc.encoded)
    if doc.encoded is not None:
        return pack_pieces(doc.encoded.pieces())
    return pack(doc.html.encode())


# A head (NoteResult.head) in `notes`, the page's HTML (packed UTF-8, not pickled) in
# `bodies`, the feed entry in `feeds` (pickled, without its HTML) and `feed_bodies`: listings and
# unchanged pages need only heads, a page only its HTML, a feed only its entries (a very
# large note's page and entry are each hundreds of megabytes, and are never decoded).
TABLES = ("notes", "bodies", "feeds", "feed_bodies")


def _rows(key: str, result: NoteResult) -> tuple[NoteResult, tuple[tuple[str, str, bytes], ...]]:
    """The head as stored, and the head row, the page row, the feed row and the feed's
    HTML row of an entry."""
    feed = result.feed
    entry: object = "page" if feed is result.page else (None if feed is None else _bare(feed))
    page_html = _packed(result.page)
    feed_html = _packed(feed) if isinstance(entry, RenderedDoc) and feed is not None else b""
    head = replace(result.head(), body_digests=(checksum(page_html), checksum(feed_html)))
    payloads = (
        pickle.dumps(head, protocol=pickle.HIGHEST_PROTOCOL),
        page_html,
        pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL),
        feed_html,
    )
    return head, tuple((key, checksum(payload), payload) for payload in payloads)


def _unpickled(payload: bytes) -> object:
    """The value pickled in `payload`, or None."""
    try:
        return pickle.loads(payload)
    except Exception:  # truncated or from another layout: not an entry
        return None


@dataclass(frozen=True, eq=False)
class StoredHtml:
    """A page's HTML in the note store, read and unpacked a piece at a time when its
    page is written (a `ByteSource` for `RenderedDoc.encoded`): a very large note's
    page is then held once, as the page's bytes, not also as its HTML."""

    store: NoteStore
    table: str
    rowid: int
    size: int
    digest: str  # as the entry's head recorded it

    def pieces(self) -> Iterator[bytes]:
        return unpack_pieces(self.packed_pieces())

    def packed_pieces(self) -> Iterator[bytes]:
        """The row as stored, checked at the end."""
        crc = 0
        for piece in self.store.blob_pieces(self.table, self.rowid, self.size):
            crc = zlib.crc32(piece, crc)
            yield piece
        if crc_checksum(crc, self.size) != self.digest:  # changed since `intact`: not ours
            raise StoredHtmlChanged(f"note store: {self.table} row {self.rowid} changed while read")

    def intact(self) -> bool:
        """Whether the row is the one the head recorded (read through once)."""
        try:
            for _ in self.packed_pieces():
                pass
        except (sqlite3.DatabaseError, StoredHtmlChanged):
            return False
        return True


class StoredHtmlChanged(RuntimeError):
    """A stored page's row is not the one its head recorded."""


class NoteStore:
    """The persistent cache of `NoteResult`s (a no-op without a path)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.pending: dict[str, NoteResult] = {}
        self.used: set[str] = set()  # keys used since the last commit
        self.stamped: set[str] = set()  # keys marked as used by this process
        self.lock = threading.Lock()
        self._digests: dict[tuple[str, str], str] = {}  # see _row
        # Heads a build read (`heads`) or stored (`put`) in this process, with their rows'
        # checksums: a page's worker then reads its note's HTML row alone. A row changed
        # since fails that checksum, and the entry is a miss.
        self.heads_known: dict[str, NoteResult] = {}
        self.db = self._open() if path is not None else None
        self.pid = os.getpid()  # the process whose connection `db` is (see _reader)
        self._inherited: sqlite3.Connection | None = None

    def _reader(self) -> sqlite3.Connection | None:
        """This process's connection. A forked worker (rendering pages) reads through
        its own: an SQLite connection must not be used on both sides of a fork. The
        parent's is kept as it is, never closed here."""
        if self.db is not None and self.pid != os.getpid():
            assert self.path is not None
            self._inherited, self.lock = self.db, threading.Lock()
            try:
                self.db = sqlite3.connect(self.path, check_same_thread=False)
            except sqlite3.DatabaseError:
                self.db = None  # nothing found: the parent makes the page again
            self.pid = os.getpid()
        return self.db

    def _open(self) -> sqlite3.Connection | None:
        assert self.path is not None
        for attempt in range(2):
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                db = sqlite3.connect(self.path, check_same_thread=False)
                # One writer at a time; losing the last commit in a power cut costs
                # a slower build, never a wrong one (entries are checked on reading).
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")
                for table in TABLES:
                    db.execute(
                        f"CREATE TABLE IF NOT EXISTS {table} (key TEXT PRIMARY KEY, "
                        "digest TEXT, payload BLOB)"
                    )
                # Apart from the entries: updating a row rewrites its whole payload.
                db.execute("CREATE TABLE IF NOT EXISTS used (key TEXT PRIMARY KEY, build INT)")
                db.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INT)")
                db.execute("SELECT count(*) FROM notes").fetchone()
                return db
            except (sqlite3.DatabaseError, OSError):
                if attempt == 0:  # not a database any more: start a new one
                    self.path.unlink(missing_ok=True)
        return None

    def get(
        self,
        key: str,
        body: bool = True,
        feed: bool | None = None,
        encoded: bool = False,
        lazy: bool = False,
    ) -> NoteResult | None:
        """The entry, whole or (`body=False`) its head only; `feed=False`: with the page's
        HTML but not the feed entry, `feed=True` with `body=False`: the feed entry but
        not the page's HTML (unless the entry is the page). `encoded`: documents keep
        their HTML as UTF-8 (`RenderedDoc.encoded`; a build), else as `html`; `lazy`: the
        page's HTML checked but left in the store, read when its page is written."""
        if key in self.pending:
            return self.pending[key]
        head = self.heads_known.get(key) or self._load("notes", key)
        if not isinstance(head, NoteResult):
            return None
        feed = body if feed is None else feed
        entry = self._load("feeds", key) if feed and head.has_feed else None
        same = isinstance(entry, str) and entry == "page"  # the entry is the page document
        if feed and head.has_feed and not (same or isinstance(entry, RenderedDoc)):
            return None  # damaged
        if body or same:
            if lazy and not same:
                page = self._with_stored(head.page, key, head.body_digests[0])
            else:
                page = self._with_html(head.page, "bodies", key, encoded, head.body_digests[0])
            if page is None:
                return None
            head = replace(head, page=page)
        if feed and isinstance(entry, RenderedDoc):
            entry = self._with_html(entry, "feed_bodies", key, encoded, head.body_digests[1])
            if entry is None:
                return None
        if feed:
            head = replace(head, feed=head.page if same else entry)
        self.used.add(key)
        return head

    def heads(self, keys: list[str]) -> dict[str, NoteResult]:
        """The heads (`get(key, body=False)`) of the entries found among `keys`, read in a
        few queries rather than one per entry: a build reads every note's head."""
        found = {key: self.pending[key] for key in keys if key in self.pending}
        wanted = [key for key in keys if key not in found]
        db = self._reader()
        for start in range(0, len(wanted) if db is not None else 0, HEADS_AT_ONCE):
            batch = wanted[start : start + HEADS_AT_ONCE]
            marks = ", ".join("?" * len(batch))
            try:
                with self.lock:
                    rows = db.execute(  # type: ignore[union-attr]
                        f"SELECT key, digest, payload FROM notes WHERE key IN ({marks})", batch
                    ).fetchall()
            except sqlite3.DatabaseError:
                break  # the rest is rendered again
            for key, digest, payload in rows:
                if not isinstance(payload, bytes) or checksum(payload) != digest:
                    continue  # damaged: rendered again
                head = _unpickled(payload)
                if isinstance(head, NoteResult):
                    found[key] = self.heads_known[key] = head
        self.used.update(found)
        return found

    def _with_stored(self, doc: RenderedDoc, key: str, digest: str) -> RenderedDoc | None:
        """`doc` with its page row's HTML, if the row is as recorded: read and checked now
        when it is small, else a `StoredHtml`, checked now and read again when the page
        is written (a very large note's page is not held twice)."""
        found = self._row("bodies", key)
        self._digests.pop(("bodies", key), None)  # the head's digest is the one checked
        if found is None:
            return None
        stored = StoredHtml(self, "bodies", found[0], found[1], digest)
        if found[1] > READ_WHOLE_UP_TO:
            return replace(doc, encoded=stored) if stored.intact() else None
        try:
            payload = b"".join(stored.packed_pieces())  # checked at the end
        except (sqlite3.DatabaseError, StoredHtmlChanged):
            return None
        return replace(doc, encoded=PackedHtml(payload))  # unpacked where it is written

    def _with_html(
        self, doc: RenderedDoc, table: str, key: str, encoded: bool, digest: str
    ) -> RenderedDoc | None:
        """`doc` with the HTML of its row, if the row is the one its head recorded."""
        payload = self._payload(table, key)
        if payload is None or checksum(payload) != digest:
            return None
        try:
            html = unpack(payload)
            return replace(doc, encoded=html) if encoded else replace(doc, html=html.decode())
        except (UnpackError, UnicodeDecodeError):
            return None

    def _load(self, table: str, key: str) -> object:
        """An unpickled value, or None when absent, damaged or unreadable."""
        payload = self._payload(table, key)
        return None if payload is None else _unpickled(payload)

    def _payload(self, table: str, key: str) -> bytes | None:
        """A row's bytes, or None when absent, damaged or unreadable."""
        if self.db is None:
            return None
        found = self._row(table, key)
        if found is None:
            return None
        out = io.BytesIO()
        try:
            for piece in self.blob_pieces(table, *found):
                out.write(piece)
        except sqlite3.DatabaseError:
            return None
        payload = out.getvalue()  # BytesIO hands over its buffer: no copy
        row_digest = self._digests.pop((table, key), None)
        return payload if checksum(payload) == row_digest else None

    def _row(self, table: str, key: str) -> tuple[int, int] | None:
        """(rowid, size) of a row's payload (its digest kept for the caller to check)."""
        db = self._reader()
        if db is None:
            return None
        try:
            with self.lock:
                row = db.execute(
                    f"SELECT digest, rowid, length(payload), typeof(payload) FROM {table} "
                    "WHERE key = ?",
                    (key,),
                ).fetchone()
        except sqlite3.DatabaseError:
            return None
        if row is None or row[3] != "blob":
            return None
        self._digests[(table, key)] = row[0]
        return row[1], row[2]

    def blob_pieces(self, table: str, rowid: int, size: int) -> Iterator[bytes]:
        """A payload a piece at a time: selected whole, sqlite would hold a copy of a
        page's HTML (hundreds of megabytes for a very large note) beside Python's."""
        db = self._reader()
        assert db is not None
        with self.lock:  # taken for each step, not across the yields
            blob = db.blobopen(table, "payload", rowid, readonly=True)
        try:
            for _ in range(0, size, BLOB_PIECE):
                with self.lock:
                    piece = blob.read(BLOB_PIECE)
                yield piece
        finally:
            with self.lock:
                blob.close()

    def defer_checkpoints(self) -> None:
        """Let the write-ahead log grow until `checkpoint` (a build's connection). SQLite
        copies the log into the database file when a commit leaves it longer than 1,000
        pages: for a clean build's 25 MB of entries, 0.1 s in the commit after the note
        stage, both cores waiting; `checkpoint` does it while pages render."""
        if self.db is not None:
            with self.lock:
                self.db.execute("PRAGMA wal_autocheckpoint=0")

    def checkpoint(self) -> None:
        """Copy the committed log into the database file, as far as readers allow (a
        page worker reading meanwhile keeps the log; its copy ends at close)."""
        if self.db is None:
            return
        try:
            with self.lock:
                self.db.execute("PRAGMA wal_checkpoint(PASSIVE)")
        except sqlite3.DatabaseError:
            pass  # a longer log for the next connection: slower, never wrong

    def keep(self, key: str) -> None:
        """This build used the entry (so it is not dropped as unused)."""
        self.used.add(key)

    def put(self, key: str, result: NoteResult, now: bool = True) -> NoteResult | None:
        """Store an entry now, in the transaction `commit` ends (this connection reads it
        back at once; no other does before the commit), and return its head as the
        store keeps it, or (`now=False`: a save while serving, where every millisecond
        shows; or the store failing) keep it in memory until `commit` and return None."""
        self.used.add(key)
        if now and self.db is not None:
            try:
                with self.lock:
                    head = self.heads_known[key] = self._insert(key, result)
                return head
            except sqlite3.DatabaseError:
                pass  # kept in memory instead
        self.pending[key] = result
        return None

    def discard(self) -> None:
        """Forget what this process stored but did not commit."""
        if self.db is not None:
            with self.lock:
                self.db.rollback()
        self.pending.clear()
        self.used.clear()
        self.stamped.clear()
        self.heads_known.clear()

    def commit(self, prune: bool = True) -> bool:
        """Write this run's new entries and mark the used ones. With `prune` (a build),
        this is a new build and long-unused entries go; without (each save while
        serving), only entries not marked yet in this process are marked. Returns
        whether the entries are in the store now."""
        if self.db is None:
            self.pending.clear()
            return False
        if not prune:
            self.used -= self.stamped
        try:
            with self.lock, self.db:
                build = self._build_number(1 if prune or not self.stamped else 0)
                for key, result in self.pending.items():  # put could not store them
                    self._insert(key, result)
                self.db.executemany(
                    "INSERT OR REPLACE INTO used VALUES (?, ?)", ((k, build) for k in self.used)
                )
                if prune:
                    self._prune(build - KEEP_UNUSED_BUILDS)
        except sqlite3.DatabaseError:
            return False  # a cache that cannot be written is a slower next build, no error
        self.stamped |= self.used
        self.pending.clear()
        self.used.clear()
        return True

    def _insert(self, key: str, result: NoteResult) -> NoteResult:
        """The entry's rows, in the open transaction; a payload is written a piece at a
        time into a blob of its size (bound whole, sqlite would copy it). Returns the
        head read back from its row: pickling a str caches its UTF-8 form inside the
        object (CPython), which doubled every non-ASCII string of the heads a build
        keeps (73 MiB of 10,000 articles); the strings read back carry no such copy."""
        assert self.db is not None
        _, rows = _rows(key, result)
        head = pickle.loads(rows[0][2])
        for table, (_, digest, payload) in zip(TABLES, rows, strict=True):
            rowid = self.db.execute(
                f"INSERT OR REPLACE INTO {table} VALUES (?, ?, zeroblob(?))",
                (key, digest, len(payload)),
            ).lastrowid
            if payload:
                view = memoryview(payload)
                with self.db.blobopen(table, "payload", rowid) as blob:
                    for start in range(0, len(view), BLOB_PIECE):
                        blob.write(view[start : start + BLOB_PIECE])
        return head

    def _prune(self, oldest: int) -> None:
        assert self.db is not None
        for table in TABLES:
            self.db.execute(
                f"DELETE FROM {table} WHERE key IN (SELECT key FROM used WHERE build < ?)",
                (oldest,),
            )
        self.db.execute("DELETE FROM used WHERE build < ?", (oldest,))

    def _build_number(self, step: int) -> int:
        assert self.db is not None
        row = self.db.execute("SELECT value FROM meta WHERE name = 'build'").fetchone()
        number = (row[0] if row else 0) + step
        self.db.execute("INSERT OR REPLACE INTO meta VALUES ('build', ?)", (number,))
        return number

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None
