"""Whether two files hold the same sound at a given alignment: the check behind a copy.

Landmark hashes say where two sounds line up; this says whether they are one sound there. It
reads only the overlap of the two files, brings both to the print rate and correlates their
log-mel frame sequences (gain-free: a level change is a constant in log) within a couple of
frames of the alignment. A re-encode, resample or gain change keeps it near 1; another strike
of the same drum, which shares many peaks, scores lower (measured in benchmarks/bench_dupes).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import soxr

from soundseek.audio.decode import downmix, read_segment
from soundseek.audio.landmarks import NFFT
from soundseek.audio.soundprint import PRINT_RATE

MEL_HOP, MEL_BANDS = 240, 32  # 20 ms frames
CHECK_SECONDS = 20.0  # the overlap compared (a long copy is decided by its first 20 s)
HEAD_SECONDS = 30.0  # a file's start, kept for the next comparison
WAVE_SECONDS = 5.0  # the waveform check's span
BLOCK, BLOCK_FLOOR = 600, 1e-3  # 50 ms pieces; those 30 dB under the loudest are not judged
WAVE_SLACK = 720  # samples either side of the landmarks' alignment (60 ms: a loop's or a
# decaying hit's hashes can agree a few frames off the true alignment)
SPREAD = 2  # frames either side of the alignment


def melbank(rate: int = PRINT_RATE, nfft: int = NFFT, bands: int = MEL_BANDS,
            top_hz: float = PRINT_RATE / 2 - 500) -> np.ndarray:  # fmt: skip
    """(nfft/2, bands) triangular mel filters over the bins above DC, up to `top_hz`."""
    mel = np.linspace(0, 2595 * np.log10(1 + top_hz / 700), bands + 2)
    hz = 700 * (10 ** (mel / 2595) - 1)
    bins = np.fft.rfftfreq(nfft, 1 / rate)[1:]
    bank = np.zeros((len(bins), bands), np.float32)
    for b in range(bands):
        lo, mid, hi = hz[b : b + 3]
        bank[:, b] = np.clip(np.minimum((bins - lo) / (mid - lo), (hi - bins) / (hi - mid)), 0, 1)
    return bank


_BANK = melbank()
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


@dataclass(frozen=True)
class Check:
    """How alike two aligned sounds are: `mel`, the log-mel frames' correlation (spectral
    shape over time, codec-proof); `wave`, the waveforms' best normalised correlation within
    WAVE_SLACK samples of the alignment (gain-proof; another strike of one drum, or a tone a
    little higher, falls well below a copy's)."""

    mel: float
    wave: float
    shift_s: float = 0.0  # where the waveforms line up best, from the alignment asked for


@lru_cache(maxsize=16)
def _head(path: str, mtime_ns: int) -> np.ndarray:
    """A file's first HEAD_SECONDS at the print rate: a file compared with several candidates
    (its other copies) is read once."""
    return _read(path, 0.0, HEAD_SECONDS)


def _audio_from(path: str, start: float, seconds: float) -> np.ndarray:
    if start + seconds <= HEAD_SECONDS:
        head = _head(path, os.stat(path).st_mtime_ns)
        first = round(start * PRINT_RATE)
        return head[first : first + round(seconds * PRINT_RATE)]
    return _read(path, start, seconds)


def wave_correlation(long: np.ndarray, short: np.ndarray) -> float:
    """Best normalised correlation of `short` anywhere inside `long` (FFT). A `short` longer
    than `long` (two files a resampler made a sample apart) is cut to it."""
    return wave_alignment(long, short)[0]


def wave_alignment(long: np.ndarray, short: np.ndarray) -> tuple[float, int]:
    """(best normalised correlation, the sample of `long` where `short` fits best)."""
    short = short[: len(long)]
    if len(short) < 64 or not np.any(short):
        return 0.0, 0
    n = 1 << int(np.ceil(np.log2(len(long) + len(short))))
    corr = np.fft.irfft(np.fft.rfft(long, n) * np.conj(np.fft.rfft(short, n)), n)
    lags = len(long) - len(short) + 1
    energy = np.r_[0.0, np.cumsum(long.astype(np.float64) ** 2)]
    window = energy[len(short) : len(short) + lags] - energy[:lags]
    ncc = corr[:lags] / (np.sqrt(window * float((short.astype(np.float64) ** 2).sum())) + 1e-12)
    best = int(np.argmax(ncc))
    return _between_samples(long, short, ncc, best), best


def _between_samples(long: np.ndarray, short: np.ndarray, ncc: np.ndarray, at: int) -> float:
    """The correlation at the fraction of a sample where the peak really is: two cuts of one
    sound rarely start on the same instant of the print rate's grid, and at 12 kHz half a
    sample decorrelates the top octave. The fraction comes from a parabola through the peak;
    `short` is delayed by it in the frequency domain."""
    frac = 0.0
    if 0 < at < len(ncc) - 1:
        y0, y1, y2 = ncc[at - 1], ncc[at], ncc[at + 1]
        bend = y0 - 2 * y1 + y2
        frac = 0.5 * (y0 - y2) / bend if bend < 0 else 0.0
    n = len(short)
    spec = np.fft.rfft(short.astype(np.float64), 2 * n)
    delayed = np.fft.irfft(spec * np.exp(-2j * np.pi * np.fft.rfftfreq(2 * n) * frac), 2 * n)[:n]
    seg = long[at : at + n].astype(np.float64)
    return _blockwise(seg, delayed)


def _blockwise(x: np.ndarray, y: np.ndarray) -> float:
    """The mean correlation of BLOCK-long pieces that are not near silence (within BLOCK_FLOOR
    of the loudest): every part of the sound counts, not just its loud attack, so two strikes
    of one bell, alike at the hit and apart in the ring, do not pass as one recording."""
    n = len(x) // BLOCK
    if n < 1:
        denom = np.sqrt((x * x).sum() * (y * y).sum())
        return float((x * y).sum() / denom) if denom > 0 else -1.0
    xb, yb = x[: n * BLOCK].reshape(n, BLOCK), y[: n * BLOCK].reshape(n, BLOCK)
    ex, ey = (xb * xb).sum(axis=1), (yb * yb).sum(axis=1)
    loud = ex >= ex.max() * BLOCK_FLOOR
    ncc = (xb * yb).sum(axis=1)[loud] / (np.sqrt(ex[loud] * ey[loud]) + 1e-20)
    return float(ncc.mean())


def aligned_check(outer: str, inner: str, offset_s: float, inner_s: float) -> Check:
    """`inner` placed `offset_s` seconds into `outer` (negative: it starts before it), compared
    over their overlap (at most CHECK_SECONDS of it)."""
    seconds = max(0.05, min(CHECK_SECONDS, inner_s - max(0.0, -offset_s)))
    slack = WAVE_SLACK / PRINT_RATE
    start = max(0.0, offset_s)
    a = _audio_from(outer, max(0.0, start - slack), seconds + 2 * slack)
    b = _audio_from(inner, max(0.0, -offset_s), seconds)
    lead = round((start - max(0.0, start - slack)) * PRINT_RATE)
    mel = frames_correlation(log_mel(a[lead : lead + len(b)]), log_mel(b), 0)
    span = round(WAVE_SECONDS * PRINT_RATE)
    wave, at = wave_alignment(a[: span + 2 * WAVE_SLACK], b[:span])
    return Check(mel, wave, (at - lead) / PRINT_RATE)
