"""BM25 for single words from postings blobs, in numpy: the word index's fast path.

FTS5's bm25() costs ~2 us for every file a word matches, in a loop SQLite cannot skip: a
word in a third of a million-file library costs ~60 ms before anything else happens. Here
each term keeps one row of three arrays (files, weighted frequency, file length in tokens),
so a word is one indexed read and one vectorised formula (~1 ms). Scores equal FTS5's
bm25() with the same column weights (tests/words/test_words.py holds them equal); phrases of
several words still go through FTS5, which knows positions.
"""

from __future__ import annotations

import math
import re
import sqlite3
import unicodedata
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

K1, B = 1.2, 0.75  # FTS5's bm25() constants
_TOKEN = re.compile(r"[^\W_]+")

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS postings (term TEXT PRIMARY KEY, docs BLOB, freqs BLOB, "
    "lens BLOB) WITHOUT ROWID;"
)


def fts_tokens(text: str) -> list[str]:
    """Tokens as FTS5's unicode61 tokenizer with remove_diacritics 2 makes them."""
    folded = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(c for c in folded if not unicodedata.combining(c))
    return _TOKEN.findall(plain)


def doc_terms(columns: list[str], weights: tuple[float, ...]) -> tuple[dict[str, float], int]:
    """A file's weighted frequency per term (sum of its columns' weights per occurrence)
    and its length in tokens over all columns: the two numbers bm25() reads per match."""
    freq: dict[str, float] = defaultdict(float)
    length = 0
    for text, w in zip(columns, weights, strict=True):
        tokens = fts_tokens(text)
        length += len(tokens)
        for t in tokens:
            freq[t] += w
    return freq, length


@dataclass
class Pending:
    """Postings changes of one write: files removed, (term, file, freq, length) added."""

    removed: list[int]
    terms: list[str]
    docs: list[int]
    freqs: list[float]
    lens: list[int]

    @classmethod
    def empty(cls) -> Pending:
        return cls([], [], [], [], [])

    def add(self, doc: int, freq: dict[str, float], length: int) -> None:
        for term, f in freq.items():
            self.terms.append(term)
            self.docs.append(doc)
            self.freqs.append(f)
            self.lens.append(length)


def apply(con: sqlite3.Connection, pending: Pending, touched: set[str]) -> None:
    """Rewrite the postings of every term the write touched (removed files' terms included),
    each once: its current arrays minus removed files plus added ones."""
    added: dict[str, list[int]] = defaultdict(list)
    for i, term in enumerate(pending.terms):
        added[term].append(i)
    gone = np.asarray(sorted(pending.removed), np.int64)
    docs, freqs, lens = (np.asarray(pending.docs, np.int64), np.asarray(pending.freqs, np.float32),
                         np.asarray(pending.lens, np.int32))  # fmt: skip
    rows = []
    for term in touched | set(added):
        old = read(con, term)
        keep = ~np.isin(old[0], gone) if len(gone) else slice(None)
        pick = np.asarray(added.get(term, []), np.int64)
        new = (np.concatenate([old[0][keep], docs[pick]]).astype(np.int32),
               np.concatenate([old[1][keep], freqs[pick]]).astype(np.float32),
               np.concatenate([old[2][keep], lens[pick]]).astype(np.int32))  # fmt: skip
        rows.append((term, *(a.tobytes() for a in new)))
    con.executemany("INSERT OR REPLACE INTO postings VALUES (?, ?, ?, ?)", rows)
    con.execute("DELETE FROM postings WHERE length(docs) = 0")


def read(con: sqlite3.Connection, term: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    row = con.execute("SELECT docs, freqs, lens FROM postings WHERE term = ?", (term,)).fetchone()
    if row is None:
        return np.zeros(0, np.int32), np.zeros(0, np.float32), np.zeros(0, np.int32)
    return (np.frombuffer(row[0], np.int32), np.frombuffer(row[1], np.float32),
            np.frombuffer(row[2], np.int32))  # fmt: skip


@dataclass(frozen=True)
class Totals:
    """What bm25() needs of the whole index: files and their average length in tokens."""

    docs: int
    avg_len: float


def bm25(postings: tuple[np.ndarray, np.ndarray, np.ndarray], totals: Totals) -> np.ndarray:
    """FTS5's bm25() (sign flipped: higher is better) of every file in one term's postings."""
    _, f, length = postings
    n, total = len(f), max(1, totals.docs)
    idf = math.log((total - n + 0.5) / (n + 0.5))
    idf = idf if idf > 0 else 1e-6
    norm = K1 * (1 - B + B * length.astype(np.float64) / max(totals.avg_len, 1e-9))
    return idf * (f * (K1 + 1)) / (f + norm)
