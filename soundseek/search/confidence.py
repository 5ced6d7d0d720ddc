"""How sure a hit is: a confidence in 0-1 per hit, and where the strong matches end.

Raw relevance falls smoothly down a ranking, so it cannot say where matches stop. Each side is
judged against what an unrelated match looks like:

- Sound: the library's own null. A fixed set of diverse sound descriptions (one UCS
  subcategory per UCS category: `null_texts`) is scored against a sample of the library's
  windows. Each text's scores are standardised by their own median and spread (a text that
  scores high everywhere is not more relevant anywhere), and pooled: what unrelated texts do
  in this library. The query's best-window score is standardised the same way (by the query's
  own scores over the sample), and its confidence is the fraction of that null it beats.
  Null texts that say nearly what the query says (text cosine >= NEAR_QUERY) are left out.
- Words: by what matched (see `word_confidence`): every query word found, as itself, in a
  field that describes the sound is 1.0; stand-ins, run-together parts and folder names
  count less; words not found count nothing.

A hit's confidence is the better of its two sides. The divider never reorders: it falls after
the last hit of the ranking that is confident enough (STRONG), and every hit above it is
strong.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from soundseek.embed.base import caption_variants, normalise
from soundseek.index.nullcache import load_null, save_null
from soundseek.index.wordhits import PARTS, WordHit

STRONG = 0.8  # a hit this confident (or more) is a strong match
NEAR_QUERY = 0.95  # null texts this close to the query (text cosine) say what it says
NULL_SAMPLE = 4096  # library windows the null is measured on, at most
IDENTICAL = 1.0 - 1e-4  # a window this close to a query vector is the same sound
MIN_SPREAD = 1e-3  # a spread below this (a library of one sound) counts as this
FIELD_WEIGHT = {"filename": 1.0, "description": 1.0, "keywords": 1.0, "category": 1.0,
                "subcategory": 1.0, "folder": 0.8, "library": 0.7, PARTS: 0.7}  # fmt: skip
STAND_IN = 0.8  # a related word or a corrected typo matched, not the word itself


def null_texts() -> list[str]:
    """One subcategory of every UCS category ("weather thunder", "vehicles bus", ...): the
    kinds of sound a library holds, so that almost all of them are unrelated to any query.
    The middle subcategory of each (by CatID), not the first: the first is often MISC."""
    from soundseek.metadata.ucs import load_catalog

    by_category: dict[str, list] = {}
    for entry in sorted(load_catalog().by_catid.values(), key=lambda e: e.catid):
        by_category.setdefault(entry.category, []).append(entry)
    picks = [entries[len(entries) // 2] for _, entries in sorted(by_category.items())]
    return [f"{e.category} {e.subcategory}".lower() for e in picks]


def null_key(space: str, captions: bool, texts: Sequence[str]) -> str:
    """What the null's text vectors depend on: the model's vector space, whether queries are
    read as captions, and the texts themselves."""
    digest = hashlib.sha1("\n".join([space, str(captions), *texts]).encode()).hexdigest()
    return digest[:16]


def null_vectors(
    cache_dir: Path, space: str, captions: bool, embed_text: Callable[[list[str]], np.ndarray]
) -> np.ndarray:
    """The null texts' query vectors, read as queries are (embed.base.query_vector: the mean
    of caption phrasings), encoded in one batch (`embed_text`: the encoder's) once per model
    and kept in the cache folder."""
    texts = null_texts()
    key = null_key(space, captions, texts)
    vecs = load_null(cache_dir, key, len(texts))
    if vecs is None:
        variants = [caption_variants(t) if captions else [t] for t in texts]
        flat = np.asarray(embed_text([v for vs in variants for v in vs]), np.float32)
        ends = np.cumsum([len(vs) for vs in variants])[:-1]
        vecs = normalise(np.stack([part.mean(axis=0) for part in np.split(flat, ends)]))
        save_null(cache_dir, key, vecs)
    return vecs


def audio_null(sample: np.ndarray, count: int = 128) -> SoundNull:
    """More like this: the null is how random library windows resemble the library. The
    sample is split: up to `count` windows of one part ask, the other part answers (a window
    never meets itself)."""
    order = np.random.default_rng(1).permutation(len(sample))
    ask = order[: min(count, len(sample) // 2)]
    answer = np.sort(order[len(ask) :])
    return (
        SoundNull(sample[answer], sample[np.sort(ask)]) if len(ask) else SoundNull(sample, sample)
    )


def _center_spread(scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Median and interquartile spread (as a normal's sigma) along axis 0: robust to the
    few windows that do match a text."""
    q25, q50, q75 = np.quantile(scores, [0.25, 0.5, 0.75], axis=0)
    return q50, np.maximum((q75 - q25) / 1.349, MIN_SPREAD)


class SoundNull:
    """One library's null for sound matches: built from a sample of its window vectors and
    the null texts' query vectors; asked per query (`for_query`)."""

    def __init__(self, sample: np.ndarray, null_vecs: np.ndarray) -> None:
        self.sample = np.asarray(sample, np.float32)
        self.null_vecs = np.asarray(null_vecs, np.float32)
        scores = self.sample @ self.null_vecs.T  # windows x texts
        center, spread = _center_spread(scores)
        self.z = np.sort((scores - center) / spread, axis=0)  # each text's null, sorted
        self.pooled = np.sort(self.z.ravel())  # every text's, together

    def for_query(self, query_vecs: np.ndarray) -> Callable[[float], float]:
        """sim (a file's best-window cosine to any of the query vectors) → confidence."""
        q = np.asarray(query_vecs, np.float32).reshape(-1, self.sample.shape[1])
        center, spread = _center_spread((self.sample @ q.T).max(axis=1))
        near = np.flatnonzero((self.null_vecs @ q.T).max(axis=1) >= NEAR_QUERY)
        if len(near) == self.z.shape[1]:  # every null text says what the query says
            near = near[:0]
        total = self.z.shape[0] * (self.z.shape[1] - len(near))

        def confidence(sim: float) -> float:
            if sim >= IDENTICAL:  # the query's own sound: sure whatever the null says
                return 1.0
            z = (sim - center) / spread
            beaten = np.searchsorted(self.pooled, z) - sum(
                np.searchsorted(self.z[:, j], z) for j in near
            )
            return float(beaten / total)

        return confidence


def word_confidence(hit: WordHit, query_words: int) -> float:
    """The mean over the query's words of how each matched: 1.0 as itself in a field that
    describes the sound, less as a stand-in (related word, typo) or only in a folder name or
    a run-together word, 0 when not found. Only a file that matched every word well is sure."""
    if query_words <= 0:
        return 0.0
    total = 0.0
    for word, alt in hit.matched.items():
        where = hit.columns.get(word, [])
        field = max((FIELD_WEIGHT.get(c, 0.7) for c in where), default=0.7)
        total += field * (STAND_IN if alt.reason else 1.0)
    return min(1.0, total / query_words)


@dataclass(frozen=True)
class Judged:
    """A hit's confidence and whether it is above the divider."""

    confidence: float
    strong: bool


def divide(confidences: Sequence[float]) -> list[Judged]:
    """Strong down to the last hit at least STRONG (the ranking's order kept): everything
    above the divider is strong, everything below it weaker."""
    last = max((i for i, c in enumerate(confidences) if c >= STRONG), default=-1)
    return [Judged(c, i <= last) for i, c in enumerate(confidences)]
