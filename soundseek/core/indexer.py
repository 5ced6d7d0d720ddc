"""Bring the index up to date: scan, diff, metadata, decode + embed, write; resumable."""

from __future__ import annotations

import os
import queue
import threading
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np

from soundseek.core.audio import EnvelopeBuilder, iter_windows
from soundseek.core.embedder import Embedder
from soundseek.core.errors import UnreadableFile
from soundseek.core.hashing import content_hash
from soundseek.core.journal import CRASH_REASON, CRASH_STRIKES, DecodeJournal
from soundseek.core.metadata import read_metadata
from soundseek.core.records import error_row, meta_row
from soundseek.core.scanner import ScannedFile, scan
from soundseek.core.store import FileState, Store
from soundseek.core.ucs import UcsCatalog, load_catalog

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
    roots: list[str]
    exclusions: list[str] = field(default_factory=list)
    batch_size: int = 8
    cancel: threading.Event | None = None

    def cancelled(self) -> bool:
        return self.cancel is not None and self.cancel.is_set()


def _under(path: str, roots: Iterable[str]) -> bool:
    return any(path == r or path.startswith(r.rstrip(os.sep) + os.sep) for r in roots)


def plan_changes(
    known: dict[str, FileState], found: list[ScannedFile], roots: list[str]
) -> tuple[list[ScannedFile], list[str]]:
    """New or changed files (by size + mtime), and known paths that are gone for sure."""
    seen = {f.path for f in found}
    changed = [
        f
        for f in found
        if (k := known.get(f.path)) is None or (k.size, k.mtime_ns) != (f.size, f.mtime_ns)
    ]
    offline = [r for r in roots if not os.path.isdir(r)]
    removed = [p for p in known if p not in seen and not (_under(p, offline) and _under(p, roots))]
    return changed, removed


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
    yield IndexProgress(
        final, elapsed=time.monotonic() - t0, errors=store.count(where="status = 'error'")
    )


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
    changed, removed = plan_changes(known, found, opts.roots)
    reusable = {k.content_hash for k in known.values() if k.status == "indexed"}
    n_windows = _windows_by_hash(store, reusable) if changed else {}
    rows, errors = [], 0
    roots = sorted((os.path.abspath(r) for r in opts.roots), key=len, reverse=True)
    for i, f in enumerate(changed, 1):
        root = next((r for r in roots if _under(f.path, [r])), os.path.dirname(f.path))
        row = _describe(f, catalog, n_windows, root)
        errors += row["status"] == "error"
        rows.append(row)
        if len(rows) >= META_BATCH or i == len(changed):
            store.upsert_files(rows)
            rows = []
            yield IndexProgress(
                "metadata", i, len(changed), errors=errors, current=f.path,
                rate=i / max(1e-6, time.monotonic() - t0), elapsed=time.monotonic() - t0,
            )  # fmt: skip
        if opts.cancelled():
            store.upsert_files(rows)
            return
    store.delete_paths(removed)
    if removed:
        yield IndexProgress("metadata", message=f"{len(removed)} removed files left the index")


def _windows_by_hash(store: Store, hashes: set[str]) -> dict[str, int]:
    rows = store.files("status = 'indexed'", ["content_hash", "n_windows"])
    return {r["content_hash"]: r["n_windows"] for r in rows if r["content_hash"] in hashes}


