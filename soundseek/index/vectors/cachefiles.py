"""The window cache's files: plain arrays that readers memory-map and one writer appends to.

Folder `vectors/` in the place's cache folder:
  meta.json    CacheMeta: what the rows are (model space), how many rows and files are valid,
               which windows-table version they copy. Written last and atomically: bytes
               beyond its counts are the leftovers of a killed append, cut off by the next one.
  vectors.f32  rows x dim float32 (exact scores, and the ANN index's refine step)
  files.i32    rows: each row's file id (an index into hashes.bin)
  spans.f32    rows x 2: start and end seconds of each window
  hashes.bin   files x hash_width bytes: the content hash of each file id
  dead.npy     file ids whose rows no longer count (their content left the table)
  ann.faiss    the IVF-PQ index over the first `ntotal` rows (index.vectors.ann), when there is one
A whole new folder (first build, compaction, retraining) is written beside the old one and
swapped in; appends go to the live folder.
"""

from __future__ import annotations

import json
import mmap
import os
import shutil
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

FOLDER = "vectors"
FORMAT = 2  # 1: SoundSeek 0.x's whole-copy snapshot (rebuilt on the next index run)
META, VECTORS, FILES, SPANS, HASHES, DEAD, ANN = (
    "meta.json", "vectors.f32", "files.i32", "spans.f32", "hashes.bin", "dead.npy", "ann.faiss",
)  # fmt: skip


@dataclass(frozen=True)
class CacheMeta:
    space: str
    model_id: str
    dim: int
    version: int  # the windows table version the rows copy
    rows: int = 0
    files: int = 0
    hash_width: int = 32
    trained_rows: int = 0  # rows in the table when the ANN index was trained (0: none)
    ann_rows: int = 0  # rows the ANN index holds (the first ann_rows; later ones are its tail)
    checked_rows: int = 0  # rows when recall was last probed (or trained)
    recall: float = 1.0  # the last probe's recall@10 of the ANN index against exact search
    format: int = FORMAT

    def moved(self, **changes) -> CacheMeta:
        return replace(self, **changes)


def read_meta(folder: Path) -> CacheMeta | None:
    """The cache's description, or None for a missing, unreadable or older-format cache."""
    try:
        raw = json.loads((folder / META).read_text(encoding="utf-8"))
        meta = CacheMeta(**raw)
    except (OSError, ValueError, TypeError):
        return None
    return meta if meta.format == FORMAT else None


def write_meta(folder: Path, meta: CacheMeta) -> None:
    tmp = folder / f"{META}.tmp-{os.getpid()}"
    tmp.write_text(json.dumps(asdict(meta)), encoding="utf-8")
    os.replace(tmp, folder / META)


def meta_stamp(folder: Path) -> tuple[int, int, int] | None:
    """Changes whenever meta.json is replaced: a reader's cue to look again."""
    try:
        st = (folder / META).stat()
    except OSError:
        return None
    return st.st_ino, st.st_mtime_ns, st.st_size


@dataclass(frozen=True)
class Rows:
    """The valid rows, mapped read-only (a reader never sees a half-appended row)."""

    vectors: np.ndarray  # rows x dim float32
    files: np.ndarray  # rows int32
    spans: np.ndarray  # rows x 2 float32
    hashes: np.ndarray  # files, dtype S{hash_width}
    dead: np.ndarray  # files bool


def map_rows(folder: Path, meta: CacheMeta) -> Rows:
    """Vectors mapped (the OS pages them in and out); the small per-row arrays read into
    memory (~15 bytes a window): a query touches them at random, and a page of a mapped
    file the OS had evicted costs a disk read each time."""
    n = meta.rows
    return Rows(
        map_vectors(folder, meta),
        _read(folder / FILES, np.int32, (n,)),
        _read(folder / SPANS, np.float32, (n, 2)),
        _read(folder / HASHES, np.dtype(f"S{meta.hash_width}"), (meta.files,)),
        dead_mask(folder, meta.files),
    )


def _read(path: Path, dtype, shape: tuple[int, ...]) -> np.ndarray:
    count = int(np.prod(shape))
    data = np.fromfile(path, dtype=dtype, count=count) if count else np.zeros(0, dtype)
    if len(data) != count:
        raise ValueError(f"{path.name}: {len(data)} of {count} values")
    return data.reshape(shape)


