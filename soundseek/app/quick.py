"""The shell's instant paths: metadata search and "does the index hold vectors" without
importing LanceDB or torch (see soundseek.search.quick)."""

from __future__ import annotations

from soundseek.index.info import InfoFile
from soundseek.index.place import Place
from soundseek.index.registry import RootRegistry
from soundseek.index.words import existing_words
from soundseek.search.hits import NO_MODEL, NOTHING_EMBEDDED, SearchResult
from soundseek.search.query import parse_query


def quick_search(
    place: Place, registry: RootRegistry, query: str, limit: int, model_installed: bool
) -> SearchResult | None:
    """The answer from the word index alone, or None when it needs the full searcher."""
    from soundseek.search import quick

    words = existing_words(place.cache_dir)
    if words is None:
        return None
    try:
        why = NOTHING_EMBEDDED if model_installed and not index_has_vectors(place) else NO_MODEL
        notes = [why] if parse_query(query).text else []
        return quick.quick_search(words, registry.by_id(), query, limit, notes)
    finally:
        words.close()


def index_has_vectors(place: Place) -> bool:
    return bool(InfoFile(place.doc("store.json"), place.uri).read().model_id)
