"""The embedded LanceDB index: files, their 10 s window vectors, and waveform envelopes.

Readers open it freely; only a `writable` instance, holding the OS writer lock, changes it.
Every method takes and returns typed records; no caller sees a table, a query builder or SQL.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from soundseek.errors import StoreLocked, StoreVersionError
from soundseek.files.roots import owning_root, relpath_of
from soundseek.index.places.objectstore import ObjectStoreError
from soundseek.index.places.place import Place, WriteLock, as_place
from soundseek.index.places.registry import RootRegistry
from soundseek.index.tables import migrations
from soundseek.index.tables._lancedb import lancedb
from soundseek.index.tables.annotations import Annotations
from soundseek.index.tables.filters import (
    EVERYTHING,
    FileFilter,
    compile_filter,
    resolve_tags,
    sql_in,
    sql_str,
)
from soundseek.index.tables.info import InfoFile, StoreInfo
from soundseek.index.tables.querying import chunks, unique_column
from soundseek.index.tables.records import (
    FileKey,
    FileRecord,
    FileStatus,
    RootCounts,
    StoredWindow,
)
from soundseek.index.tables.schema import (
    ACCEPTED,
    ACCEPTED_SCHEMA,
    CONTENT_TABLES,
    ENVELOPES,
    ENVELOPES_SCHEMA,
    FILES,
    FILES_SCHEMA,
    GUESSES,
    GUESSES_SCHEMA,
    SCHEMA_VERSION,
    TAGS,
    TAGS_SCHEMA,
    WINDOWS,
    records_from_arrow,
    records_to_arrow,
    vectors_of,
    windows_schema,
    windows_to_arrow,
)
from soundseek.index.vectors.cachefiles import ANN, FOLDER
from soundseek.index.vectors.cachesync import CacheWriter, Identity
from soundseek.index.wordindex.fts import WORDS_FILE, WordIndex

log = logging.getLogger(__name__)

ANN_MIN_ROWS = 4096
ANN_STALE_FRACTION = 0.1
WORDS_RESYNC_SECONDS = 5.0
_INDEXED = sql_str(FileStatus.INDEXED.value)


class Store(Annotations):
    """One index: tables under `lance/`, `store.json`, `roots.json`, the writer lock; in a
    local folder or on object storage (see `place`)."""

    def __init__(self, where: str | Path | Place, writable: bool = False) -> None:
        self.place = as_place(where)
        self.writable = writable
        self._lock: WriteLock | None = None
        try:
            if writable:
                self._lock = self.place.writer_lock()
            self.roots = RootRegistry(self.place.doc("roots.json"), self.place.mounts)
            self._info = InfoFile(self.place.doc("store.json"), self.place.uri)
            self.db = _connect(self.place, writable)
            self._tables: dict[str, object] = {}
            self._tables_for: StoreInfo | None = None
            self._mutex = threading.RLock()
            self._words: WordIndex | None = None
            self._words_checked = 0.0
            self.cache = CacheWriter(self.place.cache_dir) if self._owns_cache() else None
            self.upgrade_notes = self._upgrade_if_needed()
            if writable:
                self._ensure_tables()
                self.fresh_words()
        except BaseException:
            self.close()
            raise

    def _owns_cache(self) -> bool:
        """The window cache (index.vectors.cachesync) is written by a local library's one writer;
        shared libraries' readers search through LanceDB's own ANN index instead."""
        return self.writable and not self.place.shared

    def close(self) -> None:
        words = getattr(self, "_words", None)
        if words is not None:
            words.close()
            self._words = None
        if self._lock:
            self._lock.release()
            self._lock = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- layout, versions, upgrades -----------------------------------------------------------
    @property
    def info(self) -> StoreInfo:
        return self._info.read()

    def _table_names(self) -> list[str]:
        return list(self.db.list_tables().tables)

    def _upgrade_if_needed(self) -> list[str]:
        """Bring an older index up to SCHEMA_VERSION in place (briefly taking the writer lock)."""
        if not self._info.exists or self.info.schema_version == SCHEMA_VERSION:
            return []
        if self.writable:
            return self._upgrade()
        try:
            lock = self.place.writer_lock()
        except StoreLocked as exc:
            raise StoreLocked(
                f"The index at {self.place.uri} needs a one-time upgrade, but another SoundSeek "
                "process is writing it; close it and try again."
            ) from exc
        try:
            return self._upgrade()
        finally:
            lock.release()

    def _upgrade(self) -> list[str]:
        info = self.info  # re-read under the lock: another process may have upgraded already
        if info.schema_version == SCHEMA_VERSION:
            return []
        ctx = migrations.MigrationContext(self.db, self.roots.load(), self._table_names)
        notes = []
        for step in migrations.path_to(info.schema_version, SCHEMA_VERSION):
            try:
                done = step.build(ctx)
            except Exception as exc:
                raise StoreVersionError(
                    f"Upgrading the index at {self.place.uri} from schema {step.source} failed "
                    f"({exc}); the old index is untouched."
                ) from exc
            self._info.write(replace(info, schema_version=step.target))
            for name in step.retire:
                if name in self._table_names():
                    self.db.drop_table(name)
            notes.append(
                f"index upgraded from schema {step.source} to {step.target}: {step.summary}; {done}"
            )
            log.info(notes[-1])
        return notes

    def _ensure_tables(self) -> None:
        existing = set(self._table_names())
        if FILES not in existing:
            self.db.create_table(FILES, schema=FILES_SCHEMA)
        if ENVELOPES not in existing:
            self.db.create_table(ENVELOPES, schema=ENVELOPES_SCHEMA)
        if TAGS not in existing:
            self.db.create_table(TAGS, schema=TAGS_SCHEMA)
        if GUESSES not in existing:
            self.db.create_table(GUESSES, schema=GUESSES_SCHEMA)
        if ACCEPTED not in existing:
            self.db.create_table(ACCEPTED, schema=ACCEPTED_SCHEMA)
        if self.info.dim and WINDOWS not in existing:
            self.db.create_table(WINDOWS, schema=windows_schema(self.info.dim))
        if not self._info.exists:
            self._info.write(StoreInfo())

    def table(self, name: str):
        """A table handle (reused; a model switch drops them), or None if absent. Internal to
        the index package: callers outside it use the typed methods."""
        with self._mutex:
            info = self.info
            if info != self._tables_for:
                self._tables, self._tables_for = {}, info
            if name not in self._tables:
                try:
                    self._tables[name] = self.db.open_table(name)
                except (ValueError, FileNotFoundError, RuntimeError):
                    return None
            return self._tables[name]

    # -- model / vector space -----------------------------------------------------------------
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
        self._require_writer()
        if self.vectors_match(model_id, dim, space):
            info = self.info
            runtimes = tuple(dict.fromkeys((*info.runtimes, runtime))) if runtime else info.runtimes
            if (space or info.space, runtimes) != (info.space, info.runtimes):
                self._info.write(
                    replace(
                        info,
                        schema_version=SCHEMA_VERSION,
                        space=space or info.space,
                        runtimes=runtimes,
                    )
                )
            self.sync_cache()
            return 0
        with self._mutex:
            self._tables.clear()
            if WINDOWS in self._table_names():
                self.db.drop_table(WINDOWS)
            self.db.create_table(WINDOWS, schema=windows_schema(dim))
        files = self.table(FILES)
        reset = files.count_rows(f"status = {_INDEXED}")
        if reset:
            pending = sql_str(FileStatus.PENDING.value)
            files.update(
                where=f"status = {_INDEXED}", values_sql={"status": pending, "n_windows": "0"}
            )
            self._rebuild_words()
        self._info.write(
            replace(
                self.info,
                schema_version=SCHEMA_VERSION,
                model_id=model_id,
                dim=dim,
                space=space,
                runtimes=(runtime,) if runtime else (),
            )
        )
        self.sync_cache()  # an empty cache in the new space: appends start at once
        return reset

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
        extra = compile_filter(resolve_tags(flt, self.hashes_tagged), roots)
        return f"{known} AND ({extra})" if extra else known

    # -- reads --------------------------------------------------------------------------------
    def iter_file_states(self, batch: int = 65_536):
        """(root ids, relpaths, sizes, mtimes) of every stored file, a batch at a time."""
        t = self.table(FILES)
        if t is None:
            return
        cols = ["root_id", "relpath", "size", "mtime_ns"]
        for b in t.search().select(cols).limit(None).to_batches(batch):
            yield (b.column("root_id").to_pylist(), b.column("relpath").to_pylist(),
                   b.column("size").to_numpy(), b.column("mtime_ns").to_numpy())  # fmt: skip

    def records(self, flt: FileFilter = EVERYTHING, limit: int = 0) -> list[FileRecord]:
        t = self.table(FILES)
        if t is None:
            return []
        q = t.search().where(self.where_sql(flt)).limit(limit or None)
        return self.resolve(q.to_arrow())

    def record_at(self, path: str) -> FileRecord | None:
        key = self.key_of(path)
        t = self.table(FILES)
        if key is None or t is None:
            return None
        pred = f"root_id = {sql_str(key.root_id)} AND relpath = {sql_str(key.relpath)}"
        rows = self.resolve(t.search().where(pred).limit(1).to_arrow())
        return rows[0] if rows else None

    def records_by_hash(self, hashes: list[str], flt: FileFilter = EVERYTHING) -> list[FileRecord]:
        t = self.table(FILES)
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
        t = self.table(FILES)
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
        t = self.table(FILES)
        out: set[FileKey] = set()
        if t is None:
            return out
        for part in chunks(sorted(set(keys))):
            q = t.search().where(_keys_sql(part)).select(["root_id", "relpath"]).limit(None)
            data = q.to_arrow().to_pydict()
            out.update(map(FileKey, data["root_id"], data["relpath"]))
        return out

    def relpaths(self, root_id: str) -> list[str]:
        t = self.table(FILES)
        if t is None:
            return []
        q = t.search().where(f"root_id = {sql_str(root_id)}").select(["relpath"]).limit(None)
        return q.to_arrow().column(0).to_pylist()

    def count(self, flt: FileFilter = EVERYTHING) -> int:
        t = self.table(FILES)
        return 0 if t is None else t.count_rows(self.where_sql(flt))

    def count_windows(self) -> int:
        t = self.table(WINDOWS)
        return 0 if t is None else t.count_rows()

    def counts_by_root(self) -> dict[str, RootCounts]:
        t = self.table(FILES)
        if t is None:
            return {}
        tally: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        # Two columns, a batch at a time: the whole table was 750 MB at a million files.
        q = t.search().select(["root_id", "status"]).limit(None)
        for batch in q.to_batches(262_144):
            grouped = pa.Table.from_batches([batch]).group_by(["root_id", "status"])
            for row in grouped.aggregate([([], "count_all")]).to_pylist():
                tally[row["root_id"]][row["status"]] += row["count_all"]
        return {
            root: RootCounts(sum(n.values()), n.get("indexed", 0), n.get("pending", 0),
                             n.get("error", 0))
            for root, n in tally.items()
        }  # fmt: skip

    def envelope(self, content_hash: str) -> bytes | None:
        t = self.table(ENVELOPES)
        if t is None or not content_hash:
            return None
        rows = t.search().where(f"content_hash = {sql_str(content_hash)}").limit(1).to_list()
        return rows[0]["peaks"] if rows else None

    def window_vectors(self, content_hash: str) -> list[StoredWindow]:
        t = self.table(WINDOWS)
        if t is None:
            return []
        q = t.search().where(f"content_hash = {sql_str(content_hash)}").limit(None)
        data = q.select(["idx", "start", "end", "vector"]).to_arrow().sort_by("idx")
        vecs = vectors_of(data.column("vector")) if data.num_rows else np.zeros((0, 0))
        return [
            StoredWindow(int(i), float(s), float(e), v)
            for i, s, e, v in zip(data.column("idx").to_pylist(), data.column("start").to_pylist(),
                                  data.column("end").to_pylist(), vecs, strict=True)
        ]  # fmt: skip

    def size_bytes(self) -> int:
        return self.place.size_bytes()

    def has_ann(self) -> bool:
        """Whether window search goes through an ANN index (the cache's, or LanceDB's for a
        shared library) rather than exactly through every window."""
        if not self.place.shared:
            return (self.place.cache_dir / FOLDER / ANN).exists()
        t = self.table(WINDOWS)
        return t is not None and any(i.columns == ["vector"] for i in t.list_indices())

    # -- writes (writer only) -------------------------------------------------------------------
    def _require_writer(self) -> None:
        if not self.writable:
            raise PermissionError("this Store was opened read-only")
        if self._lock is not None and self._lock.lost.is_set():
            raise StoreLocked(
                f"The writer lease on {self.place.uri} was lost (another writer took over "
                "after it expired); this run stops without writing more."
            )

    def record_run(self, who: str) -> None:
        """Say in store.json which machine and program indexed the library, and when."""
        self._require_writer()
        self._info.write(replace(self.info, indexed_by=who, indexed_at=time.time()))

    def add_files(self, records: list[FileRecord]) -> None:
        """Files not in the index yet: appended (a merge against a million rows is not free)."""
        self._require_writer()
        if records:
            self.table(FILES).add(records_to_arrow(records))
            self._words_put(records)

    def upsert_files(self, records: list[FileRecord]) -> None:
        self._require_writer()
        if records:
            t = self.table(FILES)
            merge = t.merge_insert(["root_id", "relpath"])
            merge.when_matched_update_all().when_not_matched_insert_all().execute(
                records_to_arrow(records)
            )
            self._words_put(records)

    def move_files(self, records: list[FileRecord], gone: list[FileKey]) -> None:
        """Files renamed (or rewritten) by SoundSeek: their rows under the new paths and the
        old paths' rows removed in one commit, so a search never sees a renamed file twice or
        not at all. Vectors, tags and accepted categories are keyed by content and stay;
        `records` carry their status (see scanning.Commits.reuse). The word index follows in
        one transaction."""
        self._require_writer()
        if not records:
            self.delete_files(gone)
            return
        merge = self.table(FILES).merge_insert(["root_id", "relpath"])
        merge = merge.when_matched_update_all().when_not_matched_insert_all()
        if gone:
            merge = merge.when_not_matched_by_source_delete(_keys_sql(gone))
        merge.execute(records_to_arrow(records))
        self.words().put(records, self._files_version(), gone)

    def delete_files(self, keys: list[FileKey]) -> None:
        self._require_writer()
        t = self.table(FILES)
        by_root: dict[str, list[str]] = defaultdict(list)
        for k in keys:
            by_root[k.root_id].append(k.relpath)
        for root_id, relpaths in by_root.items():
            for part in chunks(relpaths):
                t.delete(f"root_id = {sql_str(root_id)} AND {sql_in('relpath', part)}")
        if keys:
            self.words().delete(keys, self._files_version())

    def add_windows(
        self, hashes: list[str], starts: list[float], ends: list[float], idxs: list[int],
        vectors: np.ndarray,
    ) -> None:  # fmt: skip
        """One commit for many files' windows: a kill leaves all of them or none."""
        self._require_writer()
        if not hashes:
            return
        t = self.table(WINDOWS)
        before = t.version
        t.add(windows_to_arrow(hashes, starts, ends, idxs, vectors))
        if self.cache is not None:  # searchable at once; a kill here is healed by maintain
            spans = np.stack([np.asarray(starts, np.float32), np.asarray(ends, np.float32)], 1)
            try:
                self.cache.append(before, t.version, hashes, spans, np.asarray(vectors, np.float32))
            except (OSError, ValueError) as exc:  # the commit stands; searches use LanceDB
                log.warning("window cache left behind (%s); healed at the end of the run", exc)

    def upsert_envelopes(self, items: dict[str, bytes]) -> None:
        self._require_writer()
        if items:
            rows = pa.table(
                {"content_hash": list(items), "peaks": list(items.values())},
                schema=ENVELOPES_SCHEMA,
            )
            merge = self.table(ENVELOPES).merge_insert("content_hash")
            merge.when_matched_update_all().when_not_matched_insert_all().execute(rows)

    def sweep_orphans(self) -> int:
        """Drop windows/envelopes no file refers to (deleted files, killed runs). Hashes stay
        Arrow arrays: Python sets of a million files' hashes and their windows cost GBs."""
        self._require_writer()
        files = self.table(FILES)
        every = unique_column(files, "content_hash")
        live = unique_column(files, "content_hash", f"status = {_INDEXED}")
        removed = 0
        for name, keep in ((WINDOWS, live), (ENVELOPES, every)):
            t = self.table(name)
            if t is None or not t.count_rows():
                continue
            stored = unique_column(t, "content_hash")
            orphans = stored.filter(pc.invert(pc.is_in(stored, value_set=keep))).to_pylist()
            for part in chunks(sorted(orphans)):
                before = t.count_rows()
                t.delete(sql_in("content_hash", part))
                removed += before - t.count_rows() if name == WINDOWS else 0
        return removed

    def rekey(self, old_to_new: dict[str, str]) -> None:
        """Move a few contents to new hashes in every table keyed by content (the metadata
        writer calls it before writing a file whose stored hash was made the old, whole-file
        way). Rows are copied first, the files re-pointed next, old rows deleted last: a kill
        in between leaves copies or orphans (sweep_orphans clears them), never a file without
        its vectors. Where the new hash already has rows they are kept; tags are merged."""
        self._require_writer()
        moves = {o: n for o, n in old_to_new.items() if o and n and o != n}
        if not moves:
            return
        with self._mutex:
            for name in CONTENT_TABLES:
                self._copy_content_rows(name, moves)
            files = self.table(FILES)
            for old, new in sorted(moves.items()):
                files.update(where=f"content_hash = {sql_str(old)}", values={"content_hash": new})
            for t in filter(None, map(self.table, CONTENT_TABLES)):
                for part in chunks(sorted(moves)):
                    t.delete(sql_in("content_hash", part))
            self.refresh_words(sorted(set(moves.values())))

    def _copy_content_rows(self, name: str, moves: dict[str, str]) -> None:
        """Add the old hashes' rows under their new ones, unless the new one has them already
        (tags: per tag). Of several old hashes bound for one new hash, the first provides."""
        t = self.table(name)
        if t is None:
            return
        cols = ["content_hash", "tag"] if name == TAGS else ["content_hash"]
        rows = t.search().where(sql_in("content_hash", sorted(moves))).limit(None).to_arrow()
        have = t.search().where(sql_in("content_hash", sorted(set(moves.values()))))
        present = have.select(cols).limit(None).to_arrow().to_pylist()
        seen = {(r["content_hash"], r.get("tag")) for r in present}
        source: dict[str, str] = {}
        keep, targets = [], []
        for r in rows.select(cols).to_pylist():
            old = r["content_hash"]
            key = (moves[old], r.get("tag"))
            first = source.setdefault(moves[old], old) == old
            keep.append(key not in seen and (first or name == TAGS))
            if name == TAGS:
                seen.add(key)
            targets.append(moves[old])
        if any(keep):
            i = rows.schema.get_field_index("content_hash")
            moved = rows.set_column(i, rows.schema.field(i), pa.array(targets, pa.string()))
            t.add(moved.filter(pa.array(keep)).cast(t.schema))

    # -- the word index (derived from the files table, kept in step by the writer) ----------
    def words(self) -> WordIndex:
        """The word index as it is (see `fresh_words` for one known to be current)."""
        with self._mutex:
            if self._words is None:
                self._words = WordIndex(self.place.cache_dir / WORDS_FILE)
            return self._words

    def fresh_words(self) -> WordIndex:
        """The word index, rebuilt first when it does not reflect the files table. The writer
        keeps it in step, so a local reader rebuilds only one that was never built (a commit
        and its word update are not atomic: a reader must not rebuild in between); a shared
        library's reader keeps its own copy and rebuilds it when the table moved on, at most
        every WORDS_RESYNC_SECONDS."""
        words = self.words()
        stamp = words.stamp()
        if stamp is not None and (not self.place.shared or self.writable):
            if not self.writable or stamp == self._files_version():
                return words
        elif stamp is not None:
            now = time.monotonic()
            if now - self._words_checked < WORDS_RESYNC_SECONDS:
                return words
            self._words_checked = now
            if stamp == self._files_version():
                return words
        self._rebuild_words()
        return words

    def _files_version(self) -> str:
        t = self.table(FILES)
        return str(t.version) if t is not None else "0"

    def _rebuild_words(self) -> None:
        t = self.table(FILES)
        stamp = self._files_version()
        if t is None:
            self.words().replace_all([], stamp)
            return
        started = time.perf_counter()
        batches = (records_from_arrow(pa.Table.from_batches([b]))
                   for b in t.search().limit(None).to_batches(4096))  # fmt: skip
        n = self.words().replace_all(batches, stamp)
        log.info("word index rebuilt: %d files in %.1f s", n, time.perf_counter() - started)

    def _words_put(self, records: list[FileRecord]) -> None:
        self.words().put(records, self._files_version())

    def refresh_words(self, hashes: list[str]) -> None:
        """Re-read the files of some contents into the word index (after a bulk update)."""
        t = self.table(FILES)
        if t is None or not hashes:
            return
        for part in chunks(hashes):
            rows = t.search().where(sql_in("content_hash", part)).limit(None).to_arrow()
            self._words_put(records_from_arrow(rows))

    def maintain(self) -> None:
        """Compact, index the lookup columns, and bring the window cache (local libraries)
        or LanceDB's ANN index (shared ones) up to the windows table."""
        self._require_writer()
        in_step = self.words().stamp() == self._files_version()
        files = self.table(FILES)
        if files.count_rows():
            files.optimize()
            _ensure_scalar_indexes(files, ("relpath", "content_hash"))
        if in_step:  # compaction and indexes move the version, not the rows
            self.words().mark(self._files_version())
        windows = self.table(WINDOWS)
        if windows is not None and windows.count_rows():
            before = windows.version
            _ensure_scalar_indexes(windows, ("content_hash",))
            if self.cache is None:
                self._maintain_ann(windows)
            else:  # compaction moves the version, not the rows: the cache stays in use
                windows.optimize()
                self.cache.mark(before, windows.version)
        self.sync_cache()

    def sync_cache(self) -> None:
        """Heal, fold and (when recall drifted) retrain the window cache: see cachesync."""
        if self.cache is None:
            return
        info, started = self.info, time.perf_counter()
        try:
            done = self.cache.sync(self.table(WINDOWS), Identity(info.space, info.model_id,
                                                                 info.dim))  # fmt: skip
        except (OSError, ValueError, RuntimeError) as exc:  # searches fall back to LanceDB
            log.warning("window cache not brought up to date: %s", exc)
            return
        log.info("window cache %s in %.1f s", done, time.perf_counter() - started)

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
            windows.create_index(
                "vector",
                config=IvfPq(distance_type="cosine", num_sub_vectors=_sub_vectors(self.info.dim)),
                replace=True,
            )
        windows.optimize()


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
