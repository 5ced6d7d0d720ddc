"""Rank files for a query by what they sound like and what their metadata says, fused."""

from __future__ import annotations

import gc
import os
import threading
from collections import OrderedDict

import numpy as np

from soundseek.audio.decode import cut_windows, segment_for_embedding
from soundseek.embed.base import Embedder, pipeline_of, query_vector, text_vector_folder
from soundseek.errors import NotIndexed, SoundSeekError
from soundseek.index.retrieval import Retrieval
from soundseek.index.tables.filters import FileFilter
from soundseek.index.tables.records import FileRecord, FileStatus
from soundseek.index.wordindex.matches import TypedWords
from soundseek.search.confidence import SoundNull, audio_null, null_vectors
from soundseek.search.fusion import (
    TEXT_CANDIDATES,
    WINDOW_CANDIDATES,
    Explained,
    Ranked,
    SoundMatch,
    Sure,
    fused_hits,
    keep_best,
    passes,
    sound_ranked,
    text_candidates,
)
from soundseek.search.hits import NO_MODEL, NOTHING_EMBEDDED, SearchResult
from soundseek.search.query import ParsedQuery, parse_query
from soundseek.search.steer_request import NONE, Steer
from soundseek.search.vector_steering import moved_by_text, rocchio, unit_rows
from soundseek.words.query_plan import plan_query

FILTERED_WINDOWS = 4 * WINDOW_CANDIDATES  # windows fetched before a filter is applied
FILTERED_ENOUGH = 50  # files passing it that make a ranking; fewer: search its files only
SIMILAR_QUERY_WINDOWS = 16
EXTERNAL_SECONDS = 160.0  # 16 windows of an outside file are enough to describe it
QUERY_CACHE = 256


