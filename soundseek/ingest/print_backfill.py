"""Prints for contents indexed before prints existed (or whose print is of another version):
decoded once more, in the decoder processes, for the print alone. It runs in index runs that
decode anyway (a model is loaded), after the embedding; a kill loses at most the batch not yet
written, and the next run goes on from there."""

from __future__ import annotations

import time
from collections.abc import Iterator

from soundseek.audio.decode import iter_windows
from soundseek.audio.soundprint import PrintBuilder
from soundseek.errors import UnreadableFile
from soundseek.index.store import Store
from soundseek.ingest.decoders import DecodePool, Send
from soundseek.ingest.index_run import IndexOptions, IndexProgress
from soundseek.ingest.messages import FileDone, FileEnd, FileFailed

COMMIT = 256  # prints written per batch


def print_only(digest: str, path: str, _logmel: object, _send: Send) -> FileEnd:
    """A decoder task that sends no windows: the file's print, or why it failed."""
    try:
        printer = PrintBuilder()
        for _ in iter_windows(path, None, printer):
            pass
        return FileDone(digest, b"", 0, printer.finish().to_bytes())
    except UnreadableFile as exc:
        return FileFailed(digest, exc.reason)
    except Exception as exc:  # a decoder bug costs one print, never the run
        return FileFailed(digest, f"decoding failed ({type(exc).__name__}: {exc})")


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
