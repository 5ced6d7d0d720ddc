"""Exact window search from RAM for libraries small enough that it beats any ANN index."""

from __future__ import annotations

import threading
import time

import numpy as np

EXACT_MAX_WINDOWS = 150_000  # 512-d float32: ~300 MB at the limit, ~15 ms per query here
STALE_SECONDS = 5.0


class WindowMatrix:
    """All window vectors in one array, reloaded when the table changes (at most every 5 s)."""

    def __init__(self, max_windows: int = EXACT_MAX_WINDOWS) -> None:
        self.max_windows = max_windows
        self.version: int | None = None
        self.loaded_at = 0.0
        self.vecs: np.ndarray | None = None
        self.hashes = np.zeros(0, dtype=object)
        self.starts = self.ends = np.zeros(0, np.float32)
        self._lock = threading.Lock()

    def ready(self, table) -> bool:
        """True when exact search from RAM applies (after a reload if the table changed)."""
        with self._lock:
            version = table.version
            fresh = self.vecs is not None and time.monotonic() - self.loaded_at < STALE_SECONDS
            if version == self.version or fresh:
                return self.vecs is not None
            if table.count_rows() > self.max_windows:
                self.vecs, self.version = None, version
                return False
            self._load(table, version)
            return True

    def _load(self, table, version: int) -> None:
        data = table.to_arrow().select(["content_hash", "start", "end", "vector"])
        vec_col = data.column("vector").combine_chunks()
        dim = vec_col.type.list_size
        self.vecs = vec_col.values.to_numpy(zero_copy_only=False).reshape(-1, dim)
        self.hashes = np.asarray(data.column("content_hash").to_pylist(), dtype=object)
        self.starts = data.column("start").to_numpy()
        self.ends = data.column("end").to_numpy()
        self.version, self.loaded_at = version, time.monotonic()

    def top(self, query: np.ndarray, k: int, only: list[str] | None = None) -> list[dict]:
        """The k most similar windows (cosine), optionally among some content hashes only."""
        sims = self.vecs @ query.astype(np.float32)
        if only is not None:
            sims = np.where(np.isin(self.hashes, only), sims, -np.inf)
        k = min(k, len(sims))
        idx = np.argpartition(-sims, k - 1)[:k] if k else np.zeros(0, int)
        idx = idx[np.isfinite(sims[idx])]
        return [
            {"content_hash": self.hashes[i], "start": float(self.starts[i]),
             "end": float(self.ends[i]), "_distance": 1.0 - float(sims[i])}
            for i in idx[np.argsort(-sims[idx])]
        ]  # fmt: skip
