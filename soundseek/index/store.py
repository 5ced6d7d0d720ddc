"""The embedded LanceDB index: files, their 10 s window vectors, and waveform envelopes.

Readers open it freely; only a `writable` instance, holding the OS writer lock, changes it.
Every method takes and returns typed records; no caller sees a table, a query builder or SQL.
The Store owns the files table and composes the rest: `annotations` (tags, suggestions,
accepted categories), `envelopes` (waveform overviews), `words` (the word index, kept in step
with every commit) and `windows` (window vectors and their cache).
"""

from __future__ import annotations

import os
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import pyarrow as pa

from soundseek.files.roots import owning_root, relpath_of
from soundseek.index.places.objectstore import ObjectStoreError
from soundseek.index.places.place import Place, WriteLock, as_place
from soundseek.index.places.registry import RootRegistry
from soundseek.index.prints.printstore import PrintStore
from soundseek.index.tables._lancedb import lancedb
from soundseek.index.tables.access import TableAccess
from soundseek.index.tables.annotations import Annotations
from soundseek.index.tables.contents import EnvelopeTable, rekey, sweep_orphans
from soundseek.index.tables.filters import (
    EVERYTHING,
    FileFilter,
    compile_filter,
    resolve_tags,
    sql_in,
    sql_str,
)
from soundseek.index.tables.info import InfoFile, StoreInfo
from soundseek.index.tables.querying import chunks, ensure_scalar_indexes
from soundseek.index.tables.querying import counts_by_root as tally_roots
from soundseek.index.tables.records import FileKey, FileRecord, FileStatus, RootCounts
from soundseek.index.tables.schema import (
    ACCEPTED,
    ACCEPTED_SCHEMA,
    ENVELOPES,
    ENVELOPES_SCHEMA,
    FILES,
    FILES_SCHEMA,
    GUESSES,
    GUESSES_SCHEMA,
    PRINTS,
    PRINTS_SCHEMA,
    SCHEMA_VERSION,
    TAGS,
    TAGS_SCHEMA,
    WINDOWS,
    records_from_arrow,
    records_to_arrow,
    windows_schema,
)
from soundseek.index.tables.upgrade import upgrade_if_needed
from soundseek.index.vectors.cachesync import CacheWriter
from soundseek.index.vectors.windows import WindowTable
from soundseek.index.wordindex.sync import WordSync

_INDEXED = sql_str(FileStatus.INDEXED.value)
_CREATED = ((FILES, FILES_SCHEMA), (ENVELOPES, ENVELOPES_SCHEMA), (TAGS, TAGS_SCHEMA),
            (GUESSES, GUESSES_SCHEMA), (ACCEPTED, ACCEPTED_SCHEMA),
            (PRINTS, PRINTS_SCHEMA))  # fmt: skip


