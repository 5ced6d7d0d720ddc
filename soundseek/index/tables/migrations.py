"""Declared upgrades of older indexes, applied in place when a store opens.

Each migration writes its new tables beside the old ones; `store.json` then records the new
version (the commit point), and only after that are the old tables dropped. A kill at any
moment leaves either the old index, intact, or the new one.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

from soundseek.files.fingerprint import content_hash
from soundseek.files.roots import Root, owning_root, relpath_of
from soundseek.index.tables.records import FileRecord, FileStatus
from soundseek.index.tables.schema import (
    ACCEPTED,
    ENVELOPES,
    FILES,
    FILES_SCHEMA,
    GUESSES,
    TAGS,
    WINDOWS,
    records_to_arrow,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MigrationContext:
    """What a migration may use: the LanceDB connection and the index's library folders."""

    db: object
    roots: list[Root]
    table_names: Callable[[], list[str]]


@dataclass(frozen=True)
class Migration:
    source: int
    target: int
    summary: str
    build: Callable[[MigrationContext], str]  # writes new tables; returns what it did
    retire: tuple[str, ...]  # tables dropped once the new version is recorded


_V2_FILES = "files_v2"


def _files_by_root(ctx: MigrationContext) -> str:
    """Version 1 keyed files by absolute path; version 2 by (library folder id, path inside)."""
    if _V2_FILES in ctx.table_names():  # left by an attempt that was killed: start again
        ctx.db.drop_table(_V2_FILES)
    if "files" not in ctx.table_names():
        ctx.db.create_table(_V2_FILES, schema=FILES_SCHEMA)
        return "no files to move"
    old = ctx.db.open_table("files").to_arrow().to_pylist()
    records, dropped = [], 0
    for row in old:
        rec = _v1_record(row, ctx.roots)
        if rec is None:
            dropped += 1
        else:
            records.append(rec)
    ctx.db.create_table(_V2_FILES, data=records_to_arrow(records), schema=FILES_SCHEMA)
    note = f"{len(records)} files kept with their vectors"
    return note + (f"; {dropped} outside every library folder dropped" if dropped else "")


def _v1_record(row: dict, roots: list[Root]) -> FileRecord | None:
    path = row.get("path") or ""
    root = owning_root(os.path.normpath(path), roots)
    if root is None:
        return None
    fields = {k: row.get(k) for k in _V1_CARRIED if row.get(k) is not None}
    return FileRecord(
        root_id=root.id,
        relpath=relpath_of(path, root.path),
        status=FileStatus(row.get("status") or "pending"),
        **fields,
    )


_V1_CARRIED = (
    "size", "mtime_ns", "content_hash", "error", "n_windows", "duration", "samplerate",
    "channels", "bit_depth", "format", "subtype", "catid", "category", "subcategory", "fx_name",
    "description", "keywords", "library", "designer", "originator", "origination_date",
    "warning", "text",
)  # fmt: skip

# -- 2 -> 3: content keyed by a fingerprint of its audio payload -----------------------------------
_V2_CONTENT = {"windows": WINDOWS, "envelopes": ENVELOPES, "ucs_guesses": GUESSES,
               "accepted_categories": ACCEPTED, "tags": TAGS}  # fmt: skip
_DERIVED = ("windows", "envelopes", "ucs_guesses")  # made from the audio: one source a content
REHASH_THREADS = 8  # files are read a few slices at a time: on a network drive, latency-bound
FILES_BATCH = 4096
STREAM_BATCH = 32_768  # window rows at a time: millions of vectors never sit in memory at once


@dataclass
class _Tally:
    rehashed: int = 0
    kept: int = 0
    pairs: list[pa.Table] = field(default_factory=list)  # (old, new, rank) per files batch


@dataclass(frozen=True)
class HashMap:
    """Old content hashes to new ones, as Arrow arrays (a million contents stay ~100 MB)."""

    olds: pa.Array  # unique
    news: pa.Array  # the first target of each old
    extra: dict[str, list[str]]  # further targets of an old (differing copies, very rare)
    dropped: pa.Array  # olds whose rows another old already provides for their new hash


