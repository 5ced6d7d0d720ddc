"""What the word index tells about a match: the file's record (filters applied, root
attached), its score, and per query word the alternative that matched and where."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from soundseek.files.roots import Root
from soundseek.index.tables.filters import FileFilter, accepts
from soundseek.index.tables.records import FileRecord
from soundseek.index.wordindex.columns import COLUMNS, WordMatch
from soundseek.index.wordindex.fts import WordIndex
from soundseek.words.query_plan import Alternative, plan_query

PASSING_PAGE = 200  # contents whose records are read at once when `enough` is asked


@dataclass
class WordHit:
    """A matched file with its record, score, and per query word the alternative that matched
    and (read when first asked: only shown hits need it) the columns it matched in."""

    record: FileRecord
    score: float
    matched: dict[str, Alternative]
    _where: Callable[[], dict[str, list[str]]]
    _columns: dict[str, list[str]] | None = None

    @property
    def columns(self) -> dict[str, list[str]]:
        if self._columns is None:
            self._columns = self._where()
        return self._columns


def records_passing(
    words: WordIndex, hashes: list[str], flt: FileFilter, roots: dict[str, Root],
    enough: int | None = None,
) -> list[FileRecord]:  # fmt: skip
    """Every file of some contents that passes the filters (tags resolved), roots attached:
    the word index's copy of the records, one SQLite lookup and no LanceDB scan. With
    `enough`, the contents (best first) are read a page at a time, stopping once that many
    passed: each record read is a decode, and a filter may pass most of them."""
    out: list[FileRecord] = []
    passing: set[str] = set()
    step = PASSING_PAGE if enough is not None else max(1, len(hashes))
    for a in range(0, len(hashes), step):
        for rec in words.records_by_hash(hashes[a : a + step]):
            if _admit(rec, flt, roots):
                out.append(rec)
                passing.add(rec.content_hash)
        if enough is not None and len(passing) >= enough:
            break
    return out


def _admit(rec: FileRecord, flt: FileFilter, roots: dict[str, Root]) -> bool:
    """Whether a record passes the filters; if so its root is attached."""
    if not accepts(rec, flt, roots):
        return False
    rec.root = roots[rec.root_id]
    return True


@dataclass(frozen=True)
class TypedWords:
    """What a query looks for in the words, as typed: words, "phrases" and -excluded words."""

    words: list[str]
    phrases: list[str]
    excludes: list[str]


def top_hits(
    words: WordIndex, typed: TypedWords, flt: FileFilter, roots: dict[str, Root], limit: int
) -> list[WordHit]:
    """The best `limit` matches of typed words (planned by words.query_plan: thesaurus, compounds,
    typos) that pass the filters (tags resolved), roots attached. Matches are fetched a page
    at a time (doubling): a filter may pass few."""
    ranking = words.rank(*plan_query(typed.words, typed.phrases, typed.excludes, words))
    out: list[WordHit] = []
    offset, step = 0, max(1, limit)
    while True:
        part = ranking.page(offset, step)
        recs = words.records([m.doc for m in part])
        for m in part:
            rec = recs.get(m.doc)
            if rec is None or not _admit(rec, flt, roots):
                continue
            out.append(WordHit(rec, m.score, m.matched, partial(_where, words, m)))
            if len(out) >= limit:
                return out
        if len(part) < step:
            return out
        offset, step = offset + step, 2 * step


def _where(words: WordIndex, m: WordMatch) -> dict[str, list[str]]:
    """Where each matched alternative's words are."""
    stored = words.field_terms(m.doc)
    out = {}
    for word, alt in m.matched.items():
        out[word] = [c for c in COLUMNS if _holds_phrase(stored[c], alt.terms)]
    return out


def _holds_phrase(column: str, terms: tuple[str, ...]) -> bool:
    return f" {' '.join(terms)} " in f" {column} "
