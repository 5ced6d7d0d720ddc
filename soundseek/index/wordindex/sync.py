"""The word index kept in step with the files table: the writer updates it with every commit;
readers rebuild only what was never built (local) or what fell behind (a shared library)."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pyarrow as pa

from soundseek.index.tables.access import TableAccess
from soundseek.index.tables.filters import sql_in
from soundseek.index.tables.querying import chunks
from soundseek.index.tables.records import FileKey, FileRecord
from soundseek.index.tables.schema import FILES, records_from_arrow
from soundseek.index.wordindex.fts import WORDS_FILE, WordIndex

log = logging.getLogger(__name__)

RESYNC_SECONDS = 5.0


class WordSync:
    """Owns the open WordIndex of one Store. Stamps are the files table's version: a word
    index whose stamp is the table's reflects every row."""

    def __init__(self, tables: TableAccess, cache_dir: Path, shared: bool) -> None:
        self._tables = tables
        self._path = Path(cache_dir) / WORDS_FILE
        self._shared = shared
        self._words: WordIndex | None = None
        self._checked = 0.0

    def current(self) -> WordIndex:
        """The word index as it is (see `fresh` for one known to be current)."""
        with self._tables.mutex:
            if self._words is None:
                self._words = WordIndex(self._path)
            return self._words

    def fresh(self) -> WordIndex:
        """The word index, rebuilt first when it does not reflect the files table. The writer
        keeps it in step, so a local reader rebuilds only one that was never built (a commit
        and its word update are not atomic: a reader must not rebuild in between); a shared
        library's reader keeps its own copy and rebuilds it when the table moved on, at most
        every RESYNC_SECONDS."""
        words, writable = self.current(), self._tables.writable
        stamp = words.stamp()
        if stamp is not None and (not self._shared or writable):
            if not writable or stamp == self.files_version():
                return words
        elif stamp is not None:
            now = time.monotonic()
            if now - self._checked < RESYNC_SECONDS:
                return words
            self._checked = now
            if stamp == self.files_version():
                return words
        self.rebuild()
        return words

    def files_version(self) -> str:
        t = self._tables.table(FILES)
        return str(t.version) if t is not None else "0"

    def in_step(self) -> bool:
        return self.current().stamp() == self.files_version()

    def mark_current(self) -> None:
        """The files table moved without changing rows (compaction, indexes)."""
        self.current().mark(self.files_version())

    def rebuild(self) -> None:
        t, stamp = self._tables.table(FILES), self.files_version()
        if t is None:
            self.current().replace_all([], stamp)
            return
        started = time.perf_counter()
        batches = (records_from_arrow(pa.Table.from_batches([b]))
                   for b in t.search().limit(None).to_batches(4096))  # fmt: skip
        n = self.current().replace_all(batches, stamp)
        log.info("word index rebuilt: %d files in %.1f s", n, time.perf_counter() - started)

    def put(self, records: list[FileRecord], gone: list[FileKey] | None = None) -> None:
        """Rows added or replaced (and, in the same transaction, rows gone)."""
        self.current().put(records, self.files_version(), gone or ())

    def delete(self, keys: list[FileKey]) -> None:
        self.current().delete(keys, self.files_version())

    def refresh(self, hashes: list[str]) -> None:
        """Re-read the files of some contents into the word index (after a bulk update)."""
        t = self._tables.table(FILES)
        if t is None or not hashes:
            return
        for part in chunks(hashes):
            rows = t.search().where(sql_in("content_hash", part)).limit(None).to_arrow()
            self.put(records_from_arrow(rows))

    def close(self) -> None:
        if self._words is not None:
            self._words.close()
            self._words = None
