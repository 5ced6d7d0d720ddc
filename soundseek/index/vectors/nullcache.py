"""The query vectors of the null texts (search.confidence), kept once per model in the
place's cache folder: a shell search reads them instead of encoding ~80 texts again."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np

FOLDER = "null-texts"


def _file(cache_dir: Path, key: str) -> Path:
    return Path(cache_dir) / FOLDER / f"{key}.npy"


def load_null(cache_dir: Path, key: str, count: int) -> np.ndarray | None:
    """The stored vectors for `key`, or None when absent, unreadable or of another count."""
    try:
        vecs = np.load(_file(cache_dir, key), allow_pickle=False)
    except (OSError, ValueError):
        return None
    return vecs if vecs.ndim == 2 and len(vecs) == count else None


def save_null(cache_dir: Path, key: str, vecs: np.ndarray) -> None:
    """Written beside and renamed into place: a reader never sees half a file. A cache
    folder that cannot be written only costs the next search the encoding."""
    path = _file(cache_dir, key)
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
