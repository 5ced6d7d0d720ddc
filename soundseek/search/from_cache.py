"""Search straight from the word index and the window cache: no LanceDB, no torch, so
`soundseek search` in a shell answers in well under a second. Words rank exactly as the
full searcher's word side does (same plan, same index); sound reads the same window cache
(index.vectors.windowcache) with the gated ONNX text encoder (embed.textonnx). Which queries
come here is decided in search.routing (words, no tags; for sound, no filters either)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from soundseek.embed.base import query_vector, text_vector_folder
from soundseek.files.roots import Root
from soundseek.index.tables.filters import FileFilter
from soundseek.index.vectors.windowcache import WindowCache
from soundseek.index.wordindex.fts import WordIndex
from soundseek.index.wordindex.matches import TypedWords, WordHit, records_passing, top_hits
from soundseek.search.confidence import NULL_SAMPLE, SoundNull, null_vectors
from soundseek.search.fusion import (
    WINDOW_CANDIDATES,
    SoundMatch,
    Sure,
    fused_hits,
    keep_best,
    sound_ranked,
    text_candidates,
)
from soundseek.search.hits import SearchResult
from soundseek.search.query import ParsedQuery
from soundseek.search.vector_steering import moved_by_text


def instant_words(
    words: WordIndex, roots: dict[str, Root], q: ParsedQuery, limit: int, notes: list[str]
) -> SearchResult:
    """Metadata only."""
    hits = _word_hits(words, roots, q, q.file_filter(), limit)
    explained = {h.record.key: h for h in hits}
    fused = fused_hits([[(h.record, h.score) for h in hits]], limit, explained, {},
                       Sure(None, q.word_count))  # fmt: skip
    return SearchResult(fused, notes)


def instant_sound(
    words: WordIndex, roots: dict[str, Root], cache: WindowCache, encoder, q: ParsedQuery,
    limit: int, captions: bool, null_at: tuple[Path, str] | None = None,
) -> SearchResult:  # fmt: skip
    """Words and sound fused, as Searcher.search_query does; `null_at` (cache folder, model
    space): where the null texts' vectors are kept (see search.confidence)."""
    flt = q.file_filter()
    hits = _word_hits(words, roots, q, flt, limit)

    def embed(text: str) -> np.ndarray:
        return query_vector(encoder, text, captions)

    vec = embed(q.text)[None, :]
    if q.excludes:  # -word pushes the sound away too
        vec = moved_by_text(vec, embed, "", " ".join(q.excludes))
    sound: dict[str, SoundMatch] = {}
    keep_best(sound, cache.top(vec[0], WINDOW_CANDIDATES))
    ranked = sound_ranked(records_passing(words, list(sound), flt, roots), sound, q)
    explained = {h.record.key: h for h in hits}
    sure = Sure(_sound_null(cache, encoder, null_at, vec), q.word_count)
    lists = [[(h.record, h.score) for h in hits], ranked]
    return SearchResult(fused_hits(lists, limit, explained, sound, sure))


def _sound_null(cache: WindowCache, encoder, null_at, vec: np.ndarray):
    """The library's null for this query, on the same sample the full searcher draws."""
    sample = cache.sample(NULL_SAMPLE, np.random.default_rng(0))
    if sample is None or null_at is None:
        return None
    folder, space = null_at
    texts = null_vectors(folder, space, encoder.embed_text, text_vector_folder(encoder))
    return SoundNull(sample, texts).for_query(vec)


def _word_hits(
    words: WordIndex, roots: dict[str, Root], q: ParsedQuery, flt: FileFilter, limit: int
) -> list[WordHit]:
    """The word side's best files, as many as fusion can feel (see text_candidates)."""
    typed = TypedWords(q.words, q.phrases, q.excludes)
    return top_hits(words, typed, flt, roots, text_candidates(limit))
