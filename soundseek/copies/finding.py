"""Copies found at index time: every print the print index has not taken in yet is matched
against those it has and those added before it in the run, then added. The adds are written a
batch at a time (one transaction each: a kill leaves a content either matched and in, or out
and matched again by the next run), and the run's own postings are searched in memory
(PrintIndex.session). A new file costs one query of its own hashes, never a pass over the
library; a fresh library's run reads no postings from the disk at all."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from soundseek.audio.soundprint import SoundPrint
from soundseek.copies.matching import PathOf, find_relations

if TYPE_CHECKING:
    from soundseek.index.prints.printindex import PrintIndex
    from soundseek.index.store import Store


class _Paths:
    """A readable file for each content, looked up once."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._known: dict[str, str | None] = {}

    def prefetch(self, contents: list[str]) -> None:
        todo = [c for c in contents if c not in self._known]
        for r in self._store.records_by_hash(todo) if todo else []:
            if self._known.get(r.content_hash) is None and r.path and os.path.isfile(r.path):
                self._known[r.content_hash] = r.path
        for c in todo:
            self._known.setdefault(c, None)

    def __call__(self, content: str) -> str | None:
        if content not in self._known:
            self.prefetch([content])
        return self._known[content]


def match_new(store: Store, cancel: threading.Event | None = None) -> Iterator[int]:
    """Match and add the prints not in the print index; yields how many are done so far
    (each count once they are written)."""
    index = store.prints.index()
    if index is None:
        return
    yield from add_prints(index, store.prints.unmatched(), _Paths(store), cancel)


def add_prints(index: PrintIndex, batches: Iterable[dict[str, bytes]], paths: PathOf,
               cancel: threading.Event | None = None) -> Iterator[int]:  # fmt: skip
    """Match and add each batch's prints ({content: print bytes}), in order; a batch is
    written in one transaction before its count is yielded (and what was done of it when
    cancelled or stopped)."""
    session, done = index.session(), 0
    prefetch = getattr(paths, "prefetch", None)
    try:
        for batch in batches:
            if prefetch is not None:
                prefetch(list(batch))
            for content, blob in batch.items():
                if cancel is not None and cancel.is_set():
                    return
                p = SoundPrint.from_bytes(blob)
                if p is None:  # another version's print: the next run prints it again
                    continue
                relations = find_relations(content, p, session, paths)
                session.add(content, p.duration, p.hashes, p.stride, relations)
                done += 1
            session.flush()
            yield done
    finally:
        session.flush()
