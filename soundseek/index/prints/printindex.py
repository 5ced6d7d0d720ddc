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

import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from soundseek.index.prints.relations import Relation
from soundseek.index.tables.querying import chunks

PRINTS_FILE = "prints.sqlite"
SCHEMA_VERSION = 1  # PRAGMA user_version; another version is rebuilt from the prints table
COMMON = 1000  # a hash with more postings than this is skipped by queries (a stop word)
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
        with self._lock, self._con:
            cur = self._con.execute(
                "INSERT OR IGNORE INTO items(content, duration, hashes, stride) VALUES (?,?,?,?)",
                (content, float(duration), len(hashes), int(stride)),
            )
            if not cur.rowcount:
                return
            item = cur.lastrowid
            rows = np.unique(hashes, axis=0) if len(hashes) else hashes
            self._con.executemany(
                "INSERT OR IGNORE INTO postings VALUES (?, ?, ?)",
                ((int(h), item, int(t)) for h, t in rows),
            )
            self._put_relations(relations)

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

    # -- queries ---------------------------------------------------------------------------------
    def candidates(self, hashes: np.ndarray, top: int = 12, min_agree: int = 5
                   ) -> list[tuple[Item, int, int]]:  # fmt: skip
        """(item, agreeing hashes, frame offset of the query in the item) for the items whose
        hashes agree most on one offset (+-1 frame), best first."""
        if not len(hashes):
            return []
        query = np.unique(hashes, axis=0)
        found_h, found_i, found_t = [], [], []
        sql = "SELECT item, frame FROM postings WHERE hash = ? LIMIT ?"
        with self._lock:
            for key in np.unique(query[:, 0]).tolist():
                rows = self._con.execute(sql, (key, COMMON + 1)).fetchall()
                if rows and len(rows) <= COMMON:  # a hash everything has says nothing
                    a = np.asarray(rows, np.int64)
                    found_h.append(np.full(len(a), key, np.int64))
                    found_i.append(a[:, 0]), found_t.append(a[:, 1])
        if not found_h:
            return []
        return self._best(query, *(np.concatenate(x) for x in (found_h, found_i, found_t)),
                          top, min_agree)  # fmt: skip

    def _best(self, query: np.ndarray, h: np.ndarray, item: np.ndarray, t: np.ndarray,
              top: int, min_agree: int) -> list[tuple[Item, int, int]]:  # fmt: skip
        order = np.argsort(query[:, 0], kind="stable")
        qh, qt = query[order, 0], query[order, 1]
        lo, hi = np.searchsorted(qh, h, "left"), np.searchsorted(qh, h, "right")
        n = hi - lo
        rep = np.repeat(np.arange(len(h)), n)
        qi = np.repeat(lo - np.r_[0, np.cumsum(n)[:-1]], n) + np.arange(n.sum())
        best = offset_votes(item[rep], t[rep] - qt[qi], min_agree)
        ranked = sorted(best.items(), key=lambda kv: -kv[1][0])[:top]
        items = self.items(i for i, _ in ranked)
        return [(items[i], c, off) for i, (c, off) in ranked if i in items]

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


def offset_votes(items: np.ndarray, offsets: np.ndarray, min_agree: int = 1
                 ) -> dict[int, tuple[int, int]]:  # fmt: skip
    """Per item, the frame offset most of its shared hashes agree on (+-1 frame, where a
    resampled copy's peaks land) and how many agree: {item: (votes, offset)}, items with at
    least `min_agree` votes. Offsets are within +-2**20 frames."""
    key, count = np.unique(items * (1 << 22) + offsets + (1 << 20), return_counts=True)
    smooth = count.copy()
    for d in (-1, 1):
        at = np.searchsorted(key, key + d).clip(0, len(key) - 1)
        smooth += np.where(key[at] == key + d, count[at], 0)
    best: dict[int, tuple[int, int]] = {}
    for k, c in zip(key.tolist(), smooth.tolist(), strict=True):
        i = k >> 22
        if c >= min_agree and c > best.get(i, (0, 0))[0]:
            best[i] = (c, (k & ((1 << 22) - 1)) - (1 << 20))
    return best
