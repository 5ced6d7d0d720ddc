"""A tag learned from a few files: L2-regularised logistic regression over file vectors.

Small on purpose (a few to a few thousand examples, 512 dimensions): Newton steps on the
class-balanced loss converge in a handful of iterations and need nothing beyond NumPy. The
files a user tagged are positives; files they rejected are negatives; every other file is a
weak negative (most files do not carry any given tag), weighted so that all of them together
count as much as the positives.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

MIN_EXAMPLES = 3  # below this a tag is not learned
REJECTED_WEIGHT = 3.0  # a rejection says more than an unlabelled file


@dataclass(frozen=True)
class Suggestion:
    content_hash: str
    confidence: float  # the model's probability that the tag applies


def file_means(batches: Iterable[tuple[np.ndarray, np.ndarray]]) -> tuple[list[str], np.ndarray]:
    """One unit vector per content, the mean of its window vectors, from (hashes, vectors)
    batches summed as they come: never every window vector in memory at once."""
    keys_parts, sums_parts = [], []
    for hashes, vectors in batches:
        keys, sums = _sum_by(hashes, vectors)
        keys_parts.append(keys)
        sums_parts.append(sums)
    if not keys_parts:
        return [], np.zeros((0, 0), dtype=np.float32)
    keys, sums = _sum_by(np.concatenate(keys_parts), np.concatenate(sums_parts))
    sums /= np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-12)
    return keys.tolist(), sums.astype(np.float32)


def _sum_by(hashes: np.ndarray, vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    keys, inverse = np.unique(hashes, return_inverse=True)
    sums = np.zeros((len(keys), vectors.shape[1]), dtype=np.float64)
    np.add.at(sums, inverse, vectors)
    return keys, sums


def fit(x: np.ndarray, y: np.ndarray, weight: np.ndarray, l2: float = 1.0, steps: int = 25):
    """Weights and bias of a logistic regression (Newton's method, L2 on the weights)."""
    xb = np.hstack([x.astype(np.float64), np.ones((len(x), 1))])
    w = np.zeros(xb.shape[1])
    reg = np.full(xb.shape[1], l2)
    reg[-1] = 0.0
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-np.clip(xb @ w, -30, 30)))
        grad = xb.T @ (weight * (p - y)) + reg * w
        hess = (xb * (weight * p * (1 - p))[:, None]).T @ xb + np.diag(reg + 1e-9)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-6:
            break
    return w[:-1], w[-1]


def suggest(
    hashes: list[str], x: np.ndarray, positives: set[str], rejected: set[str], limit: int = 50
) -> list[Suggestion]:
    """Untagged, unrejected contents ranked by how likely the tag applies."""
    pos = np.array([h in positives for h in hashes])
    if pos.sum() < MIN_EXAMPLES:
        return []
    rej = np.array([h in rejected for h in hashes])
    y = pos.astype(np.float64)
    weight = np.where(pos, 1.0, np.where(rej, REJECTED_WEIGHT, 1.0))
    loose = ~pos & ~rej
    if loose.any():  # all unlabelled files together weigh what the positives weigh
        weight[loose] = pos.sum() / loose.sum()
    w, b = fit(x, y, weight, l2=0.1 * pos.sum())
    score = 1.0 / (1.0 + np.exp(-np.clip(x @ w + b, -30, 30)))
    order = [i for i in np.argsort(-score) if loose[i]][:limit]
    return [Suggestion(hashes[i], float(score[i])) for i in order]
