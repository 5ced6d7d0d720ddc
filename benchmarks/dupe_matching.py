"""Indexes and matching for bench_dupe_methods: an inverted index of (key, item, position)
rows as sorted arrays, and per method the pairs each item reports, as (item, score, offset_s)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from benchmarks.dupe_fingerprints import (
    CP_HOP_S,
    FP_RATE,
    LM_HOP,
    MEL_HOP,
    mel_ncc,
    mel_ncc_at,
    wave_ncc,
)
from soundseek.index.prints.voting import offset_votes


@dataclass
class Item:
    """One decoded sound: an original (transform "orig") or a copy of one."""

    family: int
    transform: str
    mono: np.ndarray  # mono at FP_RATE
    duration: float
    offset: float = 0.0  # where a region starts in its original (s)
    path: str = ""
    fps: dict = field(default_factory=dict)


class PostingIndex:
    """An inverted index (key -> (item, position)) as sorted arrays: what an on-disk table of
    (key, file, position) rows gives at scale. `query` returns, per other item, the number of
    keys agreeing on its best relative offset (+-1 position) and that offset."""

    def __init__(self, rows: list[np.ndarray]) -> None:
        keys, items, pos = [], [], []
        for i, r in enumerate(rows):
            keys.append(r[:, 0])
            pos.append(r[:, 1])
            items.append(np.full(len(r), i, np.int64))
        self.keys, self.items, self.pos = (np.concatenate(x) for x in (keys, items, pos))
        order = np.argsort(self.keys, kind="stable")
        self.keys, self.items, self.pos = self.keys[order], self.items[order], self.pos[order]

    def query(self, rows: np.ndarray) -> dict[int, tuple[int, int]]:
        if not len(rows):
            return {}
        lo = np.searchsorted(self.keys, rows[:, 0], "left")
        hi = np.searchsorted(self.keys, rows[:, 0], "right")
        n = hi - lo
        if not n.sum():
            return {}
        starts = np.repeat(lo - np.r_[0, np.cumsum(n)[:-1]], n) + np.arange(n.sum())
        return offset_votes(self.items[starts], self.pos[starts] - np.repeat(rows[:, 1], n))


def landmark_matches(items: list[Item]) -> dict[int, list[tuple[int, float, float]]]:
    """Per query: (item, score, offset_s); score = agreeing hashes / the smaller hash count,
    kept only with at least LM_MIN agreeing hashes."""
    rows = [it.fps["landmark"] for it in items]
    index, sizes, out = PostingIndex(rows), [len(r) for r in rows], {}
    for q, r in enumerate(rows):
        hits = index.query(r)
        out[q] = [
            (i, c / max(1, min(sizes[q], sizes[i])), off * LM_HOP / FP_RATE)
            for i, (c, off) in hits.items()
            if i != q and c >= LM_MIN
        ]
    return out


LM_MIN = 6


Matches = dict[int, list[tuple[int, float, float]]]


def _checked(items: list[Item], check) -> Matches:
    """Landmark candidates (score >= 0.05), each scored again by `check(i, q, offset)`
    (None: not comparable, dropped)."""
    out = {}
    for q, found in landmark_matches(items).items():
        scored = ((i, check(i, q, off), off) for i, score, off in found if score >= 0.05)
        out[q] = [(i, s, off) for i, s, off in scored if s is not None]
    return out


def verified_matches(items: list[Item]) -> Matches:
    """Landmark candidates checked at the landmark offset: the score is the log-mel sequence
    correlation there (+-2 frames), which separates two strikes of one bell."""

    def mel(i: int, q: int, off: float) -> float:
        lag = round(off * FP_RATE / MEL_HOP)
        return mel_ncc_at(items[i].fps["melvec"][1], items[q].fps["melvec"][1], lag)

    return _checked(items, mel)


def chromaprint_matches(items: list[Item]) -> dict[int, list[tuple[int, float, float]]]:
    """Candidates share 28-bit item prefixes at one offset (inverted index); the score is
    1 - bit error rate over the overlap at that offset."""
    fps = [it.fps["chromaprint"] for it in items]
    rows = [np.stack([f.astype(np.int64) >> 4, np.arange(len(f))], axis=1) for f in fps]
    index, out = PostingIndex(rows), {}
    for q, r in enumerate(rows):
        found = []
        hits = sorted(index.query(r).items(), key=lambda kv: -kv[1][0])[:20]
        for i, (_c, off) in hits:
            if i == q:
                continue
            a, b = fps[i], fps[q]  # b[k] aligns with a[k + off]
            lo, hi = max(0, -off), min(len(b), len(a) - off)
            if hi - lo < 1:
                continue
            x = np.bitwise_xor(a[lo + off : hi + off], b[lo:hi])
            ber = np.unpackbits(x.view(np.uint8)).mean()
            found.append((i, 1.0 - float(ber), off * CP_HOP_S))
        out[q] = found
    return out


def melvec_matches(items: list[Item], top: int = 8) -> dict[int, list[tuple[int, float, float]]]:
    """Candidates: the `top` nearest summary vectors with cosine >= 0.9 (what an ANN returns);
    score: the log-mel sequence correlation at the best lag."""
    vecs = np.stack([it.fps["melvec"][0] for it in items])
    out = {}
    for q in range(len(items)):
        sims = vecs @ vecs[q]
        sims[q] = -1
        cands = [i for i in np.argsort(sims)[::-1][:top] if sims[i] >= 0.9]
        found = []
        for i in cands:
            score, lag = mel_ncc(items[i].fps["melvec"][1], items[q].fps["melvec"][1])
            found.append((int(i), score, lag * MEL_HOP / FP_RATE))
        out[q] = found
    return out


WAVE_SLACK, WAVE_MAX_S = 256, 10.0


def wave_matches(items: list[Item]) -> Matches:
    """Landmark candidates checked on the waveforms at the landmark offset (+-WAVE_SLACK
    samples, the first WAVE_MAX_S s of the overlap): the score is the waveform correlation.
    At index time the candidate is decoded again (only candidates are)."""

    def wave(i: int, q: int, off: float) -> float | None:
        a, b, k = items[i].mono, items[q].mono, round(off * FP_RATE)
        lo, hi = max(0, -k), min(len(b), len(a) - k, max(0, -k) + int(WAVE_MAX_S * FP_RATE))
        if hi - lo < 64:
            return None
        return wave_ncc(a[max(0, lo + k - WAVE_SLACK) : hi + k + WAVE_SLACK], b[lo:hi])

    return _checked(items, wave)
