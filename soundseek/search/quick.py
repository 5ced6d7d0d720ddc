"""Metadata search straight from the word index: no LanceDB, no model, nothing heavy to
import, so `soundseek search` in a shell answers in well under a second. It ranks exactly as
the full searcher's word side does (same plan, same index); queries it cannot answer alone
(filters only, tags) return None and go the full way."""

from __future__ import annotations

from soundseek.files.roots import Root
from soundseek.index.words import WordIndex, top_hits
from soundseek.search.fusion import TEXT_CANDIDATES, make_hit, rrf
from soundseek.search.hits import SearchResult
from soundseek.search.query import parse_query
from soundseek.words.plan import excluded_terms, plan_words


def quick_search(
    words: WordIndex, roots: dict[str, Root], raw: str, limit: int, notes: list[str]
) -> SearchResult | None:
    q = parse_query(raw)
    if not q.text or any(f.key == "tag" for f in q.filters):
        return None
    groups = plan_words(q.words, q.phrases, words.known, words.nearby)
    found = words.search(groups, excluded_terms(q.excludes))
    hits = top_hits(words, found, q.file_filter(), roots, TEXT_CANDIDATES)
    explained = {h.record.key: h for h in hits}
    ranked = rrf([[(h.record, h.score) for h in hits]], limit)
    return SearchResult(
        [make_hit(rec, i, score, explained[rec.key]) for i, (rec, score) in enumerate(ranked, 1)],
        notes,
    )
