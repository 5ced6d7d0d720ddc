"""Prints for contents indexed before prints existed (or whose print is of another version):
decoded once more, in the decoder processes, for the print alone. It runs in index runs that
decode anyway (a model is loaded), after the embedding; a kill loses at most the batch not yet
written, and the next run goes on from there."""

from __future__ import annotations

import time
from collections.abc import Iterator

from soundseek.index.store import Store
from soundseek.ingest.decoders import DecodePool, Send, decode_file
from soundseek.ingest.index_run import IndexOptions, IndexProgress
from soundseek.ingest.messages import FileDone, FileEnd, FileFailed

COMMIT = 256  # prints written per batch


def print_only(digest: str, path: str, _logmel: object, _send: Send) -> FileEnd:
    """A decoder task that sends no windows: the indexer's own decode (its print and its
    failures as they are), the windows dropped in the worker."""
    return decode_file(digest, path, None, _drop)


def _drop(_window: object) -> None:
    pass


def backfill_prints(store: Store, opts: IndexOptions, t0: float) -> Iterator[IndexProgress]:
    todo = store.prints.unprinted()
    if not todo:
        return
    online = {r.id for r in opts.roots if r.online}
    first: dict[str, str] = {}
    for r in store.records_by_hash(todo):
        if r.root_id in online and r.content_hash not in first:
            first[r.content_hash] = r.path
    yield IndexProgress("prints", 0, len(first), message="printing sounds indexed before")
    pool, done, batch = DecodePool(first.items(), opts.workers, None, print_only), 0, {}
    try:
        for event in pool:
            if isinstance(event, FileDone):
                batch[event.digest] = event.print
            done += isinstance(event, (FileDone, FileFailed))
            if len(batch) >= COMMIT or (opts.cancelled() and batch):
                store.prints.put(batch)
                batch = {}
                yield IndexProgress("prints", done, len(first), elapsed=time.monotonic() - t0)
            if opts.cancelled():
                return
        store.prints.put(batch)
    finally:
        pool.close()
    yield IndexProgress("prints", done, len(first), elapsed=time.monotonic() - t0)
