"""Zero-shot UCS suggestions for files, as the shells show them."""

from __future__ import annotations

import os
from dataclasses import dataclass

from soundseek.index.filters import ONLY_INDEXED
from soundseek.index.store import Store
from soundseek.metadata.ucs import load_catalog


@dataclass(frozen=True)
class CategoryChoice:
    catid: str
    name: str  # "DOORS-WOOD"
    confidence: float


@dataclass(frozen=True)
class FileCategories:
    path: str
    catid: str  # what the file says now ("" if nothing)
    suggestions: list[CategoryChoice]


def suggestions(store: Store, paths: list[str] | None) -> list[FileCategories]:
    """Each indexed file's top UCS suggestions (all indexed files when no paths are given)."""
    if paths:
        records = [r for p in paths if (r := store.record_at(os.path.abspath(p))) is not None]
    else:
        records = store.records(ONLY_INDEXED)
    guesses = store.guesses_of([r.content_hash for r in records if r.content_hash])
    catalog = load_catalog()
    out = []
    for r in sorted(records, key=lambda r: r.path):
        top = [CategoryChoice(c, catalog.by_catid[c].full if c in catalog.by_catid else c, p)
               for c, p in guesses.get(r.content_hash, [])]  # fmt: skip
        out.append(FileCategories(r.path, r.catid, top))
    return out
