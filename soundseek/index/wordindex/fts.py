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
from soundseek.index.wordindex import postings
from soundseek.index.wordindex.matches import COLUMNS, WordMatch, field_texts
from soundseek.metadata.text import words
from soundseek.words.analysis import (
    dictionary_lemma,
    dictionary_rows,
    in_dictionary,
    index_terms,
)
from soundseek.words.compounds import compound_parts
from soundseek.words.plan import Alternative, WordGroup
from soundseek.words.thesaurus import lemma_digest, thesaurus_words

WORDS_FILE = "words.sqlite"  # in the place's cache folder: derived, rebuilt when missing
ANALYZER_VERSION = "5"  # bump when stored terms change: every word index rebuilds
MMAP_BYTES = 1 << 30
POSTINGS_FLUSH = 2_000_000  # postings entries a rebuild holds before writing them
# Name and what people wrote above where a file lies; a piece of a word last.
WEIGHTS = (3.0, 2.0, 2.0, 2.0, 1.5, 1.0, 0.7, 0.5)
COVERAGE = 0.5  # a file matching half the query words keeps 75% of its score
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
        self._learned: set[str] | None = None  # the writer's view of the lexicon table
        self._totals_at: tuple[str | None, postings.Totals] | None = None
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
                    "DROP TABLE IF EXISTS postings;"
                    "DROP TABLE IF EXISTS docs; DROP TABLE IF EXISTS lexicon; DELETE FROM meta;"
                )
            cols = ", ".join(COLUMNS)
            self._con.executescript(
                "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);"
                "CREATE TABLE IF NOT EXISTS docs (id INTEGER PRIMARY KEY, root_id TEXT, "
                "relpath TEXT, content_hash TEXT, record TEXT, len INTEGER, "
                "UNIQUE (root_id, relpath));"
                + postings.SCHEMA
                + "CREATE INDEX IF NOT EXISTS docs_by_content ON docs (content_hash);"
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
        docs, score = _combine(scored, [g.required for g in groups], banned)
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
        docs, scores, alts = [], [], []
        for a, alt in enumerate(g.alternatives):
            d, s = self._alternative(alt.terms, totals)
            docs.append(d)
            scores.append(alt.weight * s)
            alts.append(np.full(len(d), a, np.int32))
        if not docs:
            return np.zeros(0, np.int64), np.zeros(0), np.zeros(0, np.int32)
        d, s, a = np.concatenate(docs), np.concatenate(scores), np.concatenate(alts)
        if len(docs) == 1:  # one alternative: each file once; sorted by id for lookups
            order = np.argsort(d, kind="stable")
            return d[order], s[order], a[order]
        order = np.lexsort((-s, d))
        d, s, a = d[order], s[order], a[order]
        first = np.ones(len(d), bool)
        first[1:] = d[1:] != d[:-1]
        return d[first], s[first], a[first]

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


class Ranking:
    """A word query's matches, best first; pages are cut from it without searching again,
    and only as much of it is sorted as has been asked for (a common word matches a third
    of a large library)."""

    def __init__(self, groups: list[WordGroup], scored, docs: np.ndarray, score: np.ndarray):
        self.groups, self.scored = groups, scored
        self._docs, self._score = docs, score
        self._sorted = (docs[:0], score[:0])

    def __len__(self) -> int:
        return len(self._docs)

    def page(self, offset: int, limit: int = -1) -> list[WordMatch]:
        stop = len(self._docs) if limit < 0 else min(len(self._docs), offset + limit)
        self._sort_prefix(stop)
        docs, score = self._sorted[0][offset:stop], self._sorted[1][offset:stop]
        matched: list[dict[str, Alternative]] = [{} for _ in range(len(docs))]
        for g, (gdocs, _, galt) in zip(self.groups, self.scored, strict=True):
            at = np.minimum(np.searchsorted(gdocs, docs), max(0, len(gdocs) - 1))
            found = gdocs[at] == docs if len(gdocs) else np.zeros(len(docs), bool)
            for i in np.flatnonzero(found).tolist():  # the alternative that scored, per word
                matched[i][g.word] = g.alternatives[int(galt[at[i]])]
        rows = zip(docs.tolist(), score.tolist(), matched, strict=True)
        return [WordMatch(d, s, m) for d, s, m in rows]

    def _sort_prefix(self, n: int) -> None:
        """Sort at least the best n (score descending, lower id first on ties): the files
        better than the k-th best, then of those tied with it the lowest ids, so the prefix
        is exact without sorting a whole tie (a common word in equal-length names ties
        ~160k files at 500k)."""
        have = len(self._sorted[0])
        if n <= have or have == len(self._docs):
            return
        docs, score = self._docs, self._score
        k = min(len(docs), max(n, 2 * have, 1024))
        if k < len(docs):
            neg = -score
            worst = np.partition(neg, k - 1)[k - 1]
            better, tied = np.flatnonzero(neg < worst), np.flatnonzero(neg == worst)
            need = k - len(better)
            if need < len(tied):
                tied = tied[np.argpartition(docs[tied], need - 1)[:need]]
            pick = np.concatenate([better, tied])
        else:
            pick = np.arange(len(docs))
        order = pick[np.lexsort((docs[pick], -score[pick]))]
        self._sorted = (docs[order], score[order])


def _combine(
    scored: list[tuple[np.ndarray, np.ndarray, np.ndarray]], required: list[bool], banned: list[int]
) -> tuple[np.ndarray, np.ndarray]:
    """Files and scores (unsorted): the words' scores summed, scaled by the share of words
    matched, required words enforced, banned files left out. Dense arrays over file ids:
    no sort of the (possibly hundreds of thousands of) matches."""
    present = [d for d, _, _ in scored if len(d)]
    if not present:
        return np.zeros(0, np.int64), np.zeros(0)
    size = int(max(int(d.max()) for d in present)) + 1
    total, matched = np.zeros(size), np.zeros(size, np.int32)
    keep = np.ones(size, bool)
    for (d, s, _), need in zip(scored, required, strict=True):
        total += np.bincount(d, weights=s, minlength=size)
        matched += np.bincount(d, minlength=size).astype(np.int32)
        if need:
            mask = np.zeros(size, bool)
            mask[d] = True
            keep &= mask
    ban = np.asarray(banned, np.int64)
    keep[ban[ban < size]] = False
    docs = np.flatnonzero((matched > 0) & keep)
    n = max(1, len(scored))
    return docs, total[docs] * (1.0 - COVERAGE + COVERAGE * matched[docs] / n)