def _payload_fingerprints(ctx: MigrationContext) -> str:
    """Version 3 fingerprints content by its audio payload alone, so writing metadata into a
    file keeps its vectors and tags. Every reachable file unchanged since it was indexed is
    re-fingerprinted; every table keyed by content is rewritten under the new hashes, streamed
    (windows can be millions of rows). Files that are offline or changed keep their old hash:
    the index stays consistent, and the next scan of a changed file re-reads it anyway."""
    names, tally = set(ctx.table_names()), _Tally()
    source = ctx.db.open_table(_V2_FILES) if _V2_FILES in names else None
    rows = _rehashed_files(source, ctx.roots, tally)
    _create(ctx.db, FILES, FILES_SCHEMA, rows)
    every, derived = hash_maps(tally.pairs)
    moved = 0
    for old_name, new_name in _V2_CONTENT.items():
        if old_name in names:
            m = derived if old_name in _DERIVED else every
            moved += _rewrite(ctx.db, old_name, new_name, m, dedupe=old_name not in _DERIVED)
    kept = "offline, changed since indexing, or never read"
    return f"{tally.rehashed} files re-fingerprinted ({tally.kept} {kept}); {moved} rows re-keyed"


def _create(db, name: str, schema: pa.Schema, batches: Iterator[pa.RecordBatch]) -> None:
    """A table written from a stream (overwriting what a killed attempt left)."""
    reader = pa.RecordBatchReader.from_batches(schema, batches)
    db.create_table(name, data=reader, schema=schema, mode="overwrite")


def _rehashed_files(source, roots: list[Root], tally: _Tally) -> Iterator[pa.RecordBatch]:
    """The files rows with new hashes, a batch at a time; the (old, new) pairs go to tally."""
    if source is None:
        return
    by_id, done = {r.id: r for r in roots}, 0
    with ThreadPoolExecutor(REHASH_THREADS) as pool:
        for batch in source.search().limit(None).to_batches(FILES_BATCH):
            table = pa.Table.from_batches([batch]).select(FILES_SCHEMA.names).cast(FILES_SCHEMA)
            old = table.column("content_hash").to_pylist()
            jobs = zip(table.column("root_id").to_pylist(), table.column("relpath").to_pylist(),
                       table.column("size").to_pylist(), table.column("mtime_ns").to_pylist(),
                       old, strict=True)  # fmt: skip
            new = list(pool.map(lambda job: _refingerprint(by_id.get(job[0]), *job[1:]), jobs))
            changed = sum(o != n for o, n in zip(old, new, strict=True))
            tally.rehashed, tally.kept = tally.rehashed + changed, tally.kept + len(old) - changed
            indexed = pc.equal(table.column("status"), FileStatus.INDEXED.value)
            rank = pc.if_else(indexed, 0, 1)  # an embedded file's windows are the ones to keep
            tally.pairs.append(pa.table({"old": old, "new": new, "rank": rank}))
            done += table.num_rows
            log.info("re-fingerprinted %d files", done)
            i = FILES_SCHEMA.get_field_index("content_hash")
            yield from table.set_column(i, FILES_SCHEMA.field(i), pa.array(new)).to_batches()


def _refingerprint(root: Root | None, relpath: str, size, mtime_ns, old: str | None) -> str:
    """The payload fingerprint of a file that is there and unchanged, else its old hash."""
    if not old or root is None:
        return old or ""
    path = root.local_path(relpath)
    try:
        st = os.stat(path)
        if st.st_size != size or st.st_mtime_ns != mtime_ns:
            return old
        return content_hash(path)
    except OSError:
        return old


def hash_maps(pairs: list[pa.Table]) -> tuple[HashMap, HashMap]:
    """From (old, new, rank) per file: the map for what the user added (tags, accepted
    categories: every old hash's rows follow it, then duplicates merge) and the map for what
    was derived from the audio (windows, envelopes, suggestions: one old hash provides them
    for each new one, preferring an embedded file's, so nothing is stored twice)."""
    empty = pa.table({"old": pa.array([], pa.string()), "new": pa.array([], pa.string()),
                      "rank": pa.array([], pa.int64())})  # fmt: skip
    table = pa.concat_tables([empty, *(p.cast(empty.schema) for p in pairs)])
    table = table.filter(pc.not_equal(table.column("old"), ""))
    unique = table.group_by(["old", "new"]).aggregate([("rank", "min")])
    ordered = unique.sort_by([("new", "ascending"), ("rank_min", "ascending"),
                              ("old", "ascending")])  # fmt: skip
    chosen = ordered.filter(_firsts(ordered.column("new").combine_chunks()))
    dropped = pc.unique(unique.column("old").combine_chunks())
    dropped = dropped.filter(pc.invert(pc.is_in(dropped, value_set=chosen.column("old"))))
    return _hash_map(unique, pa.array([], pa.string())), _hash_map(chosen, dropped)


