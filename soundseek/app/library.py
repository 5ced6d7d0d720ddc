"""The opened index as the application reads it: one read-only store, its retrieval side and
the searcher, shared by every thread of the process. Importing this module imports LanceDB.

A shared (S3) library is read from a local copy of its tables, brought up to date when it is
opened and every few seconds after (`MirrorKeeper`); if the store cannot be reached the copy
is searched and the notes say since when. With a shared location, this home's own index (if
it holds files) is opened beside it and searched together with it; everything else (tags,
review, writes) acts on the primary one.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from dataclasses import dataclass, field
from pathlib import Path

from soundseek.embed.base import Embedder
from soundseek.errors import StoreError
from soundseek.index.places.place import MirroredPlace, Place
from soundseek.index.retrieval import Retrieval
from soundseek.index.store import Store
from soundseek.search.combined import CombinedSearcher
from soundseek.search.searcher import Searcher

log = logging.getLogger(__name__)

MIRROR_REFRESH_SECONDS = 10.0


@dataclass
class Library:
    store: Store
    retrieval: Retrieval
    searcher: Searcher | CombinedSearcher
    also: list[Store] = field(default_factory=list)  # searched too (this home's own index)
    notes: list[str] = field(default_factory=list)  # upgrades, an unreachable team library
    keeper: MirrorKeeper | None = None

    def close(self) -> None:
        if self.keeper is not None:
            self.keeper.stop()


class MirrorKeeper:
    """Keeps a local copy current in the background; a failed sync is logged and retried
    (the copy keeps answering meanwhile). It ends with `stop`, or once nothing uses the copy
    any more (it holds it weakly)."""

    def __init__(self, place: MirroredPlace, seconds: float) -> None:
        self.place, self.seconds = weakref.ref(place), seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="mirror-sync", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.seconds):
            place = self.place()
            if place is None:
                return
            try:
                place.mirror.sync()
            except Exception:  # offline, credentials expired...: the copy keeps answering
                log.warning("could not update the local copy of %s", place.uri, exc_info=True)
            del place

    def stop(self) -> None:
        self._stop.set()


def open_library(
    place: Place, extra: list[Place], embedder: Embedder | None, captions: bool,
    mirror: Path | None = None,
) -> Library:  # fmt: skip
    """`mirror`: where to keep a local copy of a shared library (None: read it in place)."""
    keeper = None
    if place.shared and mirror is not None:
        mirrored = MirroredPlace(place, mirror)
        notes = _sync(place, mirrored)
        store = Store(mirrored)
        keeper = MirrorKeeper(mirrored, MIRROR_REFRESH_SECONDS)
    else:
        store = Store(place)
        notes = list(store.upgrade_notes)
    store.words.fresh()  # a missing word index is built here, while the library opens (a
    # shell opens it in the background), not in the first search (~30 s at 100k files)
    retrieval = Retrieval(store)
    searcher = Searcher(retrieval, embedder, captions)
    searcher.warm()
    also = [s for s in map(_open_extra, extra) if s is not None]
    if not also:
        return Library(store, retrieval, searcher, notes=notes, keeper=keeper)
    extras = [Searcher(Retrieval(s), embedder, captions) for s in also]
    combined = CombinedSearcher([searcher, *extras])
    return Library(store, retrieval, combined, also, notes, keeper)


def _sync(place: Place, mirrored: MirroredPlace) -> list[str]:
    """Upgrade an older shared index on the store (opening it does), then bring the copy up
    to date; if the store is unreachable, say which copy is searched."""
    try:
        notes = list(Store(place).upgrade_notes)
        mirrored.mirror.sync()
        return notes
    except StoreError as exc:
        when = mirrored.mirror.last_synced()
        if not when:
            raise
        stamp = time.strftime("%Y-%m-%d %H:%M", time.localtime(when))
        return [f"{place.uri} cannot be reached ({exc}); searching its local copy of {stamp}"]


def _open_extra(place: Place) -> Store | None:
    """An extra library worth searching: it exists and holds files."""
    try:
        store = Store(place)
        return store if store.count() else None
    except StoreError as exc:
        log.warning("not searching %s too: %s", place.uri, exc)
        return None
