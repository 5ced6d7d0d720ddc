"""The shell's instant paths: search and "does the index hold vectors" without importing
LanceDB or torch (see soundseek.search.from_cache; search.routing picks the way). Each returns
None when only the full way can answer; the caller then opens the library and loads the
model as usual."""

from __future__ import annotations

import logging

from soundseek.app.settings import Settings
from soundseek.index.places.place import Place
from soundseek.index.places.registry import RootRegistry
from soundseek.index.tables.info import InfoFile
from soundseek.index.wordindex.fts import existing_words
from soundseek.paths import AppPaths
from soundseek.search.hits import NO_MODEL, NOTHING_EMBEDDED, SearchResult
from soundseek.search.query import ParsedQuery

log = logging.getLogger(__name__)


def quick_search(
    place: Place, registry: RootRegistry, q: ParsedQuery, limit: int, model_installed: bool
) -> SearchResult | None:
    """Metadata only, from the word index (no model loaded)."""
    from soundseek.search.from_cache import instant_words

    words = existing_words(place.cache_dir)
    if words is None:
        return None
    try:
        why = NOTHING_EMBEDDED if model_installed and not index_has_vectors(place) else NO_MODEL
        return instant_words(words, registry.by_id(), q, limit, [why])
    finally:
        words.close()


def quick_sound_search(
    paths: AppPaths, settings: Settings, place: Place, registry: RootRegistry, q: ParsedQuery,
    limit: int,
) -> SearchResult | None:  # fmt: skip
    """Words and sound, when the window cache holds vectors of this model's space and the
    model's text tower has a gated ONNX export."""
    from soundseek.embed import models
    from soundseek.embed.backends import PipelineId, checkpoint_id
    from soundseek.embed.features import FEATURE_VERSION
    from soundseek.embed.textonnx import passed
    from soundseek.index.vectors.cachefiles import FOLDER, read_meta

    folder = models.model_dir(paths, settings.model)
    info = InfoFile(place.doc("store.json"), place.uri).read()
    snap = read_meta(place.cache_dir / FOLDER)
    if not models.is_installed(folder) or snap is None or not info.model_id:
        return None
    stamp = checkpoint_id(folder)
    space = PipelineId(settings.model, stamp, FEATURE_VERSION, "", "").space
    if not (snap.space == info.space == space and passed(folder, stamp)):
        return None
    return _sound_search(settings, place, registry, q, limit, folder, stamp, space)


def _sound_search(settings, place, registry, q, limit, folder, stamp, space):
    from soundseek.embed.textonnx import OnnxText
    from soundseek.index.vectors.windowcache import WindowCache
    from soundseek.search.from_cache import instant_sound

    words = existing_words(place.cache_dir)
    if words is None:
        return None
    try:
        encoder = OnnxText(folder, stamp, settings.torch_threads)
        cache = WindowCache.at(place.cache_dir)
        null_at = (place.cache_dir, space)
        return instant_sound(words, registry.by_id(), cache, encoder, q, limit,
                             settings.caption_prompts, null_at)  # fmt: skip
    except (OSError, ValueError) as exc:  # a half-present copy: the full way answers
        log.info("instant sound search unavailable: %s", exc)
        return None
    finally:
        words.close()


def index_has_vectors(place: Place) -> bool:
    return bool(InfoFile(place.doc("store.json"), place.uri).read().model_id)