def _hash_map(pairs: pa.Table, dropped: pa.Array) -> HashMap:
    ordered = pairs.sort_by([("old", "ascending"), ("new", "ascending")])
    first = _firsts(ordered.column("old").combine_chunks())
    heads = ordered.filter(first)
    extra: dict[str, list[str]] = {}
    for row in ordered.filter(pc.invert(first)).select(["old", "new"]).to_pylist():
        extra.setdefault(row["old"], []).append(row["new"])
    olds, news = heads.column("old").combine_chunks(), heads.column("new").combine_chunks()
    return HashMap(olds, news, extra, dropped)


def _firsts(column: pa.Array) -> pa.Array:
    """True where a sorted column starts a new run of equal values."""
    if len(column) == 0:
        return pa.array([], pa.bool_())
    rest = pc.not_equal(column.slice(1), column.slice(0, len(column) - 1))
    return pa.concat_arrays([pa.array([True]), rest])


def remap(table: pa.Table, m: HashMap) -> pa.Table:
    """Rows with their content_hash mapped (unmapped rows keep theirs; dropped ones go)."""
    hashes = table.column("content_hash").combine_chunks()
    idx = pc.index_in(hashes, value_set=m.olds)
    new = pc.if_else(pc.is_valid(idx), pc.take(m.news, idx), hashes)
    i = table.schema.get_field_index("content_hash")
    out = table.set_column(i, table.schema.field(i), new)
    out = out.filter(pc.invert(pc.is_in(hashes, value_set=m.dropped)))
    if not m.extra:
        return out
    parts = [out]
    wanted = pa.array(list(m.extra), pa.string())
    for old in pc.unique(hashes.filter(pc.is_in(hashes, value_set=wanted))).to_pylist():
        rows = table.filter(pc.equal(hashes, old))
        for target in m.extra[old]:
            copy = pa.array([target] * rows.num_rows, pa.string())
            parts.append(rows.set_column(i, table.schema.field(i), copy))
    return pa.concat_tables(parts)


def _rewrite(db, old_name: str, new_name: str, m: HashMap, dedupe: bool) -> int:
    """Copy a content table under its new name with hashes mapped. Tags and accepted
    categories are small and merged whole (two old hashes can become one content); derived
    tables are streamed and need no merge (one source per content)."""
    src = db.open_table(old_name)
    schema = src.schema
    if dedupe:
        merged = _merge(remap(src.to_arrow(), m), old_name).select(schema.names).cast(schema)
        _create(db, new_name, schema, iter(merged.to_batches()))
        return merged.num_rows
    count = [0]

    def batches() -> Iterator[pa.RecordBatch]:
        for b in src.search().limit(None).to_batches(STREAM_BATCH):
            out = remap(pa.Table.from_batches([b]).select(schema.names).cast(schema), m)
            count[0] += out.num_rows
            yield from out.to_batches()

    _create(db, new_name, schema, batches())
    return count[0]


def _merge(table: pa.Table, name: str) -> pa.Table:
    """One row per content and tag (a tag wins over its rejection), or per content."""
    if name == "tags":
        merged = table.group_by(["content_hash", "tag"]).aggregate([("kind", "max")])
        return merged.rename_columns({"kind_max": "kind"})
    columns = [c for c in table.column_names if c != "content_hash"]
    merged = table.group_by("content_hash", use_threads=False).aggregate(
        [(c, "first") for c in columns]
    )
    return merged.rename_columns({f"{c}_first": c for c in columns})


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, 2, "files are kept per library folder (folders can move)", _files_by_root,
              retire=("files",)),
    Migration(2, 3, "content is fingerprinted by its audio alone (writing metadata into a file "
              "keeps its vectors and tags)", _payload_fingerprints,
              retire=(_V2_FILES, *_V2_CONTENT)),
)  # fmt: skip


def path_to(source: int, target: int) -> list[Migration]:
    """The migrations that take an index from `source` to `target`, in order."""
    steps, version = [], source
    while version < target:
        step = next((m for m in MIGRATIONS if m.source == version), None)
        if step is None:
            raise LookupError(f"no declared migration from schema {version}")
        steps.append(step)
        version = step.target
    return steps
