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

import numpy as np
import orjson

from soundseek.index.tables.records import FileKey, FileRecord, FileStatus
from soundseek.index.wordindex import lexicon, postings
from soundseek.index.wordindex.columns import COLUMNS, WordMatch, field_texts
from soundseek.index.wordindex.ranking import Ranking, best_alternative, combine
from soundseek.metadata.text import words
from soundseek.words.analysis import dictionary_lemma, in_dictionary, index_terms
from soundseek.words.compounds import compound_parts
from soundseek.words.query_plan import WordGroup
from soundseek.words.thesaurus import lemma_digest

WORDS_FILE = "words.sqlite"  # in the place's cache folder: derived, rebuilt when missing
ANALYZER_VERSION = "5"  # bump when stored terms change: every word index rebuilds
MMAP_BYTES = 1 << 30
POSTINGS_FLUSH = 2_000_000  # postings entries a rebuild holds before writing them
# Name and what people wrote above where a file lies; a piece of a word last.
WEIGHTS = (3.0, 2.0, 2.0, 2.0, 1.5, 1.0, 0.7, 0.5)
_RECORD_FIELDS = tuple(f.name for f in fields(FileRecord) if f.name != "root")
_STATUS_AT = _RECORD_FIELDS.index("status")
assert _RECORD_FIELDS[-1] == "text", "stored records are read positionally (root comes last)"


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
        # records and postings are read through the OS's page cache, not copied into a 2 MB
        # SQLite cache a page at a time (a search reads hundreds of records)
        self._con.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
        self._vocab: tuple[str, list[str]] | None = None
        self._lexicon: dict[str, tuple[str, bool]] = {}
        self._learned: set[str] = set()  # words this writer saw the lexicon hold
        self._totals_at: tuple[str | None, postings.Totals] | None = None
        self._ensure_schema()

    def close(self) -> None:
        with self._lock:
            self._con.close()

    def _ensure_schema(self) -> None:
        """Create the tables (or drop another analyser's) only when needed: a write here would
        wait for a writer's long rebuild, and readers must not."""
        version = f"{ANALYZER_VERSION}:{lemma_digest()}"
        if self._meta("analyzer") == version:
            return
        with self._lock:
            with self._con:
                _create_tables(self._con, stale=self._meta("analyzer") not in (None, version))
            if self._meta("analyzer") == version:  # another process made them meanwhile
                return
            lexicon.fill(self._con, version)
            with self._con:
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
            for table in ("docs", "terms", "postings"):
                self._con.execute(f"DELETE FROM {table}")
            pending = postings.Pending.empty()
            for batch in batches:
                self._insert(batch, pending)
                n += len(batch)
                if len(pending.docs) > POSTINGS_FLUSH:
                    postings.apply(self._con, pending, set())
                    pending = postings.Pending.empty()
            postings.apply(self._con, pending, set())
            self._con.execute("DELETE FROM meta WHERE key = 'docs'")
            self._keep_totals(self._stored_totals(), 0, 0)
            self._set_stamp(stamp)
        self._vocab = None
        return n

    def put(self, records: list[FileRecord], stamp: str, gone: Iterable[FileKey] = ()) -> None:
        """Add or replace these files (and drop the `gone` ones: renamed) in one transaction."""
        with self._lock, self._con:
            before = self._stored_totals()
            pending, touched = postings.Pending.empty(), set()
            keys = [r.key for r in records] + list(gone)
            gone_n, gone_len = self._delete(keys, pending, touched)
            added_len = self._insert(records, pending)
            postings.apply(self._con, pending, touched)
            self._keep_totals(before, len(records) - gone_n, added_len - gone_len)
            self._set_stamp(stamp)
        self._vocab = None

    def delete(self, keys: list[FileKey], stamp: str) -> None:
        with self._lock, self._con:
            before = self._stored_totals()
            pending, touched = postings.Pending.empty(), set()
            gone_n, gone_len = self._delete(keys, pending, touched)
            postings.apply(self._con, pending, touched)
            self._keep_totals(before, -gone_n, -gone_len)
            self._set_stamp(stamp)
        self._vocab = None

    def _stored_totals(self) -> tuple[int, int]:
        """(files, total weighted length): BM25's N and average length. Kept in meta by
        every write; counting them scans every file (~0.1 s at 500k files), done only for
        an index written before they were kept."""
        raw = self._meta("docs")
        if raw is not None:
            n, total = raw.split()
            return int(n), int(total)
        n, total = self._con.execute("SELECT count(*), total(len) FROM docs").fetchone()
        return int(n), int(total)

    def _keep_totals(self, before: tuple[int, int], files: int, length: int) -> None:
        value = f"{before[0] + files} {before[1] + length}"
        self._con.execute("INSERT OR REPLACE INTO meta VALUES ('docs', ?)", (value,))

    def _delete(
        self, keys: list[FileKey], pending: postings.Pending, touched: set[str]
    ) -> tuple[int, int]:
        """Remove files; returns how many and their total length."""
        found = [
            row
            for k in keys
            for row in self._con.execute(
                "SELECT id, len FROM docs WHERE root_id = ? AND relpath = ?",
                (k.root_id, k.relpath),
            )
        ]
        ids = [i for i, _ in found]
        for i in ids:  # the terms whose postings lose these files
            stored = self.field_terms(i)
            touched.update(t for text in stored.values() for t in postings.fts_tokens(text))
        pending.removed.extend(ids)
        self._con.executemany("DELETE FROM docs WHERE id = ?", [(i,) for i in ids])
        self._con.executemany("DELETE FROM terms WHERE rowid = ?", [(i,) for i in ids])
        return len(ids), sum(int(n or 0) for _, n in found)

    def _learn(self, found: set[str]) -> None:
        """Record the lemmas of words the dictionary lacks (run-together names, jargon);
        looks up only words this writer has not seen (reading all cost ~0.1 s a writer)."""
        new = [w for w in found if w.isalpha() and w not in self._learned]
        held = lexicon.held(self._con, new)
        rows = [(w, dictionary_lemma(w), int(in_dictionary(w))) for w in new if w not in held]
        if rows:
            self._con.executemany("INSERT OR IGNORE INTO lexicon VALUES (?, ?, ?)", rows)
        self._learned.update(new)

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

    def _insert(self, records: list[FileRecord], pending: postings.Pending) -> int:
        """Add files; returns their total length."""
        total = 0
        self._learn({w for rec in records for t in field_texts(rec) for w in words(t)})
        for rec in records:
            texts = field_texts(rec)
            parts = " ".join(p for t in texts for p in compound_parts(t))
            terms = [*(" ".join(index_terms(t)) for t in texts), parts]
            freq, length = postings.doc_terms(terms, WEIGHTS)
            cur = self._con.execute(
                "INSERT INTO docs (root_id, relpath, content_hash, record, len) "
                "VALUES (?, ?, ?, ?, ?)",
                (rec.root_id, rec.relpath, rec.content_hash, _payload(rec), length),
            )
            self._con.execute(
                f"INSERT INTO terms (rowid, {', '.join(COLUMNS)}) VALUES (?{', ?' * len(COLUMNS)})",
                (cur.lastrowid, *terms),
            )
            pending.add(cur.lastrowid, freq, length)
            total += int(length)
        return total

    # -- reads --------------------------------------------------------------------------------
    def _vocabulary(self) -> list[str]:
        with self._lock:
            stamp = self._meta("stamp") or ""
            if self._vocab is None or self._vocab[0] != stamp:
                self._vocab = (
                    stamp,
                    [r[0] for r in self._con.execute("SELECT term FROM postings")],
                )
            return self._vocab[1]

    def known(self, term: str) -> bool:
        """Whether any file holds the term (in any column); one primary-key lookup in the
        postings (FTS5's vocabulary table took ~7 ms a word at 500k files), so a query need
        not load the whole vocabulary unless it has a typo."""
        with self._lock:
            row = self._con.execute("SELECT 1 FROM postings WHERE term = ?", (term,)).fetchone()
        return row is not None

    def nearby(self, term: str, edits: int) -> list[str]:
        """Terms of the library within `edits` edits (a swap of two letters is one)."""
        from rapidfuzz import process
        from rapidfuzz.distance import OSA

        found = process.extract(term, self._vocabulary(), scorer=OSA.distance,
                                score_cutoff=edits, limit=5)  # fmt: skip
        return [t for t, _, _ in found if abs(len(t) - len(term)) <= edits and t != term]

    def search(
        self, groups: list[WordGroup], excluded: list[tuple[str, ...]], limit: int = -1,
        offset: int = 0,
    ) -> list[WordMatch]:  # fmt: skip
        """Files matching the query words, best first (`limit` of them from `offset`; -1:
        all). See `rank`."""
        return self.rank(groups, excluded).page(offset, limit)

    def rank(self, groups: list[WordGroup], excluded: list[tuple[str, ...]]) -> Ranking:
        """Every file matching the query words, ranked: per word its best alternative's
        weighted BM25, summed, scaled down for words it lacks; files holding an excluded
        phrase or lacking a required one are left out. Single words score from their
        postings (index.wordindex.postings), phrases through FTS5."""
        if not any(g.alternatives for g in groups):
            return Ranking(groups, [], np.zeros(0, np.int64), np.zeros(0))
        with self._lock:
            totals = self._totals()
            scored = [self._group_scores(g, totals) for g in groups]
            banned = [d for t in excluded for d in self._match(t)]
        docs, score = combine(scored, [g.required for g in groups], banned)
        return Ranking(groups, scored, docs, score)

    def _totals(self) -> postings.Totals:
        stamp = self._meta("stamp")
        if self._totals_at is None or self._totals_at[0] != stamp:
            n, tokens = self._stored_totals()
            self._totals_at = (stamp, postings.Totals(n, tokens / max(1, n)))
        return self._totals_at[1]

    def _group_scores(
        self, g: WordGroup, totals: postings.Totals
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(files sorted, score, alternative index): each file's best alternative."""
        per_alt = []
        for alt in g.alternatives:
            d, s = self._alternative(alt.terms, totals)
            per_alt.append((d, alt.weight * s))
        return best_alternative(per_alt)

    def _alternative(self, terms: tuple[str, ...], totals) -> tuple[np.ndarray, np.ndarray]:
        if len(terms) == 1 and postings.fts_tokens(terms[0]) == [terms[0]]:
            rows = postings.read(self._con, terms[0])
            return rows[0].astype(np.int64), postings.bm25(rows, totals)
        weights = ", ".join(str(w) for w in WEIGHTS)
        rows = self._con.execute(
            "SELECT rowid, -rank FROM terms WHERE terms MATCH ? AND rank MATCH ?",
            (_phrase(terms), f"bm25({weights})"),
        ).fetchall()
        arr = np.asarray(rows, np.float64).reshape(-1, 2)
        return arr[:, 0].astype(np.int64), arr[:, 1]

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


def _create_tables(con: sqlite3.Connection, stale: bool) -> None:
    """The word index's tables (the lexicon is filled by `lexicon.fill`); `stale`: another
    analyser's tables are dropped first."""
    if stale:
        con.executescript(
            "DROP TABLE IF EXISTS terms_vocab; DROP TABLE IF EXISTS terms;"
            "DROP TABLE IF EXISTS postings;"
            "DROP TABLE IF EXISTS docs; DROP TABLE IF EXISTS lexicon; DELETE FROM meta;"
        )
    cols = ", ".join(COLUMNS)
    con.executescript(
        "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);"
        "CREATE TABLE IF NOT EXISTS docs (id INTEGER PRIMARY KEY, root_id TEXT, "
        "relpath TEXT, content_hash TEXT, record TEXT, len INTEGER, "
        "UNIQUE (root_id, relpath));"
        + postings.SCHEMA
        + "CREATE INDEX IF NOT EXISTS docs_by_content ON docs (content_hash);"
        f"CREATE VIRTUAL TABLE IF NOT EXISTS terms USING fts5({cols}, "
        "tokenize = 'unicode61 remove_diacritics 2');"
        "CREATE VIRTUAL TABLE IF NOT EXISTS terms_vocab USING fts5vocab(terms, 'row');"
        + lexicon.SCHEMA
    )


def _phrase(terms: tuple[str, ...]) -> str:
    """An FTS5 phrase of lemmas (quoted: no word is read as an operator)."""
    return '"' + " ".join(terms).replace('"', '""') + '"'


_STATUS = {s.value: s for s in FileStatus}


def _payload(rec: FileRecord) -> str:
    """The record as a JSON array in field order: read back positionally (~3x faster than
    a keyed object, and a search reads hundreds)."""
    row = [getattr(rec, k) for k in _RECORD_FIELDS]
    row[_STATUS_AT] = FileStatus(rec.status).value
    return json.dumps(row, ensure_ascii=False, separators=(",", ":"))


def _record(payload: str) -> FileRecord:
    """orjson reads a record in 5 us, json in 13.5 (a filtered search reads ~1,000); json
    still reads what orjson refuses (a NaN written by json.dumps)."""
    try:
        row = orjson.loads(payload)
    except orjson.JSONDecodeError:
        row = json.loads(payload)
    row[_STATUS_AT] = _STATUS[row[_STATUS_AT]]
    return FileRecord(*row)
