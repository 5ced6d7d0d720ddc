"""Bring the index up to date: scan, diff, metadata, decode + embed, write; resumable."""

from __future__ import annotations

import time
from collections.abc import Iterator

from soundseek.embed.base import Embedder, pipeline_of
from soundseek.files.scanner import ScannedFile, scan
from soundseek.index.filters import ONLY_ERRORS
from soundseek.index.records import FileRecord, FileStatus
from soundseek.index.store import Store
from soundseek.indexing.describe import describe
from soundseek.indexing.embedding import embed_pending
from soundseek.indexing.plan import plan_changes
from soundseek.indexing.progress import IndexOptions, IndexProgress
from soundseek.metadata.ucs import UcsCatalog, load_catalog

META_BATCH = 256


def run_index(
    store: Store,
    opts: IndexOptions,
    embedder: Embedder | None = None,
    catalog: UcsCatalog | None = None,
) -> Iterator[IndexProgress]:
    """The whole pipeline as a generator of progress; set opts.cancel to stop cleanly."""
    t0 = time.monotonic()
    if embedder is not None:
        space, runtime = pipeline_of(embedder)
        reset = store.use_model(embedder.model_id, embedder.dim, space, runtime)
        if reset:
            yield IndexProgress("model", message=f"model changed: re-embedding {reset} files")
    yield from _scan_and_describe(store, opts, catalog or load_catalog(), t0)
    if not opts.cancelled():
        store.sweep_orphans()
    if embedder is not None and not opts.cancelled():
        yield from embed_pending(store, opts, embedder, t0)
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
