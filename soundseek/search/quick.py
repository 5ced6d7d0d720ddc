"""Search straight from the word index and the window cache: no LanceDB, no torch, so
`soundseek search` in a shell answers in well under a second. Words rank exactly as the
full searcher's word side does (same plan, same index); sound reads the same window cache
(index.vectors.windowcache) with the gated ONNX text encoder (embed.textonnx). Queries it
cannot answer alone (filters only, tags) return None and go the full way."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from soundseek.embed.base import query_vector
from soundseek.files.roots import Root
from soundseek.index.vectors.windowcache import WindowCache
from soundseek.index.wordindex.fts import WordIndex
from soundseek.index.wordindex.matches import WordHit, records_passing, top_hits
from soundseek.search.confidence import NULL_SAMPLE, SoundNull, null_vectors
from soundseek.search.fusion import (
    WINDOW_CANDIDATES,
    SoundMatch,
    Sure,
    hits_of,
    keep_best,
    rrf,
    sound_ranked,
    text_candidates,
)
from soundseek.search.hits import SearchResult
from soundseek.search.query import ParsedQuery, parse_query
from soundseek.search.steer import moved_by_text
from soundseek.words.query_plan import plan_query


def quick_search(
    words: WordIndex, roots: dict[str, Root], raw: str, limit: int, notes: list[str]
) -> SearchResult | None:
    """Metadata only."""
    q = parse_query(raw)
    if not _answerable(q):
        return None
    hits = _word_hits(words, roots, q, limit)
    ranked = rrf([[(h.record, h.score) for h in hits]], limit)
    explained = {h.record.key: h for h in hits}
    sure = Sure(None, len(q.words) + len(q.phrases))
    return SearchResult(hits_of(ranked, explained, {}, sure), notes)


def quick_sound_search(
    words: WordIndex, roots: dict[str, Root], cache: WindowCache, encoder, raw: str,
    limit: int, captions: bool, null_at: tuple[Path, str] | None = None,
) -> SearchResult | None:  # fmt: skip
    """Words and sound fused, as Searcher.search does; `null_at` (cache folder, model
    space): where the null texts' vectors are kept (see search.confidence)."""
    q = parse_query(raw)
    if not _answerable(q) or q.filters:  # filters narrow sound exactly only the full way
        return None
    hits = _word_hits(words, roots, q, limit)

    def embed(text: str) -> np.ndarray:
        return query_vector(encoder, text, captions)

    vec = embed(q.text)[None, :]
    if q.excludes:  # -word pushes the sound away too
        vec = moved_by_text(vec, embed, "", " ".join(q.excludes))
    sound: dict[str, SoundMatch] = {}
    keep_best(sound, cache.top(vec[0], WINDOW_CANDIDATES))
    ranked = sound_ranked(records_passing(words, list(sound), q.file_filter(), roots), sound, q)
    explained = {h.record.key: h for h in hits}
    null = _sound_null(cache, encoder, null_at, captions, vec)
    sure = Sure(null, len(q.words) + len(q.phrases))
    fused = rrf([[(h.record, h.score) for h in hits], ranked], limit)
    return SearchResult(hits_of(fused, explained, sound, sure))


def _sound_null(cache: WindowCache, encoder, null_at, captions: bool, vec: np.ndarray):
    """The library's null for this query, on the same sample the full searcher draws."""
    sample = cache.sample(NULL_SAMPLE, np.random.default_rng(0))
    if sample is None or null_at is None:
        return None
    folder, space = null_at
    return SoundNull(sample, null_vectors(folder, space, captions, encoder.embed_text)).for_query(
        vec
    )


def _answerable(q: ParsedQuery) -> bool:
    return bool(q.text) and not any(f.key == "tag" for f in q.filters)


def _word_hits(
    words: WordIndex, roots: dict[str, Root], q: ParsedQuery, limit: int
) -> list[WordHit]:
    """The word side's best files, as many as fusion can feel (see text_candidates)."""
    plan = plan_query(q.words, q.phrases, q.excludes, words)
    return top_hits(words, plan, q.file_filter(), roots, text_candidates(limit))
