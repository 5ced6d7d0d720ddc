"""Zero-shot UCS categories: every subcategory as text, scored against a file's windows.

Each of the 752 subcategories becomes two captions (its name, and its name with the UCS
explanation); their text vectors, averaged, are computed once per model. A file's score for a
subcategory is its best window's cosine; what its name and metadata already say adds a bonus
(its own CatID most of all). A softmax turns scores into confidences; the top three are kept.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from soundseek.index.vectors.textcache import cached_vectors
from soundseek.metadata.text import words
from soundseek.metadata.ucs import UcsCatalog, UcsCategory

TOP = 3
TEMPERATURE = 0.05  # cosine differences of a few hundredths separate CLAP's good matches
OWN_CATID_BONUS = 0.10  # the file already says it, in its name or iXML
WORD_BONUS = 0.02  # per subcategory word found in the file's own words


@dataclass(frozen=True)
class CategoryGuess:
    catid: str
    confidence: float


def captions(cat: UcsCategory) -> list[str]:
    name = f"{cat.category.lower()} {cat.subcategory.lower()}".replace("-", " ")
    explanation = cat.explanation.split(".")[0][:200]
    return [f"the sound of {name}", f"{name}: {explanation}".strip(" :")]


TEXT_BATCH = 64


def caption_vectors(
    catalog: UcsCatalog, space: str, embed_text, folders: Sequence[Path | None]
) -> tuple[list[str], np.ndarray]:
    """`text_matrix` for the model of vector `space`, encoded once and kept in `folders`
    (index.vectors.textcache): the suggestions and the search's confidence null both use it."""
    digest = hashlib.sha1("\n".join([space, *catalog_captions(catalog)]).encode())
    vecs = cached_vectors(folders, f"captions-{digest.hexdigest()[:16]}", len(catalog.by_catid),
                          lambda: text_matrix(catalog, by_length(embed_text))[1])  # fmt: skip
    return list(catalog.by_catid), vecs


@functools.lru_cache(maxsize=4)
def catalog_captions(catalog: UcsCatalog) -> tuple[str, ...]:
    """Every subcategory's two captions, flattened in catalog order: made once per catalog
    and process (building the 1,504 captions was ~750 calls on every query)."""
    return tuple(c for cat in catalog.by_catid.values() for c in captions(cat))


def by_length(embed_text, batch: int = TEXT_BATCH):
    """`embed_text` over texts of like length, `batch` at a time: a batch is padded to its
    longest text, and the catalog's captions alternate short and long (1.8x the speed on a
    full-size text tower, whose 1,504 captions took ~80 s unsorted on a 2-core CPU)."""

    def embed(texts: list[str]) -> np.ndarray:
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        ranked = [texts[i] for i in order]
        parts = [embed_text(ranked[i : i + batch]) for i in range(0, len(ranked), batch)]
        vecs = np.concatenate(parts) if parts else np.zeros((0, 0), np.float32)
        out = np.empty_like(vecs)
        out[order] = vecs
        return out

    return embed


def text_matrix(catalog: UcsCatalog, embed_text) -> tuple[list[str], np.ndarray]:
    """(catids, one unit vector per subcategory) from the model's text encoder."""
    texts, count = list(catalog_captions(catalog)), len(catalog.by_catid)
    vecs = np.asarray(embed_text(texts), dtype=np.float32).reshape(count, 2, -1).mean(axis=1)
    vecs /= np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)
    return list(catalog.by_catid), vecs


class UcsScorer:
    """The catalog's text vectors for one model, and each subcategory's own words."""

    def __init__(self, catalog: UcsCatalog, catids: list[str], text_vecs: np.ndarray) -> None:
        self.catids, self.text_vecs = catids, text_vecs
        self._index = {c: i for i, c in enumerate(catids)}
        self._words = [
            set(words(f"{catalog.by_catid[c].category} {catalog.by_catid[c].subcategory}"))
            for c in catids
        ]

    def bonus(self, own_catid: str, text: str) -> np.ndarray:
        """What the file's name and metadata already say, as score added per subcategory."""
        own = set(words(text))
        out = np.array([WORD_BONUS * len(own & w) for w in self._words], dtype=np.float32)
        if own_catid in self._index:
            out[self._index[own_catid]] += OWN_CATID_BONUS
        return out

    def guess(
        self, windows: np.ndarray, own_catid: str = "", text: str = ""
    ) -> list[CategoryGuess]:
        """The top subcategories for one file's window vectors, with softmax confidences."""
        score = (windows @ self.text_vecs.T).max(axis=0) + self.bonus(own_catid, text)
        p = np.exp((score - score.max()) / TEMPERATURE)
        p /= p.sum()
        return [CategoryGuess(self.catids[i], float(p[i])) for i in np.argsort(-p)[:TOP]]
