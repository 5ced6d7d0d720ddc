"""The last indexing stage: zero-shot UCS suggestions for contents embedded since last time
(all of them again after a model change; they are stored per vector space)."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator

import numpy as np

from soundseek.classify.zero_shot import UcsScorer, caption_vectors
from soundseek.embed.base import Embedder, text_vector_folder
from soundseek.index.store import Store
from soundseek.ingest.index_run import IndexProgress
from soundseek.metadata.ucs import load_catalog

COMMIT = 2048


def scorer_for(store: Store, embedder: Embedder) -> UcsScorer:
    """The catalog's text vectors for this model, computed once per model (kept beside it and
    beside the index)."""
    catalog = load_catalog()
    folders = [text_vector_folder(embedder), store.place.cache_dir]
    catids, vecs = caption_vectors(catalog, store.info.space, embedder.embed_text, folders)
    return UcsScorer(catalog, catids, vecs)


def _complete_windows(store: Store, todo: list[str]) -> Iterator[tuple[str, np.ndarray]]:
    """Each content's window vectors as soon as all of them have been read. A file's windows
    are stored together, so only a few contents are ever held half-read (gathering every
    content's windows first held ~2 GB on a first run over a million windows)."""
    expected = store.windows_by_hash(todo)
    partial: dict[str, list[np.ndarray]] = defaultdict(list)
    for hashes, vecs in store.windows.batches():
        for h, v in zip(hashes.tolist(), vecs, strict=True):
            n = expected.get(h)
            if n is None:
                continue
            partial[h].append(v)
            if len(partial[h]) >= n:
                yield h, np.vstack(partial.pop(h))
    for h, rest in partial.items():  # fewer windows than the row says: score what is there
        yield h, np.vstack(rest)


def _score(store: Store, scorer: UcsScorer, batch: dict[str, np.ndarray]) -> None:
    records = {r.content_hash: r for r in store.records_by_hash(list(batch))}
    guesses = {}
    for h, vecs in batch.items():
        rec = records.get(h)
        top = scorer.guess(vecs, rec.catid if rec else "", rec.text if rec else "")
        guesses[h] = [(g.catid, g.confidence) for g in top]
    store.annotations.put_guesses(guesses)


def guess_categories(store: Store, embedder: Embedder, t0: float) -> Iterator[IndexProgress]:
    todo = store.annotations.contents_without_guesses()
    if not todo:
        return
    yield IndexProgress("categories", 0, len(todo), message="suggesting UCS categories")
    scorer = scorer_for(store, embedder)
    batch: dict[str, np.ndarray] = {}
    done = 0
    for h, vecs in _complete_windows(store, todo):
        batch[h] = vecs
        if len(batch) >= COMMIT:
            _score(store, scorer, batch)
            done, batch = done + len(batch), {}
            yield IndexProgress("categories", done, len(todo), elapsed=time.monotonic() - t0)
    if batch:
        _score(store, scorer, batch)
    yield IndexProgress("categories", done + len(batch), len(todo),
                        elapsed=time.monotonic() - t0)  # fmt: skip