def _describe(
    found: ScannedFile, catalog: UcsCatalog, n_windows: dict[str, int], root: str
) -> dict:
    """Metadata + fingerprint; content already embedded under another path is reused."""
    try:
        meta = read_metadata(found.path, catalog)
        digest = content_hash(found.path)
    except UnreadableFile as exc:
        return error_row(found, exc.reason, root)
    except OSError as exc:
        return error_row(found, exc.strerror or str(exc), root)
    if digest in n_windows:
        return meta_row(meta, found, digest, "indexed", n_windows[digest], root)
    return meta_row(meta, found, digest, "pending", 0, root)


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
    import soundfile as sf

    try:
        env = EnvelopeBuilder(max(1, sf.info(path).frames))
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
        rows_by_hash: dict[str, list[dict]],
        journal: DecodeJournal,
    ):
        self.embedder, self.store, self.rows_by_hash = embedder, store, rows_by_hash
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
        return self.files_done + sum(len(self.rows_by_hash[d.digest]) for d in self.complete)

    def pending_windows(self) -> int:
        return sum(len(self.vectors[d.digest]) for d in self.complete)

    def should_flush(self) -> bool:
        due = time.monotonic() - self.last_flush > FLUSH_SECONDS
        return bool(self.complete or self.failed) and (
            due or self.pending_windows() > FLUSH_WINDOWS
        )

    def flush(self) -> None:
        """Windows first, then the file rows: a kill in between leaves orphans, never duplicates."""
        hashes, starts, ends, idxs, vecs, rows, envs = [], [], [], [], [], [], {}
        for d in self.complete:
            for idx, start, end, v in self.vectors.pop(d.digest, []):
                hashes.append(d.digest)
                idxs.append(idx)
                starts.append(start)
                ends.append(end)
                vecs.append(v)
            envs[d.digest] = d.envelope
            rows += [
                {**r, "status": "indexed", "n_windows": d.count}
                for r in self.rows_by_hash[d.digest]
            ]
        for f in self.failed:
            rows += [
                {**r, "status": "error", "error": f.reason} for r in self.rows_by_hash[f.digest]
            ]
        if vecs:
            self.store.add_windows(hashes, starts, ends, idxs, np.stack(vecs))
        self.store.upsert_envelopes(envs)
        self.store.upsert_files(rows)
        self.journal.forget([r["path"] for r in rows])
        self.files_done += len(rows)
        self.complete, self.failed = [], []
        self.last_flush = time.monotonic()


def _give_up_on_crashers(
    store: Store, journal: DecodeJournal, rows_by_hash: dict[str, list[dict]]
) -> int:
    """Files in flight at two hard stops are recorded as unreadable, not decoded again."""
    crashers = set(journal.settle_previous_run())
    hit = [d for d, rows in rows_by_hash.items() if any(r["path"] in crashers for r in rows)]
    rows = []
    for digest in hit:
        for r in rows_by_hash.pop(digest):
            n = journal.strikes.get(r["path"], CRASH_STRIKES)
            rows.append({**r, "status": "error", "error": CRASH_REASON.format(n=n)})
    store.upsert_files(rows)
    journal.forget([r["path"] for r in rows])
    return len(rows)


def _embed_pending(
    store: Store, opts: IndexOptions, embedder: Embedder, t0: float
) -> Iterator[IndexProgress]:
    rows_by_hash: dict[str, list[dict]] = defaultdict(list)
    for r in store.files("status = 'pending'"):
        rows_by_hash[r["content_hash"]].append(r)
    journal = DecodeJournal(store.dir / "decoding.json")
    given_up = _give_up_on_crashers(store, journal, rows_by_hash)
    if given_up:
        yield IndexProgress("embed", message=f"skipping {given_up} files that crashed the decoder")
    total = sum(len(v) for v in rows_by_hash.values())
    if not total:
        return
    jobs = [(d, rows[0]["path"]) for d, rows in rows_by_hash.items()]
    q: queue.Queue = queue.Queue(maxsize=QUEUE_WINDOWS)
    stop = threading.Event()
    featurize = getattr(embedder, "features", None)
    worker = threading.Thread(
        target=_decode_worker, args=(jobs, q, stop, featurize, journal), daemon=True
    )
    worker.start()
    state = _EmbedState(embedder, store, rows_by_hash, journal)
    started = time.monotonic()

    def progress(phase: str = "embed") -> IndexProgress:
        dt = max(1e-6, time.monotonic() - started)
        errors = store.count(where="status = 'error'")
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
