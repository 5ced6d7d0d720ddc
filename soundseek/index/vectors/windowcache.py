"""Window search from the cache (index.vectors.cachefiles): what every searcher reads.

Up to the writer's ANN threshold every valid row is scored exactly (one BLAS product over
the memory-mapped rows); beyond it the IVF-PQ index proposes candidates (index.vectors.ann) and
they, plus the rows appended since its last fold, are scored exactly. Filters restrict to
their files' rows and score those exactly. Rows of files marked dead never come back.
A reader looks at meta.json on every query (one stat) and remaps when it was replaced.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from soundseek.index.tables.records import WindowMatch
from soundseek.index.vectors import ann
from soundseek.index.vectors.cachefiles import (
    ANN,
    FOLDER,
    CacheMeta,
    Rows,
    map_rows,
    meta_stamp,
    read_meta,
)

SCAN_CHUNK = 262_144  # rows a product at a time: bounds the temporary scores
RESTRICT_EXACT_ROWS = 50_000  # a filter's windows scored exactly up to here (~20 ms)


@dataclass
class _View:
    stamp: tuple[int, int, int]
    meta: CacheMeta
    rows: Rows
    ann: object | None
    ann_stamp: tuple[int, int] | None
    order: np.ndarray | None = None  # hashes sorted, for lookups by hash (built on demand)


class WindowCache:
    """Read side of the cache; safe to share between threads."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._view: _View | None = None
        self._lock = threading.Lock()

    @classmethod
    def at(cls, cache_dir: Path) -> WindowCache:
        """The live cache of a place's cache folder."""
        return cls(cache_dir / FOLDER)

    def meta(self) -> CacheMeta | None:
        """The cache as it is now (remapped if the writer moved it on), or None."""
        view = self.view()
        return view.meta if view else None

    def view(self) -> _View | None:
        stamp = meta_stamp(self.folder)
        with self._lock:
            view = self._view
            if view is not None and view.stamp == stamp:
                return view
            self._view = self._load(stamp, view) if stamp else None
            return self._view

    def _load(self, stamp, old: _View | None) -> _View | None:
        meta = read_meta(self.folder)
        if meta is None:
            return None
        try:
            rows = map_rows(self.folder, meta)
            index, ann_stamp = self._ann(old)
        except (OSError, ValueError, RuntimeError):  # swapped out while we looked
            return None
        return _View(stamp, meta, rows, index, ann_stamp)

    def _ann(self, old: _View | None):
        try:
            st = (self.folder / ANN).stat()
        except OSError:
            return None, None
        stamp = (st.st_ino, st.st_mtime_ns)
        if old is not None and old.ann_stamp == stamp:
            return old.ann, stamp
        return ann.load(self.folder / ANN), stamp

    # -- search -------------------------------------------------------------------------------
    def top(self, query: np.ndarray, k: int, only: list[str] | None = None) -> list[WindowMatch]:
        """The k windows most similar to `query` (cosine), optionally of some contents only."""
        view = self.view()
        if view is None:
            return []
        ids, sims = _ranked(view, query, k, only)
        rows = view.rows
        hashes = rows.hashes[rows.files[ids]].tolist()
        spans = rows.spans[ids].tolist()
        return [
            WindowMatch(h.decode(), start, end, s)
            for h, (start, end), s in zip(hashes, spans, sims.tolist(), strict=True)
        ]

    def top_rows(self, query: np.ndarray, k: int) -> list[int]:
        """Row ids of the k best live windows (what `top` returns, as rows)."""
        view = self.view()
        return _ranked(view, query, k, None)[0].tolist() if view else []

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray | None:
        """Up to n live rows: the background that turns cosine into a percentile."""
        view = self.view()
        if view is None or not view.meta.rows:
            return None
        rows = view.rows
        pick = np.sort(rng.choice(len(rows.files), size=min(len(rows.files), n), replace=False))
        pick = pick[~rows.dead[rows.files[pick]]]
        return np.asarray(rows.vectors[pick], np.float32) if len(pick) else None


