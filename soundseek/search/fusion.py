"""Combining ranked lists and explaining hits: reciprocal rank fusion, confidence
(search.confidence), word checks for phrases and exclusions, and which fields matched."""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from soundseek.index.tables.records import FileKey, FileRecord, WindowMatch
from soundseek.index.wordindex.columns import FIELDS, PARTS, field_texts
from soundseek.index.wordindex.matches import WordHit
from soundseek.metadata.text import words
from soundseek.search.confidence import divide, word_confidence
from soundseek.search.hits import Hit
from soundseek.search.query import ParsedQuery
from soundseek.words.analysis import lemmas

TEXT_CANDIDATES = 400  # files the word side ranks at most
WINDOW_CANDIDATES = 200  # windows the sound side takes per query vector
RRF_K = 60
MATCH_FIELDS = ("filename", "description", "keywords", "category", "subcategory", "folder",
                "library")  # fmt: skip

Ranked = list[tuple[FileRecord, float]]


@dataclass(frozen=True)
class SoundMatch:
    """A file's best window for a query: similarity and where it lies."""

    sim: float
    start: float
    end: float


Explained = dict[FileKey, WordHit]  # how each word-matched file matched


def text_candidates(limit: int) -> int:
    """Files the word side ranks for `limit` results: as many as fusion can feel (a file
    100 places below the last shown adds at most 1/(RRF_K + limit + 100) to a fused score),
    not more: each costs a record read, and filtered queries read several per file kept. A
    caller that asks for more files than that (a write by query) gets them all."""
    return max(min(TEXT_CANDIDATES, 100 + limit), limit)  # a caller asking for more gets it


def keep_best(best: dict[str, SoundMatch], matches: Iterable[WindowMatch]) -> None:
    """Fold window matches into the best window per content (max similarity)."""
    for m in matches:
        cur = best.get(m.content_hash)
        if cur is None or m.sim > cur.sim:
            best[m.content_hash] = SoundMatch(m.sim, m.start, m.end)


def rrf(lists: list[Ranked], limit: int) -> list[tuple[FileRecord, float]]:
    """Reciprocal rank fusion; a fused score of 1.0 means first in every list that took part."""
    fused: dict[tuple[str, str], float] = defaultdict(float)
    records: dict[tuple[str, str], FileRecord] = {}
    active = [lst for lst in lists if lst]
    for lst in active:
        for rank, (rec, _) in enumerate(lst, 1):
            key = (rec.root_id, rec.relpath)
            fused[key] += 1.0 / (RRF_K + rank)
            records[key] = rec
    best = len(active) / (RRF_K + 1) if active else 1.0
    order = sorted(fused, key=lambda k: (-fused[k], k))[:limit]
    return [(records[k], fused[k] / best) for k in order]


def _row_words(rec: FileRecord) -> str:
    return " " + " ".join(lemmas(rec.text or "")) + " "


def _phrase(text: str) -> str:
    return " " + " ".join(lemmas(text)) + " "


def passes(rec: FileRecord, q: ParsedQuery) -> bool:
    """Phrases must appear as consecutive words; excluded words must not appear at all (both
    compared as lemmas: -doors leaves out "door")."""
    if not (q.phrases or q.excludes):
        return True
    text = _row_words(rec)
    if any(_phrase(p) not in text for p in q.phrases):
        return False
    return not any(_phrase(ex) in text for ex in q.excludes)


def sound_ranked(
    recs: list[FileRecord], sound: dict[str, SoundMatch], q: ParsedQuery,
    exclude: tuple[str, str] | None = None,
) -> Ranked:  # fmt: skip
    """Files by their contents' best window (ties by path), minus those the query's phrases
    or excluded words leave out and the reference file itself."""
    ranked = [
        (r, sound[r.content_hash].sim)
        for r in recs
        if (r.root_id, r.relpath) != exclude and passes(r, q)
    ]
    ranked.sort(key=lambda x: (-x[1], x[0].root_id, x[0].relpath))
    return ranked


