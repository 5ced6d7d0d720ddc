"""The opened index as the application reads it: one read-only store, its retrieval side and
the searcher, shared by every thread of the process. Importing this module imports LanceDB."""

from __future__ import annotations

from dataclasses import dataclass

from soundseek.embed.base import Embedder
from soundseek.index.retrieval import Retrieval
from soundseek.index.store import Store
from soundseek.paths import AppPaths
from soundseek.search.searcher import Searcher


@dataclass
class Library:
    store: Store
    retrieval: Retrieval
    searcher: Searcher

    @property
    def notes(self) -> list[str]:
        return self.store.upgrade_notes


def open_library(paths: AppPaths, embedder: Embedder | None, captions: bool) -> Library:
    store = Store(paths.store_dir)
    retrieval = Retrieval(store)
    return Library(store, retrieval, Searcher(retrieval, embedder, captions))
