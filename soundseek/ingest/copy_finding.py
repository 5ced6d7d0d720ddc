"""The index run's copy step: new prints are matched against the library's (copies.finding),
after the embedding that made them."""

from __future__ import annotations

import time
from collections.abc import Iterator

from soundseek.copies.finding import match_new
from soundseek.index.store import Store
from soundseek.ingest.index_run import IndexOptions, IndexProgress


def find_copies(store: Store, opts: IndexOptions, t0: float) -> Iterator[IndexProgress]:
    yield IndexProgress("copies", message="looking for copies", elapsed=time.monotonic() - t0)
    for done in match_new(store, opts.cancel):
        yield IndexProgress("copies", done, elapsed=time.monotonic() - t0)
