"""The tables keyed by content rather than by path (windows, envelopes, tags, suggestions,
accepted categories): waveform envelopes, moving contents to new hashes, sweeping orphans."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from soundseek.index.tables.access import TableAccess
from soundseek.index.tables.filters import sql_in, sql_str
from soundseek.index.tables.querying import chunks, unique_column
from soundseek.index.tables.records import FileStatus
from soundseek.index.tables.schema import (
    CONTENT_TABLES,
    ENVELOPES,
    ENVELOPES_SCHEMA,
    FILES,
    PRINTS,
    TAGS,
    WINDOWS,
)

_INDEXED = sql_str(FileStatus.INDEXED.value)


def copy_content_rows(t, name: str, moves: dict[str, str]) -> None:
    """Add the old hashes' rows of table `t` (called `name`) under their new ones, unless the
    new one has them already (tags: per tag). Of several old hashes bound for one new hash,
    the first provides."""
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


class EnvelopeTable:
    """Each content's waveform overview (peaks), drawn before the audio is read."""

    def __init__(self, tables: TableAccess) -> None:
        self._tables = tables

    def of(self, content_hash: str) -> bytes | None:
        t = self._tables.table(ENVELOPES)
        if t is None or not content_hash:
            return None
        rows = t.search().where(f"content_hash = {sql_str(content_hash)}").limit(1).to_list()
        return rows[0]["peaks"] if rows else None

    def put(self, items: dict[str, bytes]) -> None:
        self._tables.require_writer()
        if items:
            rows = pa.table(
                {"content_hash": list(items), "peaks": list(items.values())},
                schema=ENVELOPES_SCHEMA,
            )
            merge = self._tables.table(ENVELOPES).merge_insert("content_hash")
            merge.when_matched_update_all().when_not_matched_insert_all().execute(rows)


def sweep_orphans(tables: TableAccess) -> int:
    """Drop windows/envelopes no file refers to (deleted files, killed runs). Hashes stay
    Arrow arrays: Python sets of a million files' hashes and their windows cost GBs."""
    files = tables.table(FILES)
    every = unique_column(files, "content_hash")
    live = unique_column(files, "content_hash", f"status = {_INDEXED}")
    removed = 0
    for name, keep in ((WINDOWS, live), (ENVELOPES, every), (PRINTS, every)):
        t = tables.table(name)
        if t is None or not t.count_rows():
            continue
        stored = unique_column(t, "content_hash")
        orphans = stored.filter(pc.invert(pc.is_in(stored, value_set=keep))).to_pylist()
        for part in chunks(sorted(orphans)):
            before = t.count_rows()
            t.delete(sql_in("content_hash", part))
            removed += before - t.count_rows() if name == WINDOWS else 0
    return removed


def rekey(tables: TableAccess, old_to_new: dict[str, str]) -> list[str]:
    """Move contents to new hashes; returns the new hashes. Rows are copied first, the files
    re-pointed next, old rows deleted last: a kill in between leaves copies or orphans
    (sweep_orphans clears them), never a file without its vectors. Where the new hash already
    has rows they are kept; tags are merged."""
    moves = {o: n for o, n in old_to_new.items() if o and n and o != n}
    if not moves:
        return []
    with tables.mutex:
        for name in CONTENT_TABLES:
            copy_content_rows(tables.table(name), name, moves)
        files = tables.table(FILES)
        for old, new in sorted(moves.items()):
            files.update(where=f"content_hash = {sql_str(old)}", values={"content_hash": new})
        for t in filter(None, map(tables.table, CONTENT_TABLES)):
            for part in chunks(sorted(moves)):
                t.delete(sql_in("content_hash", part))
    return sorted(set(moves.values()))
