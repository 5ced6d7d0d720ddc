"""Bringing an older index up to SCHEMA_VERSION in place, step by declared step (migrations),
under the writer lock: a reader that finds an old index takes the lock briefly to do it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace

from soundseek.errors import StoreLocked, StoreVersionError
from soundseek.files.roots import Root
from soundseek.index.tables import migrations
from soundseek.index.tables.access import TableAccess
from soundseek.index.tables.version import SCHEMA_VERSION

log = logging.getLogger(__name__)


def upgrade_if_needed(
    tables: TableAccess, roots: list[Root], take_lock: Callable[[], object]
) -> list[str]:
    """Notes of each step applied (none when current). `take_lock()` returns the writer lock
    (anything with `release()`) for a reader; a writer already holds it."""
    if not tables.info_file.exists or tables.info.schema_version == SCHEMA_VERSION:
        return []
    if tables.writable:
        return _upgrade(tables, roots)
    try:
        lock = take_lock()
    except StoreLocked as exc:
        raise StoreLocked(
            f"The index at {tables.where} needs a one-time upgrade, but another SoundSeek "
            "process is writing it; close it and try again."
        ) from exc
    try:
        return _upgrade(tables, roots)
    finally:
        lock.release()


def _upgrade(tables: TableAccess, roots: list[Root]) -> list[str]:
    info = tables.info  # re-read under the lock: another process may have upgraded already
    if info.schema_version == SCHEMA_VERSION:
        return []
    ctx = migrations.MigrationContext(tables.db, roots, tables.names)
    notes = []
    for step in migrations.path_to(info.schema_version, SCHEMA_VERSION):
        try:
            done = step.build(ctx)
        except Exception as exc:
            raise StoreVersionError(
                f"Upgrading the index at {tables.where} from schema {step.source} failed "
                f"({exc}); the old index is untouched."
            ) from exc
        tables.info_file.write(replace(info, schema_version=step.target))
        for name in step.retire:
            if name in tables.names():
                tables.db.drop_table(name)
        notes.append(
            f"index upgraded from schema {step.source} to {step.target}: {step.summary}; {done}"
        )
        log.info(notes[-1])
    return notes
