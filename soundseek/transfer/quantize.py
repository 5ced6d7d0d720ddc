"""Float samples to the target's integers: TPDF dither when the depth goes down (or the audio
was processed), none when a PCM source is only copied or padded (16 -> 24 stays bit-exact).

The integers are handed to libsndfile left-justified in int32, so a 24-bit file holds
exactly the values computed here (libsndfile keeps the top 24 bits).
"""

from __future__ import annotations

import numpy as np

SUBTYPES = {"16": "PCM_16", "24": "PCM_24", "32": "PCM_32", "32f": "FLOAT"}


def depth_of(bits: str) -> int:
    """16, 24, 32 for PCM; 0 for float (no quantisation)."""
    return 0 if bits == "32f" else int(bits)


def needs_dither(source_depth: int, target_bits: str, processed: bool) -> bool:
    """Dither whenever the target grid is coarser than what the samples carry: a deeper (or
    float, or compressed: depth 0) source, or audio that resampling, fades or varispeed turned
    into new values. 32-bit PCM has no audible quantisation to hide."""
    target = depth_of(target_bits)
    if target in (0, 32):
        return False
    return processed or source_depth == 0 or source_depth > target


class Quantizer:
    """Turns float blocks into int32 (left-justified) or float32 blocks for the writer. The
    dither noise is seeded, so the same transfer makes the same bytes."""

    def __init__(self, bits: str, dither: bool, seed: int) -> None:
        self.depth = depth_of(bits)
        self.dither = dither
        self.rng = np.random.default_rng(seed)

    def __call__(self, block: np.ndarray) -> np.ndarray:
        if self.depth == 0:
            return np.ascontiguousarray(block, dtype=np.float32)
        scale = float(2 ** (self.depth - 1))
        x = block.astype(np.float64) * scale
        if self.dither:  # TPDF: two uniform LSBs, peak ±1 LSB
            x += self.rng.random(x.shape) - self.rng.random(x.shape)
        q = np.clip(np.round(x), -scale, scale - 1).astype(np.int64)
        return (q << (32 - self.depth)).astype(np.int32)