def exact_top(view: _View, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Each query's k best live rows and their cosine, best first, over every row, a chunk
    at a time (dead rows never compete). Rows (queries, k); -inf where fewer live rows."""
    rows = view.rows
    ids = np.zeros((len(queries), 0), np.int64)
    sims = np.zeros((len(queries), 0), np.float32)
    for a in range(0, len(rows.vectors), SCAN_CHUNK):
        s = (rows.vectors[a : a + SCAN_CHUNK] @ queries.T).T
        s[:, rows.dead[rows.files[a : a + SCAN_CHUNK]]] = -np.inf
        keep = np.argpartition(-s, min(k, s.shape[1]) - 1, axis=1)[:, :k]
        sims = np.concatenate([sims, np.take_along_axis(s, keep, 1)], axis=1)
        ids = np.concatenate([ids, keep + a], axis=1)
    order = np.argsort(-sims, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(ids, order, 1), np.take_along_axis(sims, order, 1)


def _ann_scored(view: _View, q: np.ndarray, widen: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Candidates of the folded rows, plus every row appended since the last fold."""
    folded = view.ann.ntotal
    cand = np.sort(ann.search(view.ann, q, widen * ann.candidates(folded)))
    ids, sims = _scored(view, cand[cand < view.meta.rows], q)
    tail = view.rows.vectors[folded:]
    if not len(tail):
        return ids, sims
    tail_ids = np.arange(folded, view.meta.rows)
    return np.concatenate([ids, tail_ids]), np.concatenate([sims, tail @ q])


def _scored(view: _View, ids: np.ndarray, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Exact scores of some rows (sorted ids read the mapped file front to back)."""
    vecs = view.rows.vectors
    sims = [vecs[ids[a : a + 65536]] @ q for a in range(0, len(ids), 65536)]
    return ids, np.concatenate(sims) if sims else np.zeros(0, np.float32)


def _rows_of(view: _View, hashes: list[str]) -> np.ndarray:
    """Row ids of the files with these content hashes (every file id of a hash: one that
    died and came back has two)."""
    if view.order is None:
        view.order = np.argsort(view.rows.hashes, kind="stable")
    known = view.rows.hashes[view.order]
    wanted = np.unique(np.asarray(hashes, dtype=known.dtype))
    left, right = np.searchsorted(known, wanted, "left"), np.searchsorted(known, wanted, "right")
    spans = right - left
    firsts = np.repeat(left - np.cumsum(spans) + spans, spans)
    positions = firsts + np.arange(int(spans.sum()))
    mask = np.zeros(len(known), bool)
    mask[view.order[positions]] = True
    return np.flatnonzero(mask[view.rows.files])


def _ranked(
    view: _View, query: np.ndarray, k: int, only: list[str] | None
) -> tuple[np.ndarray, np.ndarray]:
    """The k best live rows and their cosine, best first."""
    if not view.meta.rows or k <= 0:
        return np.zeros(0, np.int64), np.zeros(0, np.float32)
    q = np.ascontiguousarray(query, np.float32)
    if only is not None:
        rows = _rows_of(view, only)
        if view.ann is None or len(rows) <= RESTRICT_EXACT_ROWS:
            ids, sims = _scored(view, rows, q)
        else:  # many windows pass: the ANN's candidates among them
            ids, sims = _ann_scored(view, q, widen=4)
            keep = np.isin(ids, rows)
            ids, sims = ids[keep], sims[keep]
    elif view.ann is not None:
        ids, sims = _ann_scored(view, q)
    else:
        ids, sims = exact_top(view, q[None, :], k)
        live = np.isfinite(sims[0])
        return ids[0][live], sims[0][live]
    rows = view.rows
    live = ~rows.dead[rows.files[ids]] if len(ids) else np.zeros(0, bool)
    ids, sims = ids[live], sims[live]
    k = min(k, len(ids))
    if not k:
        return ids[:0], sims[:0]
    top = np.argpartition(-sims, k - 1)[:k]
    top = top[np.argsort(-sims[top], kind="stable")]
    return ids[top], sims[top]
