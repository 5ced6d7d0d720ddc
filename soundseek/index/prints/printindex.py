"""The print index: every content's sound-print hashes in an inverted index on disk, and the
relations found between contents.

SQLite, in the place's cache folder (derived from the prints table, rebuilt when missing or
of another version, like the word index). Postings are a clustered WITHOUT ROWID b-tree on
(hash, item, frame): a query reads the few pages of its hashes, never the whole index, so a
million files cost disk, not memory. Items are small integers so a posting is ~12 bytes.

A query counts, per stored item, how many of its hashes agree on one time offset (the
Shazam/audfprint test); the caller checks the best candidates on the audio itself. Hashes
with very many postings (a sine's, silence's) are skipped: they would pair everything, and
reading them would make a query's cost grow with the library.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from soundseek.index.prints.relations import Relation
from soundseek.index.prints.voting import (
    Run,
    distinct,
    ranges,
    unique_rows,
)
from soundseek.index.prints.voting import (
    ranked as vote_ranking,
)
from soundseek.index.tables.querying import chunks

PRINTS_FILE = "prints.sqlite"
COMMON = 1000  # a hash with more postings than this is skipped by queries (a stop word)
SCHEMA_VERSION = 1  # PRAGMA user_version; another version is rebuilt from the prints table
_COUNTS = ("SELECT j.key, (SELECT COUNT(*) FROM (SELECT 1 FROM postings WHERE hash = j.value"
           " AND item < ? LIMIT ?)) FROM json_each(?) j")  # fmt: skip
_ROWS = ("SELECT p.hash, p.item, p.frame FROM json_each(?) j"
         " JOIN postings p ON p.hash = j.value AND p.item < ?")  # fmt: skip
MMAP_BYTES = 1 << 30

_SCHEMA = """
CREATE TABLE IF NOT EXISTS items(
    id INTEGER PRIMARY KEY, content TEXT NOT NULL UNIQUE, duration REAL NOT NULL,
    hashes INTEGER NOT NULL, stride INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS postings(
    hash INTEGER NOT NULL, item INTEGER NOT NULL, frame INTEGER NOT NULL,
    PRIMARY KEY(hash, item, frame)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS relations(
    outer_id INTEGER NOT NULL, inner_id INTEGER NOT NULL, level TEXT NOT NULL,
    offset_s REAL NOT NULL, score REAL NOT NULL,
    PRIMARY KEY(outer_id, inner_id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS relations_inner ON relations(inner_id);
CREATE TABLE IF NOT EXISTS state(key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class Item:
    """A stored content, as the matcher needs it."""

    __slots__ = ("content", "duration", "hashes", "id", "stride")

    def __init__(self, id: int, content: str, duration: float, hashes: int, stride: int):
        self.id, self.content, self.duration = id, content, duration
        self.hashes, self.stride = hashes, stride


class PrintIndex:
    """One SQLite file, one connection behind a lock (threads share it)."""

    def __init__(self, path: Path, writable: bool) -> None:
        self.path = Path(path)
        self.writable = writable
        self._lock = threading.RLock()
        if writable:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._con = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
            self._con.execute("PRAGMA journal_mode=WAL")
            self._con.execute("PRAGMA synchronous=NORMAL")
            self._ensure_schema()
        else:
            uri = f"{self.path.resolve().as_uri()}?mode=ro"
            self._con = sqlite3.connect(uri, uri=True, timeout=30, check_same_thread=False)
        self._con.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
        self._json = _has_json(self._con)

    def _ensure_schema(self) -> None:
        version = self._con.execute("PRAGMA user_version").fetchone()[0]
        if version not in (0, SCHEMA_VERSION):
            self._con.executescript(
                "DROP TABLE IF EXISTS items; DROP TABLE IF EXISTS postings;"
                "DROP TABLE IF EXISTS relations; DROP TABLE IF EXISTS state;"
            )
        self._con.executescript(_SCHEMA)
        self._con.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        self._con.commit()

    def close(self) -> None:
        with self._lock:
            self._con.close()

    # -- state ---------------------------------------------------------------------------------
    def get_state(self, key: str) -> str | None:
        with self._lock:
            row = self._con.execute("SELECT value FROM state WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def set_state(self, key: str, value: str) -> None:
        with self._lock:
            self._con.execute("INSERT OR REPLACE INTO state VALUES (?, ?)", (key, value))
            self._con.commit()

    # -- items -----------------------------------------------------------------------------------
    def count(self) -> int:
        with self._lock:
            return self._con.execute("SELECT COUNT(*) FROM items").fetchone()[0]

    def contents(self) -> list[str]:
        with self._lock:
            return [r[0] for r in self._con.execute("SELECT content FROM items")]

    def relation_count(self) -> int:
        with self._lock:
            return self._con.execute("SELECT COUNT(*) FROM relations").fetchone()[0]

    def items(self, ids: Iterable[int]) -> dict[int, Item]:
        ids = list(ids)
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        q = f"SELECT id, content, duration, hashes, stride FROM items WHERE id IN ({marks})"
        with self._lock:
            return {r[0]: Item(*r) for r in self._con.execute(q, ids)}

    def add(self, content: str, duration: float, hashes: np.ndarray, stride: int,
            relations: list[Relation]) -> None:  # fmt: skip
        """One content's postings and the relations found for it, in one transaction: a kill
        leaves the content either wholly in (matched) or out (matched again next time)."""
        rows = unique_rows(hashes)
        with self._lock, self._con:
            self._put_items([_Pending(None, content, duration, len(hashes), stride, rows,
                                      relations)])  # fmt: skip

    def _put_items(self, pending: list[_Pending]) -> None:
        """Items, their postings (one statement, in the b-tree's order) and relations, in the
        caller's transaction. A content already in is left as it is."""
        sql = ("INSERT OR IGNORE INTO items(id, content, duration, hashes, stride)"
               " VALUES (?, ?, ?, ?, ?)")  # fmt: skip
        rows, rels = [], []
        for p in pending:
            cur = self._con.execute(sql, (p.id, p.content, float(p.duration), p.count,
                                          int(p.stride)))  # fmt: skip
            if not cur.rowcount:
                continue
            u = p.rows
            rows.append(np.column_stack([u[:, 0], np.full(len(u), cur.lastrowid), u[:, 1]]))
            rels += p.relations
        if rows:
            a = np.concatenate(rows)
            self._put_postings(a[np.lexsort((a[:, 2], a[:, 1], a[:, 0]))])
        self._put_relations(rels)

    def _put_postings(self, a: np.ndarray) -> None:
        """(hash, item, frame) rows: where every field fits, packed in one integer each and
        handed over as one JSON array, which SQLite unpacks in C (executemany binds row by
        row: ~2.5x the cost)."""
        if not len(a):
            return
        h, item, t = a[:, 0], a[:, 1], a[:, 2]
        base = int(item.min())
        item = item - base
        fits = a.min() >= 0 and h.max() < 1 << 24 and t.max() < 1 << 24 and item.max() < 1 << 15
        if fits and self._json:
            packed = (h << 39) | (item << 24) | t
            self._con.execute(
                "INSERT OR IGNORE INTO postings SELECT value >> 39,"
                " ? + ((value >> 24) & 32767), value & 16777215 FROM json_each(?)",
                (base, json.dumps(packed.tolist())),
            )
        else:
            self._con.executemany("INSERT OR IGNORE INTO postings VALUES (?, ?, ?)", a.tolist())

    def _put_relations(self, relations: list[Relation]) -> None:
        for r in relations:
            self._con.execute(
                "INSERT OR REPLACE INTO relations SELECT o.id, i.id, ?, ?, ? FROM items o, items i"
                " WHERE o.content = ? AND i.content = ?",
                (r.level, float(r.offset_s), float(r.score), r.outer, r.inner),
            )

    def forget(self, contents: Iterable[str]) -> int:
        """Drop contents no file holds any more (their postings and relations)."""
        gone = 0
        contents = list(contents)
        with self._lock, self._con:
            for c in contents:
                row = self._con.execute("SELECT id FROM items WHERE content=?", (c,)).fetchone()
                if row is None:
                    continue
                (item,) = row
                hashes = self._con.execute(
                    "SELECT DISTINCT hash FROM postings WHERE item=?", (item,)
                ).fetchall()
                self._con.executemany(
                    "DELETE FROM postings WHERE hash=? AND item=?", ((h, item) for (h,) in hashes)
                )
                self._con.execute("DELETE FROM relations WHERE outer_id=? OR inner_id=?",
                                  (item, item))  # fmt: skip
                self._con.execute("DELETE FROM items WHERE id=?", (item,))
                gone += 1
        return gone

    def session(self) -> Session:
        """A writer's run of adds: its queries see what it added, its writes wait for
        `Session.flush`."""
        return Session(self)

    # -- queries ---------------------------------------------------------------------------------
    def candidates(self, hashes: np.ndarray, top: int = 12, min_agree: int = 5
                   ) -> list[tuple[Item, int, int]]:  # fmt: skip
        """(item, agreeing hashes, frame offset of the query in the item) for the items whose
        hashes agree most on one offset (+-1 frame), best first."""
        if not len(hashes):
            return []
        query = unique_rows(hashes)
        keys = distinct(query[:, 0])
        with self._lock:
            n, h, item, t = self._postings(keys)
        ranked = vote_ranking(query, keys, n, h, item, t, top, min_agree, COMMON)
        items = self.items(i for i, _ in ranked)
        return [(items[i], c, off) for i, (c, off) in ranked if i in items]

    def _postings(self, keys: np.ndarray, below: int = 1 << 62
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
        """Per key (distinct), how many postings it has of the items under `below` (counted
        up to COMMON + 1); and the (hash, item, frame) postings of the keys with 1 to COMMON.
        Two statements over a JSON array of the keys (a b-tree seek each in C), where SQLite
        has JSON; else two queries per key."""
        if not self._json:
            return self._postings_by_key(keys, below)
        todo = json.dumps(keys.tolist())
        found = self._con.execute(_COUNTS, (below, COMMON + 1, todo)).fetchall()
        counts = np.zeros(len(keys), np.int64)
        if found:
            at, n = np.asarray(found, np.int64).T
            counts[at] = n
        some = keys[(counts > 0) & (counts <= COMMON)]
        if not len(some):
            return (counts, *np.zeros((3, 0), np.int64))
        rows = self._con.execute(_ROWS, (json.dumps(some.tolist()), below)).fetchall()
        a = np.asarray(rows, np.int64).reshape(-1, 3)
        return counts, a[:, 0], a[:, 1], a[:, 2]

    def _postings_by_key(self, keys: np.ndarray, below: int
                         ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
        sql = "SELECT hash, item, frame FROM postings WHERE hash = ? AND item < ? LIMIT ?"
        counts, found = np.zeros(len(keys), np.int64), []
        for j, key in enumerate(keys.tolist()):
            rows = self._con.execute(sql, (key, below, COMMON + 1)).fetchall()
            counts[j] = len(rows)
            if len(rows) <= COMMON:
                found += rows
        a = np.asarray(found, np.int64).reshape(-1, 3)
        return counts, a[:, 0], a[:, 1], a[:, 2]

    def relations(self, contents: Iterable[str] | None = None) -> list[Relation]:
        """Every relation (None), or those touching these contents."""
        sql = ("SELECT o.content, i.content, r.level, r.offset_s, r.score FROM relations r"
               " JOIN items o ON o.id = r.outer_id JOIN items i ON i.id = r.inner_id")  # fmt: skip
        with self._lock:
            if contents is None:
                return [Relation(*row) for row in self._con.execute(sql)]
            out: dict[tuple[str, str], Relation] = {}
            for part in chunks(list(dict.fromkeys(contents)), 400):
                marks = ",".join("?" * len(part))
                q = f"{sql} WHERE o.content IN ({marks}) OR i.content IN ({marks})"
                for row in self._con.execute(q, part + part):
                    out[(row[0], row[1])] = Relation(*row)
            return list(out.values())


class Session:
    """A writer's run of adds (the index run's copy step): each content is queried against
    the index and against every content added before it in the run, and the adds are written
    together by `flush`, one transaction (a kill leaves each content wholly in or out: the
    next run matches again those that are out). The run's own postings are held in memory,
    in sorted runs merged as they grow (a log-structured merge), so a fresh library costs no
    query of the disk at all, and a content's many postings reach the b-tree in one sorted
    statement. Candidates come out exactly as `PrintIndex.candidates` would give them had
    each content been added on its own: the same postings, counts and ids (items are written
    with the ids they were given here, the ones SQLite would give them)."""

    MEMORY_ROWS = 2_000_000  # postings held before a flush lets them go (~50 MB)
    PENDING_ROWS = 500_000  # postings waiting to be written before `add` flushes them itself

    def __init__(self, index: PrintIndex) -> None:
        self._index = index
        self._pending: list[_Pending] = []
        self._pending_rows = 0
        self._unwritten: set[str] = set()
        self._last: tuple[np.ndarray, np.ndarray] | None = None
        self._rebase()

    def _rebase(self) -> None:
        """Everything added so far is on disk: queries read it there from now on."""
        con = self._index._con
        with self._index._lock:
            top = con.execute("SELECT MAX(id) FROM items").fetchone()[0]
            self._on_disk = con.execute("SELECT EXISTS(SELECT 1 FROM postings)").fetchone()[0]
        self._below = (top or 0) + 1  # items under this id are read from disk
        self._items: dict[int, Item] = {}
        self._runs: list[Run] = []
        self._held = 0  # postings in the runs

    def add(self, content: str, duration: float, hashes: np.ndarray, stride: int,
            relations: list[Relation]) -> None:  # fmt: skip
        """As `PrintIndex.add`, written by the next `flush`."""
        if content in self._unwritten or self._stored(content):
            return
        self._unwritten.add(content)
        item = Item(self._below + len(self._items), content, duration, len(hashes), stride)
        self._items[item.id] = item
        u = self._rows(hashes)
        self._pending.append(_Pending(item.id, content, duration, len(hashes), stride, u,
                                      relations))  # fmt: skip
        self._runs.append(Run(u[:, 0], np.full(len(u), item.id, np.int64), u[:, 1]))
        self._held += len(u)
        while len(self._runs) > 1 and self._runs[-2].contents <= self._runs[-1].contents:
            self._runs[-2:] = [self._runs[-2].merged(self._runs[-1])]
        self._pending_rows += len(u)
        if self._pending_rows > self.PENDING_ROWS:  # long files: a transaction of bounded size
            self.flush()

    def _rows(self, hashes: np.ndarray) -> np.ndarray:
        """The print's distinct rows, made once for its query and its add."""
        if self._last is None or self._last[0] is not hashes:
            self._last = (hashes, unique_rows(hashes))
        return self._last[1]

    def _stored(self, content: str) -> bool:
        with self._index._lock:
            q = "SELECT 1 FROM items WHERE content = ?"
            return self._index._con.execute(q, (content,)).fetchone() is not None

    def flush(self) -> None:
        """Write what was added since the last flush, in one transaction."""
        pending, self._pending = self._pending, []
        self._unwritten, self._pending_rows = set(), 0
        if pending:
            with self._index._lock, self._index._con:
                self._index._put_items(pending)
        if self._held > self.MEMORY_ROWS:
            self._rebase()

    def candidates(self, hashes: np.ndarray, top: int = 12, min_agree: int = 5
                   ) -> list[tuple[Item, int, int]]:  # fmt: skip
        """As `PrintIndex.candidates`, over the index and this run's adds."""
        if not len(hashes):
            return []
        query = self._rows(hashes)
        keys = distinct(query[:, 0])
        if self._on_disk:
            with self._index._lock:
                total, h, item, t = self._index._postings(keys, self._below)
            hs, items, ts = [h], [item], [t]
        else:
            total, hs, items, ts = np.zeros(len(keys), np.int64), [], [], []
        for run in self._runs:
            lo = np.searchsorted(run.h, keys, "left")
            n = np.searchsorted(run.h, keys, "right") - lo
            total += n
            at = ranges(lo, n)
            hs.append(run.h[at]), items.append(run.item[at]), ts.append(run.t[at])
        if not hs:
            return []
        h, item, t = (np.concatenate(x) for x in (hs, items, ts))
        ranked = vote_ranking(query, keys, total, h, item, t, top, min_agree, COMMON)
        stored = self._index.items(i for i, _ in ranked if i < self._below)
        stored.update((i, self._items[i]) for i, _ in ranked if i in self._items)
        return [(stored[i], c, off) for i, (c, off) in ranked if i in stored]


class _Pending:
    """A content to write: `id` None lets SQLite choose it; `count` hashes in the print,
    `rows` its distinct (hash, frame) rows."""

    __slots__ = ("content", "count", "duration", "id", "relations", "rows", "stride")

    def __init__(self, id: int | None, content: str, duration: float, count: int, stride: int,
                 rows: np.ndarray, relations: list[Relation]) -> None:  # fmt: skip
        self.id, self.content, self.duration, self.count = id, content, duration, count
        self.stride, self.rows, self.relations = stride, rows, relations


def _has_json(con: sqlite3.Connection) -> bool:
    try:
        con.execute("SELECT COUNT(*) FROM json_each('[1]')").fetchone()
    except sqlite3.OperationalError:  # an SQLite built without JSON
        return False
    return True
