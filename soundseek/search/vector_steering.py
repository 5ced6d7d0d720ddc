"""Moving a sound query: "like this, but more distant" and "more like these, not those".

- A text change is a direction in CLAP's joint space: the text vector of what to add minus
  that of what to take away (or of a neutral caption, when one side is empty). Differences
  of text vectors cancel what all texts share (the gap between text and audio vectors), so
  the reference sound moves toward the change, not toward "text-ness".
- Feedback is Rocchio's: the query moves toward the mean vector of the files marked good and
  away from the files marked bad (those are also left out of the results).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

NEUTRAL = "a sound"
# How far a text change moves a unit query vector. Audio-to-audio similarities run near 1 and
# text-to-audio ones near 0.3, so a small step changes nothing: on the trained tiny model a
# rain file's five neighbours stayed rain at 0.6 and 1.0, were 3-4 thunder at 1.5-2.0.
STEER = 1.5
ROCCHIO_KEEP, ROCCHIO_GOOD, ROCCHIO_BAD = 1.0, 0.8, 0.3


def unit_rows(vecs: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vecs, axis=-1, keepdims=True)
    return (vecs / np.maximum(norms, 1e-9)).astype(np.float32)


def moved(vecs: np.ndarray, direction: np.ndarray, amount: float = STEER) -> np.ndarray:
    """Every query vector pushed along a unit direction, back on the unit sphere."""
    return unit_rows(vecs + amount * direction[None, :])


def moved_by_text(
    vecs: np.ndarray, embed: Callable[[str], np.ndarray], plus: str, minus: str
) -> np.ndarray:
    """Query vectors moved along text(plus) − text(minus), a neutral caption standing in for
    an empty side (`embed`: text → unit query vector); unchanged when the texts agree."""
    direction = embed(plus.strip() or NEUTRAL) - embed(minus.strip() or NEUTRAL)
    norm = float(np.linalg.norm(direction))
    return moved(vecs, direction / norm) if norm > 1e-6 else vecs


def rocchio(vecs: np.ndarray, good: np.ndarray | None, bad: np.ndarray | None) -> np.ndarray:
    """q' = q + b·mean(good) − c·mean(bad), per query vector (each argument unit vectors)."""
    out = ROCCHIO_KEEP * vecs
    if good is not None and len(good):
        out = out + ROCCHIO_GOOD * unit_rows(good.mean(axis=0))[None, :]
    if bad is not None and len(bad):
        out = out - ROCCHIO_BAD * unit_rows(bad.mean(axis=0))[None, :]
    return unit_rows(out)
