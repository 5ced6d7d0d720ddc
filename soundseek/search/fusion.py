"""Combining ranked lists and explaining hits: reciprocal rank fusion, calibrated sound
relevance, word checks for phrases and exclusions, and which fields matched."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from soundseek.index.records import FileKey, FileRecord, WindowMatch
from soundseek.index.wordhits import WordHit
from soundseek.search.hits import Hit
from soundseek.search.query import ParsedQuery
from soundseek.words.analysis import lemmas

TEXT_CANDIDATES = 400  # files the word side ranks at most
WINDOW_CANDIDATES = 200  # windows the sound side takes per query vector
RRF_K = 60
SIM_TOLERANCE = 1e-4
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
    not more: each costs a record read, and filtered queries read several per file kept."""
    return min(TEXT_CANDIDATES, 100 + limit)


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


class Calibration:
    """Raw cosine bunches up (0.2-0.35 for good text matches); a percentile of this query's
    similarity to a sample of the library's windows says how unusual a match is."""

    def __init__(self, sample: np.ndarray | None, query_vecs: np.ndarray) -> None:
        if sample is None or not len(sample):
            self.sims = None
        else:
            self.sims = np.sort((sample @ query_vecs.T).max(axis=1))

    def __call__(self, sim: float) -> float:
        if self.sims is None:
            return float("nan")
        return float(np.searchsorted(self.sims, sim + SIM_TOLERANCE, side="right") / len(self.sims))


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
    """The fields a file's words matched in, and each stand-in word with its reason:
    `gunshot → pistol (related) in filename`."""
    columns = {c for cols in hit.columns.values() for c in cols}
    fields = [f for f in MATCH_FIELDS if f in columns]
    why = []
    for word, alt in hit.matched.items():
        where = [c for c in hit.columns.get(word, []) if c != "parts"]
        if alt.reason:
            why.append(f"{word} → {' '.join(alt.terms)} ({alt.reason})"
                       + (f" in {', '.join(where)}" if where else ""))  # fmt: skip
        elif not where and hit.columns.get(word):
            why.append(f"{word}: part of a run-together word")
    return fields, why


def make_hit(
    rec: FileRecord, rank: int, score: float, words: WordHit | None,
    m: SoundMatch | None = None, calibrate: Calibration | None = None,
) -> Hit:  # fmt: skip
    """A ranked file, with what its words and its sound matched."""
    matched, why = explain(words) if words else ([], [])
    if m is not None:
        matched.append("sound")
    return Hit(
        rec.path, rank, score, calibrate(m.sim) if m and calibrate else None,
        m.start if m else None, m.end if m else None, matched, rec, why,
    )  # fmt: skip
