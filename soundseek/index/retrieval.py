"""Queries against the index: words (index.wordindex.fts), filtered listing, and window search.

Window search goes to the window cache (index.vectors.windowcache: exact up to 150k windows, IVF-PQ
candidates scored exactly beyond) whenever it copies the windows table's current version;
otherwise (a shared library, or a cache the writer has yet to heal) to LanceDB.
"""

from __future__ import annotations

import numpy as np

from soundseek.index.store import Store
from soundseek.index.tables.filters import FileFilter, resolve_tags, sql_in
from soundseek.index.tables.querying import chunks
from soundseek.index.tables.records import FileRecord, WindowMatch
from soundseek.index.tables.schema import FILES, WINDOWS, vectors_of
from soundseek.index.vectors.windowcache import WindowCache
from soundseek.index.wordindex.fts import WordIndex
from soundseek.index.wordindex.matches import TypedWords, WordHit, records_passing, top_hits

NPROBES = 32  # benchmarks/bench_search.py --sweep: recall is set by refine, not nprobes
REFINE_FACTOR = 10
BACKGROUND_SAMPLE = 4096


class Retrieval:
    """Read-only query side of a Store; safe to share between threads."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.cache = WindowCache.at(store.place.cache_dir)
        self._background: tuple[int, np.ndarray] | None = None

    def words(self) -> WordIndex:
        """The word index, current with the files table (see wordindex.sync.WordSync.fresh)."""
        return self.store.words.fresh()

    def word_search(self, typed: TypedWords, flt: FileFilter, limit: int) -> list[WordHit]:
        """Files matching query words (field-weighted BM25 over lemmas), best first."""
        words, roots = self.words(), self.store.roots.by_id()
        flt = resolve_tags(flt, self.store.annotations.hashes_tagged)
        return top_hits(words, typed, flt, roots, limit)

    def records_by_hash(
        self, hashes: list[str], flt: FileFilter, enough: int | None = None
    ) -> list[FileRecord]:
        """Files of some contents that pass the filters; with `enough`, read best first
        until that many contents passed (see wordhits.records_passing)."""
        flt = resolve_tags(flt, self.store.annotations.hashes_tagged)
        return records_passing(self.words(), hashes, flt, self.store.roots.by_id(), enough)

    def browse(self, flt: FileFilter, limit: int) -> list[FileRecord]:
        """Files matching filters only (no words), by name."""
        t = self.store.table(FILES)
        if t is None:
            return []
        rows = t.search().where(self.store.where_sql(flt), prefilter=True).limit(limit).to_arrow()
        return sorted(self.store.resolve(rows), key=lambda r: r.filename.lower())

    def cache_current(self) -> bool:
        """Whether window search (filtered too) runs from the window cache."""
        return self._cache() is not None

    def _cache(self) -> WindowCache | None:
        """The window cache, if it holds the windows table's current rows in its space."""
        t, meta = self.store.table(WINDOWS), self.cache.meta()
        if t is None or meta is None:
            return None
        info = self.store.info
        current = (meta.version, meta.space, meta.dim) == (t.version, info.space, info.dim)
        return self.cache if current else None

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
        cache = self._cache()
        if cache is not None:
            return cache.top(vec, k, hashes)
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
        cache = self._cache()
        sample = cache.sample(BACKGROUND_SAMPLE, rng) if cache is not None else None
        if sample is None:
            n = t.count_rows()
            if not n:
                return None
            pick = rng.choice(n, size=min(n, BACKGROUND_SAMPLE), replace=False)
            col = t.take_offsets(sorted(pick.tolist())).select(["vector"]).to_arrow().column(0)
            sample = vectors_of(col)
        self._background = (version, sample)
        return sample
