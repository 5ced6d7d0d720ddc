"""The embedding stage on a Ray cluster: pending files go out in chunks, vectors come back
and are committed in batches by this process, the index's one writer.

Same contract as the local stage: a file counts as indexed only once its windows are stored
(a kill leaves orphan windows at worst, swept by the next run, which skips what is indexed);
per-file errors are recorded with their reason; the run stops cleanly on cancel.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager

from soundseek.cluster.pool import ActorPool, Job
from soundseek.cluster.worker import FailedFile, Result
from soundseek.embed.base import Embedder
from soundseek.index.store import Store
from soundseek.index.tables.filters import ONLY_ERRORS
from soundseek.ingest.embedding import (
    FLUSH_SECONDS,
    FLUSH_WINDOWS,
    EmbeddedFile,
    pending_by_hash,
    write_results,
)
from soundseek.ingest.progress import IndexOptions, IndexProgress

CHUNK_FILES = 16  # files per actor call: enough windows to fill a GPU batch of one-shots


class _Commits:
    """Results waiting to be written, and what has been written."""

    def __init__(self, store: Store, by_hash) -> None:
        self.store, self.by_hash = store, by_hash
        self.done: list[EmbeddedFile] = []
        self.failed: dict[str, str] = {}
        self.files_written = 0
        self.audio_seconds = 0.0
        self.last = time.monotonic()

    def add(self, results: list[Result]) -> None:
        for r in results:
            if isinstance(r, FailedFile):
                self.failed[r.digest] = r.reason
            else:
                self.done.append(r)
                self.audio_seconds += sum(e - s for s, e in zip(r.starts, r.ends, strict=True))

    def due(self) -> bool:
        waiting = sum(f.count for f in self.done)
        return bool(self.done or self.failed) and (
            waiting > FLUSH_WINDOWS or time.monotonic() - self.last > FLUSH_SECONDS
        )

    def flush(self) -> None:
        self.files_written += write_results(self.store, self.by_hash, self.done, self.failed)
        self.done, self.failed, self.last = [], {}, time.monotonic()


def chunked(jobs: list[Job], size: int) -> Iterator[list[Job]]:
    for i in range(0, len(jobs), size):
        yield jobs[i : i + size]


def cluster_embed(
    store: Store, opts: IndexOptions, embedder: Embedder, t0: float,
    pool: Callable[[], AbstractContextManager[ActorPool]], chunk_files: int = CHUNK_FILES,
) -> Iterator[IndexProgress]:  # fmt: skip
    """`pool` starts the actors (and Ray) only when there is something to embed."""
    by_hash = pending_by_hash(store, opts)
    total = sum(len(v) for v in by_hash.values())
    if not total:
        return
    yield IndexProgress("embed", 0, total, message=f"starting the cluster for {total} files")
    with pool() as actors:
        yield from _embed(store, by_hash, total, opts, t0, actors, chunk_files)


def _embed(store, by_hash, total, opts, t0, pool: ActorPool, chunk_files):
    jobs = [(d, recs[0].path) for d, recs in by_hash.items()]
    commits = _Commits(store, by_hash)
    started = time.monotonic()

    def progress() -> IndexProgress:
        rate = commits.files_written / max(1e-6, time.monotonic() - started)
        return IndexProgress("embed", commits.files_written, total, commits.audio_seconds,
                             store.count(ONLY_ERRORS), rate, time.monotonic() - t0)  # fmt: skip

    for finished in pool.run(chunked(jobs, chunk_files)):
        if opts.cancelled():
            break
        if finished is not None:
            commits.add(finished[1])
        if commits.due():
            commits.flush()
            yield progress()
    commits.flush()
    yield progress()
