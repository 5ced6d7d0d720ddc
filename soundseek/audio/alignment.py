"""Whether two files hold the same sound at a given alignment: the check behind a copy.

Landmark hashes say where two sounds line up; this says whether they are one sound there. It
reads only the overlap of the two files, brings both to the print rate and correlates their
log-mel frame sequences (gain-free: a level change is a constant in log) within a couple of
frames of the alignment. A re-encode, resample or gain change keeps it near 1; another strike
of the same drum, which shares many peaks, scores lower (measured in benchmarks/bench_dupes).
"""

from __future__ import annotations

import os
from functools import lru_cache

import numpy as np
import soxr

from soundseek.audio.decode import downmix, read_segment
from soundseek.audio.landmarks import NFFT
from soundseek.audio.soundprint import PRINT_RATE

MEL_HOP, MEL_BANDS = 240, 32  # 20 ms frames
CHECK_SECONDS = 20.0  # the overlap compared (a long copy is decided by its first 20 s)
HEAD_SECONDS = 30.0  # a file's start, kept for the next comparison
SPREAD = 2  # frames either side of the alignment


def _melbank() -> np.ndarray:
    mel = np.linspace(0, 2595 * np.log10(1 + (PRINT_RATE / 2 - 500) / 700), MEL_BANDS + 2)
    hz = 700 * (10 ** (mel / 2595) - 1)
    bins = np.fft.rfftfreq(NFFT, 1 / PRINT_RATE)[1:]
    bank = np.zeros((len(bins), MEL_BANDS), np.float32)
    for b in range(MEL_BANDS):
        lo, mid, hi = hz[b : b + 3]
        bank[:, b] = np.clip(np.minimum((bins - lo) / (mid - lo), (hi - bins) / (hi - mid)), 0, 1)
    return bank


_BANK = _melbank()
_WINDOW = np.hanning(NFFT).astype(np.float32)


def log_mel(mono: np.ndarray) -> np.ndarray:
    """(frames, MEL_BANDS) log-mel power of a PRINT_RATE signal."""
    if len(mono) < NFFT:
        mono = np.pad(mono, (0, NFFT - len(mono)))
    frames = np.lib.stride_tricks.sliding_window_view(mono, NFFT)[::MEL_HOP]
    power = np.abs(np.fft.rfft(frames * _WINDOW, axis=1))[:, 1:] ** 2
    return np.log(power @ _BANK + 1e-9).astype(np.float32)


def _read(path: str, start: float, seconds: float) -> np.ndarray:
    data, rate = read_segment(path, max(0.0, start), max(0.0, start) + seconds)
    mono = downmix(data) if len(data) else np.zeros(0, np.float32)
    return soxr.resample(mono, rate, PRINT_RATE, quality="LQ").astype(np.float32)


def frames_correlation(a: np.ndarray, b: np.ndarray, lag: int, spread: int = SPREAD) -> float:
    """Best normalised correlation of b placed at frame `lag` of a (+-spread) over the overlap."""
    best = -1.0
    for k in range(lag - spread, lag + spread + 1):
        lo, hi = max(0, -k), min(len(b), len(a) - k)
        if hi - lo < 1:
            continue
        x, y = a[lo + k : hi + k], b[lo:hi]
        x, y = x - x.mean(), y - y.mean()
        denom = np.sqrt((x * x).sum() * (y * y).sum())
        if denom > 0:
            best = max(best, float((x * y).sum() / denom))
    return best


@lru_cache(maxsize=64)
def _head(path: str, mtime_ns: int) -> np.ndarray:
    """Log-mel of a file's first HEAD_SECONDS: a file compared with several candidates (its
    other copies) is read once."""
    return log_mel(_read(path, 0.0, HEAD_SECONDS))


def _mel_from(path: str, start: float, seconds: float) -> tuple[np.ndarray, int]:
    """(log-mel from about `start`, the frame `start` falls on in it)."""
    if start + min(seconds, CHECK_SECONDS) <= HEAD_SECONDS:
        return _head(path, os.stat(path).st_mtime_ns), round(start * PRINT_RATE / MEL_HOP)
    return log_mel(_read(path, start, seconds)), 0


def aligned_similarity(outer: str, inner: str, offset_s: float, inner_s: float) -> float:
    """`inner` placed `offset_s` seconds into `outer` (negative: it starts before it): the
    log-mel correlation over their overlap, at most CHECK_SECONDS of it."""
    seconds = min(CHECK_SECONDS, inner_s - max(0.0, -offset_s)) + 0.1
    a, at_a = _mel_from(outer, max(0.0, offset_s), seconds)
    b, at_b = _mel_from(inner, max(0.0, -offset_s), seconds)
    frames = int(seconds * PRINT_RATE / MEL_HOP)
    return frames_correlation(a[at_a : at_a + frames], b[at_b : at_b + frames], 0)
