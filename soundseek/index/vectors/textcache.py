"""Text vectors computed once per model and kept in the place's cache folder: the UCS
captions the suggestions score against, and the null texts of search.confidence. A shell
search reads them instead of encoding hundreds of texts again."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np

NULL_FOLDER = "null-texts"


def null_name(key: str) -> str:
    """Where the null texts' vectors for `key` are kept."""
    return f"{NULL_FOLDER}/{key}"


def load_vectors(cache_dir: Path, name: str, count: int | None = None) -> np.ndarray | None:
    """The stored vectors, or None when absent, unreadable or (given `count`) of another
    count: the caller computes them again."""
    try:
        vecs = np.load(Path(cache_dir) / f"{name}.npy", allow_pickle=False)
    except (OSError, ValueError):
        return None
    if vecs.ndim != 2 or (count is not None and len(vecs) != count):
        return None
    return vecs


def save_vectors(cache_dir: Path, name: str, vecs: np.ndarray) -> None:
    """Written beside and renamed into place: a reader never sees half a file. A cache
    folder that cannot be written only costs the next use the encoding."""
    path = Path(cache_dir) / f"{name}.npy"
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            np.save(f, np.asarray(vecs, np.float32), allow_pickle=False)
        os.replace(tmp, path)
    except OSError:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