class Store:
    """One index: tables under `lance/`, `store.json`, `roots.json`, the writer lock; in a
    local folder or on object storage (see `places`)."""

    def __init__(self, where: str | Path | Place, writable: bool = False) -> None:
        self.place = as_place(where)
        self.writable = writable
        self._lock: WriteLock | None = None
        self.words: WordSync | None = None
        self.prints: PrintStore | None = None
        try:
            if writable:
                self._lock = self.place.writer_lock()
            self.roots = RootRegistry(self.place.doc("roots.json"), self.place.mounts)
            info = InfoFile(self.place.doc("store.json"), self.place.uri)
            self.db = _connect(self.place, writable)
            self.tables = TableAccess(self.db, info, writable, self._lease_lost, self.place.uri)
            self.words = WordSync(self.tables, self.place.cache_dir, self.place.shared)
            self.annotations = Annotations(self.tables, self.words.refresh)
            # The window cache is written by a local library's one writer; shared libraries'
            # readers search through LanceDB's own ANN index instead.
            cache = (
                CacheWriter(self.place.cache_dir) if writable and not self.place.shared else None
            )
            self.windows = WindowTable(self.tables, self.place.cache_dir, cache)
            self.envelopes = EnvelopeTable(self.tables)
            self.prints = PrintStore(self.tables, self.place.cache_dir)
            self.upgrade_notes = upgrade_if_needed(
                self.tables, self.roots.load(), self.place.writer_lock
            )
            if writable:
                self._ensure_tables()
                self.words.fresh()
        except BaseException:
            self.close()
            raise

    def _lease_lost(self) -> bool:
        return self._lock is not None and self._lock.lost.is_set()

    def close(self) -> None:
        if self.words is not None:
            self.words.close()
        if self.prints is not None:
            self.prints.close()
        if self._lock:
            self._lock.release()
            self._lock = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- layout and vector space -----------------------------------------------------------------
    @property
    def info(self) -> StoreInfo:
        return self.tables.info

    def table(self, name: str):
        """A table handle, or None if absent. Internal to the index package: callers outside
        it use the typed methods."""
        return self.tables.table(name)

    def _ensure_tables(self) -> None:
        existing = set(self.tables.names())
        for name, schema in _CREATED:
            if name not in existing:
                self.db.create_table(name, schema=schema)
        if self.info.dim and WINDOWS not in existing:
            self.db.create_table(WINDOWS, schema=windows_schema(self.info.dim))
        if not self.tables.info_file.exists:
            self.tables.info_file.write(StoreInfo())

    def vectors_match(self, model_id: str, dim: int, space: str = "") -> bool:
        """Whether vectors made by this model and pipeline can join (or query) the index. An
        index of 0.1 recorded no space: its vectors are in the space of the same model
        (the features are the same to within 1e-3 dB, tests/embed/test_features.py)."""
        info = self.info
        same_space = not info.space or not space or info.space == space
        return info.model_id == model_id and info.dim == dim and same_space

    def use_model(self, model_id: str, dim: int, space: str = "", runtime: str = "") -> int:
        """Switch the windows table to a model and pipeline; returns how many files must be
        re-embedded (none when only a gate-passing runtime is added)."""
        self.tables.require_writer()
        info = self.info
        if self.vectors_match(model_id, dim, space):
            runtimes = tuple(dict.fromkeys((*info.runtimes, runtime))) if runtime else info.runtimes
            if (space or info.space, runtimes) != (info.space, info.runtimes):
                self._write_info(space=space or info.space, runtimes=runtimes)
            self.windows.sync_cache()
            return 0
        self.windows.create(dim)
        files = self.table(FILES)
        reset = files.count_rows(f"status = {_INDEXED}")
        if reset:
            pending = sql_str(FileStatus.PENDING.value)
            files.update(
                where=f"status = {_INDEXED}", values_sql={"status": pending, "n_windows": "0"}
            )
            self.words.rebuild()
        runtimes = (runtime,) if runtime else ()
        self._write_info(model_id=model_id, dim=dim, space=space, runtimes=runtimes)
        self.windows.sync_cache()  # an empty cache in the new space: appends start at once
        return reset

    def _write_info(self, **changes: object) -> None:
        info = replace(self.info, schema_version=SCHEMA_VERSION, **changes)
        self.tables.info_file.write(info)

    # -- roots --------------------------------------------------------------------------------
    def key_of(self, path: str) -> FileKey | None:
        """Which stored file an absolute path on this machine is (None: not in any root)."""
        path = os.path.abspath(path)
        root = owning_root(path, self.roots.load())
        return None if root is None else FileKey(root.id, relpath_of(path, root.path))

    def resolve(self, rows: pa.Table, keep_unknown: bool = False) -> list[FileRecord]:
        """Rows → records with their roots attached (so `path` is this machine's). Rows of a
        root that left the library are dropped, unless `keep_unknown` (then `root` is None)."""
        roots = self.roots.by_id()
        out = []
        for rec in records_from_arrow(rows):
            rec.root = roots.get(rec.root_id)
            if keep_unknown or rec.root is not None:
                out.append(rec)
        return out

    def where_sql(self, flt: FileFilter) -> str:
        """Filters plus 'only files of registered roots' (a removed root's rows wait for the
        next index run to be deleted, and are never shown meanwhile)."""
        roots = self.roots.load()
        known = sql_in("root_id", [r.id for r in roots]) if roots else "false"
        extra = compile_filter(resolve_tags(flt, self.annotations.hashes_tagged), roots)
        return f"{known} AND ({extra})" if extra else known

    # -- reads --------------------------------------------------------------------------------
    def iter_file_states(self, batch: int = 65_536):
        """(root ids, relpaths, sizes, mtimes) of every stored file, a batch at a time."""
        t = self.tables.table(FILES)
        if t is None:
            return
        cols = ["root_id", "relpath", "size", "mtime_ns"]
        for b in t.search().select(cols).limit(None).to_batches(batch):
            yield (b.column("root_id").to_pylist(), b.column("relpath").to_pylist(),
                   b.column("size").to_numpy(), b.column("mtime_ns").to_numpy())  # fmt: skip

    def records(self, flt: FileFilter = EVERYTHING, limit: int = 0) -> list[FileRecord]:
        t = self.tables.table(FILES)
        if t is None:
            return []
        q = t.search().where(self.where_sql(flt)).limit(limit or None)
        return self.resolve(q.to_arrow())

    def record_at(self, path: str) -> FileRecord | None:
        key = self.key_of(path)
        t = self.tables.table(FILES)
        if key is None or t is None:
            return None
        pred = f"root_id = {sql_str(key.root_id)} AND relpath = {sql_str(key.relpath)}"
        rows = self.resolve(t.search().where(pred).limit(1).to_arrow())
        return rows[0] if rows else None

    def records_by_hash(self, hashes: list[str], flt: FileFilter = EVERYTHING) -> list[FileRecord]:
        t = self.tables.table(FILES)
        if t is None:
            return []
        where = self.where_sql(flt)
        out: list[FileRecord] = []
        for part in chunks(hashes):
            q = t.search().where(f"{sql_in('content_hash', part)} AND {where}")
            out.extend(self.resolve(q.limit(None).to_arrow()))
        return out

    def windows_by_hash(self, hashes: list[str]) -> dict[str, int]:
        """Window counts of these contents where already embedded (a renamed or copied file
        reuses them). Asked per commit, not for the whole index: a million-entry dict."""
        t = self.tables.table(FILES)
        if t is None or not hashes:
            return {}
        out: dict[str, int] = {}
        for part in chunks(sorted(set(hashes))):
            q = t.search().where(f"status = {_INDEXED} AND {sql_in('content_hash', part)}")
            data = q.select(["content_hash", "n_windows"]).limit(None).to_arrow().to_pydict()
            out.update(zip(data["content_hash"], data["n_windows"], strict=True))
        return out

    def known_keys(self, keys: list[FileKey]) -> set[FileKey]:
        """Which of these files the index holds rows for."""
        t = self.tables.table(FILES)
        out: set[FileKey] = set()
        if t is None:
            return out
        for part in chunks(sorted(set(keys))):
            q = t.search().where(_keys_sql(part)).select(["root_id", "relpath"]).limit(None)
            data = q.to_arrow().to_pydict()
            out.update(map(FileKey, data["root_id"], data["relpath"]))
        return out

    def relpaths(self, root_id: str) -> list[str]:
        t = self.tables.table(FILES)
        if t is None:
            return []
        q = t.search().where(f"root_id = {sql_str(root_id)}").select(["relpath"]).limit(None)
        return q.to_arrow().column(0).to_pylist()

    def count(self, flt: FileFilter = EVERYTHING) -> int:
        t = self.tables.table(FILES)
        return 0 if t is None else t.count_rows(self.where_sql(flt))

    def counts_by_root(self) -> dict[str, RootCounts]:
        t = self.tables.table(FILES)
        return {} if t is None else tally_roots(t)

    # -- writes (writer only) ------------------------------------------------------------------
    def record_run(self, who: str) -> None:
        """Say in store.json which machine and program indexed the library, and when."""
        self.tables.require_writer()
        self.tables.info_file.write(replace(self.info, indexed_by=who, indexed_at=time.time()))

    def add_files(self, records: list[FileRecord]) -> None:
        """Files not in the index yet: appended (a merge against a million rows is not free)."""
        self.tables.require_writer()
        if records:
            self.table(FILES).add(records_to_arrow(records))
            self.words.put(records)

    def upsert_files(self, records: list[FileRecord]) -> None:
        self.tables.require_writer()
        if records:
            t = self.table(FILES)
            merge = t.merge_insert(["root_id", "relpath"])
            merge.when_matched_update_all().when_not_matched_insert_all().execute(
                records_to_arrow(records)
            )
            self.words.put(records)

    def move_files(self, records: list[FileRecord], gone: list[FileKey]) -> None:
        """Files renamed (or rewritten) by SoundSeek: their rows under the new paths and the
        old paths' rows removed in one commit, so a search never sees a renamed file twice or
        not at all. Vectors, tags and accepted categories are keyed by content and stay;
        `records` carry their status (see scanning.Commits.reuse). The word index follows in
        one transaction."""
        self.tables.require_writer()
        if not records:
            self.delete_files(gone)
            return
        merge = self.table(FILES).merge_insert(["root_id", "relpath"])
        merge = merge.when_matched_update_all().when_not_matched_insert_all()
        if gone:
            merge = merge.when_not_matched_by_source_delete(_keys_sql(gone))
        merge.execute(records_to_arrow(records))
        self.words.put(records, gone)

    def delete_files(self, keys: list[FileKey]) -> None:
        self.tables.require_writer()
        t = self.table(FILES)
        by_root: dict[str, list[str]] = defaultdict(list)
        for k in keys:
            by_root[k.root_id].append(k.relpath)
        for root_id, relpaths in by_root.items():
            for part in chunks(relpaths):
                t.delete(f"root_id = {sql_str(root_id)} AND {sql_in('relpath', part)}")
        if keys:
            self.words.delete(keys)

    def sweep_orphans(self) -> int:
        """Drop windows/envelopes no file refers to (deleted files, killed runs); returns how
        many windows went."""
        self.tables.require_writer()
        return sweep_orphans(self.tables)

    def rekey(self, old_to_new: dict[str, str]) -> None:
        """Move a few contents to new hashes in every table keyed by content (the metadata
        writer calls it before writing a file whose stored hash was made the old, whole-file
        way): see tables.contents.rekey. The word index re-reads the moved files."""
        self.tables.require_writer()
        moved = rekey(self.tables, old_to_new)
        self.words.refresh(moved)

    def size_bytes(self) -> int:
        return self.place.size_bytes()

    def has_ann(self) -> bool:
        """Whether window search goes through an ANN index rather than every window."""
        return self.windows.has_ann(self.place.shared)

    def maintain(self) -> None:
        """Compact, index the lookup columns, and bring the window cache (local libraries)
        or LanceDB's ANN index (shared ones) up to the windows table."""
        self.tables.require_writer()
        in_step = self.words.in_step()
        files = self.table(FILES)
        if files.count_rows():
            files.optimize()
            ensure_scalar_indexes(files, ("relpath", "content_hash"))
        if in_step:  # compaction and indexes move the version, not the rows
            self.words.mark_current()
        self.windows.maintain()


def _keys_sql(keys: list[FileKey]) -> str:
    """A predicate matching exactly these files' rows."""
    by_root: dict[str, list[str]] = defaultdict(list)
    for k in keys:
        by_root[k.root_id].append(k.relpath)
    return " OR ".join(f"(root_id = {sql_str(root)} AND {sql_in('relpath', sorted(rels))})"
                       for root, rels in sorted(by_root.items()))  # fmt: skip


def _connect(place: Place, writable: bool):
    """LanceDB on the place; an object store it cannot reach is a StoreError, not a crash."""
    try:
        return lancedb.connect(
            place.lance_uri(),
            storage_options=place.storage_options() or None,
            read_consistency_interval=place.consistency(writable),
        )
    except (ValueError, OSError) as exc:
        if not place.shared:
            raise
        raise ObjectStoreError(f"{place.uri} cannot be reached ({exc})") from exc
