"""The scan and metadata stage, streamed: a million files in bounded memory, committed as it
goes (a kill after eight hours loses at most the last few seconds), metadata read in parallel.

What the index already holds is kept as sorted 64-bit hashes of (root, path) with size and
mtime — 24 bytes a file — instead of a dict of records; scanned files are compared in batches.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace

import numpy as np

from soundseek.cores import usable_cores
from soundseek.files.roots import Root
from soundseek.files.scanner import ScannedFile, scan
from soundseek.index.store import Store
from soundseek.index.tables.records import FileKey, FileRecord, FileStatus
from soundseek.ingest.describe import describe_chunk, error_record, exit_with_parent
from soundseek.ingest.index_run import IndexOptions, IndexProgress

log = logging.getLogger(__name__)

SCAN_BATCH = 2048  # scanned files compared with the index at a time
CHUNK = 128  # files a metadata worker reads per task
FIRST_COMMIT = 256  # the first files become searchable this soon
COMMIT = 4096  # then commits of this size (each commit costs tens of ms)
IN_FLIGHT = 8  # chunks queued per worker
INLINE_FILES = 64  # read in this process first: a rescan that finds a few files starts no pool
CRASHED = "the metadata reader crashed on this file"


def key_hash(root_id: str, relpath: str) -> int:
    return hash(root_id + "\0" + relpath)


class KnownFiles:
    """Sorted key hashes of the stored files, with their size and mtime, and which were seen."""

    def __init__(self, keys: np.ndarray, sizes: np.ndarray, mtimes: np.ndarray) -> None:
        order = np.argsort(keys)
        self.keys, self.sizes, self.mtimes = keys[order], sizes[order], mtimes[order]
        self.seen = np.zeros(len(keys), dtype=bool)

    @classmethod
    def load(cls, store: Store) -> KnownFiles:
        keys, sizes, mtimes = [], [], []
        for roots, paths, size, mtime in store.iter_file_states():
            keys.append(np.fromiter((key_hash(r, p) for r, p in zip(roots, paths, strict=True)),
                                    dtype=np.int64, count=len(paths)))  # fmt: skip
            sizes.append(size)
            mtimes.append(mtime)
        if not keys:
            empty = np.zeros(0, np.int64)
            return cls(empty, empty, empty)
        return cls(np.concatenate(keys), np.concatenate(sizes), np.concatenate(mtimes))

    def changed(self, batch: list[ScannedFile]) -> tuple[list[ScannedFile], list[ScannedFile]]:
        """(new, modified) files of a scanned batch; every file of it is marked seen."""
        h = np.fromiter((key_hash(f.root_id, f.relpath) for f in batch), np.int64, len(batch))
        pos = np.minimum(np.searchsorted(self.keys, h), max(0, len(self.keys) - 1))
        hit = (self.keys[pos] == h) if len(self.keys) else np.zeros(len(batch), bool)
        self.seen[pos[hit]] = True
        new = [f for f, k in zip(batch, hit, strict=True) if not k]
        same = [(f, p) for f, p, k in zip(batch, pos, hit, strict=True) if k]
        modified = [f for f, p in same
                    if (self.sizes[p], self.mtimes[p]) != (f.size, f.mtime_ns)]  # fmt: skip
        return new, modified

    def unseen(self) -> np.ndarray:
        return self.keys[~self.seen]


def gone(store: Store, known: KnownFiles, roots: list[Root]) -> list[FileKey]:
    """Stored files not seen by the scan whose root is online or left the library (an
    unplugged drive keeps its files)."""
    unseen = known.unseen()
    if not len(unseen):
        return []
    online = {r.id for r in roots if r.online}
    registered = {r.id for r in roots}
    out = []
    for root_ids, relpaths, _s, _m in store.iter_file_states():
        pairs = list(zip(root_ids, relpaths, strict=True))
        h = np.fromiter((key_hash(r, p) for r, p in pairs), np.int64, len(pairs))
        pos = np.minimum(np.searchsorted(unseen, h), len(unseen) - 1)
        for (r, p), hit in zip(pairs, unseen[pos] == h, strict=True):
            if hit and (r in online or r not in registered):
                out.append(FileKey(r, p))
    return out


# -- metadata, in worker processes --------------------------------------------------------


class MetadataReaders:
    """Reads metadata of chunks of files in worker processes, results in submission order. A
    worker that crashes costs only the file it was reading (the chunk is redone a file at a
    time to find it)."""

    def __init__(self, workers: int) -> None:
        self.workers = max(1, workers)
        self._pool: ProcessPoolExecutor | None = None
        self._queue: deque[tuple[list[ScannedFile], Future]] = deque()
        self._inline = INLINE_FILES  # the usual rescan finds a handful of changed files

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                self.workers,
                mp_context=mp.get_context("spawn"),
                initializer=exit_with_parent,
                initargs=(os.getpid(),),
            )
        return self._pool

    def submit(self, files: list[ScannedFile]) -> None:
        for i in range(0, len(files), CHUNK):
            part = files[i : i + CHUNK]
            if self._inline > 0:
                self._inline -= len(part)
                done: Future = Future()
                done.set_result(describe_chunk(part))
                self._queue.append((part, done))
            else:
                self._queue.append((part, self._executor().submit(describe_chunk, part)))

    def busy(self) -> bool:
        return len(self._queue) >= IN_FLIGHT * self.workers

    def results(self, wait_all: bool = False) -> Iterator[list[FileRecord]]:
        """Finished chunks, oldest first (all of them when `wait_all`)."""
        while self._queue and (wait_all or self._queue[0][1].done() or self.busy()):
            files, future = self._queue.popleft()
            try:
                yield future.result()
            except BrokenProcessPool:
                yield self._one_by_one(files)

    def _one_by_one(self, files: list[ScannedFile]) -> list[FileRecord]:
        self._restart()
        out = []
        for f in files:
            try:
                out += self._executor().submit(describe_chunk, [f]).result()
            except BrokenProcessPool:
                log.warning("metadata reader crashed on %s", f.path)
                out.append(error_record(f, CRASHED))
                self._restart()
        return out

    def _restart(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        self._pool = None
        pending = [files for files, _ in self._queue]
        self._queue.clear()
        for files in pending:
            self.submit(files)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)


# -- the stage ------------------------------------------------------------------------------


class Commits:
    """Describes flow in; new files are appended, changed ones merged, in growing batches."""

    def __init__(self, store: Store, first_run: bool) -> None:
        self.store, self.first_run = store, first_run
        self.new: list[FileRecord] = []
        self.updated: list[FileRecord] = []
        self.modified_keys: set[tuple[str, str]] = set()
        self.done = self.errors = self.committed = 0

    def take(self, records: list[FileRecord]) -> None:
        for rec in records:
            self.errors += rec.status is FileStatus.ERROR
            key = (rec.root_id, rec.relpath)
            (self.updated if key in self.modified_keys else self.new).append(rec)
        self.done += len(records)

    def reuse(self, records: list[FileRecord]) -> list[FileRecord]:
        """Content already known keeps what was learned of it: its vectors (a rename, a copy,
        a re-pointed folder) and the UCS category the user accepted for it."""
        if self.first_run:
            return records
        pending = [r.content_hash for r in records if r.status is FileStatus.PENDING]
        embedded = self.store.windows_by_hash(pending)
        accepted = self.store.annotations.accepted_of(
            [r.content_hash for r in records if r.content_hash]
        )
        out = []
        for r in records:
            if r.status is FileStatus.PENDING and (n := embedded.get(r.content_hash)):
                r = replace(r, status=FileStatus.INDEXED, n_windows=n)
            if (cat := accepted.get(r.content_hash)) is not None:
                r = replace(r, catid=cat[0], category=cat[1], subcategory=cat[2])
            out.append(r)
        return out

    def due(self) -> bool:
        size = len(self.new) + len(self.updated)
        return size >= (FIRST_COMMIT if not self.committed else COMMIT)

    def commit(self) -> None:
        self.store.add_files(self.reuse(self.new))
        self.store.upsert_files(self.reuse(self.updated))
        self.committed += len(self.new) + len(self.updated)
        self.new, self.updated = [], []


def scan_and_describe(store: Store, opts: IndexOptions, t0: float) -> Iterator[IndexProgress]:
    """Walk, compare, read metadata of what is new or changed, commit as it goes."""
    known = KnownFiles.load(store)
    commits = Commits(store, first_run=not len(known.keys))
    # The indexer only walks and commits here, and was measured waiting on the readers for
    # two thirds of the pass: it gives its core to one more reader.
    readers = MetadataReaders(min(opts.workers + 1, usable_cores()))
    scanned, shown = 0, time.monotonic()
    try:
        for batch in _batches(scan(opts.roots, opts.exclusions), SCAN_BATCH):
            scanned += len(batch)
            new, modified = known.changed(batch)
            commits.modified_keys.update((f.root_id, f.relpath) for f in modified)
            readers.submit(new + modified)
            yield from _drain(readers, commits, scanned, t0, wait_all=False)
            if time.monotonic() - shown > 1.0:
                shown = time.monotonic()
                yield IndexProgress("scan", scanned, elapsed=shown - t0,
                                    rate=scanned / max(shown - t0, 1e-6))  # fmt: skip
            if opts.cancelled():
                break
        yield from _drain(readers, commits, scanned, t0, wait_all=True)
        commits.commit()
    finally:
        readers.close()
    if opts.cancelled():
        return
    removed = gone(store, known, opts.roots)
    store.delete_files(removed)
    if removed:
        yield IndexProgress("metadata", message=f"{len(removed)} removed files left the index")


def _drain(readers: MetadataReaders, commits: Commits, scanned: int, t0: float,
           wait_all: bool) -> Iterator[IndexProgress]:  # fmt: skip
    for records in readers.results(wait_all):
        commits.take(records)
        if commits.due():
            commits.commit()
            elapsed = time.monotonic() - t0
            yield IndexProgress("metadata", commits.done, scanned, errors=commits.errors,
                                rate=commits.done / max(elapsed, 1e-6), elapsed=elapsed,
                                current=records[-1].relpath if records else "")  # fmt: skip


def _batches(items: Iterable[ScannedFile], size: int) -> Iterator[list[ScannedFile]]:
    batch: list[ScannedFile] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
