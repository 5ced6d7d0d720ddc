"""Text vectors computed once per model and kept in cache folders: the UCS captions the
suggestions score against and the null texts of search.confidence (the same 1,504 captions).
They are kept beside the model (so a new library, or a new home that imports the model, does
not encode them again: seconds with a full-size text tower) and in the place's cache folder
(a shell search reads them from there instead of encoding hundreds of texts again)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np


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


def cached_vectors(
    folders: Sequence[Path | None], name: str, count: int, compute: Callable[[], np.ndarray]
) -> np.ndarray:
    """The vectors from the first folder that has them (of `count` rows), else `compute()`d;
    every folder that lacked them gets them (None: no such folder)."""
    places = [Path(f) for f in folders if f is not None]
    found = None
    missing = []
    for folder in places:
        vecs = load_vectors(folder, name, count)
        if vecs is None:
            missing.append(folder)
        elif found is None:
            found = vecs
    if found is None:
        found = np.asarray(compute(), np.float32)
    for folder in missing:
        save_vectors(folder, name, found)
    return found
