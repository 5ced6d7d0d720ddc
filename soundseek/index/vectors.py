"""Exact window search from RAM for libraries small enough that it beats any ANN index."""

from __future__ import annotations

import threading
import time

import numpy as np

from soundseek.index.records import WindowMatch
from soundseek.index.schema import vectors_of

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
        self.vecs = vectors_of(data.column("vector"))
        self.hashes = np.asarray(data.column("content_hash").to_pylist(), dtype=object)
        self.starts = data.column("start").to_numpy()
        self.ends = data.column("end").to_numpy()
        self.version, self.loaded_at = version, time.monotonic()

    def top(self, query: np.ndarray, k: int, only: list[str] | None = None) -> list[WindowMatch]:
        """The k most similar windows (cosine), optionally among some content hashes only."""
        with self._lock:
            vecs, hashes, starts, ends = self.vecs, self.hashes, self.starts, self.ends
        sims = vecs @ query.astype(np.float32)
        if only is not None:
            sims = np.where(np.isin(hashes, only), sims, -np.inf)
        k = min(k, len(sims))
        idx = np.argpartition(-sims, k - 1)[:k] if k else np.zeros(0, int)
        idx = idx[np.isfinite(sims[idx])]
        return [
            WindowMatch(hashes[i], float(starts[i]), float(ends[i]), float(sims[i]))
            for i in idx[np.argsort(-sims[idx])]
        ]

    def sample(self, version: int, n: int, rng: np.random.Generator) -> np.ndarray | None:
        """Up to n loaded vectors, if the loaded matrix is of this table version."""
        with self._lock:
            if self.vecs is None or self.version != version:
                return None
            pick = rng.choice(len(self.vecs), size=min(len(self.vecs), n), replace=False)
            return self.vecs[np.sort(pick)]
