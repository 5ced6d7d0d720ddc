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


NOISE_LENGTH = 1 << 20  # ~5.5 s of stereo noise at 96 kHz, read from a random place
_TABLE: np.ndarray | None = None


def _noise_table() -> np.ndarray:
    """TPDF noise (the difference of two uniform LSBs, peak ±1 LSB), drawn once per process
    from a fixed seed and stored twice over, so any block up to NOISE_LENGTH samples is one
    slice; float32 (4 MB a copy) is ample for noise one LSB high."""
    global _TABLE
    if _TABLE is None:
        rng = np.random.default_rng(0x50D5EE)
        once = (rng.random(NOISE_LENGTH) - rng.random(NOISE_LENGTH)).astype(np.float32)
        _TABLE = np.concatenate([once, once])
    return _TABLE


class Quantizer:
    """Turns float blocks into int32 (left-justified) or float32 blocks for the writer. The
    dither is the process's noise table read from places the transfer's seed picks, so the
    same transfer makes the same bytes; drawing two random numbers per sample instead cost a
    fifth of a transfer's time."""

    def __init__(self, bits: str, dither: bool, seed: int) -> None:
        self.depth = depth_of(bits)
        self.dither = dither
        self.rng = np.random.default_rng(seed)

    def _noise(self, shape: tuple[int, ...]) -> np.ndarray:
        size = int(np.prod(shape))
        table = _noise_table()
        if size > NOISE_LENGTH:  # a huge block (an upsampled one): noise repeated end to end
            table = np.tile(table, -(-size // NOISE_LENGTH))
        start = int(self.rng.integers(0, NOISE_LENGTH))
        return table[start : start + size].reshape(shape)

    def __call__(self, block: np.ndarray) -> np.ndarray:
        if self.depth == 0:
            return np.ascontiguousarray(block, dtype=np.float32)
        scale = float(2 ** (self.depth - 1))
        x = block.astype(np.float64) * scale
        if self.dither:
            x += self._noise(x.shape)
        np.round(x, out=x)
        np.clip(x, -scale, scale - 1, out=x)
        return x.astype(np.int32) << (32 - self.depth)
