"""The one commit path of an embedding run, whichever runner embeds: which files wait for
vectors, and how the files a runner finished are written to the store, in batches, windows
before rows.

A file counts as indexed only once all its windows are stored, so a kill at any moment leaves
orphan windows at worst (swept later), never duplicates. A file that could not be taken is
recorded with its reason and the run goes on.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace

import numpy as np

from soundseek.index.store import Store
from soundseek.index.tables.filters import ONLY_PENDING
from soundseek.index.tables.records import FileRecord, FileStatus
from soundseek.ingest.index_run import IndexOptions
from soundseek.ingest.messages import EmbeddedFile, FileFailed, FileJob, Outcome

FLUSH_SECONDS = 2.0
FLUSH_WINDOWS = 2048

ByHash = dict[str, list[FileRecord]]


def pending_by_hash(store: Store, opts: IndexOptions) -> ByHash:
    """Files waiting for vectors, grouped by content (copies are embedded once); files on an
    unplugged drive wait, they never become errors."""
    online = {r.id for r in opts.roots if r.online}
    by_hash: ByHash = defaultdict(list)
    for r in store.records(ONLY_PENDING):
        if r.root_id in online:
            by_hash[r.content_hash].append(r)
    return by_hash


def jobs_of(by_hash: ByHash) -> list[FileJob]:
    """One job per content, read from its first copy."""
    return [FileJob(d, recs[0].path) for d, recs in by_hash.items()]


class EmbedCommits:
    """Finished files waiting to be written, and how many file rows have been."""

    def __init__(self, store: Store, by_hash: ByHash) -> None:
        self.store, self.by_hash = store, by_hash
        self.done: list[EmbeddedFile] = []
        self.failed: dict[str, str] = {}
        self.files_written = 0
        self.last_flush = time.monotonic()

    def add(self, outcomes: Iterable[Outcome]) -> None:
        for o in outcomes:
            if isinstance(o, FileFailed):
                self.failed.setdefault(o.digest, o.reason)
            else:
                self.done.append(o)

    def files_finished(self) -> int:
        """Written plus embedded-but-not-yet-written files (the latter are written on cancel)."""
        return self.files_written + sum(len(self.by_hash[f.digest]) for f in self.done)

    def due(self) -> bool:
        waiting = sum(f.count for f in self.done)
        since = time.monotonic() - self.last_flush
        return bool(self.done or self.failed) and (since > FLUSH_SECONDS or waiting > FLUSH_WINDOWS)

    def flush(self) -> None:
        self.files_written += write_results(self.store, self.by_hash, self.done, self.failed)
        self.done, self.failed = [], {}
        self.last_flush = time.monotonic()


def write_results(
    store: Store, by_hash: ByHash, done: list[EmbeddedFile], failed: dict[str, str]
) -> int:
    """Windows first, then the file rows: a kill in between leaves orphans, never duplicates.
    Returns how many file rows were written."""
    records: list[FileRecord] = []
    for f in done:
        records += [replace(r, status=FileStatus.INDEXED, n_windows=f.count)
                    for r in by_hash[f.digest]]  # fmt: skip
    for digest, reason in failed.items():
        records += [replace(r, status=FileStatus.ERROR, error=reason)
                    for r in by_hash[digest]]  # fmt: skip
    with_vectors = [f for f in done if f.vectors is not None and f.count]
    if with_vectors:
        store.windows.add(
            [f.digest for f in with_vectors for _ in f.idxs],
            [s for f in with_vectors for s in f.starts],
            [e for f in with_vectors for e in f.ends],
            [i for f in with_vectors for i in f.idxs],
            np.concatenate([f.vectors for f in with_vectors]),
        )
    store.envelopes.put({f.digest: f.envelope for f in done})
    store.prints.put({f.digest: f.print for f in done})
    store.upsert_files(records)
    return len(records)
