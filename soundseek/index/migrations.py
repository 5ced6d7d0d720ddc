"""Declared upgrades of older indexes, applied in place when a store opens.

Each migration writes its new tables beside the old ones; `store.json` then records the new
version (the commit point), and only after that are the old tables dropped. A kill at any
moment leaves either the old index, intact, or the new one.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass

from soundseek.files.roots import Root, owning_root, relpath_of
from soundseek.index.records import FileRecord, FileStatus
from soundseek.index.schema import FILES, FILES_SCHEMA, records_to_arrow

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


def _files_by_root(ctx: MigrationContext) -> str:
    """Version 1 keyed files by absolute path; version 2 by (library folder id, path inside)."""
    if FILES in ctx.table_names():  # left by an attempt that was killed: start again
        ctx.db.drop_table(FILES)
    if "files" not in ctx.table_names():
        ctx.db.create_table(FILES, schema=FILES_SCHEMA)
        return "no files to move"
    old = ctx.db.open_table("files").to_arrow().to_pylist()
    records, dropped = [], 0
    for row in old:
        rec = _v1_record(row, ctx.roots)
        if rec is None:
            dropped += 1
        else:
            records.append(rec)
    ctx.db.create_table(FILES, data=records_to_arrow(records), schema=FILES_SCHEMA)
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

MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, 2, "files are kept per library folder (folders can move)", _files_by_root,
              retire=("files",)),
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
