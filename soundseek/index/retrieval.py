"""Queries against the index: full-text (BM25), filtered listing, and window vector search.

Vector search is exact from RAM while the windows fit (WindowMatrix), and goes through the
IVF-PQ index with a refine step beyond that.
"""

from __future__ import annotations

import numpy as np

from soundseek.index.filters import FileFilter, resolve_tags, sql_in
from soundseek.index.records import FileRecord, WindowMatch
from soundseek.index.schema import FILES, WINDOWS, vectors_of
from soundseek.index.store import Store
from soundseek.index.tables import chunks
from soundseek.index.vectors import WindowMatrix
from soundseek.index.wordhits import WordHit, top_hits
from soundseek.index.words import WordIndex
from soundseek.words.plan import WordGroup

NPROBES = 32  # benchmarks/bench_search.py --sweep: recall is set by refine, not nprobes
REFINE_FACTOR = 10
BACKGROUND_SAMPLE = 4096


class Retrieval:
    """Read-only query side of a Store; safe to share between threads."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.matrix = WindowMatrix()
        self._background: tuple[int, np.ndarray] | None = None

    def words(self) -> WordIndex:
        """The word index, current with the files table (see Store.fresh_words)."""
        return self.store.fresh_words()

    def word_search(
        self, groups: list[WordGroup], excluded: list[tuple[str, ...]], flt: FileFilter,
        limit: int,
    ) -> list[WordHit]:  # fmt: skip
        """Files matching query words (field-weighted BM25 over lemmas), best first."""
        words = self.words()
        found = words.search(groups, excluded)
        flt = resolve_tags(flt, self.store.hashes_tagged)
        return top_hits(words, found, flt, self.store.roots.by_id(), limit)

    def browse(self, flt: FileFilter, limit: int) -> list[FileRecord]:
        """Files matching filters only (no words), by name."""
        t = self.store.table(FILES)
        if t is None:
            return []
        rows = t.search().where(self.store.where_sql(flt), prefilter=True).limit(limit).to_arrow()
        return sorted(self.store.resolve(rows), key=lambda r: r.filename.lower())

    def exact(self) -> bool:
        """Whether vector search runs exactly from RAM (loading the matrix when it changed)."""
        t = self.store.table(WINDOWS)
        return t is not None and self.matrix.ready(t)

    def hashes_matching(self, flt: FileFilter) -> list[str]:
        t = self.store.table(FILES)
        if t is None:
            return []
        q = t.search().where(self.store.where_sql(flt)).select(["content_hash"]).limit(None)
        return sorted({h for h in q.to_arrow().column(0).to_pylist() if h})

    def window_search(
        self, vec: np.ndarray, k: int, hashes: list[str] | None = None
    ) -> list[WindowMatch]:
        """The k windows most similar to `vec` (cosine), optionally among some contents only."""
        t = self.store.table(WINDOWS)
        if t is None:
            return []
        if self.matrix.ready(t):
            return self.matrix.top(vec, k, hashes)
        found: list[WindowMatch] = []
        for part in chunks(hashes) if hashes else [None]:
            found.extend(self._ann(t, vec, k, part))
        return found

    def _ann(self, table, vec: np.ndarray, k: int, hashes: list[str] | None) -> list[WindowMatch]:
        q = table.search(vec.astype(np.float32)).distance_type("cosine")
        q = q.select(["content_hash", "start", "end", "_distance"]).limit(k)
        if hashes is not None:
            q = q.where(sql_in("content_hash", hashes), prefilter=True)
        elif self.store.has_ann():
            q = q.nprobes(NPROBES).refine_factor(REFINE_FACTOR)
        return [
            WindowMatch(r["content_hash"], float(r["start"]), float(r["end"]),
                        1.0 - float(r["_distance"]))
            for r in q.to_list()
        ]  # fmt: skip

    def background_sample(self) -> np.ndarray | None:
        """Up to 4096 window vectors, redrawn when the windows table changes version: the
        yardstick that turns raw cosine into a percentile."""
        t = self.store.table(WINDOWS)
        if t is None:
            return None
        version = t.version
        cached = self._background
        if cached is not None and cached[0] == version:
            return cached[1]
        rng = np.random.default_rng(0)
        sample = self.matrix.sample(version, BACKGROUND_SAMPLE, rng)
        if sample is None:
            n = t.count_rows()
            if not n:
                return None
            pick = rng.choice(n, size=min(n, BACKGROUND_SAMPLE), replace=False)
            col = t.take_offsets(sorted(pick.tolist())).select(["vector"]).to_arrow().column(0)
            sample = vectors_of(col)
        self._background = (version, sample)
        return sample
