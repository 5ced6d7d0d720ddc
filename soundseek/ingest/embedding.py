"""The embedding stage: decoded windows (from worker processes) -> batches on the model ->
per-file vectors -> commits, windows before rows.

A file counts as indexed only once all its windows are stored, so a kill at any moment leaves
orphan windows at worst (swept later), never duplicates. A non-finite vector (NaN, infinity)
never reaches the store: that file is recorded with the reason and the run goes on.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, replace

import numpy as np

from soundseek.embed.base import Embedder, FeatureEncoder
from soundseek.index.store import Store
from soundseek.index.tables.filters import ONLY_ERRORS, ONLY_PENDING
from soundseek.index.tables.records import FileRecord, FileStatus
from soundseek.ingest.progress import IndexOptions, IndexProgress
from soundseek.ingest.workers import DecodedWindow, DecodePool, FileDone, FileFailed

FLUSH_SECONDS = 2.0
FLUSH_WINDOWS = 2048
NON_FINITE = "the model produced non-numbers (NaN or infinity) for this file's audio"


@dataclass
class _Vector:
    index: int
    start: float
    end: float
    vector: np.ndarray


class EmbedBatcher:
    """Windows of many files batched through the model, held per file until it is complete."""

    def __init__(
        self, embedder: Embedder, store: Store, by_hash: dict[str, list[FileRecord]],
        batch_size: int, features: bool,
    ) -> None:  # fmt: skip
        self.embedder, self.store, self.by_hash = embedder, store, by_hash
        self.batch_size = max(1, batch_size)
        self.features = features  # the decoders send log-mel features, not samples
        self.batch: list[DecodedWindow] = []
        self.vectors: dict[str, list[_Vector]] = defaultdict(list)
        self.waiting: list[FileDone] = []  # decoded; some windows may still be in the batch
        self.complete: list[FileDone] = []
        self.failed: dict[str, str] = {}
        self.files_done = 0
        self.audio_seconds = 0.0
        self.last_flush = time.monotonic()

    def add(self, event: DecodedWindow | FileDone | FileFailed) -> bool:
        """Take one event from the decoders; True when the batch ran (progress worth showing)."""
        if isinstance(event, FileFailed):
            self.fail(event.digest, event.reason)
            return False
        if isinstance(event, FileDone):
            self.waiting.append(event)
            if not self.batch:
                self.run_batch()
            return False
        if event.digest in self.failed:
            return False
        self.batch.append(event)
        if len(self.batch) >= self.batch_size:
            self.run_batch()
            return True
        return False

    def run_batch(self) -> None:
        if self.batch:
            data = [w.data for w in self.batch]
            if self.features:
                vecs = self.embedder.embed_features(np.stack(data))
            else:
                vecs = self.embedder.embed_audio(data)
            finite = np.isfinite(vecs).all(axis=1)
            for w, v, ok in zip(self.batch, vecs, finite, strict=True):
                if not ok:
                    self.fail(w.digest, NON_FINITE)
                elif w.digest not in self.failed:
                    self.vectors[w.digest].append(_Vector(w.index, w.start, w.end, v))
                    self.audio_seconds += w.end - w.start
            self.batch = []
        self.complete += [d for d in self.waiting if d.digest not in self.failed]
        self.waiting = []

    def fail(self, digest: str, reason: str) -> None:
        self.batch = [w for w in self.batch if w.digest != digest]
        self.vectors.pop(digest, None)
        self.failed.setdefault(digest, reason)

    def files_finished(self) -> int:
        """Written plus embedded-but-not-yet-written files (the latter are written on cancel)."""
        return self.files_done + sum(len(self.by_hash[d.digest]) for d in self.complete)

    def should_flush(self) -> bool:
        pending = sum(len(self.vectors[d.digest]) for d in self.complete)
        due = time.monotonic() - self.last_flush > FLUSH_SECONDS
        return bool(self.complete or self.failed) and (due or pending > FLUSH_WINDOWS)

    def flush(self) -> None:
        done = []
        for d in self.complete:
            vecs = self.vectors.pop(d.digest, [])
            done.append(EmbeddedFile(
                d.digest, d.envelope, [v.index for v in vecs], [v.start for v in vecs],
                [v.end for v in vecs], np.stack([v.vector for v in vecs]) if vecs else None,
            ))  # fmt: skip
        self.files_done += write_results(self.store, self.by_hash, done, self.failed)
        self.complete, self.failed = [], {}
        self.last_flush = time.monotonic()


@dataclass
class EmbeddedFile:
    """One content's vectors, ready to store (made here or by a cluster worker)."""

    digest: str
    envelope: bytes
    idxs: list[int]
    starts: list[float]
    ends: list[float]
    vectors: np.ndarray | None  # (windows, dim); None for a file without audio windows

    @property
    def count(self) -> int:
        return len(self.idxs)


def write_results(
    store: Store, by_hash: dict[str, list[FileRecord]], done: list[EmbeddedFile],
    failed: dict[str, str],
) -> int:  # fmt: skip
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
    store.upsert_files(records)
    return len(records)


def pending_by_hash(store: Store, opts: IndexOptions) -> dict[str, list[FileRecord]]:
    """Files waiting for vectors, grouped by content (copies are embedded once); files on an
    unplugged drive wait, they never become errors."""
    online = {r.id for r in opts.roots if r.online}
    by_hash: dict[str, list[FileRecord]] = defaultdict(list)
    for r in store.records(ONLY_PENDING):
        if r.root_id in online:
            by_hash[r.content_hash].append(r)
    return by_hash


def embed_pending(
    store: Store, opts: IndexOptions, embedder: Embedder, t0: float
) -> Iterator[IndexProgress]:
    by_hash = pending_by_hash(store, opts)
    total = sum(len(v) for v in by_hash.values())
    if not total:
        return
    jobs = ((d, recs[0].path) for d, recs in by_hash.items())
    in_workers = _features_in_workers(embedder)
    pool = DecodePool(jobs, opts.workers, embedder.feature_spec if in_workers else None)
    state = EmbedBatcher(embedder, store, by_hash, opts.batch_size, in_workers)
    started = time.monotonic()

    def progress() -> IndexProgress:
        dt = max(1e-6, time.monotonic() - started)
        done = state.files_finished()
        return IndexProgress("embed", done, total, state.audio_seconds, store.count(ONLY_ERRORS),
                             done / dt, time.monotonic() - t0)  # fmt: skip

    try:
        for event in pool:
            if opts.cancelled():
                break
            if state.add(event):
                yield progress()
            if state.should_flush():
                state.flush()
                yield progress()
        if not opts.cancelled():
            state.run_batch()
        state.flush()
        yield progress()
    finally:
        pool.close()


def _features_in_workers(embedder: Embedder) -> bool:
    """Workers compute log-mel features for a CPU model; a GPU computes its own in batches
    (workers then send the samples)."""
    return isinstance(embedder, FeatureEncoder) and getattr(embedder, "device", "cpu") == "cpu"
