"""Rank files for a query by what they sound like and what their metadata says, fused."""

from __future__ import annotations

import os
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field

import numpy as np

from soundseek.core.audio import cut_windows, segment_for_embedding
from soundseek.core.embedder import Embedder, query_vector
from soundseek.core.errors import SoundSeekError
from soundseek.core.query import ParsedQuery, filter_sql, parse_query
from soundseek.core.store import FILES, WINDOWS, Store, chunks, sql_in, sql_str
from soundseek.core.ucs import words
from soundseek.core.vectors import WindowMatrix

RRF_K = 60
TEXT_CANDIDATES = 400
WINDOW_CANDIDATES = 200
PREFILTER_MAX_FILES = 2000
NPROBES = 32  # benchmarks/bench_search.py --sweep: recall is set by refine, not nprobes
REFINE_FACTOR = 10
BACKGROUND_SAMPLE = 4096
SIMILAR_QUERY_WINDOWS = 16
SIM_TOLERANCE = 1e-4
EXTERNAL_SECONDS = 160.0  # 16 windows of an outside file are enough to describe it
QUERY_CACHE = 256
MATCH_FIELDS = (
    "filename",
    "description",
    "keywords",
    "category",
    "subcategory",
    "folder",
    "library",
)


@dataclass
class Hit:
    """One ranked file, with why it ranked and where inside it the sound matched."""

    path: str
    rank: int
    score: float
    sound: float | None
    start: float | None
    end: float | None
    matched: list[str]
    file: dict = field(repr=False)

    def to_json(self) -> dict:
        keep = ("duration", "samplerate", "channels", "bit_depth", "format", "catid", "category",
                "subcategory", "description", "keywords", "library")  # fmt: skip
        return {
            "path": self.path, "rank": self.rank, "score": round(self.score, 4),
            "sound": None if self.sound is None else round(self.sound, 4),
            "start": self.start, "end": self.end, "matched": self.matched,
            **{k: self.file.get(k) for k in keep},
        }  # fmt: skip


@dataclass
class SearchResult:
    hits: list[Hit]
    notes: list[str] = field(default_factory=list)


@dataclass
class _SoundMatch:
    sim: float
    start: float
    end: float


