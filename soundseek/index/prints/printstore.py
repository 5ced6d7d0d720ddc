"""`store.prints`: each content's sound print in the prints table (it travels with the index,
shared ones included), and the print index derived from it in the cache folder, which finds
the copies. The writer adds prints with the file rows; `unmatched` says which stored prints
the print index has not taken in yet (new ones, or all of them after a rebuild)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from soundseek.index.prints.printindex import PRINTS_FILE, PrintIndex
from soundseek.index.prints.relations import Relation
from soundseek.index.tables.access import TableAccess
from soundseek.index.tables.filters import sql_in
from soundseek.index.tables.querying import chunks, unique_column
from soundseek.index.tables.schema import FILES, PRINTS, PRINTS_SCHEMA


class PrintStore:
    def __init__(self, tables: TableAccess, cache_dir: Path) -> None:
        self._tables = tables
        self._path = Path(cache_dir) / PRINTS_FILE
        self._index: PrintIndex | None = None

    def put(self, items: dict[str, bytes]) -> None:
        """Prints of contents just decoded (the writer, with their file rows)."""
        self._tables.require_writer()
        items = {k: v for k, v in items.items() if v}
        if not items:
            return
        rows = pa.table({"content_hash": list(items), "print": list(items.values())},
                        schema=PRINTS_SCHEMA)  # fmt: skip
        merge = self._tables.table(PRINTS).merge_insert("content_hash")
        merge.when_matched_update_all().when_not_matched_insert_all().execute(rows)

    def stored(self, contents: list[str]) -> dict[str, bytes]:
        t = self._tables.table(PRINTS)
        out: dict[str, bytes] = {}
        if t is None:
            return out
        for part in chunks(sorted(set(contents))):
            q = t.search().where(sql_in("content_hash", part)).limit(None).to_arrow()
            out.update(zip(q.column("content_hash").to_pylist(), q.column("print").to_pylist(),
                           strict=True))  # fmt: skip
        return out

    def index(self) -> PrintIndex | None:
        """The print index: the writer's (made if missing), or a reader's (None if none yet)."""
        if self._index is None:
            writable = self._tables.writable
            if writable or self._path.exists():
                self._index = PrintIndex(self._path, writable)
        return self._index

    def close(self) -> None:
        if self._index is not None:
            self._index.close()
            self._index = None

    def relations(self, contents: list[str] | None = None) -> list[Relation]:
        index = self.index()
        return index.relations(contents) if index is not None else []

    def stamp(self) -> tuple[str, int]:
        """Changes whenever the files or the relations do (callers cache groups by it)."""
        files = self._tables.table(FILES)
        index = self.index()
        return (str(files.version) if files is not None else "0",
                index.relation_count() if index is not None else 0)  # fmt: skip

    def unprinted(self, limit: int = 0) -> list[str]:
        """Indexed contents with no print stored (indexed before prints existed, or by a
        version that did not make them): the index run prints them, decode only."""
        files, prints = self._tables.table(FILES), self._tables.table(PRINTS)
        if files is None:
            return []
        have = (
            unique_column(prints, "content_hash")
            if prints is not None
            else pa.array([], pa.string())
        )
        every = unique_column(files, "content_hash", "status = 'indexed'")
        missing = every.filter(pc.invert(pc.is_in(every, value_set=have))).to_pylist()
        return missing[:limit] if limit else missing

    def unmatched(self, batch: int = 256) -> Iterator[dict[str, bytes]]:
        """Stored prints the print index has not taken in, a batch at a time. The writer
        first drops from the print index the contents whose prints went (their files were
        deleted: sweep_orphans dropped the prints): both sides are read once for both."""
        index, prints = self.index(), self._tables.table(PRINTS)
        if index is None or prints is None:
            return
        have = set(unique_column(prints, "content_hash").to_pylist())
        taken = set(index.contents())
        if self._tables.writable:
            index.forget(sorted(taken - have))
        for part in chunks(sorted(have - taken), batch):
            yield self.stored(part)

    def shared_contents(self) -> list[str]:
        """Contents held by two or more files (identical copies)."""
        files = self._tables.table(FILES)
        if files is None:
            return []
        col = files.search().select(["content_hash"]).limit(None).to_arrow().column(0)
        counts = pc.value_counts(col.combine_chunks())
        many = pc.greater(counts.field("counts"), 1)
        return [c for c in counts.field("values").filter(many).to_pylist() if c]


def open_reader(cache_dir: Path) -> PrintIndex | None:
    """The print index, read-only, without opening the tables (the instant search path:
    SQLite only); None when it was never made. The caller closes it."""
    path = Path(cache_dir) / PRINTS_FILE
    return PrintIndex(path, writable=False) if path.exists() else None
