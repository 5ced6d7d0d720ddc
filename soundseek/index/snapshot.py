"""A copy of the window vectors that a shell can search without LanceDB.

Importing LanceDB costs ~2.7 s; a sound search from the shell must answer within a second.
After each index run the writer saves the windows (while exact search applies, i.e. up to
EXACT_MAX_WINDOWS) as plain arrays: vectors in float32 (memory-mapped and multiplied as they
are: float16 halved the file but converting 140k windows cost 0.25 s a query, more than
reading them), content hashes, start/end, and what they are (model space, table version).
A new copy is written beside the old one and swapped in, so a reader sees one
whole copy or the other. The GUI and the full searcher keep reading the table itself.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from soundseek.index.records import WindowMatch

FOLDER = "vectors"


@dataclass(frozen=True)
class SnapshotInfo:
    space: str
    model_id: str
    dim: int
    version: int  # the windows table version it copies
    count: int


def write_snapshot(cache: Path, info: SnapshotInfo, hashes, starts, ends, vecs) -> None:
    """Save a whole copy, then swap it in (a kill leaves the old copy or none, never half)."""
    final, tmp = cache / FOLDER, cache / f"{FOLDER}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    np.save(tmp / "vectors.npy", np.asarray(vecs, dtype=np.float32))
    np.save(tmp / "hashes.npy", np.asarray(hashes, dtype="S"))
    np.save(tmp / "spans.npy", np.stack([starts, ends], axis=1).astype(np.float32))
    (tmp / "meta.json").write_text(json.dumps(info.__dict__), encoding="utf-8")
    old = cache / f"{FOLDER}.old-{os.getpid()}"
    if final.exists():
        os.replace(final, old)
    os.replace(tmp, final)
    shutil.rmtree(old, ignore_errors=True)


def drop_snapshot(cache: Path) -> None:
    shutil.rmtree(cache / FOLDER, ignore_errors=True)


def snapshot_info(cache: Path) -> SnapshotInfo | None:
    try:
        raw = json.loads((cache / FOLDER / "meta.json").read_text(encoding="utf-8"))
        return SnapshotInfo(**raw)
    except (OSError, ValueError, TypeError):
        return None


class VectorSnapshot:
    """The saved windows, memory-mapped; exact cosine search like WindowMatrix."""

    def __init__(self, cache: Path) -> None:
        folder = cache / FOLDER
        self.info = snapshot_info(cache)
        if self.info is None:
            raise FileNotFoundError(folder)
        self.vecs = np.load(folder / "vectors.npy", mmap_mode="r")
        self.hashes = np.load(folder / "hashes.npy")
        self.spans = np.load(folder / "spans.npy")

    def similarities(self, query: np.ndarray) -> np.ndarray:
        return self.vecs @ query.astype(np.float32)

    def top(self, query: np.ndarray, k: int) -> list[WindowMatch]:
        sims = self.similarities(query)
        k = min(k, len(sims))
        idx = np.argpartition(-sims, k - 1)[:k] if k else np.zeros(0, int)
        return [
            WindowMatch(self.hashes[i].decode(), float(self.spans[i, 0]),
                        float(self.spans[i, 1]), float(sims[i]))
            for i in idx[np.argsort(-sims[idx])]
        ]  # fmt: skip

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        pick = np.sort(rng.choice(len(self.vecs), size=min(len(self.vecs), n), replace=False))
        return np.asarray(self.vecs[pick], dtype=np.float32)
