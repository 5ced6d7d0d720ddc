"""The last indexing stage: zero-shot UCS suggestions for contents embedded since last time
(all of them again after a model change; they are stored per vector space)."""

from __future__ import annotations

import hashlib
import time
from collections import defaultdict
from collections.abc import Iterator

import numpy as np

from soundseek.classify.ucs import UcsScorer, text_matrix
from soundseek.embed.base import Embedder
from soundseek.index.store import Store
from soundseek.indexing.progress import IndexProgress
from soundseek.metadata.ucs import load_catalog

COMMIT = 2048
TEXT_BATCH = 64


def scorer_for(store: Store, embedder: Embedder) -> UcsScorer:
    """The catalog's text vectors for this model, computed once and kept beside the index."""
    catalog = load_catalog()
    key = hashlib.blake2b(f"{store.info.space}|{catalog.version}".encode(), digest_size=8)
    name = f"ucs-text-{key.hexdigest()}"
    catids = list(catalog.by_catid)
    vecs = store.load_cache(name)
    if vecs is None or len(vecs) != len(catids):

        def embed(texts: list[str]) -> np.ndarray:
            parts = [embedder.embed_text(texts[i : i + TEXT_BATCH])
                     for i in range(0, len(texts), TEXT_BATCH)]  # fmt: skip
            return np.concatenate(parts)

        catids, vecs = text_matrix(catalog, embed)
        store.save_cache(name, vecs)
    return UcsScorer(catalog, catids, vecs)


def _windows_of(store: Store, todo: list[str]) -> dict[str, list[np.ndarray]]:
    wanted = np.asarray(sorted(todo), dtype=object)
    out: dict[str, list[np.ndarray]] = defaultdict(list)
    for hashes, vecs in store.window_vector_batches():
        keep = np.isin(hashes, wanted)
        for h, v in zip(hashes[keep], vecs[keep], strict=True):
            out[h].append(v)
    return out


def guess_categories(store: Store, embedder: Embedder, t0: float) -> Iterator[IndexProgress]:
    todo = store.contents_without_guesses()
    if not todo:
        return
    yield IndexProgress("categories", 0, len(todo), message="suggesting UCS categories")
    scorer = scorer_for(store, embedder)
    records = {r.content_hash: r for r in store.records_by_hash(todo)}
    pending: dict[str, list[tuple[str, float]]] = {}
    done = 0
    for h, vecs in _windows_of(store, todo).items():
        rec = records.get(h)
        top = scorer.guess(np.vstack(vecs), rec.catid if rec else "", rec.text if rec else "")
        pending[h] = [(g.catid, g.confidence) for g in top]
        if len(pending) >= COMMIT:
            store.put_guesses(pending)
            done, pending = done + len(pending), {}
            yield IndexProgress("categories", done, len(todo), elapsed=time.monotonic() - t0)
    store.put_guesses(pending)
    yield IndexProgress("categories", done + len(pending), len(todo),
                        elapsed=time.monotonic() - t0)  # fmt: skip