def explain(hit: WordHit) -> tuple[list[str], list[str]]:
    """The fields a file's words matched in, and a note for each word that did not match as
    itself in a field: `gunshot → pistol (related) in filename`, or `explosion: inside the
    run-together word "bigexplosion01" in filename` (that field then counts as matched: the
    hit matched by its words, not only by its sound)."""
    columns = {c for cols in hit.columns.values() for c in cols}
    fields = [f for f in MATCH_FIELDS if f in columns]
    why = []
    for word, alt in hit.matched.items():
        where = [c for c in hit.columns.get(word, []) if c != PARTS]
        if alt.reason:
            why.append(f"{word} → {' '.join(alt.terms)} ({alt.reason})"
                       + (f" in {', '.join(where)}" if where else ""))  # fmt: skip
        elif not where and PARTS in hit.columns.get(word, []):
            found = run_together(hit.record, alt.terms)
            if found is not None:
                field, whole = found
                fields.append(field)
                why.append(f'{word}: inside the run-together word "{whole}" in {field}')
    return list(dict.fromkeys(fields)), why


def run_together(rec: FileRecord, terms: tuple[str, ...]) -> tuple[str, str] | None:
    """(field, word) of the first run-together word of the file whose parts hold `terms`
    side by side; None when no field of the record holds one."""
    from soundseek.words.compounds import index_parts

    wanted = f" {' '.join(terms)} "
    for field, text in zip(FIELDS, field_texts(rec), strict=True):
        for whole in words(text):
            if wanted in f" {' '.join(index_parts(whole))} ":
                return field, whole
    return None


def make_hit(
    rec: FileRecord, rank: int, score: float, words: WordHit | None,
    m: SoundMatch | None = None, sure: Sure | None = None,
) -> Hit:  # fmt: skip
    """A ranked file, with what its words and its sound matched and how sure each is."""
    matched, why = explain(words) if words else ([], [])
    if m is not None:
        matched.append("sound")
    sound = sure.sound(m.sim) if m is not None and sure and sure.sound else None
    return Hit(
        rec.path, rank, score, sound, m.start if m else None, m.end if m else None, matched,
        rec, why, confidence=sure.of(words, sound) if sure else 1.0,
    )  # fmt: skip


@dataclass(frozen=True)
class Sure:
    """How a search judges its hits: the sound side's confidence (None: no sound side), how
    many words the query has, and whether it is filters only (every hit passes them)."""

    sound: Callable[[float], float] | None
    query_words: int
    filters_only: bool = False

    def of(self, words: WordHit | None, sound: float | None) -> float:
        if self.filters_only:
            return 1.0
        by_words = word_confidence(words, self.query_words) if words else 0.0
        return max(by_words, sound or 0.0)


def fused_hits(
    lists: list[Ranked], limit: int, explained: Explained, sound: dict[str, SoundMatch],
    sure: Sure, marked_bad: tuple[str, ...] = (),
) -> list[Hit]:  # fmt: skip
    """The ranked lists, less the files marked bad (paths), fused (rrf) into the best
    `limit` hits, explained and judged."""
    if marked_bad:
        gone = {os.path.abspath(p) for p in marked_bad}
        lists = [[(r, s) for r, s in ranked if r.path not in gone] for ranked in lists]
    return hits_of(rrf(lists, limit), explained, sound, sure)


def hits_of(
    fused: list[tuple[FileRecord, float]], explained: Explained,
    sound: dict[str, SoundMatch], sure: Sure,
) -> list[Hit]:  # fmt: skip
    """The fused ranking as hits, each with its confidence, and the divider drawn."""
    hits = [make_hit(rec, i, score, explained.get(rec.key), sound.get(rec.content_hash), sure)
            for i, (rec, score) in enumerate(fused, 1)]  # fmt: skip
    for h, j in zip(hits, divide([h.confidence for h in hits]), strict=True):
        h.strong = j.strong
    return hits
