"""One search over a shared team library and this machine's own index together.

Each library ranks its files as usual; the lists are merged by their fused scores (both are
rank fusion scores on the same scale), and a sound found in both (same audio fingerprint) is
shown once, from the library listed first. Sound search joins only libraries whose vectors
are in the same space (model, dimension, pipeline): vectors of two models never mix; such a
library is searched by its metadata and the result says so.
"""

from __future__ import annotations

import numpy as np

from soundseek.errors import NotIndexed
from soundseek.search.confidence import divide
from soundseek.search.hits import Hit, SearchResult
from soundseek.search.query import ParsedQuery, parse_query
from soundseek.search.searcher import EXTERNAL_SECONDS, Searcher
from soundseek.search.steer_request import NONE, Steer

OVERFETCH = 2  # each library returns this many times the limit before duplicates go


class CombinedSearcher:
    """The Searcher interface over several libraries; the first one is the primary."""

    def __init__(self, searchers: list[Searcher]) -> None:
        self.searchers = searchers

    @property
    def primary(self) -> Searcher:
        return self.searchers[0]

    @property
    def embedder(self):
        return self.primary.embedder

    @embedder.setter
    def embedder(self, emb) -> None:
        for s in self.searchers:
            s.embedder = emb

    @property
    def captions(self) -> bool:
        return self.primary.captions

    @captions.setter
    def captions(self, on: bool) -> None:
        for s in self.searchers:
            s.captions = on

    def sound_available(self) -> str | None:
        return self.primary.sound_available()

    def _same_space(self, s: Searcher) -> bool:
        info = self.primary.store.info
        other = s.store.info
        return (
            not other.model_id
            or (s is self.primary)
            or s.store.vectors_match(info.model_id, info.dim, info.space)
        )

    def search(self, raw: str, limit: int = 50, steer: Steer = NONE) -> SearchResult:
        return self.search_query(parse_query(raw), limit, steer=steer)

    def search_query(self, q: ParsedQuery, limit: int = 50, steer: Steer = NONE) -> SearchResult:
        """Each library's full search of the one parsed query, merged."""
        results, notes = [], []
        for s in self.searchers:
            same = self._same_space(s)
            results.append(s.search_query(q, limit * OVERFETCH, sound=same, steer=steer))
            if not same:
                notes.append(f"{s.store.place.uri} holds vectors of {s.store.info.model_id!r}: "
                         "searched by its metadata only")  # fmt: skip
        return merge(results, limit, notes)

    def similar_file(
        self, path: str, at: float | None = None, limit: int = 50, raw: str = "",
        steer: Steer = NONE,
    ) -> SearchResult:  # fmt: skip
        for s in self.searchers:
            try:
                vecs, exclude = s.reference(path, at)
            except NotIndexed:
                continue
            return self.similar_vectors(vecs, raw, limit, exclude, steer)
        if self.embedder is None:
            raise NotIndexed(f"{path} has no sound vectors in any library; index it first")
        from soundseek.audio.decode import segment_for_embedding

        start = at or 0.0
        audio = segment_for_embedding(path, start, start + EXTERNAL_SECONDS)
        return self.similar_audio(audio, limit, raw, steer)

    def similar_audio(
        self, samples_48k: np.ndarray, limit: int = 50, raw: str = "", steer: Steer = NONE
    ):
        vecs = self.primary.audio_vectors(samples_48k)
        return self.similar_vectors(vecs, raw, limit, None, steer)

    def similar_vectors(self, vecs, raw: str, limit: int, exclude, steer: Steer = NONE):
        found = [s.similar_vectors(vecs, raw, limit * OVERFETCH, exclude, steer)
                 for s in self.searchers if self._same_space(s)]  # fmt: skip
        return merge(found, limit, [])


def merge(results: list[SearchResult], limit: int, notes: list[str]) -> SearchResult:
    """Hits of several libraries by fused score (ties: the better sound match, then the
    earlier library), one per audio fingerprint, ranks renumbered, the divider redrawn."""
    pooled: list[tuple[float, float, int, int, Hit]] = []
    for lib, result in enumerate(results):
        for hit in result.hits:
            pooled.append((-hit.score, -(hit.sound or 0.0), lib, hit.rank, hit))
        notes = [*notes, *result.notes]
    pooled.sort(key=lambda t: t[:4])
    seen: set[str] = set()
    hits: list[Hit] = []
    for *_, hit in pooled:
        key = hit.file.content_hash or f"{hit.file.root_id}/{hit.file.relpath}"
        if key in seen:
            continue
        seen.add(key)
        hit.rank = len(hits) + 1
        hits.append(hit)
        if len(hits) == limit:
            break
    for hit, judged in zip(hits, divide([h.confidence for h in hits]), strict=True):
        hit.strong = judged.strong  # each library's divider, drawn again over the merged list
    return SearchResult(hits, list(dict.fromkeys(notes)))
