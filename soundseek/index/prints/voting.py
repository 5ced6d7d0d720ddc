"""The print index's arithmetic, in NumPy: postings runs held in memory, a print's distinct
rows, and the offset vote that ranks candidates (the Shazam/audfprint test: how many shared
hashes agree on one time offset). Kept apart from the SQLite side (printindex) so each reads
on its own; a query's result is the same from memory or from disk.
"""

from __future__ import annotations

import numpy as np


class Run:
    """Postings sorted by hash, of `contents` contents."""

    __slots__ = ("contents", "h", "item", "t")

    def __init__(self, h: np.ndarray, item: np.ndarray, t: np.ndarray, contents: int = 1):
        self.h, self.item, self.t, self.contents = h, item, t, contents

    def merged(self, other: Run) -> Run:
        h = np.concatenate([self.h, other.h])
        order = np.argsort(h, kind="stable")
        item, t = np.concatenate([self.item, other.item]), np.concatenate([self.t, other.t])
        return Run(h[order], item[order], t[order], self.contents + other.contents)


def unique_rows(hashes: np.ndarray) -> np.ndarray:
    """A print's distinct (hash, frame) rows, sorted by hash then frame (np.unique's rows,
    by one sort of packed keys where both fit in 32 bits, as a stored print's do)."""
    h = np.asarray(hashes, np.int64).reshape(-1, 2)
    if not len(h) or h.min() < 0 or h.max() >= 1 << 32:
        return np.unique(h, axis=0)
    key = np.unique((h[:, 0] << 32) | h[:, 1])
    return np.column_stack([key >> 32, key & 0xFFFFFFFF])


def distinct(sorted_values: np.ndarray) -> np.ndarray:
    v = sorted_values
    return v[np.r_[True, v[1:] != v[:-1]]] if len(v) else v


def ranges(lo: np.ndarray, n: np.ndarray) -> np.ndarray:
    """The indices lo[j] .. lo[j] + n[j] - 1, for every j in turn."""
    return np.repeat(lo - (np.cumsum(n) - n), n) + np.arange(n.sum())


def ranked(query: np.ndarray, keys: np.ndarray, total: np.ndarray, h: np.ndarray,
           item: np.ndarray, t: np.ndarray, top: int, min_agree: int, common: int
           ) -> list[tuple[int, tuple[int, int]]]:  # fmt: skip
    """[(item, (votes, offset))], best first, from the postings (h, item, t) of the query's
    `keys`, each key with `total` postings in all: a hash with more than `common` (one
    everything has) says nothing."""
    keep = (total > 0) & (total <= common)
    if not keep.any():
        return []
    rows = keep[np.searchsorted(keys, h)]
    h, item, t = h[rows], item[rows], t[rows]
    order = np.argsort(query[:, 0], kind="stable")
    qh, qt = query[order, 0], query[order, 1]
    lo, hi = np.searchsorted(qh, h, "left"), np.searchsorted(qh, h, "right")
    n = hi - lo
    rep = np.repeat(np.arange(len(h)), n)
    best = offset_votes(item[rep], t[rep] - qt[ranges(lo, n)], min_agree)
    return sorted(best.items(), key=lambda kv: -kv[1][0])[:top]


def offset_votes(items: np.ndarray, offsets: np.ndarray, min_agree: int = 1
                 ) -> dict[int, tuple[int, int]]:  # fmt: skip
    """Per item, the frame offset most of its shared hashes agree on (+-1 frame, where a
    resampled copy's peaks land) and how many agree: {item: (votes, offset)}, items with at
    least `min_agree` votes. Offsets are within +-2**20 frames."""
    key, count = np.unique(items * (1 << 22) + offsets + (1 << 20), return_counts=True)
    smooth = count.copy()
    for d in (-1, 1):
        at = np.searchsorted(key, key + d).clip(0, len(key) - 1)
        smooth += np.where(key[at] == key + d, count[at], 0)
    ok = smooth >= min_agree
    key, smooth = key[ok], smooth[ok]
    item = key >> 22
    order = np.lexsort((-smooth, item))  # per item, the most votes; of equal ones the first
    item, key, smooth = item[order], key[order], smooth[order]
    first = np.r_[True, item[1:] != item[:-1]] if len(item) else np.zeros(0, bool)
    offset = (key[first] & ((1 << 22) - 1)) - (1 << 20)
    votes = zip(smooth[first].tolist(), offset.tolist(), strict=True)
    return dict(zip(item[first].tolist(), votes, strict=True))
