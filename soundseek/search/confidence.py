"""How sure a hit is: a confidence in 0-1 per hit, and where the strong matches end.

Raw relevance falls smoothly down a ranking, so it cannot say where matches stop. Each side is
judged against what an unrelated match looks like:

- Sound: the library's own null, judged the way CLAP classifies. On a sample of the library's
  windows the query competes with every UCS subcategory (their captions,
  `classify.zero_shot.catalog_captions`, read as the suggestions read them): its share of a
  softmax over their cosines at CLAP's temperature is how surely that window is the query's
  rather than some other kind of sound. Fitted as a rising function of the query's cosine, that
  share is a hit's confidence (`SoundNull`). Subcategories that say nearly what the query says
  (text cosine >= NEAR_QUERY) do not compete. (A first version judged the query's standardised
  score against unrelated texts' standardised scores, pooled: on the trained test classes it
  called 14 of 40 files strong for "rain" and none for "whoosh"; this one, 8 and 8, all right.)
- Words: by what matched (see `word_confidence`): every query word found, as itself, in a
  field that describes the sound is 1.0; stand-ins, run-together parts and folder names
  count less; words not found count nothing.

A hit's confidence is the better of its two sides. The divider never reorders: it falls after
the last hit of the ranking that is confident enough (STRONG), and every hit above it is
strong.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from soundseek.classify.zero_shot import TEMPERATURE, caption_vectors
from soundseek.index.wordindex.columns import PARTS
from soundseek.index.wordindex.matches import WordHit

STRONG = 0.8  # a hit this confident (or more) is a strong match
NEAR_QUERY = 0.95  # null texts this close to the query (text cosine) say what it says
NULL_SAMPLE = 4096  # library windows the null is measured on, at most
IDENTICAL = 1.0 - 1e-4  # a window this close to a query vector is the same sound
FIELD_WEIGHT = {"filename": 1.0, "description": 1.0, "keywords": 1.0, "category": 1.0,
                "subcategory": 1.0, "folder": 0.8, "library": 0.7, PARTS: 0.7}  # fmt: skip
STAND_IN = 0.8  # a related word or a corrected typo matched, not the word itself


def null_vectors(
    cache_dir: Path, space: str, embed_text: Callable[[list[str]], np.ndarray],
    model_folder: Path | None = None,
) -> np.ndarray:  # fmt: skip
    """One vector per UCS subcategory, as the suggestions read it (classify.zero_shot: the
    mean of its two captions, the same cached matrix): the kinds of sound a library holds, so
    that for any window some of them describe it, and for any query almost all of them say
    something else. Encoded once per model and kept in the cache folder and `model_folder`
    (beside the model)."""
    from soundseek.metadata.ucs import load_catalog

    return caption_vectors(load_catalog(), space, embed_text, [model_folder, cache_dir])[1]


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


class SoundNull:
    """One library's null for sound matches: built from a sample of its window vectors and
    the null texts' query vectors; asked per query (`for_query`).

    Calibration by competition, the way CLAP classifies (its paper's zero-shot task): on
    every sampled window, the query and the null texts compete for the window, and the
    query's share of a softmax over their cosines at CLAP's temperature is how surely the
    window is the query's rather than one of those other kinds of sound. That share, fitted
    as a rising function of the query's cosine (isotonic), is the confidence of a hit with
    that cosine: "a window that resembles the query this much is, in this library, one the
    query describes better than unrelated descriptions do". A level such as "0.3 cosine"
    means nothing across models, libraries or queries; this does. Null texts that say nearly
    what the query says (text cosine >= NEAR_QUERY) do not compete."""

    def __init__(self, sample: np.ndarray, null_vecs: np.ndarray) -> None:
        self.sample = np.asarray(sample, np.float32)
        self.null_vecs = np.asarray(null_vecs, np.float32)
        self.rival_sims = self.sample @ self.null_vecs.T  # windows x null texts
        self.top = self.rival_sims.max(axis=1).astype(np.float64)  # per window
        self.mass = self._mass(slice(None))  # the softmax's rival mass, relative to `top`

    def _mass(self, columns) -> np.ndarray:
        return np.exp((self.rival_sims[:, columns] - self.top[:, None]) / TEMPERATURE).sum(1)

    def for_query(self, query_vecs: np.ndarray) -> Callable[[float], float]:
        """sim (a file's best-window cosine to any of the query vectors) → confidence."""
        q = np.asarray(query_vecs, np.float32).reshape(-1, self.sample.shape[1])
        sims = (self.sample @ q.T).max(axis=1)
        near = np.flatnonzero((self.null_vecs @ q.T).max(axis=1) >= NEAR_QUERY)
        if len(near) == len(self.null_vecs):  # every null text says what the query says
            near = near[:0]
        mass = np.maximum(self.mass - self._mass(near), 0.0) if len(near) else self.mass
        mine = np.exp(np.clip((sims - self.top) / TEMPERATURE, -700, 700))
        share = mine / np.maximum(mine + mass, 1e-300)
        order = np.argsort(sims, kind="stable")
        xs, fitted = sims[order], rising_fit(share[order])

        def confidence(sim: float) -> float:
            if sim >= IDENTICAL:  # the query's own sound: sure whatever the null says
                return 1.0
            return float(np.interp(sim, xs, fitted))

        return confidence


def rising_fit(y: np.ndarray) -> np.ndarray:
    """The least-squares non-decreasing fit of `y` (pool adjacent violators): a higher cosine
    never means a lower confidence, and the noise of single windows is averaged out."""
    means: list[float] = []
    sizes: list[int] = []
    for value in y.tolist():
        means.append(value)
        sizes.append(1)
        while len(means) > 1 and means[-2] > means[-1]:
            size = sizes[-2] + sizes[-1]
            means[-2] = (means[-2] * sizes[-2] + means[-1] * sizes[-1]) / size
            sizes[-2] = size
            means.pop()
            sizes.pop()
    return np.repeat(np.asarray(means, np.float32), sizes)


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
