"""Bring the index up to date: scan, diff, metadata, decode + embed, write; resumable."""

from __future__ import annotations

import time
from collections.abc import Iterator

from soundseek.embed.base import Embedder, pipeline_of
from soundseek.index.store import Store
from soundseek.index.tables.filters import ONLY_ERRORS
from soundseek.ingest.category_guesses import guess_categories
from soundseek.ingest.copy_finding import find_copies
from soundseek.ingest.index_run import IndexOptions, IndexProgress
from soundseek.ingest.local_runner import LocalRunner
from soundseek.ingest.print_backfill import backfill_prints
from soundseek.ingest.runner import EmbedRunner, run_embedding
from soundseek.ingest.scanning import scan_and_describe


def run_index(
    store: Store, opts: IndexOptions, embedder: Embedder | None = None,
    embed: EmbedRunner | None = None,
) -> Iterator[IndexProgress]:  # fmt: skip
    """The whole pipeline as a generator of progress; set opts.cancel to stop cleanly.
    `embed` is the runner that turns pending files into vectors (local processes by default,
    a Ray cluster for `cluster index`); the embedder also encodes the UCS captions."""
    t0 = time.monotonic()
    if embedder is not None:
        space, runtime = pipeline_of(embedder)
        reset = store.use_model(embedder.model_id, embedder.dim, space, runtime)
        if reset:
            yield IndexProgress("model", message=f"model changed: re-embedding {reset} files")
    yield from scan_and_describe(store, opts, t0)
    if not opts.cancelled():
        store.sweep_orphans()
    if embedder is not None and not opts.cancelled():
        yield from run_embedding(store, opts, embedder, t0, embed or LocalRunner())
    if embedder is not None and not opts.cancelled():
        yield from guess_categories(store, embedder, t0)
    if embedder is not None and not opts.cancelled():
        yield from backfill_prints(store, opts, t0)
    if not opts.cancelled():
        yield from find_copies(store, opts, t0)
    yield IndexProgress("maintain", message="optimising the index", elapsed=time.monotonic() - t0)
    store.maintain()
    final = "cancelled" if opts.cancelled() else "done"
    yield IndexProgress(final, elapsed=time.monotonic() - t0, errors=store.count(ONLY_ERRORS))
