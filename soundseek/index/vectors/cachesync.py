"""The writer's side of the window cache: kept in step with the windows table.

Every commit of windows is appended as it happens (Store.add_windows), so a search during an
index run sees the new files at once. Anything else that moves the table (orphans swept,
contents re-keyed, a killed run) is healed by `sync`, which compares the content hashes of
table and cache and appends or retires only the difference. Beyond `ann_min_rows` the rows
get an IVF-PQ index (index.vectors.ann); new rows are folded into it without retraining, and it is
retrained only when a recall probe against exact search falls below the floor (or when a
quarter of the rows belong to retired files, which also compacts the cache).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from soundseek.index.tables.filters import sql_in
from soundseek.index.tables.querying import chunks, unique_column
from soundseek.index.tables.schema import vectors_of
from soundseek.index.vectors import ann
from soundseek.index.vectors.cachefiles import (
    ANN,
    FOLDER,
    CacheMeta,
    NewRows,
    append_rows,
    dead_ids,
    drop,
    map_vectors,
    new_folder,
    read_meta,
    replace_folder,
    save_dead,
    swap_in,
    write_laid_out,
    write_meta,
)
from soundseek.index.vectors.windowcache import WindowCache, exact_top

log = logging.getLogger(__name__)

EXACT_MAX_WINDOWS = 150_000  # exact search up to here: 512-d float32 ~300 MB, ~15 ms a query


@dataclass(frozen=True)
class CachePolicy:
    ann_min_rows: int = EXACT_MAX_WINDOWS
    fold_rows: int = 32_768  # rows appended past the ANN index before they are folded in
    probe_growth: float = 0.2  # probe recall once rows grew by this since the last probe
    recall_floor: float = 0.97
    compact_dead: float = 0.25
    probe_queries: int = 64


@dataclass(frozen=True)
class Identity:
    """What the cache's rows must be: the model space of the table's vectors."""

    space: str
    model_id: str
    dim: int


class CacheWriter:
    """Owned by the one writer of a local library."""

    def __init__(self, cache_dir, policy: CachePolicy | None = None) -> None:
        self.cache_dir = cache_dir
        self.folder = cache_dir / FOLDER
        self.policy = policy or CachePolicy()
        self._ids: dict[str, int] | None = None  # content hash -> its live file id

    # -- as commits happen --------------------------------------------------------------------
    def append(
        self, before: int, after: int, hashes: list[str], spans: np.ndarray, vectors: np.ndarray
    ) -> bool:
        """Rows the table just committed (version before -> after). Only a cache that was
        current takes them; one that was not waits for `sync`."""
        meta = read_meta(self.folder)
        if meta is None or meta.version != before or vectors.shape[1] != meta.dim:
            return False
        meta = self._append(meta, hashes, spans, vectors).moved(version=after)
        write_meta(self.folder, meta)
        if meta.ann_rows and meta.rows - meta.ann_rows >= self.policy.fold_rows:
            self._fold(meta)
        return True

    def mark(self, before: int, after: int) -> None:
        """The table moved from `before` to `after` without changing rows (compaction)."""
        meta = read_meta(self.folder)
        if meta is not None and meta.version == before:
            write_meta(self.folder, meta.moved(version=after))

    def _append(self, meta: CacheMeta, hashes, spans, vectors) -> CacheMeta:
        ids = self._live_ids(meta)
        fresh: list[str] = []
        file_ids = np.empty(len(hashes), np.int32)
        for i, h in enumerate(hashes):
            if h not in ids:
                ids[h] = meta.files + len(fresh)
                fresh.append(h)
            file_ids[i] = ids[h]
        try:
            if fresh and max(map(len, fresh)) > meta.hash_width:
                raise ValueError("content hash longer than the cache's hash width")
            return append_rows(self.folder, meta, NewRows(vectors, file_ids, spans, fresh))
        except BaseException:
            self._ids = None  # re-read from the files: this append did not happen
            raise

    def _live_ids(self, meta: CacheMeta) -> dict[str, int]:
        if self._ids is None:
            raw = np.fromfile(self.folder / "hashes.bin", dtype=f"S{meta.hash_width}",
                              count=meta.files) if meta.files else []  # fmt: skip
            dead = set(dead_ids(self.folder).tolist())
            self._ids = {h.decode(): i for i, h in enumerate(raw) if i not in dead}
        return self._ids

    # -- healing, folding, retraining ---------------------------------------------------------
    def sync(self, table, identity: Identity) -> str:
        """Bring the cache to the table's rows; returns what was done (for the log)."""
        meta = read_meta(self.folder)
        if table is None or not identity.model_id:
            drop(self.cache_dir)
            self._ids = None
            return "dropped"
        if meta is None or (meta.space, meta.dim) != (identity.space, identity.dim):
            return self.rebuild(table, identity)
        done = "current"
        if meta.version != table.version:
            done = self._heal(meta, table, identity)
            if done == "rebuilt":
                return done
        return done + self._tend_ann(read_meta(self.folder))

    def _heal(self, meta: CacheMeta, table, identity: Identity) -> str:
        stored = unique_column(table, "content_hash")
        ids = self._live_ids(meta)
        cached = pa.array(list(ids), pa.string())
        new = stored.filter(pc.invert(pc.is_in(stored, value_set=cached))).to_pylist()
        gone = cached.filter(pc.invert(pc.is_in(cached, value_set=stored))).to_pylist()
        retired = len(dead_ids(self.folder)) + len(gone)
        if retired > self.policy.compact_dead * max(1, meta.files) and gone:
            return self.rebuild(table, identity)
        if gone:
            self._retire([ids.pop(h) for h in gone])
        for part in chunks(sorted(new)):
            rows = table.search().where(sql_in("content_hash", part)).limit(None)
            data = rows.select(["content_hash", "start", "end", "vector"]).to_arrow()
            meta = self._append(meta, data.column("content_hash").to_pylist(), _spans(data),
                                vectors_of(data.column("vector")))  # fmt: skip
        write_meta(self.folder, meta.moved(version=table.version))
        return f"healed (+{len(new)} -{len(gone)} contents)"

    def _retire(self, file_ids: list[int]) -> None:
        save_dead(self.folder, np.concatenate([dead_ids(self.folder), file_ids]))

    def _tend_ann(self, meta: CacheMeta) -> str:
        p = self.policy
        if meta.rows <= p.ann_min_rows:
            return ""
        if not meta.ann_rows:
            self._train(meta)
            return ", ANN index trained"
        if meta.rows > meta.ann_rows:
            self._fold(meta)
        if meta.rows - meta.checked_rows < p.probe_growth * max(1, meta.checked_rows):
            return ""
        recall = probe_recall(WindowCache(self.folder), p.probe_queries, meta.trained_rows)
        if recall >= p.recall_floor:
            write_meta(self.folder, read_meta(self.folder).moved(checked_rows=meta.rows,
                                                                 recall=recall))  # fmt: skip
            return f", recall probe {recall:.3f}"
        self._train(meta)
        return f", retrained (recall probe {recall:.3f} < {p.recall_floor})"

    def _train(self, meta: CacheMeta) -> None:
        """Fit a new IVF-PQ index to the rows as they are now, lay the rows out list by list
        (a query's candidates come from a few lists: contiguous reads), add them all, and
        put the result in place of the folder."""
        started = time.perf_counter()
        vectors = map_vectors(self.folder, meta)
        index = ann.train(ann.training_sample(vectors, meta.rows, np.random.default_rng(0)),
                          meta.rows)  # fmt: skip
        order = np.argsort(ann.lists_of(index, vectors), kind="stable")
        laid = new_folder(self.cache_dir, "layout")
        write_laid_out(self.folder, meta, order, laid)
        ann.add(index, map_vectors(laid, meta))
        ann.save(index, laid / ANN)
        write_meta(laid, meta.moved(ann_rows=index.ntotal, trained_rows=meta.rows))
        replace_folder(self.folder, laid)
        recall = probe_recall(WindowCache(self.folder), self.policy.probe_queries)
        write_meta(self.folder, read_meta(self.folder).moved(checked_rows=meta.rows,
                                                             recall=recall))  # fmt: skip
        log.info("window ANN index trained on %d rows in %.1f s (recall probe %.3f)",
                 meta.rows, time.perf_counter() - started, recall)  # fmt: skip

    def _fold(self, meta: CacheMeta) -> None:
        """Add the rows appended since the last fold to the ANN index (no retraining)."""
        index = ann.load(self.folder / ANN)
        vectors = map_vectors(self.folder, meta)
        ann.add(index, vectors[index.ntotal : meta.rows])
        ann.save(index, self.folder / ANN)
        write_meta(self.folder, read_meta(self.folder).moved(ann_rows=index.ntotal))

    # -- whole rebuilds -----------------------------------------------------------------------
    def rebuild(self, table, identity: Identity) -> str:
        """A whole new cache from the table, swapped in when complete."""
        started = time.perf_counter()
        built = new_folder(self.cache_dir)
        meta = CacheMeta(identity.space, identity.model_id, identity.dim, table.version)
        write_meta(built, meta)
        builder = CacheWriter(self.cache_dir, self.policy)
        builder.folder, builder._ids = built, {}
        cols = ["content_hash", "start", "end", "vector"]
        for batch in table.search().select(cols).limit(None).to_batches(65536):
            data = pa.Table.from_batches([batch])
            meta = builder._append(meta, data.column("content_hash").to_pylist(), _spans(data),
                                   vectors_of(data.column("vector")))  # fmt: skip
        write_meta(built, meta)
        if meta.rows > self.policy.ann_min_rows:
            builder._train(meta)
        swap_in(self.cache_dir, built)
        self._ids = None
        log.info("window cache built: %d rows in %.1f s", meta.rows, time.perf_counter() - started)
        return "rebuilt"


def _spans(data: pa.Table) -> np.ndarray:
    return np.stack([data.column("start").to_numpy(), data.column("end").to_numpy()], axis=1)


def probe_recall(cache: WindowCache, queries: int, since: int = 0) -> float:
    """Recall@10 of the cache's search against exact scoring of every row, for some of the
    rows from `since` on as queries (the ones added since training: where drift shows),
    each query's own row left out."""
    view = cache.view()
    if view is None or view.ann is None or view.meta.rows <= since:
        return 1.0
    vectors = view.rows.vectors
    rng = np.random.default_rng(view.meta.rows)
    picks = since + rng.choice(len(vectors) - since, size=min(queries, len(vectors) - since),
                               replace=False)  # fmt: skip
    picks = np.sort(picks)
    q = np.asarray(vectors[picks], np.float32)
    exact = exact_top(view, q, 11)[0]
    found = []
    for i, row in enumerate(picks):
        got = [r for r in cache.top_rows(q[i], 11) if r != row][:10]
        want = [r for r in exact[i].tolist() if r != row][:10]
        found.append(len(set(got) & set(want)) / max(1, len(want)))
    return float(np.mean(found))
