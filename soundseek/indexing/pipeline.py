"""Bring the index up to date: scan, diff, metadata, decode + embed, write; resumable."""

from __future__ import annotations

import queue
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

import numpy as np

from soundseek.audio.decode import EnvelopeBuilder, iter_windows
from soundseek.embed.base import Embedder
from soundseek.errors import UnreadableFile
from soundseek.files.roots import Root
from soundseek.files.scanner import ScannedFile, scan
from soundseek.index.filters import ONLY_ERRORS, ONLY_PENDING
from soundseek.index.records import FileRecord, FileStatus
from soundseek.index.store import Store
from soundseek.indexing.describe import describe
from soundseek.indexing.journal import CRASH_REASON, CRASH_STRIKES, DecodeJournal
from soundseek.indexing.plan import plan_changes
from soundseek.metadata.ucs import UcsCatalog, load_catalog

META_BATCH = 256
FLUSH_SECONDS = 2.0
FLUSH_WINDOWS = 2048
QUEUE_WINDOWS = 32


@dataclass
class IndexProgress:
    """A snapshot the CLI and UI render; `phase` says which stage produced it."""

    phase: str
    files_done: int = 0
    files_total: int = 0
    audio_seconds: float = 0.0
    errors: int = 0
    rate: float = 0.0
    elapsed: float = 0.0
    current: str = ""
    message: str = ""

    @property
    def eta_seconds(self) -> float | None:
        if self.phase != "embed" or self.rate <= 0 or not self.files_total:
            return None
        return (self.files_total - self.files_done) / self.rate


@dataclass
class IndexOptions:
    roots: list[Root]
    exclusions: list[str] = field(default_factory=list)
    batch_size: int = 8
    cancel: threading.Event | None = None

    def cancelled(self) -> bool:
        return self.cancel is not None and self.cancel.is_set()


def run_index(
    store: Store,
    opts: IndexOptions,
    embedder: Embedder | None = None,
    catalog: UcsCatalog | None = None,
) -> Iterator[IndexProgress]:
    """The whole pipeline as a generator of progress; set opts.cancel to stop cleanly."""
    t0 = time.monotonic()
    if embedder is not None:
        reset = store.use_model(embedder.model_id, embedder.dim)
        if reset:
            yield IndexProgress("model", message=f"model changed: re-embedding {reset} files")
    yield from _scan_and_describe(store, opts, catalog or load_catalog(), t0)
    if not opts.cancelled():
        store.sweep_orphans()
    if embedder is not None and not opts.cancelled():
        yield from _embed_pending(store, opts, embedder, t0)
    yield IndexProgress("maintain", message="optimising the index", elapsed=time.monotonic() - t0)
    store.maintain()
    final = "cancelled" if opts.cancelled() else "done"
    yield IndexProgress(final, elapsed=time.monotonic() - t0, errors=store.count(ONLY_ERRORS))


def _scan_and_describe(
    store: Store, opts: IndexOptions, catalog: UcsCatalog, t0: float
) -> Iterator[IndexProgress]:
    known = store.file_states()
    found: list[ScannedFile] = []
    for f in scan(opts.roots, opts.exclusions):
        found.append(f)
        if len(found) % 1000 == 0:
            yield IndexProgress("scan", files_done=len(found), elapsed=time.monotonic() - t0)
        if opts.cancelled():
            return
    plan = plan_changes(known, found, opts.roots)
    embedded = store.windows_by_hash() if plan.changed else {}
    records: list[FileRecord] = []
    errors = 0
    for i, f in enumerate(plan.changed, 1):
        rec = describe(f, catalog, embedded)
        errors += rec.status is FileStatus.ERROR
        records.append(rec)
        if len(records) >= META_BATCH or i == len(plan.changed):
            store.upsert_files(records)
            records = []
            yield IndexProgress(
                "metadata", i, len(plan.changed), errors=errors, current=f.path,
                rate=i / max(1e-6, time.monotonic() - t0), elapsed=time.monotonic() - t0,
            )  # fmt: skip
        if opts.cancelled():
            store.upsert_files(records)
            return
    store.delete_files(plan.removed)
    if plan.removed:
        yield IndexProgress("metadata", message=f"{len(plan.removed)} removed files left the index")


# -- embedding stage ------------------------------------------------------------------------


@dataclass
class _Done:
    digest: str
    envelope: bytes
    count: int


@dataclass
class _Failed:
    digest: str
    reason: str


def _decode_worker(
    jobs: list[tuple[str, str]],
    out: queue.Queue,
    stop: threading.Event,
    featurize=None,
    journal: DecodeJournal | None = None,
) -> None:
    """Runs in a thread: decodes (and featurizes) files one after another while the model works."""

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                out.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    try:
        for digest, path in jobs:
            if journal is not None:
                journal.decoding(path)
            if not _decode_one(digest, path, put, featurize):
                return
    finally:
        if journal is not None:
            journal.decoding(None)
        put(None)


def _decode_one(digest: str, path: str, put, featurize=None) -> bool:
    """Stream one file's windows into the queue; any failure becomes a recorded reason."""
    try:
        env = EnvelopeBuilder()
        count = 0
        for w in iter_windows(path, env):
            item = (digest, w, featurize([w.samples]) if featurize else None)
            if not put(item):
                return False
            count += 1
        return put(_Done(digest, env.to_bytes(), count))
    except UnreadableFile as exc:
        return put(_Failed(digest, exc.reason))
    except Exception as exc:  # a decoder bug must cost one file, never the whole run
        return put(_Failed(digest, f"decoding failed ({type(exc).__name__}: {exc})"))


