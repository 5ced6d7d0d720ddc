"""The word index: field-weighted BM25 over analysed words (SQLite FTS5), with each file's
record beside it.

Why not LanceDB's full-text index: it has one stemmer for everything (engine = engineer), no
field weights, and importing LanceDB alone costs ~2.7 s on a laptop, so a shell search
could never be instant. SQLite ships with Python, opens in milliseconds, and FTS5 ranks by
BM25 with a weight per column. The file is derived from the files table: stamped with the
table version it reflects and with the analyser version, rebuilt when either differs, and
updated in step by the one writer.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import fields
from pathlib import Path

from soundseek.index.records import FileKey, FileRecord, FileStatus
from soundseek.index.wordhits import COLUMNS, WordMatch, field_texts
from soundseek.metadata.text import words
from soundseek.words.analysis import (
    compound_parts,
    dictionary_lemma,
    dictionary_rows,
    in_dictionary,
    index_terms,
)
from soundseek.words.plan import Alternative, WordGroup
from soundseek.words.thesaurus import lemma_digest, thesaurus_words

WORDS_FILE = "words.sqlite"  # in the place's cache folder: derived, rebuilt when missing
ANALYZER_VERSION = "4"  # bump when stored terms change: every word index rebuilds
# Name and what people wrote above where a file lies; a piece of a word last.
WEIGHTS = (3.0, 2.0, 2.0, 2.0, 1.5, 1.0, 0.7, 0.5)
COVERAGE = 0.5  # a file matching half the query words keeps 75% of its score
_RECORD_FIELDS = tuple(f.name for f in fields(FileRecord) if f.name != "root")


def existing_words(folder: Path) -> WordIndex | None:
    """The word index in a folder if one was ever filled (None: none yet, or another
    analyser's, which the store rebuilds)."""
    path = folder / WORDS_FILE
    if not path.exists():
        return None
    words = WordIndex(path)
    if words.stamp() is None:
        words.close()
        return None
    return words


class WordIndex:
    """One SQLite file; safe to share between threads (one connection behind a lock)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.RLock()
        self._con = sqlite3.connect(path, timeout=30, check_same_thread=False)
        self._con.execute("PRAGMA journal_mode=WAL")
        self._con.execute("PRAGMA synchronous=NORMAL")
        self._vocab: tuple[str, list[str]] | None = None
        self._lexicon: dict[str, tuple[str, bool]] = {}
        self._learned: set[str] | None = None  # the writer's view of the lexicon table
        self._ensure_schema()

    def close(self) -> None:
        with self._lock:
            self._con.close()

    def _ensure_schema(self) -> None:
        """Create the tables (or drop another analyser's). Only when needed: a write here
        would wait for a writer's long rebuild, and readers must not."""
        version = f"{ANALYZER_VERSION}:{lemma_digest()}"
        if self._meta("analyzer") == version:
            return
        with self._lock, self._con:
            if self._meta("analyzer") not in (None, version):
                self._con.executescript(
                    "DROP TABLE IF EXISTS terms_vocab; DROP TABLE IF EXISTS terms;"
                    "DROP TABLE IF EXISTS docs; DROP TABLE IF EXISTS lexicon; DELETE FROM meta;"
                )
            cols = ", ".join(COLUMNS)
            self._con.executescript(
                "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);"
                "CREATE TABLE IF NOT EXISTS docs (id INTEGER PRIMARY KEY, root_id TEXT, "
                "relpath TEXT, content_hash TEXT, record TEXT, UNIQUE (root_id, relpath));"
                "CREATE INDEX IF NOT EXISTS docs_by_content ON docs (content_hash);"
                f"CREATE VIRTUAL TABLE IF NOT EXISTS terms USING fts5({cols}, "
                "tokenize = 'unicode61 remove_diacritics 2');"
                "CREATE VIRTUAL TABLE IF NOT EXISTS terms_vocab USING fts5vocab(terms, 'row');"
                "CREATE TABLE IF NOT EXISTS lexicon (word TEXT PRIMARY KEY, lemma TEXT, "
                "known INTEGER) WITHOUT ROWID;"
            )
            self._con.executemany("INSERT OR IGNORE INTO lexicon VALUES (?, ?, 1)",
                                  dictionary_rows())  # fmt: skip
            self._learn(thesaurus_words())
            self._con.execute("INSERT OR IGNORE INTO meta VALUES ('analyzer', ?)", (version,))

    # -- freshness ----------------------------------------------------------------------------
    def _meta(self, key: str) -> str | None:
        try:
            row = self._con.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        except sqlite3.OperationalError:  # no meta table yet
            return None
        return row[0] if row else None

    def stamp(self) -> str | None:
        """The files-table version this index reflects (None: never filled)."""
        with self._lock:
            return self._meta("stamp")

    def mark(self, stamp: str) -> None:
        """The files table moved to `stamp` without changing rows (compaction, indexes)."""
        with self._lock, self._con:
            self._set_stamp(stamp)

    def _set_stamp(self, stamp: str) -> None:
        self._con.execute("INSERT OR REPLACE INTO meta VALUES ('stamp', ?)", (stamp,))

    # -- writes (in step with the files table) ------------------------------------------------
    def replace_all(self, batches: Iterable[list[FileRecord]], stamp: str) -> int:
        """Rebuild from every stored record, in one transaction (readers see old or new)."""
        n = 0
        with self._lock, self._con:
            self._con.execute("DELETE FROM docs")
            self._con.execute("DELETE FROM terms")
            for batch in batches:
                self._insert(batch)
                n += len(batch)
            self._set_stamp(stamp)
        self._vocab = None
        return n

    def put(self, records: list[FileRecord], stamp: str) -> None:
        with self._lock, self._con:
            self._delete([r.key for r in records])
            self._insert(records)
            self._set_stamp(stamp)
        self._vocab = None

    def delete(self, keys: list[FileKey], stamp: str) -> None:
        with self._lock, self._con:
            self._delete(keys)
            self._set_stamp(stamp)
        self._vocab = None

    def _delete(self, keys: list[FileKey]) -> None:
        ids = [
            row[0]
            for k in keys
            for row in self._con.execute(
                "SELECT id FROM docs WHERE root_id = ? AND relpath = ?", (k.root_id, k.relpath)
            )
        ]
        self._con.executemany("DELETE FROM docs WHERE id = ?", [(i,) for i in ids])
        self._con.executemany("DELETE FROM terms WHERE rowid = ?", [(i,) for i in ids])

    def _learn(self, found: set[str]) -> None:
        """Record the lemmas of words the dictionary lacks (run-together names, jargon)."""
        if self._learned is None:
            self._learned = {r[0] for r in self._con.execute("SELECT word FROM lexicon")}
        rows = [(w, dictionary_lemma(w), int(in_dictionary(w)))
                for w in found if w.isalpha() and w not in self._learned]  # fmt: skip
        if rows:
            self._con.executemany("INSERT OR IGNORE INTO lexicon VALUES (?, ?, ?)", rows)
            self._learned.update(r[0] for r in rows)

    def lookup(self, word: str) -> tuple[str, bool]:
        """(lemma, in the dictionary): the lexicon holds the whole dictionary and the
        library's own words, so a word it lacks is an unknown word, its own lemma."""
        if word not in self._lexicon:
            with self._lock:
                row = self._con.execute(
                    "SELECT lemma, known FROM lexicon WHERE word = ?", (word,)
                ).fetchone()
            self._lexicon[word] = (row[0], bool(row[1])) if row else (word, False)
        return self._lexicon[word]

    def _insert(self, records: list[FileRecord]) -> None:
        self._learn({w for rec in records for t in field_texts(rec) for w in words(t)})
        for rec in records:
            cur = self._con.execute(
                "INSERT INTO docs (root_id, relpath, content_hash, record) VALUES (?, ?, ?, ?)",
                (rec.root_id, rec.relpath, rec.content_hash, _payload(rec)),
            )
            texts = field_texts(rec)
            parts = " ".join(p for t in texts for p in compound_parts(t))
            terms = [*(" ".join(index_terms(t)) for t in texts), parts]
            self._con.execute(
                f"INSERT INTO terms (rowid, {', '.join(COLUMNS)}) VALUES (?{', ?' * len(COLUMNS)})",
                (cur.lastrowid, *terms),
            )

    # -- reads --------------------------------------------------------------------------------
    def _vocabulary(self) -> list[str]:
        with self._lock:
            stamp = self._meta("stamp") or ""
            if self._vocab is None or self._vocab[0] != stamp:
                self._vocab = (
                    stamp,
                    [r[0] for r in self._con.execute("SELECT term FROM terms_vocab")],
                )
            return self._vocab[1]

    def known(self, term: str) -> bool:
        """Whether any file holds the term (in any column); one indexed lookup, so a query
        need not load the whole vocabulary (~0.1 s at 100k files) unless it has a typo."""
        with self._lock:
            row = self._con.execute("SELECT 1 FROM terms_vocab WHERE term = ?", (term,)).fetchone()
        return row is not None

    def nearby(self, term: str, edits: int) -> list[str]:
        """Terms of the library within `edits` edits (a swap of two letters is one)."""
        from rapidfuzz import process
        from rapidfuzz.distance import OSA

        found = process.extract(term, self._vocabulary(), scorer=OSA.distance,
                                score_cutoff=edits, limit=5)  # fmt: skip
        return [t for t, _, _ in found if abs(len(t) - len(term)) <= edits and t != term]

    def search(self, groups: list[WordGroup], excluded: list[tuple[str, ...]]) -> list[WordMatch]:
        """Every file matching the query words, best first: per word its best alternative's
        weighted BM25, summed, scaled down for words it lacks; files holding an excluded
        phrase or lacking a quoted one are left out."""
        found: dict[int, WordMatch] = {}
        required: list[set[int]] = []
        with self._lock:
            for g in groups:
                hit_here = self._group(g, found)
                if g.required:
                    required.append(hit_here)
            banned = set().union(*(self._match(t) for t in excluded)) if excluded else set()
        n = max(1, len(groups))
        out = []
        for doc, m in found.items():
            if doc in banned or any(doc not in r for r in required):
                continue
            m.score *= 1.0 - COVERAGE + COVERAGE * len(m.matched) / n
            out.append(m)
        out.sort(key=lambda m: (-m.score, m.doc))
        return out

    def _group(self, g: WordGroup, found: dict[int, WordMatch]) -> set[int]:
        best: dict[int, tuple[float, Alternative]] = {}
        for alt in g.alternatives:
            for doc, bm25 in self._scored(alt.terms):
                s = alt.weight * bm25
                if doc not in best or s > best[doc][0]:
                    best[doc] = (s, alt)
        for doc, (s, alt) in best.items():
            m = found.setdefault(doc, WordMatch(doc, 0.0, {}))
            m.score += s
            m.matched[g.word] = alt
        return set(best)

    def _scored(self, terms: tuple[str, ...]) -> list[tuple[int, float]]:
        weights = ", ".join(str(w) for w in WEIGHTS)
        rows = self._con.execute(
            f"SELECT rowid, -bm25(terms, {weights}) FROM terms WHERE terms MATCH ?",
            (_phrase(terms),),
        )
        return [(doc, score) for doc, score in rows]

    def _match(self, terms: tuple[str, ...]) -> set[int]:
        rows = self._con.execute("SELECT rowid FROM terms WHERE terms MATCH ?", (_phrase(terms),))
        return {r[0] for r in rows}

    def records(self, docs: list[int]) -> dict[int, FileRecord]:
        """The records of some files as last written (their `root` not attached)."""
        out: dict[int, FileRecord] = {}
        with self._lock:
            for i in range(0, len(docs), 500):
                part = docs[i : i + 500]
                marks = ", ".join("?" * len(part))
                rows = self._con.execute(f"SELECT id, record FROM docs WHERE id IN ({marks})", part)
                out.update((doc, _record(payload)) for doc, payload in rows)
        return out

    def records_by_hash(self, hashes: list[str]) -> list[FileRecord]:
        """Every file of some contents, as last written (their `root` not attached)."""
        out: list[FileRecord] = []
        with self._lock:
            for i in range(0, len(hashes), 500):
                part = hashes[i : i + 500]
                marks = ", ".join("?" * len(part))
                rows = self._con.execute(
                    f"SELECT record FROM docs WHERE content_hash IN ({marks})", part
                )
                out.extend(_record(payload) for (payload,) in rows)
        return out

    def field_terms(self, doc: int) -> dict[str, str]:
        """The stored words of one file per column (to say where a word matched)."""
        with self._lock:
            row = self._con.execute(
                f"SELECT {', '.join(COLUMNS)} FROM terms WHERE rowid = ?", (doc,)
            ).fetchone()
        return dict(zip(COLUMNS, row or [""] * len(COLUMNS), strict=True))

    def count(self) -> int:
        with self._lock:
            return self._con.execute("SELECT count(*) FROM docs").fetchone()[0]


def _phrase(terms: tuple[str, ...]) -> str:
    """An FTS5 phrase of lemmas (quoted: no word is read as an operator)."""
    return '"' + " ".join(terms).replace('"', '""') + '"'


def _payload(rec: FileRecord) -> str:
    row = {k: getattr(rec, k) for k in _RECORD_FIELDS}
    row["status"] = FileStatus(rec.status).value
    return json.dumps(row, ensure_ascii=False, separators=(",", ":"))


def _record(payload: str) -> FileRecord:
    row = json.loads(payload)
    row["status"] = FileStatus(row["status"])
    return FileRecord(**{k: v for k, v in row.items() if k in _RECORD_FIELDS})
