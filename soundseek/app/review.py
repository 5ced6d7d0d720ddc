"""What a reviewer sees beside each result (its category, the open UCS suggestion, its tags
and learned-tag guesses) and the two review lists: uncategorised files, and files with
suggestions nobody has accepted or rejected yet. Qt-free: the desktop app only shows them."""

from __future__ import annotations

from dataclasses import dataclass

from soundseek.app.categories import CategoryChoice, open_guesses
from soundseek.app.tagging import TagGuess
from soundseek.index.store import Store
from soundseek.index.tables.filters import ONLY_INDEXED
from soundseek.index.tables.records import FileRecord
from soundseek.metadata.ucs import load_catalog
from soundseek.search.hits import Hit, SearchResult

VIEW_LIMIT = 5000  # rows in a review list: more is a scroll nobody finishes
MIN_SHOWN = 0.01  # a UCS suggestion below 1% is noise, not something to review
Learned = dict[str, list[TagGuess]]  # content hash -> learned tags (tagging.learned_tags)


@dataclass(frozen=True)
class FileNotes:
    """One content's review state. `suggestion` is set only while the file has no CatID."""

    catid: str  # the file's own or the accepted CatID ("" if none)
    category: str  # that CatID's name, "DOORS-WOOD" ("" if none)
    suggestion: CategoryChoice | None
    tags: tuple[str, ...]
    suggested_tags: tuple[TagGuess, ...]  # learned, not yet accepted or rejected


def open_learned(store: Store, learned: Learned | None) -> Learned:
    """Learned guesses less those the user has since accepted or rejected (guesses are
    computed in the background and may be older than the last review key)."""
    tags = sorted({g.tag for top in (learned or {}).values() for g in top})
    decided = {
        t: set(store.annotations.hashes_tagged(t)) | set(store.annotations.hashes_tagged(t, "not"))
        for t in tags
    }
    out = {h: [g for g in top if h not in decided[g.tag]] for h, top in (learned or {}).items()}
    return {h: top for h, top in out.items() if top}


def notes_for(
    store: Store, hits: list[Hit], learned: Learned | None = None
) -> dict[str, FileNotes]:
    """Content hash -> notes for these hits; the index is read now, so accepted categories
    and new tags show even when the hits themselves are older."""
    hashes = sorted({h.file.content_hash for h in hits if h.file.content_hash})
    own = {h.file.content_hash: h.file.catid for h in hits}
    accepted = store.annotations.accepted_of(hashes)
    guesses = open_guesses(store, hashes)
    tags = store.annotations.tags_of(hashes)
    learned = open_learned(
        store, {h: learned[h] for h in hashes if h in learned} if learned else None
    )
    by_catid = load_catalog().by_catid
    out = {}
    for h in hashes:
        catid = accepted[h][0] if h in accepted else own.get(h, "")
        name = by_catid[catid].full if catid in by_catid else catid
        top = [c for c in guesses.get(h, []) if c.confidence >= MIN_SHOWN]
        guessed = tuple(learned.get(h, []))
        suggestion = top[0] if top and not catid else None
        out[h] = FileNotes(catid, name, suggestion, tuple(tags.get(h, [])), guessed)
    return out


def _as_result(records: list[FileRecord], scores: dict[str, float], label: str) -> SearchResult:
    """Records as a result list (best score first, then by path), capped at VIEW_LIMIT."""
    ordered = sorted(records, key=lambda r: (-scores.get(r.content_hash, 0.0), r.path))
    hits = [Hit(r.path, i, scores.get(r.content_hash, 0.0), None, None, None, [label], r)
            for i, r in enumerate(ordered[:VIEW_LIMIT])]  # fmt: skip
    notes = (
        [f"showing the first {VIEW_LIMIT} of {len(ordered)}"] if len(ordered) > VIEW_LIMIT else []
    )
    return SearchResult(hits, notes)


def uncategorised(store: Store) -> SearchResult:
    """Indexed files with no UCS CatID: none of their own, none accepted."""
    records = [r for r in store.records(ONLY_INDEXED) if not r.catid]
    return _as_result(records, {}, "uncategorised")


def to_review(store: Store, learned: Learned | None = None) -> SearchResult:
    """Uncategorised files with an open UCS suggestion, and files with a learned tag not yet
    accepted or rejected; the most confident first (score: the best confidence)."""
    records = store.records(ONLY_INDEXED)
    bare = [r for r in records if not r.catid and r.content_hash]
    guesses = open_guesses(store, [r.content_hash for r in bare])
    scores = {h: top[0].confidence for h, top in guesses.items()
              if top and top[0].confidence >= MIN_SHOWN}  # fmt: skip
    for h, guessed in open_learned(store, learned).items():
        scores[h] = max(scores.get(h, 0.0), guessed[0].confidence)
    return _as_result([r for r in records if r.content_hash in scores], scores, "to review")
