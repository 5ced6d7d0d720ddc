"""The approximate first stage of window search beyond exact-search sizes: faiss IVF-PQ.

Chosen by measurement (benchmarks/bench_search.py, 1M windows of 512-d, 2-core machine):
an inverted file of sqrt(rows) lists, probing 16 of them, over 4-bit product-quantized
codes scanned with SIMD ("fast scan", 32 bytes a window for 512-d), proposes candidates
that are then scored exactly against the float32 rows (vectors.f32, memory-mapped).
With 4,000 candidates recall@10 of files was 0.998 at 2.7 ms (LanceDB's IVF-PQ with
refine: 0.974 at 81 ms); int8 rows for the exact step lost recall (0.946), float16 ones
cost more to convert than float32 costs to read. New rows are added to the lists without
retraining; retraining is the writer's call when a recall probe says so (index.vectors.cachesync).
faiss is imported only here, and only for libraries this large.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np

NPROBE = 16
MIN_CANDIDATES = 4000
CANDIDATE_FRACTION = 1 / 250  # ~0.4% of the rows, as libraries grow (20,000 at 5M)
TRAIN_PER_LIST = 64


def n_lists(rows: int) -> int:
    return int(min(16384, max(16, math.sqrt(max(rows, 1)))))


def candidates(rows: int) -> int:
    return max(MIN_CANDIDATES, int(rows * CANDIDATE_FRACTION))


def _faiss():
    import faiss

    return faiss


def train(sample: np.ndarray, rows: int):
    """An empty index whose lists and codebooks are fitted to a sample of the rows."""
    faiss = _faiss()
    dim = sample.shape[1]
    spec = f"IVF{n_lists(rows)},PQ{_sub_vectors(dim)}x4fs"
    index = faiss.index_factory(dim, spec, faiss.METRIC_INNER_PRODUCT)
    index.train(np.ascontiguousarray(sample, np.float32))
    return index


def training_sample(vectors: np.ndarray, rows: int, rng: np.random.Generator) -> np.ndarray:
    """The rows k-means learns from: TRAIN_PER_LIST per list (all of them if fewer)."""
    n = min(len(vectors), TRAIN_PER_LIST * n_lists(rows))
    pick = np.sort(rng.choice(len(vectors), size=n, replace=False))
    return np.asarray(vectors[pick], np.float32)


def add(index, vectors: np.ndarray, chunk: int = 65536) -> None:
    """Append rows (their ids continue from index.ntotal)."""
    for a in range(0, len(vectors), chunk):
        index.add(np.ascontiguousarray(vectors[a : a + chunk], np.float32))


def lists_of(index, vectors: np.ndarray, chunk: int = 65536) -> np.ndarray:
    """The inverted list each row falls in (its nearest coarse centroid)."""
    quantizer = _faiss().extract_index_ivf(index).quantizer
    out = np.empty(len(vectors), np.int64)
    for a in range(0, len(vectors), chunk):
        _, nearest = quantizer.search(np.ascontiguousarray(vectors[a : a + chunk], np.float32), 1)
        out[a : a + chunk] = nearest[:, 0]
    return out


def search(index, query: np.ndarray, n: int) -> np.ndarray:
    """Row ids of up to n candidates for one query vector."""
    faiss = _faiss()
    params = faiss.SearchParametersIVF(nprobe=NPROBE)
    _, ids = index.search(np.ascontiguousarray(query[None, :], np.float32), n, params=params)
    found = ids[0]
    return found[found >= 0]


def save(index, path: Path) -> None:
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    _faiss().write_index(index, str(tmp))
    os.replace(tmp, path)


def load(path: Path):
    return _faiss().read_index(str(path))


def _sub_vectors(dim: int) -> int:
    """8 dimensions a sub-vector (64 for 512-d CLAP); fast scan needs an even count."""
    for n in (dim // 8, dim // 4, dim // 2, 2):
        if n >= 2 and n % 2 == 0 and dim % n == 0:
            return n
    return 2
