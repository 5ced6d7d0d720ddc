"""Copies found at index time: every print the print index has not taken in yet is matched
against those it has, then added, one content at a time (one transaction each: a kill leaves a
content either matched and in, or out and matched again by the next run). A new file costs
one query of its own hashes, never a pass over the library."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING

from soundseek.audio.soundprint import SoundPrint
from soundseek.copies.matching import find_relations

if TYPE_CHECKING:
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
    """Match and add the prints not in the print index; yields how many are done so far."""
    index = store.prints.index()
    if index is None:
        return
    paths, done = _Paths(store), 0
    for batch in store.prints.unmatched():
        paths.prefetch(list(batch))
        for content, blob in batch.items():
            if cancel is not None and cancel.is_set():
                return
            p = SoundPrint.from_bytes(blob)
            if p is None:  # another version's print: the next run prints it again
                continue
            relations = find_relations(content, p, index, paths)
            index.add(content, p.duration, p.hashes, p.stride, relations)
            done += 1
        yield done
