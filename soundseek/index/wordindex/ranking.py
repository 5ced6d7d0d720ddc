"""Ranking a word query's matches: per query word each file's best alternative, the words
summed and scaled by how many matched, and pages cut from the result without sorting all."""

from __future__ import annotations

import numpy as np

from soundseek.index.wordindex.columns import WordMatch
from soundseek.words.query_plan import Alternative, WordGroup

COVERAGE = 0.5  # a file matching half the query words keeps 75% of its score


def best_alternative(
    per_alt: list[tuple[np.ndarray, np.ndarray]],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(files sorted, score, alternative index) from each alternative's (files, scores):
    each file once, with its best-scoring alternative."""
    if not per_alt:
        return np.zeros(0, np.int64), np.zeros(0), np.zeros(0, np.int32)
    d = np.concatenate([d for d, _ in per_alt])
    s = np.concatenate([s for _, s in per_alt])
    a = np.concatenate([np.full(len(f), i, np.int32) for i, (f, _) in enumerate(per_alt)])
    if len(per_alt) == 1:  # one alternative: each file once; sorted by id for lookups
        order = np.argsort(d, kind="stable")
        return d[order], s[order], a[order]
    order = np.lexsort((-s, d))
    d, s, a = d[order], s[order], a[order]
    first = np.ones(len(d), bool)
    first[1:] = d[1:] != d[:-1]
    return d[first], s[first], a[first]


class Ranking:
    """A word query's matches, best first; pages are cut from it without searching again,
    and only as much of it is sorted as has been asked for (a common word matches a third
    of a large library)."""

    def __init__(self, groups: list[WordGroup], scored, docs: np.ndarray, score: np.ndarray):
        self.groups, self.scored = groups, scored
        self._docs, self._score = docs, score
        self._sorted = (docs[:0], score[:0])

    def __len__(self) -> int:
        return len(self._docs)

    def page(self, offset: int, limit: int = -1) -> list[WordMatch]:
        stop = len(self._docs) if limit < 0 else min(len(self._docs), offset + limit)
        self._sort_prefix(stop)
        docs, score = self._sorted[0][offset:stop], self._sorted[1][offset:stop]
        matched: list[dict[str, Alternative]] = [{} for _ in range(len(docs))]
        for g, (gdocs, _, galt) in zip(self.groups, self.scored, strict=True):
            at = np.minimum(np.searchsorted(gdocs, docs), max(0, len(gdocs) - 1))
            found = gdocs[at] == docs if len(gdocs) else np.zeros(len(docs), bool)
            for i in np.flatnonzero(found).tolist():  # the alternative that scored, per word
                matched[i][g.word] = g.alternatives[int(galt[at[i]])]
        rows = zip(docs.tolist(), score.tolist(), matched, strict=True)
        return [WordMatch(d, s, m) for d, s, m in rows]

    def _sort_prefix(self, n: int) -> None:
        """Sort at least the best n (score descending, lower id first on ties): the files
        better than the k-th best, then of those tied with it the lowest ids, so the prefix
        is exact without sorting a whole tie (a common word in equal-length names ties
        ~160k files at 500k)."""
        have = len(self._sorted[0])
        if n <= have or have == len(self._docs):
            return
        docs, score = self._docs, self._score
        k = min(len(docs), max(n, 2 * have, 1024))
        if k < len(docs):
            neg = -score
            worst = np.partition(neg, k - 1)[k - 1]
            better, tied = np.flatnonzero(neg < worst), np.flatnonzero(neg == worst)
            need = k - len(better)
            if need < len(tied):
                tied = tied[np.argpartition(docs[tied], need - 1)[:need]]
            pick = np.concatenate([better, tied])
        else:
            pick = np.arange(len(docs))
        order = pick[np.lexsort((docs[pick], -score[pick]))]
        self._sorted = (docs[order], score[order])


def combine(
    scored: list[tuple[np.ndarray, np.ndarray, np.ndarray]], required: list[bool], banned: list[int]
) -> tuple[np.ndarray, np.ndarray]:
    """Files and scores (unsorted): the words' scores summed, scaled by the share of words
    matched, required words enforced, banned files left out. Dense arrays over file ids:
    no sort of the (possibly hundreds of thousands of) matches."""
    present = [d for d, _, _ in scored if len(d)]
    if not present:
        return np.zeros(0, np.int64), np.zeros(0)
    size = int(max(int(d.max()) for d in present)) + 1
    total, matched = np.zeros(size), np.zeros(size, np.int32)
    keep = np.ones(size, bool)
    for (d, s, _), need in zip(scored, required, strict=True):
        total += np.bincount(d, weights=s, minlength=size)
        matched += np.bincount(d, minlength=size).astype(np.int32)
        if need:
            mask = np.zeros(size, bool)
            mask[d] = True
            keep &= mask
    ban = np.asarray(banned, np.int64)
    keep[ban[ban < size]] = False
    docs = np.flatnonzero((matched > 0) & keep)
    n = max(1, len(scored))
    return docs, total[docs] * (1.0 - COVERAGE + COVERAGE * matched[docs] / n)