class Searcher:
    """Read-only and safe to share between threads; sound search only when the model matches
    the vectors in the index."""

    def __init__(
        self, retrieval: Retrieval, embedder: Embedder | None = None, captions: bool = True
    ) -> None:
        self.retrieval = retrieval
        self.store = retrieval.store
        self.embedder = embedder
        self.captions = captions
        self._query_vecs: OrderedDict[tuple[str, str, bool], np.ndarray] = OrderedDict()
        self._cache_lock = threading.Lock()
        self._nulls: tuple[np.ndarray | None, dict[bool, SoundNull]] = (None, {})

    # -- public -------------------------------------------------------------------------------
    def warm(self) -> None:
        """Load what the first query would (the thesaurus's UCS explanations, the word index's
        tables, the window cache's maps) while the library opens, not on a keystroke; then
        keep the garbage collector off what is loaded."""
        plan_query(["soundseek"], [], [], self.retrieval.words())
        self.retrieval.cache_current()
        self.retrieval.background_sample()
        # Everything loaded so far (modules, the UCS catalog, the thesaurus: ~150k objects)
        # lives as long as the process. Frozen, the collector stops walking it: a full
        # collection cost ~150 ms here, landing on a random keystroke's search.
        gc.freeze()

    def sound_available(self) -> str | None:
        """None when sound search works, else the reason it does not."""
        info = self.store.info
        if self.embedder is None:
            return NO_MODEL
        if not info.model_id:
            return NOTHING_EMBEDDED
        space, _ = pipeline_of(self.embedder)
        if not self.store.vectors_match(self.embedder.model_id, self.embedder.dim, space):
            return (
                f"the index holds vectors of {info.model_id!r}, not "
                f"{self.embedder.model_id!r}: run `soundseek index` to re-embed "
                "(metadata search only)"
            )
        return None

    def search(
        self, raw: str, limit: int = 50, sound: bool = True, steer: Steer = NONE
    ) -> SearchResult:
        """A typed query, parsed here (the application parses once, in search.routing, and
        calls `search_query`)."""
        return self.search_query(parse_query(raw), limit, sound, steer)

    def search_query(
        self, q: ParsedQuery, limit: int = 50, sound: bool = True, steer: Steer = NONE
    ) -> SearchResult:
        """The full way, in stages: the word side (or the filters alone), then, when the
        model can listen, the sound side, fused into hits. `sound=False`: by metadata only (a
        library whose vectors are another model's). `-word` also pushes the sound query away
        from the word; `steer.good/bad` move it toward / away from marked files (relevance
        feedback)."""
        if q.empty:
            return SearchResult([])
        flt = q.file_filter()
        text, explained = self._text_ranked(q, flt, limit)
        reason = self.sound_available() if sound and q.text else ""
        if reason is not None:  # "": not asked to listen, or nothing to listen for
            notes = [reason] if reason else []
            sure = Sure(None, q.word_count, filters_only=not q.text)
            hits = fused_hits([text], limit, explained, {}, sure, steer.bad)
            return SearchResult(hits, notes)
        minus = " ".join(q.excludes)  # -word pushes the sound away too
        vecs = self._steered(self._query_vector(q.text)[None, :], "", minus, steer)
        heard, recs = self._sound_matches(vecs, flt)
        sure = Sure(self._sound_null(vecs, by_audio=False), q.word_count)
        lists = [text, sound_ranked(recs, heard, q)]
        return SearchResult(fused_hits(lists, limit, explained, heard, sure, steer.bad), [])

    def similar(
        self, path: str, at: float | None = None, limit: int = 50, raw: str = "",
        steer: Steer = NONE,
    ) -> SearchResult:  # fmt: skip
        """Files that sound like a library file (or the window of it at `at` seconds)."""
        vecs, exclude = self.reference(path, at)
        return self.similar_vectors(vecs, raw, limit, exclude, steer)

    def reference(self, path: str, at: float | None = None) -> tuple[np.ndarray, tuple[str, str]]:
        """A library file's stored query vectors (all of it, or its window at `at`) and its
        key; NotIndexed when this index has no vectors for it."""
        rec = self.store.record_at(os.path.abspath(path))
        if rec is None or rec.status is not FileStatus.INDEXED:
            state = rec.status.value if rec else "not in the library"
            raise NotIndexed(f"{path} has no sound vectors yet ({state}); index it first")
        wins = self.store.windows.of(rec.content_hash)
        if at is not None:
            wins = [min(wins, key=lambda w: 0 if w.start <= at < w.end else abs(w.start - at))]
        elif len(wins) > SIMILAR_QUERY_WINDOWS:
            pick = np.linspace(0, len(wins) - 1, SIMILAR_QUERY_WINDOWS).round().astype(int)
            wins = [wins[i] for i in pick]
        vecs = np.stack([w.vector for w in wins]).astype(np.float32)
        return vecs, (rec.root_id, rec.relpath)

    def similar_file(
        self, path: str, at: float | None = None, limit: int = 50, raw: str = "",
        steer: Steer = NONE,
    ) -> SearchResult:  # fmt: skip
        """A library file by its stored vectors; any other audio file by listening to it."""
        try:
            return self.similar(path, at, limit, raw, steer)
        except NotIndexed:
            if self.embedder is None or not os.path.isfile(path):
                raise
        start = at or 0.0
        return self.similar_audio(segment_for_embedding(path, start, start + EXTERNAL_SECONDS),
                                  limit, raw, steer)  # fmt: skip

    def similar_audio(
        self, samples_48k: np.ndarray, limit: int = 50, raw: str = "", steer: Steer = NONE
    ) -> SearchResult:
        """Files that sound like a piece of audio (a selected region, a dropped file)."""
        return self.similar_vectors(self.audio_vectors(samples_48k), raw, limit, None, steer)

    def audio_vectors(self, samples_48k: np.ndarray) -> np.ndarray:
        """Query vectors of a piece of audio (up to 16 windows of it)."""
        reason = self.sound_available()
        if reason:
            raise SoundSeekError(reason)
        windows = [w.samples for w in cut_windows([samples_48k])][:SIMILAR_QUERY_WINDOWS]
        return self.embedder.embed_audio(windows)

    # -- the two ranked lists -------------------------------------------------------------------
    def _query_vector(self, text: str) -> np.ndarray:
        """Text encoder results are cached: typing back and forth re-asks the same queries."""
        key = (self.embedder.model_id, text, self.captions)
        with self._cache_lock:
            if key in self._query_vecs:
                self._query_vecs.move_to_end(key)
                return self._query_vecs[key]
        vec = query_vector(self.embedder, text, self.captions)
        with self._cache_lock:
            self._query_vecs[key] = vec
            if len(self._query_vecs) > QUERY_CACHE:
                self._query_vecs.popitem(last=False)
        return vec

    def _text_ranked(self, q: ParsedQuery, flt: FileFilter, limit: int) -> tuple[Ranked, Explained]:
        """By words (thesaurus, compounds, typos: see soundseek.words), or by filters alone;
        with, per file, how its words matched."""
        if not q.text:  # filters alone: every file that passes them, up to `limit`
            browsed = self.retrieval.browse(flt, max(TEXT_CANDIDATES, limit))
            return [(r, 0.0) for r in browsed if passes(r, q)], {}
        typed = TypedWords(q.words, q.phrases, q.excludes)
        found = self.retrieval.word_search(typed, flt, text_candidates(limit))
        return [(h.record, h.score) for h in found], {h.record.key: h for h in found}

    def _sound_matches(
        self, vecs: np.ndarray, flt: FileFilter
    ) -> tuple[dict[str, SoundMatch], list[FileRecord]]:
        """Best window per content over all query vectors (max similarity), with the records
        of those contents that pass the filters. With filters, the best windows of all are
        filtered first (no count or hash list of the filter, which costs a table scan), best
        first and a page at a time, until as many contents pass as an unfiltered search
        ranks; only when too few pass is the search narrowed to the filter's own files
        (exact among their windows, so none is missed)."""
        if flt.narrows:
            wide = self._best_windows(vecs, FILTERED_WINDOWS, None)
            order = sorted(wide, key=lambda h: (-wide[h].sim, h))
            recs = self.retrieval.records_by_hash(order, flt, enough=WINDOW_CANDIDATES)
            if len({r.content_hash for r in recs}) >= FILTERED_ENOUGH:
                return {r.content_hash: wide[r.content_hash] for r in recs}, recs
            restrict = self.retrieval.hashes_matching(flt) or ["-"]
            best = self._best_windows(vecs, WINDOW_CANDIDATES, restrict)
        else:
            best = self._best_windows(vecs, WINDOW_CANDIDATES, None)
        return best, self.retrieval.records_by_hash(list(best), flt)

    def _best_windows(
        self, vecs: np.ndarray, k: int, restrict: list[str] | None
    ) -> dict[str, SoundMatch]:
        best: dict[str, SoundMatch] = {}
        for vec in vecs:
            keep_best(best, self.retrieval.window_search(vec, k, restrict))
        return best

    def similar_vectors(
        self, vecs: np.ndarray, raw: str, limit: int, exclude: tuple[str, str] | None,
        steer: Steer = NONE,
    ) -> SearchResult:  # fmt: skip
        """Sound-alikes of query vectors, moved by `steer`; its `plus` words also rank files
        by their metadata, fused as in a text search."""
        q = parse_query(raw)
        flt = q.file_filter()
        vecs = self._steered(vecs, steer.plus, steer.minus, steer)
        sound, recs = self._sound_matches(vecs, flt)
        ranked = sound_ranked(recs, sound, q, exclude)
        text, explained = [], {}
        words = parse_query(f"{steer.plus} {raw}")
        if words.text:
            text, explained = self._text_ranked(words, flt, limit)
            text = [(r, s) for r, s in text if (r.root_id, r.relpath) != exclude]
        sure = Sure(self._sound_null(vecs, by_audio=True), words.word_count)
        return SearchResult(fused_hits([text, ranked], limit, explained, sound, sure, steer.bad))

    # -- moving the sound query ---------------------------------------------------------------
    def _steered(self, vecs: np.ndarray, plus: str, minus: str, steer: Steer) -> np.ndarray:
        """Query vectors moved by a text change (toward `plus`, away from `minus`) and by
        feedback, `steer`'s files marked good and bad (see search.vector_steering)."""
        if (plus.strip() or minus.strip()) and self.embedder is not None:
            vecs = moved_by_text(vecs, self._query_vector, plus, minus)
        if steer.good or steer.bad:
            vecs = rocchio(vecs, self._file_vectors(steer.good), self._file_vectors(steer.bad))
        return vecs

    def _file_vectors(self, paths: tuple[str, ...]) -> np.ndarray | None:
        """One unit vector per marked file of this library (the mean of its windows)."""
        found = []
        for p in paths:
            try:
                found.append(unit_rows(self.reference(p)[0].mean(axis=0)))
            except NotIndexed:
                continue
        return np.stack(found) if found else None

    # -- confidence ---------------------------------------------------------------------------
    def _sound_null(self, vecs: np.ndarray, by_audio: bool):
        """sim → confidence for these query vectors against this library's null (text
        queries: unrelated texts; sound-alikes: random library windows); None when the
        library has no windows to measure it on."""
        sample = self.retrieval.background_sample()
        if sample is None or not len(sample):
            return None
        of, nulls = self._nulls
        if of is not sample:  # the sample is redrawn when the windows change
            nulls = {}
            self._nulls = (sample, nulls)
        if by_audio not in nulls:
            nulls[by_audio] = (
                audio_null(sample) if by_audio else SoundNull(sample, self._null_texts())
            )
        return nulls[by_audio].for_query(vecs)

    def _null_texts(self) -> np.ndarray:
        return null_text_vectors(self.embedder, self.store.place.cache_dir)


def null_text_vectors(embedder: Embedder, cache_dir) -> np.ndarray:
    """The library null's text vectors for this model (search.confidence): read from the
    cache folder, or encoded once and kept there (an index run makes them, so that a search
    does not wait for them)."""
    space, _ = pipeline_of(embedder)
    return null_vectors(cache_dir, space, embedder.embed_text, text_vector_folder(embedder))
