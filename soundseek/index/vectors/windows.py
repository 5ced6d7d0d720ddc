"""The windows table: every file's 10 s window vectors, appended by the writer and mirrored
at once into the window cache (local libraries) or indexed by LanceDB's IVF-PQ (shared ones)."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from soundseek.index.tables.access import TableAccess
from soundseek.index.tables.filters import sql_str
from soundseek.index.tables.querying import ensure_scalar_indexes
from soundseek.index.tables.records import StoredWindow
from soundseek.index.tables.schema import WINDOWS, vectors_of, windows_schema, windows_to_arrow
from soundseek.index.vectors.cachefiles import ANN, FOLDER
from soundseek.index.vectors.cachesync import CacheWriter, Identity

log = logging.getLogger(__name__)

ANN_MIN_ROWS = 4096
ANN_STALE_FRACTION = 0.1


class WindowTable:
    """Window vectors of one index. `cache` is the writer's window cache (None for readers
    and for shared libraries, whose readers search through LanceDB's ANN index instead)."""

    def __init__(self, tables: TableAccess, cache_dir: Path, cache: CacheWriter | None) -> None:
        self._tables = tables
        self._cache_dir = Path(cache_dir)
        self.cache = cache

    def create(self, dim: int) -> None:
        """A new, empty windows table of `dim`-dimensional vectors (a model switch)."""
        with self._tables.mutex:
            self._tables.forget_handles()
            if WINDOWS in self._tables.names():
                self._tables.db.drop_table(WINDOWS)
            self._tables.db.create_table(WINDOWS, schema=windows_schema(dim))

    def add(
        self, hashes: list[str], starts: list[float], ends: list[float], idxs: list[int],
        vectors: np.ndarray,
    ) -> None:  # fmt: skip
        """One commit for many files' windows: a kill leaves all of them or none."""
        self._tables.require_writer()
        if not hashes:
            return
        t = self._tables.table(WINDOWS)
        before = t.version
        t.add(windows_to_arrow(hashes, starts, ends, idxs, vectors))
        if self.cache is not None:  # searchable at once; a kill here is healed by maintain
            spans = np.stack([np.asarray(starts, np.float32), np.asarray(ends, np.float32)], 1)
            try:
                self.cache.append(before, t.version, hashes, spans, np.asarray(vectors, np.float32))
            except (OSError, ValueError) as exc:  # the commit stands; searches use LanceDB
                log.warning("window cache left behind (%s); healed at the end of the run", exc)

    def of(self, content_hash: str) -> list[StoredWindow]:
        """One content's windows, in order."""
        t = self._tables.table(WINDOWS)
        if t is None:
            return []
        q = t.search().where(f"content_hash = {sql_str(content_hash)}").limit(None)
        data = q.select(["idx", "start", "end", "vector"]).to_arrow().sort_by("idx")
        vecs = vectors_of(data.column("vector")) if data.num_rows else np.zeros((0, 0))
        return [
            StoredWindow(int(i), float(s), float(e), v)
            for i, s, e, v in zip(data.column("idx").to_pylist(), data.column("start").to_pylist(),
                                  data.column("end").to_pylist(), vecs, strict=True)
        ]  # fmt: skip

    def batches(self, batch: int = 65_536) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(content hashes, vectors) of every stored window, a batch at a time."""
        t = self._tables.table(WINDOWS)
        if t is None:
            return
        q = t.search().select(["content_hash", "vector"]).limit(None)
        for b in q.to_batches(batch):
            hashes = np.asarray(b.column("content_hash").to_pylist(), dtype=object)
            yield hashes, vectors_of(b.column("vector"))

    def count(self) -> int:
        t = self._tables.table(WINDOWS)
        return 0 if t is None else t.count_rows()

    def has_ann(self, shared: bool) -> bool:
        """Whether window search goes through an ANN index (the cache's, or LanceDB's for a
        shared library) rather than exactly through every window."""
        if not shared:
            return (self._cache_dir / FOLDER / ANN).exists()
        t = self._tables.table(WINDOWS)
        return t is not None and any(i.columns == ["vector"] for i in t.list_indices())

    def maintain(self) -> None:
        """Index the lookup column, compact, and bring the cache or LanceDB's ANN index up to
        the table."""
        windows = self._tables.table(WINDOWS)
        if windows is not None and windows.count_rows():
            before = windows.version
            ensure_scalar_indexes(windows, ("content_hash",))
            if self.cache is None:
                self._maintain_ann(windows)
            else:  # compaction moves the version, not the rows: the cache stays in use
                windows.optimize()
                self.cache.mark(before, windows.version)
        self.sync_cache()

    def sync_cache(self) -> None:
        """Heal, fold and (when recall drifted) retrain the window cache: see cachesync."""
        if self.cache is None:
            return
        info, started = self._tables.info, time.perf_counter()
        try:
            identity = Identity(info.space, info.model_id, info.dim)
            done = self.cache.sync(self._tables.table(WINDOWS), identity)
        except (OSError, ValueError, RuntimeError) as exc:  # searches fall back to LanceDB
            log.warning("window cache not brought up to date: %s", exc)
            return
        log.info("window cache %s in %.1f s", done, time.perf_counter() - started)

    def _maintain_ann(self, windows) -> None:
        from lancedb.index import IvfPq

        n = windows.count_rows()
        indexed = [i for i in windows.list_indices() if i.columns == ["vector"]]
        if n < ANN_MIN_ROWS:
            windows.optimize()
            return
        stale = 1.0
        if indexed:
            stats = windows.index_stats(indexed[0].name)
            stale = stats.num_unindexed_rows / max(1, n)
        if stale > ANN_STALE_FRACTION and (not indexed or stale > 0.5):
            sub = _sub_vectors(self._tables.info.dim)
            windows.create_index(
                "vector", config=IvfPq(distance_type="cosine", num_sub_vectors=sub), replace=True
            )
        windows.optimize()


def _sub_vectors(dim: int) -> int:
    """PQ sub-vectors of 8 dimensions (64 for 512-d CLAP), a divisor of dim."""
    for n in (dim // 8, dim // 4, dim // 2, 1):
        if n >= 1 and dim % n == 0:
            return n
    return 1
