"""The embedded LanceDB index: files, their 10 s window vectors, and waveform envelopes."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import lancedb
import numpy as np
import pyarrow as pa

from soundseek.core.errors import StoreModelMismatch
from soundseek.core.lock import WriterLock

SCHEMA_VERSION = 1
FILES, WINDOWS, ENVELOPES = "files", "windows", "envelopes"
ANN_MIN_ROWS = 4096
ANN_STALE_FRACTION = 0.1
IN_CHUNK = 500
PK = {"lance-schema:unenforced-primary-key": "true"}

FILE_TEXT_COLUMNS = (
    "filename", "folder", "libfolder", "ext", "format", "subtype", "catid", "category",
    "subcategory", "fx_name", "description", "keywords", "library", "designer", "originator",
    "origination_date", "warning", "text", "status", "error", "content_hash",
)  # fmt: skip
FILES_SCHEMA = pa.schema(
    [
        pa.field("path", pa.string(), nullable=False, metadata=PK),
        pa.field("size", pa.int64()),
        pa.field("mtime_ns", pa.int64()),
        pa.field("duration", pa.float64()),
        pa.field("samplerate", pa.int32()),
        pa.field("channels", pa.int32()),
        pa.field("bit_depth", pa.int32()),
        pa.field("n_windows", pa.int32()),
        *(pa.field(c, pa.string()) for c in FILE_TEXT_COLUMNS),
    ]
)
ENVELOPES_SCHEMA = pa.schema(
    [
        pa.field("content_hash", pa.string(), nullable=False, metadata=PK),
        pa.field("peaks", pa.binary()),
    ]
)


def windows_schema(dim: int) -> pa.Schema:
    return pa.schema(
        [
            pa.field("content_hash", pa.string(), nullable=False),
            pa.field("idx", pa.int32()),
            pa.field("start", pa.float32()),
            pa.field("end", pa.float32()),
            pa.field("vector", pa.list_(pa.float32(), dim)),
        ]
    )


def sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def sql_in(column: str, values: Iterable[str]) -> str:
    return f"{column} IN ({', '.join(sql_str(v) for v in values)})"


def chunks(items: list, size: int = IN_CHUNK) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


@dataclass
class StoreInfo:
    """What the store on disk holds: its layout version and the vector space of its windows."""

    schema_version: int = SCHEMA_VERSION
    model_id: str = ""
    dim: int = 0


@dataclass(frozen=True)
class FileState:
    size: int
    mtime_ns: int
    status: str
    content_hash: str


class Store:
    """Readers open it freely; only a `writable` instance (holding the lock) changes it."""

    def __init__(self, directory: str | Path, writable: bool = False) -> None:
        self.dir = Path(directory)
        self.writable = writable
        self._lock = WriterLock(self.dir / "writer.lock") if writable else None
        self.dir.mkdir(parents=True, exist_ok=True)
        if self._lock:
            self._lock.acquire()
        self.db = lancedb.connect(str(self.dir / "lance"), read_consistency_interval=timedelta(0))
        self._tables: dict[str, object] = {}
        self._tables_for: tuple[str, int] | None = None
        self._info_stamp: int | None = -1
        self._info = StoreInfo()
        self.info  # noqa: B018 - read now so a too-new store is refused at open
        if writable:
            self._ensure_tables()

    def close(self) -> None:
        if self._lock:
            self._lock.release()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- versioned meta -------------------------------------------------------------------
    @property
    def _info_path(self) -> Path:
        return self.dir / "store.json"

    @property
    def info(self) -> StoreInfo:
        """Re-read when store.json changes: a reader sees the writer's model switch."""
        try:
            stamp = self._info_path.stat().st_mtime_ns
        except FileNotFoundError:
            stamp = None
        if stamp != self._info_stamp:
            self._info, self._info_stamp = self._read_info(), stamp
        return self._info

    @info.setter
    def info(self, value: StoreInfo) -> None:
        self._info = value

    def _read_info(self) -> StoreInfo:
        try:
            raw = json.loads(self._info_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return StoreInfo()
        info = StoreInfo(**{k: raw[k] for k in ("schema_version", "model_id", "dim") if k in raw})
        if info.schema_version > SCHEMA_VERSION:
            raise StoreModelMismatch(
                f"The index at {self.dir} was written by a newer SoundSeek "
                f"(schema {info.schema_version} > {SCHEMA_VERSION}); update SoundSeek."
            )
        return info

    def _write_info(self) -> None:
        fd, tmp = tempfile.mkstemp(dir=self.dir, suffix=".tmp")
        with os.fdopen(fd, "w") as fh:
            json.dump(self._info.__dict__, fh)
        os.replace(tmp, self._info_path)
        self._info_stamp = self._info_path.stat().st_mtime_ns

    def _ensure_tables(self) -> None:
        existing = set(self._table_names())
        if FILES not in existing:
            self.db.create_table(FILES, schema=FILES_SCHEMA)
        if ENVELOPES not in existing:
            self.db.create_table(ENVELOPES, schema=ENVELOPES_SCHEMA)
        if self.info.dim and WINDOWS not in existing:
            self.db.create_table(WINDOWS, schema=windows_schema(self.info.dim))
        self._write_info()

    def _table_names(self) -> list[str]:
        return list(self.db.list_tables().tables)

    def table(self, name: str):
        """Open a table (handles are reused; a model switch drops them), or None if absent."""
        space = (self.info.model_id, self.info.dim)
        if space != self._tables_for:
            self._tables, self._tables_for = {}, space
        if name not in self._tables:
            try:
                self._tables[name] = self.db.open_table(name)
            except (ValueError, FileNotFoundError, RuntimeError):
                return None
        return self._tables[name]

    # -- model / vector space ---------------------------------------------------------------
    def vectors_match(self, model_id: str, dim: int) -> bool:
        return self.info.model_id == model_id and self.info.dim == dim

    def use_model(self, model_id: str, dim: int) -> int:
        """Switch the windows table to a model; returns how many files must be re-embedded."""
        if self.vectors_match(model_id, dim):
            return 0
        self._tables.clear()
        if WINDOWS in self._table_names():
            self.db.drop_table(WINDOWS)
        self.db.create_table(WINDOWS, schema=windows_schema(dim))
        files = self.table(FILES)
        reset = files.count_rows("status = 'indexed'")
        if reset:
            files.update(where="status = 'indexed'", values={"status": "pending", "n_windows": 0})
        self.info = StoreInfo(SCHEMA_VERSION, model_id, dim)
        self._write_info()
        return reset

    # -- reads ------------------------------------------------------------------------------
    def file_states(self) -> dict[str, FileState]:
        t = self.table(FILES)
        if t is None:
            return {}
        cols = ["path", "size", "mtime_ns", "status", "content_hash"]
        data = t.to_arrow().select(cols).to_pydict()
        return {
            p: FileState(s, m, st, h)
            for p, s, m, st, h in zip(*(data[c] for c in cols), strict=True)
        }

    def files(self, where: str | None = None, columns: list[str] | None = None, limit: int = 0):
        """Rows of the files table as dicts, optionally filtered with a SQL predicate."""
        t = self.table(FILES)
        if t is None:
            return []
        q = t.search()
        if where:
            q = q.where(where)
        if columns:
            q = q.select(columns)
        q = q.limit(limit or None)
        return q.to_arrow().to_pylist()

    def files_by_hash(self, hashes: list[str], where: str | None = None) -> list[dict]:
        rows: list[dict] = []
        for part in chunks(hashes):
            pred = sql_in("content_hash", part) + (f" AND ({where})" if where else "")
            rows.extend(self.files(pred))
        return rows

    def count(self, table: str = FILES, where: str | None = None) -> int:
        t = self.table(table)
        return 0 if t is None else t.count_rows(where)

    def envelope(self, content_hash: str) -> bytes | None:
        t = self.table(ENVELOPES)
        if t is None:
            return None
        rows = t.search().where(f"content_hash = {sql_str(content_hash)}").limit(1).to_list()
        return rows[0]["peaks"] if rows else None

    def window_vectors(self, content_hash: str) -> list[dict]:
        t = self.table(WINDOWS)
        if t is None:
            return []
        rows = t.search().where(f"content_hash = {sql_str(content_hash)}").limit(100_000)
        return sorted(rows.to_list(), key=lambda r: r["idx"])

    def size_bytes(self) -> int:
        return sum(f.stat().st_size for f in self.dir.rglob("*") if f.is_file())

    # -- writes (writer only) -----------------------------------------------------------------
    def _require_writer(self) -> None:
        if not self.writable:
            raise PermissionError("this Store was opened read-only")

    def upsert_files(self, rows: list[dict]) -> None:
        self._require_writer()
        if rows:
            table = pa.Table.from_pylist(rows, schema=FILES_SCHEMA)
            t = self.table(FILES)
            t.merge_insert("path").when_matched_update_all().when_not_matched_insert_all().execute(
                table
            )

    def delete_paths(self, paths: list[str]) -> None:
        self._require_writer()
        t = self.table(FILES)
        for part in chunks(paths):
            t.delete(sql_in("path", part))

    def add_windows(self, hashes: list[str], starts, ends, idxs, vectors: np.ndarray) -> None:
        """One commit for many files' windows: a kill leaves all of them or none."""
        self._require_writer()
        if not hashes:
            return
        dim = vectors.shape[1]
        flat = pa.array(vectors.astype(np.float32).ravel(), type=pa.float32())
        table = pa.table(
            {
                "content_hash": pa.array(hashes, pa.string()),
                "idx": pa.array(idxs, pa.int32()),
                "start": pa.array(starts, pa.float32()),
                "end": pa.array(ends, pa.float32()),
                "vector": pa.FixedSizeListArray.from_arrays(flat, dim),
            },
            schema=windows_schema(dim),
        )
        self.table(WINDOWS).add(table)

    def upsert_envelopes(self, items: dict[str, bytes]) -> None:
        self._require_writer()
        if items:
            rows = pa.table(
                {"content_hash": list(items), "peaks": list(items.values())},
                schema=ENVELOPES_SCHEMA,
            )
            t = self.table(ENVELOPES)
            t.merge_insert(
                "content_hash"
            ).when_matched_update_all().when_not_matched_insert_all().execute(rows)

    def sweep_orphans(self) -> int:
        """Drop windows/envelopes no indexed file refers to (deleted files, killed runs)."""
        self._require_writer()
        live = {r["content_hash"] for r in self.files("status = 'indexed'", ["content_hash"])}
        removed = 0
        for name in (WINDOWS, ENVELOPES):
            t = self.table(name)
            if t is None or not t.count_rows():
                continue
            stored = set(t.to_arrow().select(["content_hash"]).column(0).to_pylist())
            if name == ENVELOPES:
                live_env = live | {r["content_hash"] for r in self.files(None, ["content_hash"])}
                stale = sorted(stored - live_env)
            else:
                stale = sorted(stored - live)
            for part in chunks(stale):
                before = t.count_rows()
                t.delete(sql_in("content_hash", part))
                removed += before - t.count_rows() if name == WINDOWS else 0
        return removed

    def maintain(self) -> None:
        """Compact, refresh the full-text index, and build the ANN index once it pays off."""
        self._require_writer()
        from lancedb.index import FTS

        files = self.table(FILES)
        if files.count_rows():
            names = {i.name for i in files.list_indices()}
            if "text_idx" not in names:
                files.create_index(
                    "text", config=FTS(with_position=True, stem=True, remove_stop_words=False)
                )
            _ensure_scalar_indexes(files, ("path", "content_hash"))
            files.optimize()
        windows = self.table(WINDOWS)
        if windows is not None and windows.count_rows():
            _ensure_scalar_indexes(windows, ("content_hash",))
            self._maintain_ann(windows)

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
            dim = self.info.dim
            windows.create_index(
                "vector",
                config=IvfPq(distance_type="cosine", num_sub_vectors=_sub_vectors(dim)),
                replace=True,
            )
        windows.optimize()

    def has_ann(self) -> bool:
        t = self.table(WINDOWS)
        return t is not None and any(i.columns == ["vector"] for i in t.list_indices())


def _ensure_scalar_indexes(table, columns: tuple[str, ...]) -> None:
    """B-tree indexes make lookups by path or content hash cheap at a million rows."""
    from lancedb.index import BTree

    have = {tuple(i.columns) for i in table.list_indices()}
    for column in columns:
        if (column,) not in have:
            table.create_index(column, config=BTree())


def _sub_vectors(dim: int) -> int:
    """PQ sub-vectors of 8 dimensions (64 for 512-d CLAP), a divisor of dim."""
    for n in (dim // 8, dim // 4, dim // 2, 1):
        if n >= 1 and dim % n == 0:
            return n
    return 1