class Searcher:
    """Read-only: queries a Store; sound search only when the model matches the index."""

    def __init__(self, store: Store, embedder: Embedder | None = None, captions: bool = True):
        self.store = store
        self.embedder = embedder
        self.captions = captions
        self._background: tuple[int, np.ndarray] | None = None
        self._bg_cache: np.ndarray | None = None
        self.matrix = WindowMatrix()
        self._query_vecs: OrderedDict[tuple[str, str, bool], np.ndarray] = OrderedDict()

    # -- public -------------------------------------------------------------------------------
    def sound_available(self) -> str | None:
        """None when sound search works, else the reason it does not."""
        if self.embedder is None:
            return "sound search is off: no CLAP model loaded (metadata search only)"
        if not self.store.info.model_id:
            return "sound search has nothing to search yet: no file is embedded"
        if not self.store.vectors_match(self.embedder.model_id, self.embedder.dim):
            return (
                f"the index holds vectors of {self.store.info.model_id!r}, not "
                f"{self.embedder.model_id!r}: run `soundseek index` to re-embed "
                "(metadata search only)"
            )
        return None

    def search(self, raw: str, limit: int = 50) -> SearchResult:
        q = parse_query(raw)
        if q.empty:
            return SearchResult([])
        where = _where(q)
        lists: list[list[tuple[dict, float]]] = []
        text = self._text_ranked(q, where)
        lists.append(text)
        sound: dict[str, _SoundMatch] = {}
        notes = []
        reason = self.sound_available()
        if q.text and reason is None:
            vec = self._query_vector(q.text)[None, :]
            sound = self._sound_matches(vec, where)
            self.calibrate_with(vec)
            lists.append(self._sound_ranked(sound, where, q))
        elif q.text and reason:
            notes.append(reason)
        return SearchResult(self._fuse(lists, sound, q, limit), notes)

    def _query_vector(self, text: str) -> np.ndarray:
        """Text encoder results are cached: typing back and forth re-asks the same queries."""
        key = (self.embedder.model_id, text, self.captions)
        if key in self._query_vecs:
            self._query_vecs.move_to_end(key)
        else:
            self._query_vecs[key] = query_vector(self.embedder, text, self.captions)
            if len(self._query_vecs) > QUERY_CACHE:
                self._query_vecs.popitem(last=False)
        return self._query_vecs[key]

    def similar(
        self, path: str, at: float | None = None, limit: int = 50, raw: str = ""
    ) -> SearchResult:
        """Files that sound like a file (or the window of it at `at` seconds)."""
        rows = self.store.files(f"path = {sql_str(os.path.abspath(path))}")
        if not rows or rows[0]["status"] != "indexed":
            state = rows[0]["status"] if rows else "not in the library"
            raise SoundSeekError(f"{path} has no sound vectors yet ({state}); index it first")
        wins = self.store.window_vectors(rows[0]["content_hash"])
        if at is not None:
            wins = [
                min(wins, key=lambda w: 0 if w["start"] <= at < w["end"] else abs(w["start"] - at))
            ]
        elif len(wins) > SIMILAR_QUERY_WINDOWS:
            pick = np.linspace(0, len(wins) - 1, SIMILAR_QUERY_WINDOWS).round().astype(int)
            wins = [wins[i] for i in pick]
        vecs = np.stack([np.asarray(w["vector"], dtype=np.float32) for w in wins])
        return self._similar_vectors(vecs, raw, limit, exclude_path=rows[0]["path"])

    def similar_file(
        self, path: str, at: float | None = None, limit: int = 50, raw: str = ""
    ) -> SearchResult:
        """A library file by its stored vectors; any other audio file by listening to it."""
        try:
            return self.similar(path, at, limit, raw)
        except SoundSeekError:
            if self.embedder is None or not os.path.isfile(path):
                raise
        start = at or 0.0
        audio = segment_for_embedding(path, start, start + EXTERNAL_SECONDS)
        return self.similar_audio(audio, limit, raw)

    def similar_audio(
        self, samples_48k: np.ndarray, limit: int = 50, raw: str = ""
    ) -> SearchResult:
        """Files that sound like a piece of audio (a selected region, a dropped file)."""
        reason = self.sound_available()
        if reason:
            raise SoundSeekError(reason)
        windows = [w.samples for w in cut_windows([samples_48k])][:SIMILAR_QUERY_WINDOWS]
        return self._similar_vectors(self.embedder.embed_audio(windows), raw, limit, None)

    # -- the two ranked lists -------------------------------------------------------------------
    def _text_ranked(self, q: ParsedQuery, where: str) -> list[tuple[dict, float]]:
        table = self.store.table(FILES)
        if table is None:
            return []
        if q.text:
            query = table.search(q.text, query_type="fts", fts_columns="text")
        else:
            query = table.search()
        rows = query.where(where, prefilter=True).limit(TEXT_CANDIDATES).to_list()
        if not q.text:
            rows.sort(key=lambda r: r["filename"].lower())
        return [(r, float(r.get("_score", 0.0))) for r in rows if _passes(r, q)]

    def _sound_matches(self, vecs: np.ndarray, where: str) -> dict[str, _SoundMatch]:
        """Best window per content hash over all query vectors (max similarity)."""
        table = self.store.table(WINDOWS)
        exact = self.matrix.ready(table)
        restrict = self._restrict_hashes(where, limit=None if exact else PREFILTER_MAX_FILES)
        best: dict[str, _SoundMatch] = {}
        for vec in vecs:
            if exact:
                found = [self.matrix.top(vec, WINDOW_CANDIDATES, restrict)]
            else:
                found = [self._window_query(table, vec, p) for p in self._parts(restrict)]
            for rows in found:
                for r in rows:
                    sim = 1.0 - float(r["_distance"])
                    cur = best.get(r["content_hash"])
                    if cur is None or sim > cur.sim:
                        best[r["content_hash"]] = _SoundMatch(
                            sim, float(r["start"]), float(r["end"])
                        )
        return best

    @staticmethod
    def _parts(restrict: list[str] | None):
        return chunks(restrict) if restrict else [None]

    def _restrict_hashes(self, where: str, limit: int | None) -> list[str] | None:
        """With filters, search only the matching files' windows (exact, no misses)."""
        if where == _BASE_WHERE:
            return None
        if limit is not None and self.store.count(where=where) > limit:
            return None
        rows = self.store.files(where, ["content_hash"])
        return sorted({r["content_hash"] for r in rows if r["content_hash"]}) or ["-"]

    def _window_query(self, table, vec: np.ndarray, hashes: list[str] | None) -> list[dict]:
        q = table.search(vec.astype(np.float32)).distance_type("cosine")
        q = q.select(["content_hash", "start", "end", "_distance"]).limit(WINDOW_CANDIDATES)
        if hashes is not None:
            q = q.where(sql_in("content_hash", hashes), prefilter=True)
        elif self.store.has_ann():
            q = q.nprobes(NPROBES).refine_factor(REFINE_FACTOR)
        return q.to_list()

    def _sound_ranked(
        self,
        sound: dict[str, _SoundMatch],
        where: str,
        q: ParsedQuery,
        exclude_path: str | None = None,
    ) -> list[tuple[dict, float]]:
        rows = self.store.files_by_hash(list(sound), where)
        ranked = [
            (r, sound[r["content_hash"]].sim)
            for r in rows
            if r["path"] != exclude_path and _passes(r, q)
        ]
        ranked.sort(key=lambda x: (-x[1], x[0]["path"]))
        return ranked

    def _similar_vectors(
        self, vecs: np.ndarray, raw: str, limit: int, exclude_path: str | None
    ) -> SearchResult:
        q = parse_query(raw)
        where = _where(q)
        sound = self._sound_matches(vecs, where)
        self.calibrate_with(vecs)
        ranked = self._sound_ranked(sound, where, q, exclude_path)
        return SearchResult(self._fuse([[], ranked], sound, q, limit))

    # -- fusion and calibration -----------------------------------------------------------------
    def _fuse(
        self, lists: list[list[tuple[dict, float]]], sound: dict[str, _SoundMatch],
        q: ParsedQuery, limit: int,
    ) -> list[Hit]:  # fmt: skip
        """Reciprocal rank fusion; score 1.0 means first in every list that took part."""
        fused: dict[str, float] = defaultdict(float)
        rows: dict[str, dict] = {}
        active = [lst for lst in lists if lst]
        for lst in active:
            for rank, (row, _) in enumerate(lst, 1):
                fused[row["path"]] += 1.0 / (RRF_K + rank)
                rows[row["path"]] = row
        best = len(active) / (RRF_K + 1) if active else 1.0
        order = sorted(fused, key=lambda p: (-fused[p], p))[:limit]
        text_paths = {r["path"] for r, _ in lists[0]} if lists else set()
        return [
            self._hit(rows[p], i, fused[p] / best, sound, q, p in text_paths)
            for i, p in enumerate(order, 1)
        ]

    def _hit(self, row: dict, rank: int, score: float, sound, q: ParsedQuery, in_text: bool) -> Hit:
        m = sound.get(row["content_hash"])
        matched = _matched_fields(row, q) if in_text else []
        if m is not None:
            matched.append("sound")
        return Hit(
            row["path"], rank, score, self._calibrate(m.sim) if m else None,
            m.start if m else None, m.end if m else None, matched, row,
        )  # fmt: skip

    def _calibrate(self, sim: float) -> float:
        """Share of the library's windows less similar than this match (a percentile, 0..1)."""
        bg = self._bg_cache
        if bg is None or not len(bg):
            return float("nan")
        return float(np.searchsorted(bg, sim + SIM_TOLERANCE, side="right") / len(bg))

    def calibrate_with(self, query_vecs: np.ndarray) -> None:
        """Similarities of the query to a random sample of windows: the yardstick for `sound`."""
        sample = self._background_sample()
        if sample is None:
            self._bg_cache = None
            return
        self._bg_cache = np.sort((sample @ query_vecs.T).max(axis=1))

    def _background_sample(self) -> np.ndarray | None:
        """Up to 4096 window vectors, redrawn when the windows table changes version."""
        table = self.store.table(WINDOWS)
        if table is None:
            return None
        version = table.version
        if self._background is not None and self._background[0] == version:
            return self._background[1]
        rng = np.random.default_rng(0)
        if self.matrix.vecs is not None and self.matrix.version == version:
            vecs = self.matrix.vecs
            pick = rng.choice(len(vecs), size=min(len(vecs), BACKGROUND_SAMPLE), replace=False)
            sample = vecs[np.sort(pick)]
        else:
            n = table.count_rows()
            if not n:
                return None
            offsets = sorted(rng.choice(n, size=min(n, BACKGROUND_SAMPLE), replace=False).tolist())
            col = table.take_offsets(offsets).select(["vector"]).to_arrow().column(0)
            sample = np.asarray(col.to_pylist(), dtype=np.float32)
        self._background = (version, sample)
        return sample


_BASE_WHERE = "status != 'error'"


def _where(q: ParsedQuery) -> str:
    extra = filter_sql(q.filters)
    return f"{_BASE_WHERE} AND {extra}" if extra else _BASE_WHERE


def _row_words(row: dict) -> str:
    return " " + " ".join(words(row.get("text") or "")) + " "


def _passes(row: dict, q: ParsedQuery) -> bool:
    """Phrases must appear as consecutive words; excluded words must not appear at all."""
    if not (q.phrases or q.excludes):
        return True
    text = _row_words(row)
    if any(_phrase(p) not in text for p in q.phrases):
        return False
    return not any(_phrase(ex) in text for ex in q.excludes)


def _phrase(text: str) -> str:
    return " " + " ".join(words(text)) + " "


def _matched_fields(row: dict, q: ParsedQuery) -> list[str]:
    terms = [w for t in (*q.words, *q.phrases) for w in words(t)]
    out = []
    for name in MATCH_FIELDS:
        value = " ".join(words(str(row.get(name) or "")))
        if name == "folder":
            value = " ".join(words(os.path.basename(str(row.get(name) or ""))))
        if any(t[:5] in value for t in terms):
            out.append(name)
    return out