class _EmbedState:
    """Windows embedded so far, held per file until the file is complete."""

    def __init__(
        self,
        embedder: Embedder,
        store: Store,
        by_hash: dict[str, list[FileRecord]],
        journal: DecodeJournal,
    ):
        self.embedder, self.store, self.by_hash = embedder, store, by_hash
        self.journal = journal
        self.batch: list[tuple[str, object, object]] = []
        self.vectors: dict[str, list[tuple[int, float, float, np.ndarray]]] = defaultdict(list)
        self.done: list[_Done] = []
        self.complete: list[_Done] = []
        self.failed: list[_Failed] = []
        self.files_done = 0
        self.audio_seconds = 0.0
        self.last_flush = time.monotonic()

    def run_batch(self) -> None:
        if self.batch:
            if self.batch[0][2] is not None:
                vecs = self.embedder.embed_features([f for _, _, f in self.batch])
            else:
                vecs = self.embedder.embed_audio([w.samples for _, w, _ in self.batch])
            for (digest, w, _), v in zip(self.batch, vecs, strict=True):
                self.vectors[digest].append((w.index, w.start, w.end, v))
                self.audio_seconds += w.end - w.start
            self.batch = []
        self.complete.extend(self.done)
        self.done = []

    def fail(self, item: _Failed) -> None:
        self.batch = [b for b in self.batch if b[0] != item.digest]
        self.vectors.pop(item.digest, None)
        self.failed.append(item)

    def files_finished(self) -> int:
        """Written plus embedded-but-not-yet-written files (the latter are written on cancel)."""
        return self.files_done + sum(len(self.by_hash[d.digest]) for d in self.complete)

    def pending_windows(self) -> int:
        return sum(len(self.vectors[d.digest]) for d in self.complete)

    def should_flush(self) -> bool:
        due = time.monotonic() - self.last_flush > FLUSH_SECONDS
        return bool(self.complete or self.failed) and (
            due or self.pending_windows() > FLUSH_WINDOWS
        )

    def flush(self) -> None:
        """Windows first, then the file rows: a kill in between leaves orphans, never duplicates."""
        hashes, starts, ends, idxs, vecs, envs = [], [], [], [], [], {}
        records: list[FileRecord] = []
        for d in self.complete:
            for idx, start, end, v in self.vectors.pop(d.digest, []):
                hashes.append(d.digest)
                idxs.append(idx)
                starts.append(start)
                ends.append(end)
                vecs.append(v)
            envs[d.digest] = d.envelope
            records += [
                replace(r, status=FileStatus.INDEXED, n_windows=d.count)
                for r in self.by_hash[d.digest]
            ]
        for f in self.failed:
            records += [
                replace(r, status=FileStatus.ERROR, error=f.reason) for r in self.by_hash[f.digest]
            ]
        if vecs:
            self.store.add_windows(hashes, starts, ends, idxs, np.stack(vecs))
        self.store.upsert_envelopes(envs)
        self.store.upsert_files(records)
        self.journal.forget([r.path for r in records])
        self.files_done += len(records)
        self.complete, self.failed = [], []
        self.last_flush = time.monotonic()


def _give_up_on_crashers(
    store: Store, journal: DecodeJournal, by_hash: dict[str, list[FileRecord]]
) -> int:
    """Files in flight at two hard stops are recorded as unreadable, not decoded again."""
    crashers = set(journal.settle_previous_run())
    hit = [d for d, recs in by_hash.items() if any(r.path in crashers for r in recs)]
    records = []
    for digest in hit:
        for r in by_hash.pop(digest):
            n = journal.strikes.get(r.path, CRASH_STRIKES)
            records.append(replace(r, status=FileStatus.ERROR, error=CRASH_REASON.format(n=n)))
    store.upsert_files(records)
    journal.forget([r.path for r in records])
    return len(records)


def _embed_pending(
    store: Store, opts: IndexOptions, embedder: Embedder, t0: float
) -> Iterator[IndexProgress]:
    online = {r.id for r in opts.roots if r.online}  # an unplugged drive waits, never errors
    by_hash: dict[str, list[FileRecord]] = defaultdict(list)
    for r in store.records(ONLY_PENDING):
        if r.root_id in online:
            by_hash[r.content_hash].append(r)
    journal = DecodeJournal(store.dir / "decoding.json")
    given_up = _give_up_on_crashers(store, journal, by_hash)
    if given_up:
        yield IndexProgress("embed", message=f"skipping {given_up} files that crashed the decoder")
    total = sum(len(v) for v in by_hash.values())
    if not total:
        return
    jobs = [(d, recs[0].path) for d, recs in by_hash.items()]
    q: queue.Queue = queue.Queue(maxsize=QUEUE_WINDOWS)
    stop = threading.Event()
    featurize = getattr(embedder, "features", None)
    worker = threading.Thread(
        target=_decode_worker, args=(jobs, q, stop, featurize, journal), daemon=True
    )
    worker.start()
    state = _EmbedState(embedder, store, by_hash, journal)
    started = time.monotonic()

    def progress(phase: str = "embed") -> IndexProgress:
        dt = max(1e-6, time.monotonic() - started)
        errors = store.count(ONLY_ERRORS)
        done = state.files_finished()
        return IndexProgress(
            phase, done, total, state.audio_seconds, errors, done / dt, time.monotonic() - t0
        )

    try:
        while not opts.cancelled():
            item = q.get()
            if item is None:
                break
            if isinstance(item, _Done):
                state.done.append(item)
                if not state.batch:
                    state.run_batch()
            elif isinstance(item, _Failed):
                state.fail(item)
            else:
                state.batch.append(item)
                if len(state.batch) >= opts.batch_size:
                    state.run_batch()
                    yield progress()
            if state.should_flush():
                state.flush()
                yield progress()
        if not opts.cancelled():
            state.run_batch()
        state.flush()
        yield progress()
    finally:
        stop.set()
        worker.join(timeout=5)
