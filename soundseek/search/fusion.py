"""Combining ranked lists and explaining hits: reciprocal rank fusion, calibrated sound
relevance, word checks for phrases and exclusions, and which fields matched."""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from soundseek.index.records import FileRecord
from soundseek.metadata.text import words
from soundseek.search.query import ParsedQuery

RRF_K = 60
SIM_TOLERANCE = 1e-4
MATCH_FIELDS = ("filename", "description", "keywords", "category", "subcategory", "folder",
                "library")  # fmt: skip

Ranked = list[tuple[FileRecord, float]]


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
    return " " + " ".join(words(rec.text or "")) + " "


def _phrase(text: str) -> str:
    return " " + " ".join(words(text)) + " "


def passes(rec: FileRecord, q: ParsedQuery) -> bool:
    """Phrases must appear as consecutive words; excluded words must not appear at all."""
    if not (q.phrases or q.excludes):
        return True
    text = _row_words(rec)
    if any(_phrase(p) not in text for p in q.phrases):
        return False
    return not any(_phrase(ex) in text for ex in q.excludes)


def matched_fields(rec: FileRecord, q: ParsedQuery) -> list[str]:
    terms = [w for t in (*q.words, *q.phrases) for w in words(t)]
    out = []
    for name in MATCH_FIELDS:
        value = " ".join(words(_field_text(rec, name)))
        if any(t[:5] in value for t in terms):
            out.append(name)
    return out


def _field_text(rec: FileRecord, name: str) -> str:
    if name == "folder":  # the file's own folder, as named inside the library
        return rec.reldir.rpartition("/")[2] or rec.root_name
    return str(getattr(rec, name) or "")