def map_vectors(folder: Path, meta: CacheMeta) -> np.ndarray:
    """The rows, mapped read-only: the OS pages them in as queries read them (an ANN
    index's lists are laid out contiguously, so one query's rows sit together)."""
    shape = (meta.rows, meta.dim)
    if not meta.rows:
        return np.zeros(shape, np.float32)
    with open(folder / VECTORS, "rb") as f:
        mapped = mmap.mmap(f.fileno(), meta.rows * meta.dim * 4, access=mmap.ACCESS_READ)
    return np.frombuffer(mapped, dtype=np.float32, count=meta.rows * meta.dim).reshape(shape)


def dead_ids(folder: Path) -> np.ndarray:
    try:
        return np.load(folder / DEAD)
    except (OSError, ValueError):
        return np.zeros(0, np.int32)


def dead_mask(folder: Path, files: int) -> np.ndarray:
    mask = np.zeros(files, bool)
    ids = dead_ids(folder)
    mask[ids[ids < files]] = True
    return mask


def save_dead(folder: Path, ids: np.ndarray) -> None:
    tmp = folder / f"dead.tmp-{os.getpid()}.npy"
    np.save(tmp, np.unique(ids.astype(np.int32)))
    os.replace(tmp, folder / DEAD)


@dataclass(frozen=True)
class NewRows:
    """Rows to append: vectors, file ids and spans, and the hashes of new file ids."""

    vectors: np.ndarray
    file_ids: np.ndarray
    spans: np.ndarray
    hashes: list[str]


def append_rows(folder: Path, meta: CacheMeta, new: NewRows) -> CacheMeta:
    """Append, make the bytes durable, then say so in meta.json: a kill at any point leaves
    the old meta (and bytes it ignores) or the new one."""
    width = meta.hash_width
    parts = (
        (VECTORS, np.ascontiguousarray(new.vectors, np.float32), meta.rows * meta.dim * 4),
        (FILES, np.ascontiguousarray(new.file_ids, np.int32), meta.rows * 4),
        (SPANS, np.ascontiguousarray(new.spans, np.float32), meta.rows * 8),
        (HASHES, np.asarray(new.hashes, dtype=f"S{width}"), meta.files * width),
    )
    for name, data, valid in parts:
        _append(folder / name, valid, data.tobytes())
    return meta.moved(rows=meta.rows + len(new.file_ids), files=meta.files + len(new.hashes))


def _append(path: Path, valid: int, data: bytes) -> None:
    with open(path, "ab") as f:
        if f.tell() != valid:
            f.truncate(valid)  # a killed append's leftovers
            f.seek(valid)
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def new_folder(cache: Path, tag: str = "tmp") -> Path:
    """An empty folder to build a whole cache in, beside the live one."""
    tmp = cache / f"{FOLDER}.{tag}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    return tmp


def replace_folder(target: Path, built: Path) -> None:
    """Put a whole folder where another was (readers keep the files they mapped)."""
    old = target.with_name(f"{target.name}.old-{os.getpid()}")
    if target.exists():
        os.replace(target, old)
    os.replace(built, target)
    shutil.rmtree(old, ignore_errors=True)


def swap_in(cache: Path, built: Path) -> None:
    replace_folder(cache / FOLDER, built)


def write_laid_out(source: Path, meta: CacheMeta, order: np.ndarray, target: Path) -> None:
    """The rows of `source` in another order (file ids, hashes and retired files as they
    are): an ANN index's lists become contiguous runs of the file, so the rows one query
    reads sit together instead of one per disk page across the whole file."""
    rows = map_rows(source, meta)
    names = (VECTORS, FILES, SPANS)
    handles = [open(target / name, "wb") for name in names]  # noqa: SIM115
    try:
        for a in range(0, len(order), 65536):
            pick = order[a : a + 65536]
            for handle, array in zip(handles, (rows.vectors, rows.files, rows.spans),
                                     strict=True):  # fmt: skip
                handle.write(np.ascontiguousarray(array[pick]).tobytes())
        for handle in handles:
            handle.flush()
            os.fsync(handle.fileno())
    finally:
        for handle in handles:
            handle.close()
    shutil.copyfile(source / HASHES, target / HASHES)
    if (source / DEAD).exists():
        shutil.copyfile(source / DEAD, target / DEAD)


def drop(cache: Path) -> None:
    shutil.rmtree(cache / FOLDER, ignore_errors=True)
