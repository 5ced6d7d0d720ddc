"""Zero-shot UCS suggestions for files, as the shells show them."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

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
    content_hash: str
    catid: str  # what the file says now, or what was accepted ("" if nothing)
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
        out.append(FileCategories(r.path, r.content_hash, r.catid, top))
    return out


def accept(store_dir: Path, reader: Store, paths: list[str] | None, min_confidence: float) -> int:
    """Accept each file's top suggestion at or above `min_confidence`; returns how many."""
    catalog = load_catalog()
    chosen: dict[str, tuple[str, str, str]] = {}
    for f in suggestions(reader, paths):
        top = f.suggestions[0] if f.suggestions else None
        if top is None or top.confidence < min_confidence or top.catid not in catalog.by_catid:
            continue
        cat = catalog.by_catid[top.catid]
        chosen[f.content_hash] = (cat.catid, cat.category, cat.subcategory)
    if chosen:
        with Store(store_dir, writable=True) as store:
            store.accept_categories(chosen)
    return len(chosen)
