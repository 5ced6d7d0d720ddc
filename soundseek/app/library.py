"""The opened index as the application reads it: one read-only store, its retrieval side and
the searcher, shared by every thread of the process. Importing this module imports LanceDB.

With a shared location, this home's own index (if it holds files) is opened beside it and
searched together with it; everything else (tags, review, writes) acts on the primary one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from soundseek.embed.base import Embedder
from soundseek.errors import StoreError
from soundseek.index.place import Place
from soundseek.index.retrieval import Retrieval
from soundseek.index.store import Store
from soundseek.search.combined import CombinedSearcher
from soundseek.search.searcher import Searcher

log = logging.getLogger(__name__)


@dataclass
class Library:
    store: Store
    retrieval: Retrieval
    searcher: Searcher | CombinedSearcher
    also: list[Store] = field(default_factory=list)  # searched too (this home's own index)

    @property
    def notes(self) -> list[str]:
        return self.store.upgrade_notes


def open_library(
    place: Place, extra: list[Place], embedder: Embedder | None, captions: bool
) -> Library:
    store = Store(place)
    retrieval = Retrieval(store)
    searcher = Searcher(retrieval, embedder, captions)
    also = [s for s in map(_open_extra, extra) if s is not None]
    if not also:
        return Library(store, retrieval, searcher)
    extras = [Searcher(Retrieval(s), embedder, captions) for s in also]
    return Library(store, retrieval, CombinedSearcher([searcher, *extras]), also)


def _open_extra(place: Place) -> Store | None:
    """An extra library worth searching: it exists and holds files."""
    try:
        store = Store(place)
        return store if store.count() else None
    except StoreError as exc:
        log.warning("not searching %s too: %s", place.uri, exc)
        return None
