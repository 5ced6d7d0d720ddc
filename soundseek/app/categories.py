"""Zero-shot UCS suggestions for files, as the shells show them: accepted, rejected (never
suggested again for that content), or replaced by a category the user picks."""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass

from soundseek.errors import QuerySyntaxError
from soundseek.index.places.place import Place
from soundseek.index.store import Store
from soundseek.index.tables.filters import ONLY_INDEXED
from soundseek.index.tables.records import FileRecord
from soundseek.metadata.ucs import load_catalog

# A rejected suggestion is kept with the tags, by content, as "not ucs:<CatID>": user tags
# cannot contain ':', so it never meets one, and it stays out of tag counts and `tag:`.
REJECTED_PREFIX = "ucs:"


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


def ucs_choices() -> list[CategoryChoice]:
    """Every UCS subcategory, by name, for a picker (confidence 1: the user's own choice)."""
    catalog = load_catalog()
    return sorted((CategoryChoice(c.catid, c.full, 1.0) for c in catalog.by_catid.values()),
                  key=lambda c: c.name)  # fmt: skip


def _records(store: Store, paths: list[str] | None) -> list[FileRecord]:
    if paths:
        return [r for p in paths if (r := store.record_at(os.path.abspath(p))) is not None]
    return store.records(ONLY_INDEXED)


def rejected(store: Store, guesses: dict[str, list[tuple[str, float]]]) -> set[tuple[str, str]]:
    """(content hash, CatID) pairs among these guesses that the user rejected (one query for
    every rejection: there are few, and one per CatID cost seconds on a large review list)."""
    out: set[tuple[str, str]] = set()
    for h, tag in store.annotations.tags_starting(REJECTED_PREFIX, "not"):
        catid = tag[len(REJECTED_PREFIX) :]
        if h in guesses and any(c.lower() == catid for c, _ in guesses[h]):
            out.add((h, next(c for c, _ in guesses[h] if c.lower() == catid)))
    return out


def open_guesses(store: Store, hashes: list[str]) -> dict[str, list[CategoryChoice]]:
    """Each content's suggestions, best first, without those the user rejected."""
    guesses = store.annotations.guesses_of([h for h in hashes if h])
    no = rejected(store, guesses)
    by_catid = load_catalog().by_catid
    return {
        h: [CategoryChoice(c, by_catid[c].full if c in by_catid else c, p)
            for c, p in top if (h, c) not in no]
        for h, top in guesses.items()
    }  # fmt: skip


def suggestions(store: Store, paths: list[str] | None) -> list[FileCategories]:
    """Each indexed file's top UCS suggestions (all indexed files when no paths are given),
    rejected ones left out."""
    records = _records(store, paths)
    guesses = open_guesses(store, [r.content_hash for r in records])
    return [FileCategories(r.path, r.content_hash, r.catid, guesses.get(r.content_hash, []))
            for r in sorted(records, key=lambda r: r.path)]  # fmt: skip


def _write(place: Place, chosen: dict[str, str]) -> None:
    """Accept content hash -> CatID (the rows show it at once)."""
    by_catid = load_catalog().by_catid
    values = {h: (c, by_catid[c].category, by_catid[c].subcategory) for h, c in chosen.items()}
    if values:
        with Store(place, writable=True) as store:
            store.annotations.accept_categories(values)


def accept(place: Place, reader: Store, paths: list[str] | None, min_confidence: float) -> int:
    """Accept each file's top suggestion at or above `min_confidence`; returns how many.
    Without paths (the whole library) a file that already has a CatID keeps it."""
    catalog = load_catalog()
    chosen: dict[str, str] = {}
    for f in suggestions(reader, paths):
        top = f.suggestions[0] if f.suggestions else None
        if top is None or top.confidence < min_confidence or top.catid not in catalog.by_catid:
            continue
        if paths or not f.catid:
            chosen[f.content_hash] = top.catid
    _write(place, chosen)
    return len(chosen)


def accept_as(place: Place, reader: Store, paths: list[str], catid: str) -> int:
    """The user's own pick for these files, whatever was suggested; returns how many."""
    if catid not in load_catalog().by_catid:
        raise QuerySyntaxError(f"not a UCS CatID: {catid!r}")
    hashes = {r.content_hash for r in _records(reader, paths) if r.content_hash}
    _write(place, dict.fromkeys(hashes, catid))
    return len(hashes)


def reject(place: Place, reader: Store, paths: list[str]) -> int:
    """Reject each file's current top suggestion: it is not suggested for that content again
    (the next one moves up). Returns how many suggestions were rejected."""
    by_catid: dict[str, list[str]] = defaultdict(list)
    for f in suggestions(reader, paths):
        if f.suggestions:
            by_catid[f.suggestions[0].catid].append(f.content_hash)
    if by_catid:
        with Store(place, writable=True) as store:
            for catid, hashes in by_catid.items():
                store.annotations.set_tag(REJECTED_PREFIX + catid, hashes, True, "not")
    return sum(len(v) for v in by_catid.values())
